//! The one table of commands: names, help texts, and what their arguments are. It feeds `help`,
//! dispatch, shell completion, shell-completion scripts and the man page.

/// What a command's arguments name, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Args {
    None,
    /// Processes: `name`, `group:name`, `group:*`, `all`.
    Processes,
    /// Processes that are not running (`start`, `quickstart`).
    StoppedProcesses,
    /// Processes that are running (`stop`, `quickstop`).
    RunningProcesses,
    /// Process groups (`add`, `remove`, `update`).
    Groups,
    /// A signal name, then processes.
    Signal,
    /// A process, then `stdout`/`stderr`.
    Tail,
    /// Command names.
    Topics,
    Url,
}

pub struct CommandSpec {
    pub name: &'static str,
    /// Each entry is one `output()` call of stock's `help_<name>`.
    pub help: &'static [&'static str],
    pub args: Args,
    /// One line for the man page and completion descriptions.
    pub summary: &'static str,
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "add",
        help: &["add <name> [...]\tActivates any updates in config for process/group"],
        args: Args::Groups,
        summary: "Activate updates in config for processes or groups",
    },
    CommandSpec {
        name: "avail",
        help: &["avail\t\t\tDisplay all configured processes"],
        args: Args::None,
        summary: "Display all configured processes",
    },
    CommandSpec {
        name: "clear",
        help: &[
            "clear <name>\t\tClear a process' log files.",
            "clear <name> <name>\tClear multiple process' log files",
            "clear all\t\tClear all process' log files",
        ],
        args: Args::Processes,
        summary: "Clear process log files",
    },
    CommandSpec {
        name: "exit",
        help: &["exit\tExit the supervisor shell."],
        args: Args::None,
        summary: "Exit the supervisor shell",
    },
    CommandSpec {
        name: "fg",
        help: &[
            "fg <process>\tConnect to a process in foreground mode",
            "\t\tCtrl-C to exit",
        ],
        args: Args::Processes,
        summary: "Connect to a process in foreground mode",
    },
    CommandSpec {
        name: "maintail",
        help: &[
            "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\nmaintail -100\tlast 100 *bytes* of supervisord main log file\nmaintail\tlast 1600 *bytes* of supervisor main log file\n",
        ],
        args: Args::None,
        summary: "Tail the supervisord main log",
    },
    CommandSpec {
        name: "open",
        help: &[
            "open <url>\tConnect to a remote supervisord process.",
            "\t\t(for UNIX domain socket, use unix:///socket/path)",
        ],
        args: Args::Url,
        summary: "Connect to a remote supervisord",
    },
    CommandSpec {
        name: "pid",
        help: &[
            "pid\t\t\tGet the PID of supervisord.",
            "pid <name>\t\tGet the PID of a single child process by name.",
            "pid all\t\t\tGet the PID of every child process, one per line.",
        ],
        args: Args::Processes,
        summary: "Get the PID of supervisord or of processes",
    },
    CommandSpec {
        name: "quickrestart",
        help: &[
            "quickrestart <pattern> [...]\tRestart processes concurrently; each is started as soon as it has stopped",
            "\t\t\t\tPatterns: name, group:name, group:*, all, or a glob (*, ?) over the status names",
            "quickrestart --batch K <pattern>\tRestart at most K processes at a time (a rolling restart)",
            "quickrestart --timeout S <pattern>\tGive up waiting after S seconds (default 60)",
            "quickrestart --json <pattern>\tPrint the results as one JSON document",
        ],
        args: Args::Processes,
        summary: "Restart processes concurrently and wait until they run",
    },
    CommandSpec {
        name: "quickstart",
        help: &[
            "quickstart <pattern> [...]\tStart processes concurrently; done when each is RUNNING",
            "\t\t\t\tPatterns: name, group:name, group:*, all, or a glob (*, ?) over the status names",
            "quickstart --batch K <pattern>\tStart at most K processes at a time",
            "quickstart --timeout S <pattern>\tGive up waiting after S seconds (default 60)",
            "quickstart --json <pattern>\tPrint the results as one JSON document",
        ],
        args: Args::StoppedProcesses,
        summary: "Start processes concurrently and wait until they run",
    },
    CommandSpec {
        name: "quickstop",
        help: &[
            "quickstop <pattern> [...]\tStop processes concurrently; done when each has stopped",
            "\t\t\t\tPatterns: name, group:name, group:*, all, or a glob (*, ?) over the status names",
            "quickstop --batch K <pattern>\tStop at most K processes at a time",
            "quickstop --timeout S <pattern>\tGive up waiting after S seconds (default 60)",
            "quickstop --json <pattern>\tPrint the results as one JSON document",
        ],
        args: Args::RunningProcesses,
        summary: "Stop processes concurrently and wait until they stop",
    },
    CommandSpec {
        name: "quit",
        help: &["quit\tExit the supervisor shell."],
        args: Args::None,
        summary: "Exit the supervisor shell",
    },
    CommandSpec {
        name: "reload",
        help: &["reload \t\tRestart the remote supervisord."],
        args: Args::None,
        summary: "Restart the remote supervisord",
    },
    CommandSpec {
        name: "remove",
        help: &["remove <name> [...]\tRemoves process/group from active config"],
        args: Args::Groups,
        summary: "Remove processes or groups from the active config",
    },
    CommandSpec {
        name: "reread",
        help: &["reread \t\t\tReload the daemon's configuration files without add/remove"],
        args: Args::None,
        summary: "Reload the daemon's configuration files without add/remove",
    },
    CommandSpec {
        name: "restart",
        help: &[
            "restart <name>\t\tRestart a process",
            "restart <gname>:*\tRestart all processes in a group",
            "restart <name> <name>\tRestart multiple processes or groups",
            "restart all\t\tRestart all processes",
            "Note: restart does not reread config files. For that, see reread and update.",
        ],
        args: Args::Processes,
        summary: "Restart processes",
    },
    CommandSpec {
        name: "shutdown",
        help: &["shutdown \tShut the remote supervisord down."],
        args: Args::None,
        summary: "Shut the remote supervisord down",
    },
    CommandSpec {
        name: "signal",
        help: &[
            "signal <signal name> <name>\t\tSignal a process",
            "signal <signal name> <gname>:*\t\tSignal all processes in a group",
            "signal <signal name> <name> <name>\tSignal multiple processes or groups",
            "signal <signal name> all\t\tSignal all processes",
        ],
        args: Args::Signal,
        summary: "Send a signal to processes",
    },
    CommandSpec {
        name: "start",
        help: &[
            "start <name>\t\tStart a process",
            "start <gname>:*\t\tStart all processes in a group",
            "start <name> <name>\tStart multiple processes or groups",
            "start all\t\tStart all processes",
        ],
        args: Args::StoppedProcesses,
        summary: "Start processes",
    },
    CommandSpec {
        name: "status",
        help: &[
            "status <name>\t\tGet status for a single process",
            "status <gname>:*\tGet status for all processes in a group",
            "status <name> <name>\tGet status for multiple named processes",
            "status\t\t\tGet all process status info",
        ],
        args: Args::Processes,
        summary: "Get process status",
    },
    CommandSpec {
        name: "stop",
        help: &[
            "stop <name>\t\tStop a process",
            "stop <gname>:*\t\tStop all processes in a group",
            "stop <name> <name>\tStop multiple processes or groups",
            "stop all\t\tStop all processes",
        ],
        args: Args::RunningProcesses,
        summary: "Stop processes",
    },
    CommandSpec {
        name: "tail",
        help: &[
            "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\ntail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\ntail -100 <name>\tlast 100 *bytes* of process stdout\ntail <name> stderr\tlast 1600 *bytes* of process stderr",
        ],
        args: Args::Tail,
        summary: "Show the tail of a process log",
    },
    CommandSpec {
        name: "update",
        help: &[
            "update\t\t\tReload config and add/remove as necessary, and will restart affected programs",
            "update all\t\tReload config and add/remove as necessary, and will restart affected programs",
            "update <gname> [...]\tUpdate specific groups",
        ],
        args: Args::Groups,
        summary: "Reload config and add/remove groups as necessary",
    },
    CommandSpec {
        name: "version",
        help: &["version\t\t\tShow the version of the remote supervisord process"],
        args: Args::None,
        summary: "Show the version of the remote supervisord",
    },
];

/// Stock's built-in commands, the ones its `help` lists under "default commands".
pub const STOCK_COMMANDS: &[&str] = &[
    "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload", "remove",
    "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail", "update",
    "version",
];

/// The quick verbs, listed under their own heading by `help`.
pub const QUICK_COMMANDS: &[&str] = &["quickrestart", "quickstart", "quickstop"];

pub fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}
