//! Process lifecycle commands: `start`, `stop`, `restart`, `signal`, `clear`.
//!
//! Each follows stock supervisorctl 4.3.0's `DefaultControllerPlugin` line by line: upcheck first,
//! then the argument check, then one RPC per name (or one `*All*` call when `all` is among the
//! names), with stock's messages and exit statuses. The RPCs are called exactly as stock calls
//! them (no `wait` argument).

use super::{CmdError, CmdResult, Controller, exit};
use crate::api::{CallResult, results_from, split_namespec};
use crate::error::RpcError;
use crate::xmlrpc::{FaultCode, Value};

/// Python's `str.isspace()` (Rust's `char::is_whitespace` plus the four separators U+001C..U+001F).
pub(super) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.split()` with no arguments.
pub(super) fn py_split(arg: &str) -> Vec<&str> {
    arg.split(py_isspace).filter(|s| !s.is_empty()).collect()
}

/// Python's `str.strip()` with no arguments.
pub(super) fn py_strip(arg: &str) -> &str {
    arg.trim_matches(py_isspace)
}

/// `make_namespec(group, name)`, where a missing process name renders as Python's `None`.
fn namespec(group: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if n == group => n.to_owned(),
        Some(n) => format!("{group}:{n}"),
        None => format!("{group}:None"),
    }
}

/// One result as stock's `_*result` helpers see it: from a result array, or built from a fault.
struct Outcome {
    group: String,
    name: Option<String>,
    status: i64,
    description: String,
}

impl Outcome {
    fn from_result(r: CallResult) -> Outcome {
        Outcome {
            group: r.group,
            name: Some(r.name),
            status: r.status,
            description: r.description,
        }
    }

    fn from_fault(name: &str, code: i64, string: &str) -> Outcome {
        let (group, process) = split_namespec(name);
        Outcome {
            group: group.to_owned(),
            name: process.map(str::to_owned),
            status: code,
            description: string.to_owned(),
        }
    }

    fn namespec(&self) -> String {
        namespec(&self.group, self.name.as_deref())
    }

    fn unknown(&self) -> CmdError {
        CmdError::value(format!(
            "Unknown result code {} for {}",
            self.status,
            self.namespec()
        ))
    }

    /// Stock's `_startresult`.
    fn start_line(&self) -> Result<String, CmdError> {
        let name = self.namespec();
        let why = match FaultCode::from_code(self.status) {
            Some(FaultCode::BadName) => "no such process",
            Some(FaultCode::NoFile) => "no such file",
            Some(FaultCode::NotExecutable) => "file is not executable",
            Some(FaultCode::AlreadyStarted) => "already started",
            Some(FaultCode::SpawnError) => "spawn error",
            Some(FaultCode::AbnormalTermination) => "abnormal termination",
            Some(FaultCode::Success) => return Ok(format!("{name}: started")),
            _ => return Err(self.unknown()),
        };
        Ok(format!("{name}: ERROR ({why})"))
    }

    /// Stock's `_signalresult` (and `_stopresult`, with `success = "stopped"`).
    fn signal_line(&self, success: &str) -> Result<String, CmdError> {
        let name = self.namespec();
        let why = match FaultCode::from_code(self.status) {
            Some(FaultCode::BadName) => "no such process",
            Some(FaultCode::BadSignal) => "bad signal name",
            Some(FaultCode::NotRunning) => "not running",
            Some(FaultCode::Success) => return Ok(format!("{name}: {success}")),
            Some(FaultCode::Failed) => return Ok(self.description.clone()),
            _ => return Err(self.unknown()),
        };
        Ok(format!("{name}: ERROR ({why})"))
    }

    /// Stock's `_clearresult`.
    fn clear_line(&self) -> Result<String, CmdError> {
        let name = self.namespec();
        let why = match FaultCode::from_code(self.status) {
            Some(FaultCode::BadName) => "no such process",
            Some(FaultCode::Failed) => "failed",
            Some(FaultCode::Success) => return Ok(format!("{name}: cleared")),
            _ => return Err(self.unknown()),
        };
        Ok(format!("{name}: ERROR ({why})"))
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Start,
    Stop,
    Signal,
    Clear,
}

impl Kind {
    fn line(self, o: &Outcome) -> Result<String, CmdError> {
        match self {
            Kind::Start => o.start_line(),
            Kind::Stop => o.signal_line("stopped"),
            Kind::Signal => o.signal_line("signalled"),
            Kind::Clear => o.clear_line(),
        }
    }

    /// The fault code `set_exitstatus_from_xmlrpc_fault` ignores for this command.
    fn ignored(self) -> Option<i64> {
        match self {
            Kind::Start => Some(FaultCode::AlreadyStarted as i64),
            Kind::Stop => Some(FaultCode::NotRunning as i64),
            Kind::Signal | Kind::Clear => None,
        }
    }

    fn success(self) -> &'static str {
        match self {
            Kind::Start => "started",
            Kind::Stop => "stopped",
            Kind::Signal => "signalled",
            Kind::Clear => "cleared",
        }
    }
}

/// Prints each result of a group or all-process call and applies the exit rule, stopping (as
/// stock's `ValueError` does) at the first result code the command does not know.
fn report(ctl: &mut Controller, kind: Kind, results: Vec<CallResult>) -> CmdResult {
    for r in results {
        let o = Outcome::from_result(r);
        let line = kind.line(&o)?;
        ctl.output(&line);
        ctl.set_exitstatus_from_fault(o.status, kind.ignored());
    }
    Ok(())
}

/// One process by name: the success line, or the fault turned into a result line.
async fn one_process(
    ctl: &mut Controller,
    kind: Kind,
    name: &str,
    params: Vec<Value>,
) -> CmdResult {
    let method = match kind {
        Kind::Start => "startProcess",
        Kind::Stop => "stopProcess",
        Kind::Signal => "signalProcess",
        Kind::Clear => "clearProcessLogs",
    };
    match ctl.sv.call_sv(method, &params).await {
        Ok(_) => {
            let (group, process) = split_namespec(name);
            ctl.output(&format!("{}: {}", namespec(group, process), kind.success()));
            Ok(())
        }
        Err(RpcError::Fault { fault, .. }) => {
            let o = Outcome::from_fault(name, fault.code, &fault.string);
            let line = kind.line(&o)?;
            ctl.output(&line);
            ctl.set_exitstatus_from_fault(o.status, kind.ignored());
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// A group call (`startProcessGroup` etc.); BAD_NAME prints `<group>: ERROR (no such group)`
/// with the command's exit status, other faults escape with exit 1.
async fn one_group(
    ctl: &mut Controller,
    kind: Kind,
    method: &str,
    group: &str,
    params: Vec<Value>,
    bad_name_exit: i32,
) -> CmdResult {
    match ctl.sv.call_sv(method, &params).await {
        Ok(v) => report(ctl, kind, results_from(v)?),
        Err(RpcError::Fault { fault, at }) => {
            ctl.exitstatus = exit::GENERIC;
            if fault.is(FaultCode::BadName) {
                ctl.output(&format!("{group}: ERROR (no such group)"));
                ctl.exitstatus = bad_name_exit;
                Ok(())
            } else {
                Err(RpcError::Fault { fault, at }.into())
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// `start`/`stop`: `all`, groups (`g:`, `g:*`) and processes.
async fn start_or_stop(ctl: &mut Controller, kind: Kind, arg: &str) -> CmdResult {
    let (cmd, all, group_call, no_names_exit, bad_group_exit) = match kind {
        Kind::Start => (
            "start",
            "startAllProcesses",
            "startProcessGroup",
            exit::INVALID_ARGS,
            exit::INVALID_ARGS,
        ),
        _ => (
            "stop",
            "stopAllProcesses",
            "stopProcessGroup",
            exit::GENERIC,
            exit::GENERIC,
        ),
    };
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names = py_split(arg);
    if names.is_empty() {
        ctl.output(&format!("Error: {cmd} requires a process name"));
        ctl.exitstatus = no_names_exit;
        ctl.help_for(cmd);
        return Ok(());
    }
    if names.contains(&"all") {
        let results = results_from(ctl.sv.call_sv(all, &[]).await?)?;
        return report(ctl, kind, results);
    }
    for name in names {
        let (group, process) = split_namespec(name);
        if process.is_none() {
            one_group(
                ctl,
                kind,
                group_call,
                group,
                vec![group.into()],
                bad_group_exit,
            )
            .await?;
        } else {
            one_process(ctl, kind, name, vec![name.into()]).await?;
        }
    }
    Ok(())
}

pub async fn do_start(ctl: &mut Controller, arg: &str) -> CmdResult {
    start_or_stop(ctl, Kind::Start, arg).await
}

pub async fn do_stop(ctl: &mut Controller, arg: &str) -> CmdResult {
    start_or_stop(ctl, Kind::Stop, arg).await
}

pub async fn do_restart(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    if py_split(arg).is_empty() {
        ctl.output("Error: restart requires a process name");
        ctl.exitstatus = exit::GENERIC;
        ctl.help_for("restart");
        return Ok(());
    }
    do_stop(ctl, arg).await?;
    do_start(ctl, arg).await
}

pub async fn do_signal(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let args = py_split(arg);
    if args.len() < 2 {
        ctl.output("Error: signal requires a signal name and a process name");
        ctl.help_for("signal");
        ctl.exitstatus = exit::GENERIC;
        return Ok(());
    }
    let sig = args[0];
    let names = &args[1..];
    if names.contains(&"all") {
        let results = results_from(ctl.sv.call_sv("signalAllProcesses", &[sig.into()]).await?)?;
        return report(ctl, Kind::Signal, results);
    }
    for &name in names {
        let (group, process) = split_namespec(name);
        if process.is_none() {
            let params = vec![group.into(), sig.into()];
            one_group(
                ctl,
                Kind::Signal,
                "signalProcessGroup",
                group,
                params,
                exit::GENERIC,
            )
            .await?;
        } else {
            one_process(ctl, Kind::Signal, name, vec![name.into(), sig.into()]).await?;
        }
    }
    Ok(())
}

pub async fn do_clear(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names = py_split(arg);
    if names.is_empty() {
        ctl.output("Error: clear requires a process name");
        ctl.exitstatus = exit::GENERIC;
        ctl.help_for("clear");
        return Ok(());
    }
    if names.contains(&"all") {
        let results = results_from(ctl.sv.call_sv("clearAllProcessLogs", &[]).await?)?;
        return report(ctl, Kind::Clear, results);
    }
    for name in names {
        // Groups are not special here: `clear g:` asks the server about `g:` and prints the
        // fault as `g:None: ERROR (no such process)`, as stock does.
        one_process(ctl, Kind::Clear, name, vec![name.into()]).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_strips_like_python() {
        assert_eq!(
            py_split(" a\tb\u{1c}c\u{3000}d  "),
            vec!["a", "b", "c", "d"]
        );
        assert_eq!(py_split(""), Vec::<&str>::new());
        assert_eq!(py_strip("\u{1f} x y \u{85}"), "x y");
    }

    #[test]
    fn result_lines_like_stock() {
        let o = Outcome::from_fault("grp:", FaultCode::BadName as i64, "BAD_NAME: grp:");
        assert_eq!(o.clear_line().unwrap(), "grp:None: ERROR (no such process)");
        let o = Outcome::from_fault(
            "foo:foo",
            FaultCode::AlreadyStarted as i64,
            "ALREADY_STARTED: foo",
        );
        assert_eq!(o.start_line().unwrap(), "foo: ERROR (already started)");
        let o = Outcome::from_fault("g:p", FaultCode::Failed as i64, "FAILED: nope");
        assert_eq!(o.signal_line("stopped").unwrap(), "FAILED: nope");
        assert!(
            matches!(o.start_line(), Err(CmdError::Value(m, _)) if m == "Unknown result code 30 for g:p")
        );
        let o = Outcome::from_fault("a:b:c", FaultCode::NotRunning as i64, "NOT_RUNNING");
        assert_eq!(
            o.signal_line("signalled").unwrap(),
            "a:b:c: ERROR (not running)"
        );
    }
}
