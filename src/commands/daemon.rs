//! Commands about supervisord itself and its configuration: `reread`, `update`, `add`, `remove`,
//! `reload`, `shutdown`, `open`.
//!
//! None of them calls upcheck (except `open`, through `status`), as in stock supervisorctl 4.3.0.

use std::io::BufRead;
use std::panic::Location;

use super::lifecycle::{py_split, py_strip};
use super::{CmdError, CmdResult, Controller, exit};
use crate::error::RpcError;
use crate::transport::Endpoint;
use crate::xmlrpc::{FaultCode, Value};

/// Stock's `raw_input(prompt)`: the prompt on stdout (flushed, no newline), then one line from
/// stdin without its line ending. EOF is stock's `EOFError`.
///
/// The shell may replace how the line is read (e.g. through its line editor); this is the one
/// place that does it.
pub fn input(ctl: &mut Controller, prompt: &str) -> Result<String, CmdError> {
    ctl.flush();
    ctl.write_raw(prompt.as_bytes());
    let mut buf = Vec::new();
    match std::io::stdin().lock().read_until(b'\n', &mut buf) {
        Ok(0) | Err(_) => Err(CmdError::Eof(Location::caller())),
        Ok(_) => {
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
    }
}

/// The y/N question of `reload` and `shutdown`, asked only when interactive (`-i` or the shell).
fn really(ctl: &mut Controller, prompt: &str) -> Result<bool, CmdError> {
    if !ctl.options.interactive {
        return Ok(true);
    }
    let answer = input(ctl, prompt)?;
    Ok(answer.to_lowercase().starts_with('y'))
}

/// `Error: <cmd> accepts no arguments` and the command's help, exit 1.
fn no_arguments(ctl: &mut Controller, cmd: &str) {
    ctl.output(&format!("Error: {cmd} accepts no arguments"));
    ctl.exitstatus = exit::GENERIC;
    ctl.help_for(cmd);
}

/// Stock builds its server proxy before the first call, and the transport's constructor rejects
/// a `serverurl` it cannot use (not `http://` or `unix://`, or a bad port) even when no call
/// follows: `add`/`remove` without names still fail then. This is the error our transport gives
/// for such a URL on every call.
#[track_caller]
fn check_serverurl(ctl: &Controller) -> Result<(), RpcError> {
    let url = &ctl.options.serverurl;
    match Endpoint::parse(url) {
        Some(_) => Ok(()),
        None => Err(RpcError::BadUrl {
            url: url.clone(),
            at: Location::caller(),
        }),
    }
}

/// A name from the server, as Python's `%s` would print it.
fn name_of(v: &Value) -> String {
    v.to_string()
}

/// `reloadConfig()`'s `result[0]`: the added, changed and removed group names.
fn changes_from(v: Value) -> Result<[Vec<String>; 3], RpcError> {
    let first = match v {
        Value::Array(mut a) if !a.is_empty() => a.swap_remove(0),
        other => {
            return Err(RpcError::malformed(format!(
                "reloadConfig answered {other}"
            )));
        }
    };
    match first {
        Value::Array(lists) if lists.len() == 3 => {
            let mut out: [Vec<String>; 3] = Default::default();
            for (slot, list) in out.iter_mut().zip(lists) {
                match list {
                    Value::Array(names) => *slot = names.iter().map(name_of).collect(),
                    other => {
                        return Err(RpcError::malformed(format!(
                            "reloadConfig answered a {}",
                            other.type_name()
                        )));
                    }
                }
            }
            Ok(out)
        }
        other => Err(RpcError::malformed(format!(
            "reloadConfig answered {other}"
        ))),
    }
}

pub async fn do_reread(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !py_strip(arg).is_empty() {
        no_arguments(ctl, "reread");
        return Ok(());
    }
    let result = match ctl.sv.call_sv("reloadConfig", &[]).await {
        Ok(v) => v,
        Err(e) => {
            let Some(fault) = e.as_fault() else {
                return Err(e.into());
            };
            ctl.exitstatus = exit::GENERIC;
            if fault.is(FaultCode::ShutdownState) {
                ctl.output("ERROR: supervisor shutting down");
            } else if fault.is(FaultCode::CantReread) {
                ctl.output(&format!("ERROR: {}", fault.string));
            } else {
                return Err(e.into());
            }
            return Ok(());
        }
    };
    // `_formatChanges`: later lists override earlier ones; sorted by name.
    let [added, changed, removed] = changes_from(result)?;
    let mut labels: Vec<(String, &str)> = Vec::new();
    for (names, label) in [
        (added, "available"),
        (changed, "changed"),
        (removed, "disappeared"),
    ] {
        for name in names {
            match labels.iter_mut().find(|(n, _)| *n == name) {
                Some(entry) => entry.1 = label,
                None => labels.push((name, label)),
            }
        }
    }
    if labels.is_empty() {
        ctl.output("No config updates to processes");
    }
    labels.sort();
    for (name, label) in labels {
        ctl.output(&format!("{name}: {label}"));
    }
    Ok(())
}

/// The `status` of each result of a group call (stock only looks at that key).
fn statuses(v: &Value) -> Result<Vec<i64>, RpcError> {
    let Some(items) = v.as_array() else {
        return Err(RpcError::malformed(format!(
            "expected an array, got a {}",
            v.type_name()
        )));
    };
    items
        .iter()
        .map(|r| match r.get("status") {
            Some(Value::Int(i)) => Ok(*i),
            Some(Value::Bool(b)) => Ok(i64::from(*b)),
            _ => Err(RpcError::malformed("result has no integer 'status'")),
        })
        .collect()
}

pub async fn do_update(ctl: &mut Controller, arg: &str) -> CmdResult {
    let result = match ctl.sv.call_sv("reloadConfig", &[]).await {
        Ok(v) => v,
        Err(e) => {
            let Some(fault) = e.as_fault() else {
                return Err(e.into());
            };
            ctl.exitstatus = exit::GENERIC;
            if fault.is(FaultCode::ShutdownState) {
                ctl.output("ERROR: already shutting down");
                return Ok(());
            }
            return Err(e.into());
        }
    };
    let [added, changed, removed] = changes_from(result)?;

    // Stock keeps the names in a set, so its error order varies from run to run; the order
    // typed (without repeats) is one of the orders it can print.
    let mut valid: Vec<&str> = Vec::new();
    for name in py_split(arg) {
        if !valid.contains(&name) {
            valid.push(name);
        }
    }
    if valid.contains(&"all") {
        valid.clear();
    }

    if !valid.is_empty() {
        let infos = ctl.sv.call_sv("getAllProcessInfo", &[]).await?;
        let Some(infos) = infos.as_array() else {
            return Err(RpcError::malformed("getAllProcessInfo did not answer an array").into());
        };
        let mut groups: Vec<String> = Vec::with_capacity(infos.len() + added.len());
        for info in infos {
            match info.get("group") {
                Some(g) => groups.push(name_of(g)),
                None => return Err(RpcError::malformed("response has no 'group'").into()),
            }
        }
        groups.extend(added.iter().cloned());
        for name in &valid {
            if !groups.iter().any(|g| g == name) {
                ctl.output(&format!("ERROR: no such group: {name}"));
                ctl.exitstatus = exit::GENERIC;
            }
        }
    }
    let wanted = |g: &str| valid.is_empty() || valid.contains(&g);

    for gname in removed.iter().filter(|g| wanted(g)) {
        let results = ctl
            .sv
            .call_sv("stopProcessGroup", &[gname.as_str().into()])
            .await?;
        ctl.output(&format!("{gname}: stopped"));
        if statuses(&results)?.contains(&(FaultCode::Failed as i64)) {
            ctl.output(&format!("{gname}: has problems; not removing"));
            ctl.exitstatus = exit::GENERIC;
            continue;
        }
        ctl.sv
            .call_sv("removeProcessGroup", &[gname.as_str().into()])
            .await?;
        ctl.output(&format!("{gname}: removed process group"));
    }

    for gname in changed.iter().filter(|g| wanted(g)) {
        ctl.sv
            .call_sv("stopProcessGroup", &[gname.as_str().into()])
            .await?;
        ctl.output(&format!("{gname}: stopped"));
        ctl.sv
            .call_sv("removeProcessGroup", &[gname.as_str().into()])
            .await?;
        ctl.sv
            .call_sv("addProcessGroup", &[gname.as_str().into()])
            .await?;
        ctl.output(&format!("{gname}: updated process group"));
    }

    for gname in added.iter().filter(|g| wanted(g)) {
        ctl.sv
            .call_sv("addProcessGroup", &[gname.as_str().into()])
            .await?;
        ctl.output(&format!("{gname}: added process group"));
    }
    Ok(())
}

pub async fn do_add(ctl: &mut Controller, arg: &str) -> CmdResult {
    check_serverurl(ctl)?;
    for name in py_split(arg) {
        match ctl.sv.call_sv("addProcessGroup", &[name.into()]).await {
            Ok(_) => ctl.output(&format!("{name}: added process group")),
            Err(e) => {
                let Some(fault) = e.as_fault() else {
                    return Err(e.into());
                };
                if fault.is(FaultCode::ShutdownState) {
                    ctl.output("ERROR: shutting down");
                    ctl.exitstatus = exit::GENERIC;
                } else if fault.is(FaultCode::AlreadyAdded) {
                    ctl.output("ERROR: process group already active");
                } else if fault.is(FaultCode::BadName) {
                    ctl.output(&format!("ERROR: no such process/group: {name}"));
                    ctl.exitstatus = exit::GENERIC;
                } else {
                    ctl.exitstatus = exit::GENERIC;
                    return Err(e.into());
                }
            }
        }
    }
    Ok(())
}

pub async fn do_remove(ctl: &mut Controller, arg: &str) -> CmdResult {
    check_serverurl(ctl)?;
    for name in py_split(arg) {
        match ctl.sv.call_sv("removeProcessGroup", &[name.into()]).await {
            Ok(_) => ctl.output(&format!("{name}: removed process group")),
            Err(e) => {
                let Some(fault) = e.as_fault() else {
                    return Err(e.into());
                };
                ctl.exitstatus = exit::GENERIC;
                if fault.is(FaultCode::StillRunning) {
                    ctl.output(&format!("ERROR: process/group still running: {name}"));
                } else if fault.is(FaultCode::BadName) {
                    ctl.output(&format!("ERROR: no such process/group: {name}"));
                } else {
                    return Err(e.into());
                }
            }
        }
    }
    Ok(())
}

pub async fn do_reload(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !py_strip(arg).is_empty() {
        no_arguments(ctl, "reload");
        return Ok(());
    }
    if !really(ctl, "Really restart the remote supervisord process y/N? ")? {
        return Ok(());
    }
    match ctl.sv.call_sv("restart", &[]).await {
        Ok(_) => {
            ctl.output("Restarted supervisord");
            Ok(())
        }
        Err(e) => {
            let Some(fault) = e.as_fault() else {
                return Err(e.into());
            };
            ctl.exitstatus = exit::GENERIC;
            if fault.is(FaultCode::ShutdownState) {
                ctl.output("ERROR: already shutting down");
                Ok(())
            } else {
                Err(e.into())
            }
        }
    }
}

pub async fn do_shutdown(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !py_strip(arg).is_empty() {
        no_arguments(ctl, "shutdown");
        return Ok(());
    }
    if !really(ctl, "Really shut the remote supervisord process down y/N? ")? {
        return Ok(());
    }
    match ctl.sv.call_sv("shutdown", &[]).await {
        Ok(_) => {
            ctl.output("Shut down");
            Ok(())
        }
        Err(e) => {
            if let Some(fault) = e.as_fault() {
                if fault.is(FaultCode::ShutdownState) {
                    ctl.output("ERROR: already shutting down");
                    return Ok(());
                }
                ctl.exitstatus = exit::GENERIC;
                return Err(e.into());
            }
            let url = crate::error::mask_url(&ctl.options.serverurl).into_owned();
            if e.is_conn_refused() {
                ctl.exitstatus = exit::GENERIC;
                ctl.output(&format!(
                    "ERROR: {url} refused connection (already shut down?)"
                ));
                Ok(())
            } else if e.is_no_such_file() {
                ctl.exitstatus = exit::GENERIC;
                ctl.output(&format!("ERROR: {url} no such file (already shut down?)"));
                Ok(())
            } else {
                Err(e.into())
            }
        }
    }
}

/// `urllib.parse.urlparse(url).scheme` of Python 3.11, including the `ValueError`s it raises
/// for malformed bracketed hosts.
fn url_scheme(url: &str) -> Result<String, String> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut scheme = String::new();
    let mut rest = url.as_str();
    if let Some(i) = url.find(':') {
        let candidate = &url[..i];
        let first_ok = candidate
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
        if first_ok
            && candidate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            scheme = candidate.to_ascii_lowercase();
            rest = &url[i + 1..];
        }
    }
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let netloc = &after[..end];
        let (open, close) = (netloc.contains('['), netloc.contains(']'));
        if open != close {
            return Err("Invalid IPv6 URL".into());
        }
        if open {
            let host = netloc.split_once('[').map_or("", |(_, h)| h);
            let host = host.split_once(']').map_or(host, |(h, _)| h);
            check_bracketed_host(host)?;
        }
    }
    Ok(scheme)
}

