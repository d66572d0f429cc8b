//! Typed calls to supervisord's XML-RPC interface, each a line or two over the transport.

use crate::error::RpcError;
use crate::transport::Transport;
use crate::xmlrpc::Value;

/// Process states (`supervisor.states.ProcessStates`).
pub mod state {
    pub const STOPPED: i64 = 0;
    pub const STARTING: i64 = 10;
    pub const RUNNING: i64 = 20;
    pub const BACKOFF: i64 = 30;
    pub const STOPPING: i64 = 40;
    pub const EXITED: i64 = 100;
    pub const FATAL: i64 = 200;
    pub const UNKNOWN: i64 = 1000;

    pub fn is_stopped(s: i64) -> bool {
        matches!(s, STOPPED | EXITED | FATAL | UNKNOWN)
    }

    pub fn name(s: i64) -> &'static str {
        match s {
            STOPPED => "STOPPED",
            STARTING => "STARTING",
            RUNNING => "RUNNING",
            BACKOFF => "BACKOFF",
            STOPPING => "STOPPING",
            EXITED => "EXITED",
            FATAL => "FATAL",
            _ => "UNKNOWN",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub name: String,
    pub group: String,
    pub state: i64,
    pub statename: String,
    pub description: String,
    pub pid: i64,
    pub start: i64,
    pub stop: i64,
    pub now: i64,
    pub spawnerr: String,
    pub exitstatus: i64,
}

impl ProcessInfo {
    /// A process known only by its name and state (no pid, times or messages).
    pub fn bare(group: &str, name: &str, state: i64, statename: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.to_owned(),
            group: group.to_owned(),
            state,
            statename: statename.to_owned(),
            description: String::new(),
            pid: 0,
            start: 0,
            stop: 0,
            now: 0,
            spawnerr: String::new(),
            exitstatus: 0,
        }
    }

    /// `make_namespec`: `name` when it is alone in a group of its own name, else `group:name`.
    pub fn namespec(&self) -> String {
        make_namespec(&self.group, &self.name)
    }

    fn from_value(v: &Value) -> Result<ProcessInfo, RpcError> {
        Ok(ProcessInfo {
            name: req_str(v, "name")?,
            group: req_str(v, "group")?,
            state: req_int(v, "state")?,
            statename: opt_str(v, "statename"),
            description: opt_str(v, "description"),
            pid: opt_int(v, "pid"),
            start: opt_int(v, "start"),
            stop: opt_int(v, "stop"),
            now: opt_int(v, "now"),
            spawnerr: opt_str(v, "spawnerr"),
            exitstatus: opt_int(v, "exitstatus"),
        })
    }
}

pub fn make_namespec(group: &str, name: &str) -> String {
    if group == name {
        name.to_owned()
    } else {
        format!("{group}:{name}")
    }
}

/// `split_namespec`: `g:p` → (g, Some(p)); `g:` / `g:*` → (g, None); `p` → (p, Some(p)).
pub fn split_namespec(s: &str) -> (&str, Option<&str>) {
    match s.split_once(':') {
        Some((g, p)) if p.is_empty() || p == "*" => (g, None),
        Some((g, p)) => (g, Some(p)),
        None => (s, Some(s)),
    }
}

/// One entry of the array a group or all-process call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResult {
    pub name: String,
    pub group: String,
    pub status: i64,
    pub description: String,
}

