//! Commands: one-shot and shell lines are dispatched here, with stock supervisorctl's parsing,
//! messages and exit statuses.

mod daemon;
mod info;
mod lifecycle;
mod logs;
mod passthrough;
mod quick;
pub mod registry;

use std::ffi::OsString;
use std::io::Write;
use std::panic::Location;

use crate::api::Supervisor;
use crate::cli::{self, CliOutcome};
use crate::config::{self, ClientOptions, ConfigError};
use crate::error::RpcError;
use crate::transport::Transport;

/// LSB exit statuses, as stock uses them.
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const GENERIC: i32 = 1;
    pub const INVALID_ARGS: i32 = 2;
    pub const UNIMPLEMENTED_FEATURE: i32 = 3;
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    pub const NOT_INSTALLED: i32 = 5;
    pub const NOT_RUNNING: i32 = 7;
    /// `status` only.
    pub const STATUS_NOT_RUNNING: i32 = 3;
    pub const STATUS_UNKNOWN: i32 = 4;
    /// A quick verb stopped by Ctrl-C.
    pub const INTERRUPTED: i32 = 130;
}

/// What escaped a command: printed as stock's generic `error: <class ...>` line, exit 1.
#[derive(Debug)]
pub enum CmdError {
    Rpc(RpcError),
    /// Stock's `ValueError` (e.g. `Unknown result code 30 for foo`).
    Value(String, &'static Location<'static>),
    /// Stock's `EOFError` at a prompt.
    Eof(&'static Location<'static>),
}

impl From<RpcError> for CmdError {
    fn from(e: RpcError) -> Self {
        CmdError::Rpc(e)
    }
}

impl CmdError {
    #[track_caller]
    pub fn value(msg: impl Into<String>) -> CmdError {
        CmdError::Value(msg.into(), Location::caller())
    }

    fn is_unauthorized(&self) -> bool {
        matches!(self, CmdError::Rpc(e) if e.is_unauthorized())
    }

    fn generic_line(&self) -> String {
        match self {
            CmdError::Rpc(e) => e.generic_line(),
            CmdError::Value(m, at) => crate::error::generic_line("ValueError", m, at),
            CmdError::Eof(at) => {
                crate::error::generic_line("EOFError", "EOF when reading a line", at)
            }
        }
    }
}

pub type CmdResult = Result<(), CmdError>;

enum Parsed {
    Rpc(String, String),
    Cmd(String, String),
}

/// Colour only on a terminal, and never when `NO_COLOR` is set.
pub fn color_enabled() -> bool {
    crate::output::ColorChoice::Auto.enabled()
}

/// The state one session of commands shares: options, the connection, the exit status.
pub struct Controller {
    pub options: ClientOptions,
    pub sv: Supervisor,
    pub exitstatus: i32,
    out: std::io::BufWriter<std::io::Stdout>,
    /// Set when stdout is gone (a closed pipe): stop quietly.
    pub stdout_closed: bool,
    /// Whether states and results are painted, decided once (`--color`, `NO_COLOR`, a terminal).
    pub color: bool,
}

