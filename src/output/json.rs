//! The JSON documents `status --json` and the quick verbs' `--json` print, for scripts and
//! monitoring. Field names and meanings are part of the interface (see the man page).

use serde::Serialize;

use crate::api::{ProcessInfo, state};

/// One row of `status --json`: a process, or a name that matched nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusEntry {
    /// The name as `status` shows it (`name`, or `group:name`); for an error, the name as given.
    pub name: String,
    pub group: Option<String>,
    /// The bare process name.
    pub process: Option<String>,
    /// supervisord's state name (`RUNNING`, `STOPPED`, ...).
    pub state: Option<String>,
    /// `null` when the process has no pid (not running).
    pub pid: Option<i64>,
    /// Whole seconds since the process was started, only while it is RUNNING.
    pub uptime: Option<i64>,
    /// supervisord's description, as the text table shows it.
    pub description: Option<String>,
    pub exitstatus: Option<i64>,
    /// Why the last spawn failed; `null` when empty.
    pub spawnerr: Option<String>,
    /// `null`, or `no such process` / `no such group` for a name that matched nothing.
    pub error: Option<String>,
}

impl StatusEntry {
    pub fn from_info(info: &ProcessInfo) -> StatusEntry {
        StatusEntry {
            name: info.namespec(),
            group: Some(info.group.clone()),
            process: Some(info.name.clone()),
            state: Some(info.statename.clone()),
            pid: pid(info),
            uptime: uptime(info),
            description: Some(info.description.clone()),
            exitstatus: Some(info.exitstatus),
            spawnerr: non_empty(&info.spawnerr),
            error: None,
        }
    }

    pub fn error(name: &str, error: &str) -> StatusEntry {
        StatusEntry {
            name: name.to_owned(),
            group: None,
            process: None,
            state: None,
            pid: None,
            uptime: None,
            description: None,
            exitstatus: None,
            spawnerr: None,
            error: Some(error.to_owned()),
        }
    }
}

/// The document a quick verb prints with `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuickReport {
    /// `quickstart`, `quickstop` or `quickrestart`.
    pub verb: String,
    /// Whether every target reached its state (the exit status is 0 exactly then).
    pub ok: bool,
    /// Seconds the command took, to the millisecond.
    pub elapsed: f64,
    /// One entry per target, in `status` order.
    pub results: Vec<QuickResult>,
    /// Errors that are about no single target (a pattern that matched nothing, the server lost).
    pub errors: Vec<String>,
}

/// What happened to one target of a quick verb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuickResult {
    pub name: String,
    pub group: String,
    pub process: String,
    /// `started`, `stopped`, `already started`, `not running`, `failed`, `timed out`,
    /// `interrupted` or `server lost`.
    pub result: String,
    /// The state last seen.
    pub state: String,
    pub pid: Option<i64>,
    /// `null`, or stock's words for the failure (`spawn error`, `abnormal termination`, ...).
    pub error: Option<String>,
    /// supervisord's own explanation, when it gave one (`Exited too quickly ...`).
    pub reason: Option<String>,
}

impl QuickResult {
    pub fn new(info: &ProcessInfo, result: &str) -> QuickResult {
        QuickResult {
            name: info.namespec(),
            group: info.group.clone(),
            process: info.name.clone(),
            result: result.to_owned(),
            state: info.statename.clone(),
            pid: pid(info),
            error: None,
            reason: None,
        }
    }
}

fn pid(info: &ProcessInfo) -> Option<i64> {
    (info.pid != 0).then_some(info.pid)
}

fn uptime(info: &ProcessInfo) -> Option<i64> {
    (info.state == state::RUNNING && info.start > 0).then(|| (info.now - info.start).max(0))
}

pub fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Seconds rounded to the millisecond, so documents do not carry float noise.
pub fn seconds(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// One document, pretty-printed (two-space indent), without the final newline.
pub fn document<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail; an empty document would be the only outcome.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, group: &str, st: i64, statename: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            state: st,
            statename: statename.into(),
            description: "pid 42, uptime 0:01:40".into(),
            pid: if st == state::RUNNING { 42 } else { 0 },
            start: 1000,
            stop: 0,
            now: 1100,
            spawnerr: String::new(),
            exitstatus: 0,
        }
    }

    #[test]
    fn status_entry_fields() {
        let e = StatusEntry::from_info(&info("app_00", "app", state::RUNNING, "RUNNING"));
        let v: serde_json::Value = serde_json::from_str(&document(&e)).unwrap();
        assert_eq!(v["name"], "app:app_00");
        assert_eq!(v["group"], "app");
        assert_eq!(v["process"], "app_00");
        assert_eq!(v["state"], "RUNNING");
        assert_eq!(v["pid"], 42);
        assert_eq!(v["uptime"], 100);
        assert_eq!(v["spawnerr"], serde_json::Value::Null);
        assert_eq!(v["error"], serde_json::Value::Null);

        let e = StatusEntry::from_info(&info("web", "web", state::STOPPED, "STOPPED"));
        assert_eq!((e.name.as_str(), e.pid, e.uptime), ("web", None, None));

        let e = StatusEntry::error("nosuch", "no such process");
        let v: serde_json::Value = serde_json::from_str(&document(&e)).unwrap();
        assert_eq!(v["error"], "no such process");
        assert_eq!(v["state"], serde_json::Value::Null);
    }

    #[test]
    fn elapsed_is_rounded() {
        assert_eq!(seconds(std::time::Duration::from_micros(1_234_567)), 1.235);
    }
}
