//! Read-only commands: `status`, `pid`, `avail`, `version`.

use super::{CmdResult, Controller, exit};
use crate::api::{ProcessInfo, make_namespec, split_namespec, state};
use crate::error::RpcError;
use crate::output::Palette;
use crate::output::json::{self, StatusEntry};
use crate::xmlrpc::FaultCode;

/// `status --json`: one JSON document instead of the table (not in stock).
const JSON_FLAG: &str = "--json";

/// Stock's `_show_statuses`: the name column is at least 33 wide and widens for every row. With
/// colour, only the state word is painted; its padding stays plain, so columns do not move.
pub fn format_statuses(infos: &[&ProcessInfo], palette: Palette) -> Vec<String> {
    let specs: Vec<String> = infos.iter().map(|i| i.namespec()).collect();
    let maxlen = specs
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(30);
    infos
        .iter()
        .zip(&specs)
        .map(|(info, spec)| {
            let state = palette.state_padded(&info.statename, 10);
            format!("{spec:<w$}{state}{}", info.description, w = maxlen + 3)
        })
        .collect()
}

/// A name given to `status` that matched nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// The group for `group:`, else the name as given.
    pub shown: String,
    /// `no such group` or `no such process`.
    pub what: &'static str,
}

impl Unmatched {
    /// Stock's line for it.
    pub fn line(&self) -> String {
        format!("{}: ERROR ({})", self.shown, self.what)
    }
}

/// The rows `status ARGS` selects, in stock's order (duplicates kept), and the names that
/// matched nothing.
pub fn select<'a>(
    infos: &'a [ProcessInfo],
    names: &[&str],
) -> (Vec<&'a ProcessInfo>, Vec<Unmatched>) {
    if names.is_empty() || names.contains(&"all") {
        return (infos.iter().collect(), Vec::new());
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let (group, process) = split_namespec(name);
        let before = rows.len();
        rows.extend(
            infos
                .iter()
                .filter(|i| i.group == group && process.is_none_or(|p| i.name == p)),
        );
        if rows.len() == before {
            errors.push(match process {
                None => Unmatched {
                    shown: group.to_owned(),
                    what: "no such group",
                },
                Some(_) => Unmatched {
                    shown: (*name).to_owned(),
                    what: "no such process",
                },
            });
        }
    }
    (rows, errors)
}

pub async fn do_status(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        ctl.exitstatus = exit::STATUS_UNKNOWN;
        return Ok(());
    }
    let infos = ctl.sv.get_all_process_info().await?;
    let words: Vec<&str> = arg.split_whitespace().collect();
    let json = words.contains(&JSON_FLAG);
    let names: Vec<&str> = words.into_iter().filter(|w| *w != JSON_FLAG).collect();
    let (rows, errors) = select(&infos, &names);
    if !errors.is_empty() {
        ctl.exitstatus = exit::STATUS_UNKNOWN;
    }
    if json {
        let entries: Vec<StatusEntry> = errors
            .iter()
            .map(|e| StatusEntry::error(&e.shown, e.what))
            .chain(rows.iter().map(|i| StatusEntry::from_info(i)))
            .collect();
        ctl.output(&json::document(&entries));
    } else {
        for e in &errors {
            ctl.output(&e.line());
        }
        for line in format_statuses(&rows, Palette::new(ctl.color)) {
            ctl.output(&line);
        }
    }
    if rows.iter().any(|i| state::is_stopped(i.state)) {
        ctl.exitstatus = exit::STATUS_NOT_RUNNING;
    }
    Ok(())
}

pub async fn do_pid(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names: Vec<&str> = arg.split_whitespace().collect();
    if names.is_empty() {
        let pid = ctl.sv.get_pid().await?;
        ctl.output(&pid.to_string());
    } else if names.contains(&"all") {
        for info in ctl.sv.get_all_process_info().await? {
            ctl.output(&info.pid.to_string());
        }
    } else {
        for name in names {
            match ctl.sv.get_process_info(name).await {
                Ok(info) => {
                    ctl.output(&info.pid.to_string());
                    if info.pid == 0 {
                        ctl.exitstatus = exit::NOT_RUNNING;
                    }
                }
                Err(RpcError::Fault { fault, at }) => {
                    ctl.exitstatus = exit::GENERIC;
                    if fault.is(FaultCode::BadName) {
                        ctl.output(&format!("No such process {name}"));
                    } else {
                        return Err(RpcError::Fault { fault, at }.into());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

pub async fn do_avail(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !arg.is_empty() {
        ctl.output("Error: avail accepts no arguments");
        ctl.exitstatus = exit::GENERIC;
        ctl.help_for("avail");
        return Ok(());
    }
    match ctl.sv.get_all_config_info().await {
        Ok(configs) => {
            for c in configs {
                let name = make_namespec(&c.group, &c.name);
                let inuse = if c.inuse { "in use" } else { "avail" };
                let autostart = if c.autostart { "auto" } else { "manual" };
                ctl.output(&format!(
                    "{name:<32} {inuse:<9} {autostart:<9} {}:{}",
                    c.group_prio, c.process_prio
                ));
            }
            Ok(())
        }
        Err(e) => {
            ctl.exitstatus = exit::GENERIC;
            match e.as_fault() {
                Some(f) if f.is(FaultCode::ShutdownState) => {
                    ctl.output("ERROR: supervisor shutting down");
                    Ok(())
                }
                _ => Err(e.into()),
            }
        }
    }
}

pub async fn do_version(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !arg.is_empty() {
        ctl.output("Error: version accepts no arguments");
        ctl.exitstatus = exit::GENERIC;
        ctl.help_for("version");
        return Ok(());
    }
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let v = ctl.sv.get_supervisor_version().await?;
    ctl.output(&v);
    Ok(())
}