impl Controller {
    pub fn new(options: ClientOptions) -> Controller {
        let sv = Supervisor::new(Transport::new(
            &options.serverurl,
            options.username.as_deref(),
            options.password.as_deref(),
        ));
        Controller {
            options,
            sv,
            exitstatus: exit::SUCCESS,
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout()),
            stdout_closed: false,
            color: color_enabled(),
        }
    }

    /// Points the client at another server or credentials (as `open` and the 401 prompt do).
    pub fn reconnect(&mut self) {
        self.sv = Supervisor::new(Transport::new(
            &self.options.serverurl,
            self.options.username.as_deref(),
            self.options.password.as_deref(),
        ));
    }

    /// Stock's `output()`: the message and a newline, on stdout.
    pub fn output(&mut self, msg: &str) {
        if self.stdout_closed {
            return;
        }
        if self
            .out
            .write_all(msg.as_bytes())
            .and_then(|_| self.out.write_all(b"\n"))
            .is_err()
        {
            self.stdout_closed = true;
        }
    }

    /// Raw bytes on stdout, flushed at once (log streams).
    pub fn write_raw(&mut self, bytes: &[u8]) {
        if self.stdout_closed {
            return;
        }
        if self
            .out
            .write_all(bytes)
            .and_then(|_| self.out.flush())
            .is_err()
        {
            self.stdout_closed = true;
        }
    }

    pub fn flush(&mut self) {
        if !self.stdout_closed && self.out.flush().is_err() {
            self.stdout_closed = true;
        }
    }

    /// Stock's `set_exitstatus_from_xmlrpc_fault`.
    pub fn set_exitstatus_from_fault(&mut self, code: i64, ignored: Option<i64>) {
        use crate::xmlrpc::FaultCode::*;
        if Some(code) == ignored || code == Success as i64 {
            return;
        }
        if code == SpawnError as i64
            || code == AbnormalTermination as i64
            || code == NotRunning as i64
        {
            self.exitstatus = exit::NOT_RUNNING;
        } else {
            self.exitstatus = exit::GENERIC;
        }
    }

    /// Prints a command's help text (each entry one output line).
    pub fn help_for(&mut self, name: &str) {
        if let Some(spec) = registry::find(name) {
            for line in spec.help {
                self.output(line);
            }
        }
    }

    /// Stock's `upcheck()`: is the server there, and does it speak API 3.0? Prints stock's
    /// message and sets the exit status when not.
    pub async fn upcheck(&mut self) -> Result<bool, CmdError> {
        let answer = self.sv.get_version().await;
        self.upcheck_with(answer)
    }

    /// `upcheck` on an answer to `getVersion` already received.
    pub fn upcheck_with(
        &mut self,
        answer: Result<crate::xmlrpc::Value, RpcError>,
    ) -> Result<bool, CmdError> {
        match answer {
            Ok(crate::xmlrpc::Value::String(v)) if v == "3.0" => Ok(true),
            Ok(other) => {
                self.output(&format!(
                    "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is {other}."
                ));
                self.exitstatus = exit::NOT_INSTALLED;
                Ok(false)
            }
            Err(RpcError::Fault { fault, .. })
                if fault.is(crate::xmlrpc::FaultCode::UnknownMethod) =>
            {
                self.output(
                    "Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).",
                );
                self.exitstatus = exit::UNIMPLEMENTED_FEATURE;
                Ok(false)
            }
            Err(e) if e.is_conn_refused() => {
                let url = crate::error::mask_url(&self.options.serverurl).into_owned();
                self.output(&format!("{url} refused connection"));
                self.exitstatus = exit::INSUFFICIENT_PRIVILEGES;
                Ok(false)
            }
            Err(e) if e.is_no_such_file() => {
                let url = crate::error::mask_url(&self.options.serverurl).into_owned();
                self.output(&format!("{url} no such file"));
                self.exitstatus = exit::NOT_RUNNING;
                Ok(false)
            }
            Err(e) => {
                if !e.is_unauthorized() {
                    self.exitstatus = exit::GENERIC;
                }
                Err(e.into())
            }
        }
    }

    /// Runs one line as stock's `onecmd` does. Returns true when the line asks the shell to end.
    pub async fn onecmd(&mut self, line: &str) -> bool {
        let parsed = if let Some((method, rest)) = passthrough::split(line) {
            // `namespace.method args...` calls any RPC method the server offers.
            Parsed::Rpc(method.to_owned(), rest.to_owned())
        } else {
            let Some((cmd, arg, line)) = parseline(line) else {
                return false;
            };
            if cmd.is_empty() || !is_command(&cmd) {
                self.output(&format!("*** Unknown syntax: {line}"));
                self.exitstatus = exit::GENERIC;
                self.flush();
                return false;
            }
            if cmd == "quit" || cmd == "exit" || cmd == "EOF" {
                self.output("");
                self.flush();
                return true;
            }
            Parsed::Cmd(cmd, arg)
        };
        loop {
            match self.execute(&parsed).await {
                Ok(()) => {}
                Err(e) if e.is_unauthorized() => {
                    self.output("Server requires authentication");
                    // A username without a password, at a terminal (one-shot mode too): ask
                    // for the password alone, without echo; in the shell or with -i, for both
                    // as stock does. Never when stdin is not a terminal and not interactive,
                    // where stock's behaviour is kept byte for byte.
                    let password_only = self.wants_password_only();
                    if password_only || self.options.interactive {
                        self.flush();
                        let answer = if password_only {
                            crate::prompt::password("Password:").map(|p| (None, p))
                        } else {
                            crate::prompt::credentials().map(|(u, p)| (Some(u), p))
                        };
                        match answer {
                            Some((username, password)) => {
                                self.output("");
                                if username.is_some() {
                                    self.options.username = username;
                                }
                                self.options.password = Some(password);
                                self.reconnect();
                                continue;
                            }
                            None => {
                                self.output(&CmdError::Eof(Location::caller()).generic_line());
                                self.exitstatus = exit::GENERIC;
                            }
                        }
                    } else {
                        self.exitstatus = exit::GENERIC;
                        // Stock runs the command a second time here; its second 401 escapes as
                        // the generic line. Doing the same keeps the output identical.
                        if let Err(e) = self.execute(&parsed).await {
                            self.output(&e.generic_line());
                            self.exitstatus = exit::GENERIC;
                        }
                    }
                }
                Err(e) => {
                    self.output(&e.generic_line());
                    self.exitstatus = exit::GENERIC;
                }
            }
            break;
        }
        self.flush();
        false
    }

    /// A username is known but no password, and someone at a terminal can be asked for it.
    fn wants_password_only(&self) -> bool {
        use std::io::IsTerminal;
        self.options.username.is_some()
            && self.options.password.is_none()
            && std::io::stdin().is_terminal()
    }

    async fn execute(&mut self, parsed: &Parsed) -> CmdResult {
        match parsed {
            Parsed::Rpc(method, rest) => passthrough::run(self, method, rest).await,
            Parsed::Cmd(cmd, arg) => self.dispatch(cmd, arg).await,
        }
    }

    async fn dispatch(&mut self, cmd: &str, arg: &str) -> CmdResult {
        match cmd {
            "help" => {
                self.do_help(arg);
                Ok(())
            }
            "status" => info::do_status(self, arg).await,
            "pid" => info::do_pid(self, arg).await,
            "avail" => info::do_avail(self, arg).await,
            "version" => info::do_version(self, arg).await,
            "start" => lifecycle::do_start(self, arg).await,
            "stop" => lifecycle::do_stop(self, arg).await,
            "restart" => lifecycle::do_restart(self, arg).await,
            "signal" => lifecycle::do_signal(self, arg).await,
            "clear" => lifecycle::do_clear(self, arg).await,
            "tail" => logs::do_tail(self, arg).await,
            "maintail" => logs::do_maintail(self, arg).await,
            "fg" => logs::do_fg(self, arg).await,
            "reread" => daemon::do_reread(self, arg).await,
            "update" => daemon::do_update(self, arg).await,
            "add" => daemon::do_add(self, arg).await,
            "remove" => daemon::do_remove(self, arg).await,
            "reload" => daemon::do_reload(self, arg).await,
            "shutdown" => daemon::do_shutdown(self, arg).await,
            "open" => daemon::do_open(self, arg).await,
            "quickstart" => quick::do_quickstart(self, arg).await,
            "quickstop" => quick::do_quickstop(self, arg).await,
            "quickrestart" => quick::do_quickrestart(self, arg).await,
            _ => {
                self.output(&format!("*** Unknown syntax: {cmd} {arg}"));
                self.exitstatus = exit::GENERIC;
                Ok(())
            }
        }
    }

    fn do_help(&mut self, arg: &str) {
        let topic = arg.trim();
        if topic == "help" {
            self.output("help\t\tPrint a list of available actions");
            self.output("help <action>\tPrint help for <action>");
            return;
        }
        if topic.is_empty() {
            self.output("");
            let header = "default commands (type help <topic>):";
            self.output(header);
            self.output(&"=".repeat(header.len()));
            let text = columnize(registry::STOCK_COMMANDS, 79);
            self.write_text(&text);
            self.output("");
            return;
        }
        match registry::find(topic) {
            Some(_) => self.help_for(topic),
            None => self.output(&format!("*** No help on {topic}")),
        }
    }

    fn write_text(&mut self, text: &str) {
        if let Some(stripped) = text.strip_suffix('\n') {
            self.output(stripped);
        } else if !text.is_empty() {
            self.output(text);
        }
    }
}