impl CallResult {
    fn from_value(v: &Value) -> Result<CallResult, RpcError> {
        Ok(CallResult {
            name: req_str(v, "name")?,
            group: req_str(v, "group")?,
            status: req_int(v, "status")?,
            description: opt_str(v, "description"),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigInfo {
    pub name: String,
    pub group: String,
    pub inuse: bool,
    pub autostart: bool,
    pub group_prio: String,
    pub process_prio: String,
}

fn req_str(v: &Value, key: &str) -> Result<String, RpcError> {
    match v.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(RpcError::malformed(format!(
            "'{key}' is a {}, not a string",
            other.type_name()
        ))),
        None => Err(RpcError::malformed(format!("response has no '{key}'"))),
    }
}

fn req_int(v: &Value, key: &str) -> Result<i64, RpcError> {
    match v.get(key) {
        Some(Value::Int(i)) => Ok(*i),
        Some(other) => Err(RpcError::malformed(format!(
            "'{key}' is a {}, not an int",
            other.type_name()
        ))),
        None => Err(RpcError::malformed(format!("response has no '{key}'"))),
    }
}

fn opt_str(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Nil) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn opt_int(v: &Value, key: &str) -> i64 {
    match v.get(key) {
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => i64::from(*b),
        _ => 0,
    }
}

/// Python's `str()` of a config value (ints, bools, strings alike).
fn py_str(v: Option<&Value>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "None".into())
}

fn expect_str(v: Value) -> Result<String, RpcError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(RpcError::malformed(format!(
            "expected a string, got a {}",
            other.type_name()
        ))),
    }
}

fn expect_array(v: Value) -> Result<Vec<Value>, RpcError> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(RpcError::malformed(format!(
            "expected an array, got a {}",
            other.type_name()
        ))),
    }
}

pub fn results_from(v: Value) -> Result<Vec<CallResult>, RpcError> {
    expect_array(v)?
        .iter()
        .map(CallResult::from_value)
        .collect()
}

/// A supervisord reached through one transport.
pub struct Supervisor {
    pub transport: Transport,
}

impl Supervisor {
    pub fn new(transport: Transport) -> Supervisor {
        Supervisor { transport }
    }

    pub async fn call(&self, method: &str, params: &[Value]) -> Result<Value, RpcError> {
        self.transport.call(method, params).await
    }

    async fn sv(&self, method: &str, params: &[Value]) -> Result<Value, RpcError> {
        self.transport
            .call(&format!("supervisor.{method}"), params)
            .await
    }

    pub async fn get_version(&self) -> Result<Value, RpcError> {
        self.sv("getVersion", &[]).await
    }

    pub async fn get_supervisor_version(&self) -> Result<String, RpcError> {
        expect_str(self.sv("getSupervisorVersion", &[]).await?)
    }

    pub async fn get_state(&self) -> Result<(i64, String), RpcError> {
        let v = self.sv("getState", &[]).await?;
        Ok((req_int(&v, "statecode")?, req_str(&v, "statename")?))
    }

    pub async fn get_pid(&self) -> Result<Value, RpcError> {
        self.sv("getPID", &[]).await
    }

    pub async fn get_all_process_info(&self) -> Result<Vec<ProcessInfo>, RpcError> {
        self.get_all_process_info_patiently(std::time::Duration::ZERO)
            .await
    }

    /// `getAllProcessInfo` while the server may be busy spawning (see `Transport::call_patiently`).
    pub async fn get_all_process_info_patiently(
        &self,
        patience: std::time::Duration,
    ) -> Result<Vec<ProcessInfo>, RpcError> {
        self.get_all_process_info_noting_head(patience, &crate::transport::Head::default())
            .await
    }

    /// The listing, setting `head` once the server has taken it (its answer's head is in):
    /// what happens after that is not in it.
    pub async fn get_all_process_info_noting_head(
        &self,
        patience: std::time::Duration,
        head: &crate::transport::Head,
    ) -> Result<Vec<ProcessInfo>, RpcError> {
        let v = self
            .transport
            .call_noting_head("supervisor.getAllProcessInfo", &[], patience, head)
            .await?;
        expect_array(v)?
            .iter()
            .map(ProcessInfo::from_value)
            .collect()
    }

    pub async fn get_process_info(&self, name: &str) -> Result<ProcessInfo, RpcError> {
        ProcessInfo::from_value(&self.sv("getProcessInfo", &[name.into()]).await?)
    }

    pub async fn get_all_config_info(&self) -> Result<Vec<ConfigInfo>, RpcError> {
        let v = self.sv("getAllConfigInfo", &[]).await?;
        expect_array(v)?
            .iter()
            .map(|c| {
                Ok(ConfigInfo {
                    name: req_str(c, "name")?,
                    group: req_str(c, "group")?,
                    inuse: c.get("inuse").and_then(Value::as_bool).unwrap_or(false),
                    autostart: c.get("autostart").and_then(Value::as_bool).unwrap_or(false),
                    group_prio: py_str(c.get("group_prio")),
                    process_prio: py_str(c.get("process_prio")),
                })
            })
            .collect()
    }

