//! The clap model of the whole command line, actions included, used only to generate the
//! completion scripts and the man page. Real parsing stays with `cli::parse` (getopt) and the
//! commands' own argument parsing; this model only describes them.

use clap::{Arg, ArgAction, Command, ValueHint};

use crate::cli;
use crate::commands::registry::{self, Args, CommandSpec};
use crate::shell::completer::SIGNALS;

/// The program name the scripts and the man page are written for.
pub const BIN: &str = cli::DEFAULT_PROGNAME;

/// `cli::command()`'s options plus one subcommand per action of the registry (and `help`).
pub fn model() -> Command {
    let cli = cli::command();
    let mut cmd = Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .subcommand_value_name("ACTION")
        .subcommand_help_heading("Actions");
    if let Some(about) = cli.get_about() {
        cmd = cmd.about(about.clone());
    }
    if let Some(long) = cli.get_long_about() {
        cmd = cmd.long_about(long.clone());
    }
    // The positional `action [arguments]` becomes the subcommands below.
    for arg in cli.get_arguments().filter(|a| !a.is_positional()) {
        cmd = cmd.arg(arg.clone());
    }
    cmd = cmd.subcommand(
        Command::new("help")
            .about("Print a list of available actions, or help for one")
            .arg(
                Arg::new("topic")
                    .value_name("ACTION")
                    .value_parser(topic_names())
                    .help("the action to explain"),
            ),
    );
    for spec in registry::COMMANDS {
        cmd = cmd.subcommand(action(spec));
    }
    cmd
}

fn topic_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = std::iter::once("help")
        .chain(registry::COMMANDS.iter().map(|c| c.name))
        .collect();
    names.sort_unstable();
    names
}

/// Whether `status` and the quick verbs take `--json`.
pub fn takes_json(name: &str) -> bool {
    name == "status" || registry::QUICK_COMMANDS.contains(&name)
}

fn names_arg(id: &'static str, value_name: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .value_name(value_name)
        .num_args(0..)
        .action(ArgAction::Append)
        .value_hint(ValueHint::Other)
        .help(help)
}

fn action(spec: &CommandSpec) -> Command {
    let mut c = Command::new(spec.name).about(spec.summary);
    let quick = registry::QUICK_COMMANDS.contains(&spec.name);
    if quick {
        c = c
            .arg(
                Arg::new("batch")
                    .long("batch")
                    .value_name("K")
                    .value_hint(ValueHint::Other)
                    .help("at most K processes in flight at once (a rolling restart)"),
            )
            .arg(
                Arg::new("timeout")
                    .long("timeout")
                    .value_name("SECS")
                    .value_hint(ValueHint::Other)
                    .help("give up waiting after SECS seconds (default 60)"),
            );
    }
    if takes_json(spec.name) {
        c = c.arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("print one JSON document instead of lines"),
        );
    }
    let what = if quick { "PATTERN" } else { "NAME" };
    c = match spec.args {
        Args::None => c,
        Args::Processes => c.arg(names_arg("names", what, "name, group:, group:*, or all")),
        Args::StoppedProcesses => c.arg(names_arg(
            "names",
            what,
            "name, group:, group:*, or all (stopped ones offered)",
        )),
        Args::RunningProcesses => c.arg(names_arg(
            "names",
            what,
            "name, group:, group:*, or all (running ones offered)",
        )),
        Args::Groups => c.arg(names_arg(
            "groups",
            "GROUP",
            "group name (or all, for update)",
        )),
        Args::Signal => c
            .arg(
                Arg::new("signal")
                    .value_name("SIGNAL")
                    .required(true)
                    .value_parser(SIGNALS.to_vec())
                    .help("signal name"),
            )
            .arg(names_arg("names", "NAME", "name, group:, group:*, or all")),
        Args::Tail => c
            .arg(
                Arg::new("follow")
                    .short('f')
                    .action(ArgAction::SetTrue)
                    .help("follow the log (Ctrl-C to exit)"),
            )
            .arg(
                Arg::new("name")
                    .value_name("NAME")
                    .value_hint(ValueHint::Other)
                    .help("the process"),
            )
            .arg(
                Arg::new("channel")
                    .value_name("CHANNEL")
                    .value_parser(["stdout", "stderr"])
                    .help("which log (default stdout)"),
            ),
        Args::Topics => c.arg(
            Arg::new("topic")
                .value_name("ACTION")
                .value_parser(topic_names()),
        ),
        Args::Url => c.arg(
            Arg::new("url")
                .value_name("URL")
                .value_hint(ValueHint::Url)
                .help("unix:///path/to/socket or http://host:port"),
        ),
    };
    if spec.name == "maintail" {
        c = c.arg(
            Arg::new("follow")
                .short('f')
                .action(ArgAction::SetTrue)
                .help("follow the log (Ctrl-C to exit)"),
        );
    }
    c
}