fn is_command(cmd: &str) -> bool {
    cmd == "help" || cmd == "EOF" || registry::find(cmd).is_some()
}

/// `cmd.Cmd.parseline`: strip; `?x` is `help x`; the command is the leading run of
/// `[A-Za-z0-9_]`. None for an empty line.
pub fn parseline(line: &str) -> Option<(String, String, String)> {
    let line = line.trim_matches(|c: char| c.is_whitespace());
    if line.is_empty() {
        return None;
    }
    let line = match line.strip_prefix('?') {
        Some(rest) => format!("help {rest}"),
        None => line.to_owned(),
    };
    let i = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let cmd = line[..i].to_owned();
    let arg = line[i..].trim().to_owned();
    Some((cmd, arg, line))
}

/// `cmd.Cmd.columnize` for a display width, trailing spaces included.
pub fn columnize(list: &[&str], width: usize) -> String {
    if list.is_empty() {
        return "<empty>\n".into();
    }
    if list.len() == 1 {
        return format!("{}\n", list[0]);
    }
    let size = list.len();
    let len = |s: &str| s.chars().count();
    let mut layout = None;
    for nrows in 1..size {
        let ncols = size.div_ceil(nrows);
        let mut colwidths = Vec::new();
        let mut totwidth: isize = -2;
        for col in 0..ncols {
            let colwidth = (0..nrows)
                .filter_map(|row| list.get(row + nrows * col))
                .map(|s| len(s))
                .max()
                .unwrap_or(0);
            colwidths.push(colwidth);
            totwidth += colwidth as isize + 2;
            if totwidth > width as isize {
                break;
            }
        }
        if totwidth <= width as isize {
            layout = Some((nrows, ncols, colwidths));
            break;
        }
    }
    let (nrows, ncols, colwidths) = layout.unwrap_or((size, 1, vec![0]));
    let mut out = String::new();
    for row in 0..nrows {
        let mut texts: Vec<&str> = (0..ncols)
            .map(|col| list.get(row + nrows * col).copied().unwrap_or(""))
            .collect();
        while texts.last() == Some(&"") {
            texts.pop();
        }
        let cells: Vec<String> = texts
            .iter()
            .enumerate()
            .map(|(c, t)| format!("{:<w$}", t, w = colwidths.get(c).copied().unwrap_or(0)))
            .collect();
        out.push_str(&cells.join("  "));
        out.push('\n');
    }
    out
}