    pub async fn list_methods(&self) -> Result<Vec<String>, RpcError> {
        let v = self.call("system.listMethods", &[]).await?;
        expect_array(v)?.into_iter().map(expect_str).collect()
    }

    /// `system.multicall`: one round trip; each entry is the call's value or its fault.
    pub async fn multicall(
        &self,
        calls: &[(String, Vec<Value>)],
    ) -> Result<Vec<Result<Value, crate::xmlrpc::Fault>>, RpcError> {
        self.multicall_patiently(calls, std::time::Duration::ZERO)
            .await
    }

    /// `multicall` for calls the server needs a while for (see `Transport::call_patiently`).
    pub async fn multicall_patiently(
        &self,
        calls: &[(String, Vec<Value>)],
        patience: std::time::Duration,
    ) -> Result<Vec<Result<Value, crate::xmlrpc::Fault>>, RpcError> {
        let arg = Value::Array(
            calls
                .iter()
                .map(|(m, p)| {
                    Value::Struct(vec![
                        ("methodName".into(), Value::String(m.clone())),
                        ("params".into(), Value::Array(p.clone())),
                    ])
                })
                .collect(),
        );
        let v = self
            .transport
            .call_patiently("system.multicall", &[arg], patience)
            .await?;
        let items = expect_array(v)?;
        if items.len() != calls.len() {
            return Err(RpcError::malformed(format!(
                "multicall answered {} results for {} calls",
                items.len(),
                calls.len()
            )));
        }
        // supervisord answers each call with its bare value, or a fault struct.
        Ok(items
            .into_iter()
            .map(|item| {
                if let (Some(Value::Int(code)), Some(Value::String(string))) =
                    (item.get("faultCode"), item.get("faultString"))
                {
                    Err(crate::xmlrpc::Fault::new(*code, string.clone()))
                } else {
                    Ok(item)
                }
            })
            .collect())
    }

    pub async fn start_process(&self, name: &str, wait: bool) -> Result<Value, RpcError> {
        self.sv("startProcess", &[name.into(), wait.into()]).await
    }

    pub async fn stop_process(&self, name: &str, wait: bool) -> Result<Value, RpcError> {
        self.sv("stopProcess", &[name.into(), wait.into()]).await
    }

    pub async fn start_process_group(
        &self,
        name: &str,
        wait: bool,
    ) -> Result<Vec<CallResult>, RpcError> {
        results_from(
            self.sv("startProcessGroup", &[name.into(), wait.into()])
                .await?,
        )
    }

    pub async fn stop_process_group(
        &self,
        name: &str,
        wait: bool,
    ) -> Result<Vec<CallResult>, RpcError> {
        results_from(
            self.sv("stopProcessGroup", &[name.into(), wait.into()])
                .await?,
        )
    }

    pub async fn start_all_processes(&self, wait: bool) -> Result<Vec<CallResult>, RpcError> {
        results_from(self.sv("startAllProcesses", &[wait.into()]).await?)
    }

    pub async fn stop_all_processes(&self, wait: bool) -> Result<Vec<CallResult>, RpcError> {
        results_from(self.sv("stopAllProcesses", &[wait.into()]).await?)
    }

    /// The `supervisor.*` method with plain string parameters, as stock's simple commands call them.
    pub async fn call_sv(&self, method: &str, params: &[Value]) -> Result<Value, RpcError> {
        self.sv(method, params).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespecs_like_stock() {
        assert_eq!(split_namespec("g:p"), ("g", Some("p")));
        assert_eq!(split_namespec("g:"), ("g", None));
        assert_eq!(split_namespec("g:*"), ("g", None));
        assert_eq!(split_namespec("p"), ("p", Some("p")));
        assert_eq!(split_namespec("a:b:c"), ("a", Some("b:c")));
        assert_eq!(make_namespec("foo", "foo"), "foo");
        assert_eq!(make_namespec("g", "p"), "g:p");
    }
}