/// `urllib.parse._check_bracketed_host`.
fn check_bracketed_host(host: &str) -> Result<(), String> {
    if let Some(v) = host.strip_prefix('v') {
        // \Av[a-fA-F0-9]+\..+\Z
        let hex = v.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        let ok = hex > 0
            && v[hex..]
                .strip_prefix('.')
                .is_some_and(|r| !r.is_empty() && !r.contains('\n'));
        return if ok {
            Ok(())
        } else {
            Err("IPvFuture address is invalid".into())
        };
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("An IPv4 address cannot be in brackets".into());
    }
    // ipaddress.IPv6Address accepts a `%scope` suffix.
    let ok = match host.split_once('%') {
        Some((addr, scope)) => {
            !scope.is_empty() && !scope.contains('%') && addr.parse::<std::net::Ipv6Addr>().is_ok()
        }
        None => host.parse::<std::net::Ipv6Addr>().is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} does not appear to be an IPv4 or IPv6 address",
            crate::pyrepr::repr_str(host)
        ))
    }
}

pub async fn do_open(ctl: &mut Controller, arg: &str) -> CmdResult {
    let url = py_strip(arg);
    let scheme = match url_scheme(url) {
        Ok(s) => s,
        Err(msg) => return Err(CmdError::value(msg)),
    };
    if scheme != "unix" && scheme != "http" {
        ctl.output("ERROR: url must be http:// or unix://");
        ctl.exitstatus = exit::GENERIC;
        return Ok(());
    }
    ctl.options.serverurl = url.to_owned();
    ctl.reconnect();
    let old = ctl.exitstatus;
    super::info::do_status(ctl, "").await?;
    ctl.exitstatus = old;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_like_urlparse() {
        assert_eq!(url_scheme("unix:///tmp/x.sock").unwrap(), "unix");
        assert_eq!(url_scheme("HTTP://localhost:9001").unwrap(), "http");
        assert_eq!(url_scheme("ht\ttp://x").unwrap(), "http");
        assert_eq!(url_scheme("localhost:9001").unwrap(), "localhost");
        assert_eq!(url_scheme("9http://x").unwrap(), "");
        assert_eq!(url_scheme(":x").unwrap(), "");
        assert_eq!(url_scheme("").unwrap(), "");
        assert_eq!(url_scheme("/tmp/sock").unwrap(), "");
        assert_eq!(url_scheme("h_t://x").unwrap(), "");
        assert_eq!(url_scheme("http://[::1"), Err("Invalid IPv6 URL".into()));
        assert_eq!(url_scheme("http://[::1]:9001").unwrap(), "http");
        assert_eq!(url_scheme("http://[fe80::1%eth0]:9001").unwrap(), "http");
        assert_eq!(
            url_scheme("ftp://[1.2.3.4]/"),
            Err("An IPv4 address cannot be in brackets".into())
        );
        assert_eq!(
            url_scheme("http://[vz.x]"),
            Err("IPvFuture address is invalid".into())
        );
        assert_eq!(url_scheme("http://[v1f.x]").unwrap(), "http");
        assert_eq!(
            url_scheme("http://[nope]"),
            Err("'nope' does not appear to be an IPv4 or IPv6 address".into())
        );
    }

    #[test]
    fn reads_reload_config_results() {
        let s = |x: &str| Value::String(x.into());
        let v = Value::Array(vec![Value::Array(vec![
            Value::Array(vec![s("new")]),
            Value::Array(vec![]),
            Value::Array(vec![s("old"), s("gone")]),
        ])]);
        let [a, c, r] = changes_from(v).unwrap();
        assert_eq!(a, vec!["new"]);
        assert!(c.is_empty());
        assert_eq!(r, vec!["old", "gone"]);
        assert!(changes_from(Value::Array(vec![])).is_err());
        assert!(changes_from(Value::Int(3)).is_err());
    }
}