/// The program: parse the command line, read the config, run one command or the shell.
pub fn run() -> i32 {
    crate::error::install_panic_hook();
    let mut argv: Vec<OsString> = std::env::args_os().collect();
    // Python sees a script run through PATH under its full path, and prints that in usage
    // errors and `-h`; do the same.
    if let Some(first) = argv.first_mut() {
        let path = std::env::var("PATH").ok();
        *first = OsString::from(config::script_path(
            &first.to_string_lossy(),
            path.as_deref(),
        ));
    }
    // The hidden entry points of the completion scripts and the generator (`--complete`,
    // `--generate` as the first argument; stock rejects both as unknown options).
    if let Some(status) = crate::completion::hidden_entry(&argv) {
        return status;
    }
    let inv = match cli::parse(&argv) {
        Ok(CliOutcome::Run(inv)) => inv,
        Ok(CliOutcome::Help(text)) | Ok(CliOutcome::Version(text)) => {
            print!("{text}");
            let _ = std::io::stdout().flush();
            return exit::SUCCESS;
        }
        Err(e) => {
            eprintln!("Error: {}\nFor help, use {} -h", e.msg, e.progname);
            return exit::INVALID_ARGS;
        }
    };
    let progname = inv.progname.clone();
    if inv.password.is_some() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        // Only where a person reads it: scripts see stock's output unchanged.
        eprintln!(
            "supervisor-quick: warning: a password given with -p can be read by other users in the process list; put it in the [supervisorctl] section of the config file instead"
        );
    }
    let color = inv.color.unwrap_or_default().enabled();
    let options = match config::realize(inv) {
        Ok(o) => o,
        Err(ConfigError::Usage(msg)) => {
            eprintln!("Error: {msg}\nFor help, use {progname} -h");
            return exit::INVALID_ARGS;
        }
        Err(ConfigError::Syntax(msg)) => {
            eprintln!("{msg}");
            return exit::GENERIC;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return exit::GENERIC;
        }
    };
    let one_shot = !options.args.is_empty();
    let line = passthrough::oneshot_line(&options.args);
    let mut ctl = Controller::new(options);
    ctl.color = color;
    if one_shot {
        rt.block_on(ctl.onecmd(&line));
        ctl.flush();
        if std::env::var_os("SUPERVISOR_QUICK_STATS").is_some() {
            eprintln!(
                "supervisor-quick: {} HTTP requests",
                ctl.sv.transport.request_count()
            );
        }
        return ctl.exitstatus;
    }
    rt.block_on(crate::shell::run(&mut ctl));
    ctl.flush();
    exit::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_like_cmd() {
        assert_eq!(
            parseline("  status foo  "),
            Some(("status".into(), "foo".into(), "status foo".into()))
        );
        assert_eq!(
            parseline("?start"),
            Some(("help".into(), "start".into(), "help start".into()))
        );
        assert_eq!(
            parseline("start-x"),
            Some(("start".into(), "-x".into(), "start-x".into()))
        );
        assert_eq!(
            parseline("-foo"),
            Some(("".into(), "-foo".into(), "-foo".into()))
        );
        assert_eq!(parseline("   "), None);
    }

    #[test]
    fn columnizes_the_default_commands_like_stock() {
        let text = columnize(registry::STOCK_COMMANDS, 79);
        assert_eq!(
            text,
            "add    exit      open  reload  restart   start   tail   \n\
             avail  fg        pid   remove  shutdown  status  update \n\
             clear  maintail  quit  reread  signal    stop    version\n"
        );
    }
}
