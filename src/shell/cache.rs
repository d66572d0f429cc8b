//! The names completion offers, kept fresh by a thread of its own so that a key press never
//! waits on the network.
//!
//! The thread has its own runtime and its own connection to the server. It fetches the process
//! list after every command, when Tab is pressed (at most every two seconds), and every few
//! seconds in between while the shell is in use; the configured groups and the RPC method list
//! at the start and after commands that may change them. When the server does not answer, the
//! names last seen stay, so completion keeps working while it is gone.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::api::Supervisor;
use crate::transport::Transport;
use crate::xmlrpc::Value;

/// Shortest pause between two background refreshes.
const MIN_INTERVAL: Duration = Duration::from_secs(5);
/// Longest pause between two background refreshes (for servers slow to list their processes).
const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// A refresh that takes longer than this is abandoned (the old names stay).
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// A Tab press fetches the processes again when they are older than this.
const NUDGE_AFTER: Duration = Duration::from_secs(2);
/// With no command and no Tab for this long, background polling stops until the next one.
const IDLE_STOP: Duration = Duration::from_secs(15 * 60);

/// One process as completion needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub group: String,
    pub name: String,
    pub state: i64,
}

/// What completion knows about the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// `getAllProcessInfo`, in the server's order.
    pub procs: Vec<Proc>,
    /// `getAllConfigInfo`'s groups, each once, with whether the group is active.
    pub configured: Vec<(String, bool)>,
    /// `system.listMethods`.
    pub methods: Vec<String>,
}

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Endpoint {
    fn supervisor(&self) -> Supervisor {
        Supervisor::new(Transport::new(
            &self.serverurl,
            self.username.as_deref(),
            self.password.as_deref(),
        ))
    }
}

enum Msg {
    /// A command ran: fetch now, from this endpoint; with `full`, the groups and methods too.
    Refresh { endpoint: Endpoint, full: bool },
    /// Completion was asked for: fetch the processes unless that was done a moment ago.
    Nudge,
}

/// The shared names and the handle of the thread that refreshes them. Dropping it ends the
/// thread (at its next wake-up; nobody waits for it).
pub struct Cache {
    shared: Arc<Mutex<Snapshot>>,
    tx: Option<mpsc::UnboundedSender<Msg>>,
}

/// Lets the completer say that names are wanted. Never blocks.
#[derive(Clone, Default)]
pub struct Nudger(Option<mpsc::UnboundedSender<Msg>>);

impl Nudger {
    pub fn nudge(&self) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(Msg::Nudge);
        }
    }
}

impl Cache {
    /// Starts the refreshing thread; its first (full) fetch begins at once.
    pub fn start(endpoint: Endpoint) -> Cache {
        let shared = Arc::new(Mutex::new(Snapshot::default()));
        let (tx, rx) = mpsc::unbounded_channel();
        let for_thread = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("supervisor-quick-completion".into())
            .spawn(move || refresher(for_thread, endpoint, rx));
        Cache {
            shared,
            tx: spawned.is_ok().then_some(tx),
        }
    }

    /// The shared names, for the completer.
    pub fn shared(&self) -> Arc<Mutex<Snapshot>> {
        Arc::clone(&self.shared)
    }

    pub fn nudger(&self) -> Nudger {
        Nudger(self.tx.clone())
    }

    /// Asks for a refresh now (after a command), from this endpoint; `full` after a command
    /// that may have changed the configuration or the server. Never blocks.
    pub fn refresh(&self, endpoint: Endpoint, full: bool) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Refresh { endpoint, full });
        }
    }
}

pub fn lock(m: &Mutex<Snapshot>) -> MutexGuard<'_, Snapshot> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn refresher(
    shared: Arc<Mutex<Snapshot>>,
    endpoint: Endpoint,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        let mut endpoint = endpoint;
        let mut sv = endpoint.supervisor();
        // What to fetch next: Some(full) when a fetch is due.
        let mut due = Some(true);
        let mut last_fetch = Instant::now();
        let mut last_activity = Instant::now();
        let mut interval = MIN_INTERVAL;
        loop {
            if let Some(full) = due.take() {
                let started = Instant::now();
                if let Ok(Some(fetched)) =
                    tokio::time::timeout(FETCH_TIMEOUT, fetch(&sv, full)).await
                {
                    store(&shared, fetched);
                }
                last_fetch = Instant::now();
                // A server slow to list its processes is asked less often.
                interval = (started.elapsed() * 20).clamp(MIN_INTERVAL, MAX_INTERVAL);
            }
            // Nobody has used the shell for a while: no more polling until someone does.
            let msg = if last_activity.elapsed() >= IDLE_STOP {
                rx.recv().await
            } else {
                let next = tokio::time::Instant::from_std(last_fetch + interval);
                match tokio::time::timeout_at(next, rx.recv()).await {
                    Ok(msg) => msg,
                    Err(_) => {
                        due = Some(false);
                        continue;
                    }
                }
            };
            let Some(first) = msg else {
                return;
            };
            last_activity = Instant::now();
            // Everything queued meanwhile counts as one request.
            let mut msgs = vec![first];
            while let Ok(m) = rx.try_recv() {
                msgs.push(m);
            }
            for m in msgs {
                match m {
                    Msg::Refresh {
                        endpoint: next,
                        full,
                    } => {
                        let mut full = full;
                        if next != endpoint {
                            if next.serverurl != endpoint.serverurl {
                                // Another server (`open`): the old names would mislead.
                                *lock(&shared) = Snapshot::default();
                            }
                            sv = next.supervisor();
                            endpoint = next;
                            full = true;
                        }
                        due = Some(due.unwrap_or(false) || full);
                    }
                    Msg::Nudge if last_fetch.elapsed() >= NUDGE_AFTER => {
                        due = Some(due.unwrap_or(false))
                    }
                    Msg::Nudge => {}
                }
            }
        }
    });
}

/// What one refresh brought; `None` fields were not fetched or failed (the old value stays).
#[derive(Debug, Default)]
struct Fetched {
    procs: Option<Vec<Proc>>,
    configured: Option<Vec<(String, bool)>>,
    methods: Option<Vec<String>>,
}

fn store(shared: &Mutex<Snapshot>, fetched: Fetched) {
    let mut snap = lock(shared);
    if let Some(procs) = fetched.procs {
        snap.procs = procs;
    }
    if let Some(configured) = fetched.configured {
        snap.configured = configured;
    }
    if let Some(methods) = fetched.methods {
        snap.methods = methods;
    }
}

/// The process list; with `full`, also the configured groups and the method list, in the same
/// round trip (`system.multicall`).
async fn fetch(sv: &Supervisor, full: bool) -> Option<Fetched> {
    if !full {
        let v = sv.call("supervisor.getAllProcessInfo", &[]).await.ok()?;
        return Some(Fetched {
            procs: procs_from(&v),
            ..Fetched::default()
        });
    }
    let calls = vec![
        ("supervisor.getAllProcessInfo".to_owned(), vec![]),
        ("supervisor.getAllConfigInfo".to_owned(), vec![]),
        ("system.listMethods".to_owned(), vec![]),
    ];
    let results = sv.multicall(&calls).await.ok()?;
    let mut it = results.into_iter();
    let procs = it.next().and_then(|r| r.ok()).and_then(|v| procs_from(&v));
    let configured = it.next().and_then(|r| r.ok()).and_then(|v| groups_from(&v));
    let methods = it
        .next()
        .and_then(|r| r.ok())
        .and_then(|v| methods_from(&v));
    Some(Fetched {
        procs,
        configured,
        methods,
    })
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub fn procs_from(v: &Value) -> Option<Vec<Proc>> {
    v.as_array()?
        .iter()
        .map(|p| {
            Some(Proc {
                group: str_of(p, "group")?,
                name: str_of(p, "name")?,
                state: p
                    .get("state")
                    .and_then(Value::as_i64)
                    .unwrap_or(crate::api::state::UNKNOWN),
            })
        })
        .collect()
}

pub fn groups_from(v: &Value) -> Option<Vec<(String, bool)>> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for c in v.as_array()? {
        let group = str_of(c, "group")?;
        let inuse = c.get("inuse").and_then(Value::as_bool).unwrap_or(false);
        if !out.iter().any(|(g, _)| *g == group) {
            out.push((group, inuse));
        }
    }
    Some(out)
}

pub fn methods_from(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|m| m.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(pairs: &[(&str, Value)]) -> Value {
        Value::Struct(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn reads_processes_groups_and_methods() {
        let infos = Value::Array(vec![
            sv(&[
                ("name", "a1".into()),
                ("group", "app".into()),
                ("state", Value::Int(20)),
            ]),
            sv(&[
                ("name", "web".into()),
                ("group", "web".into()),
                ("state", Value::Int(0)),
            ]),
        ]);
        let procs = procs_from(&infos).unwrap();
        assert_eq!(
            procs[0],
            Proc {
                group: "app".into(),
                name: "a1".into(),
                state: 20
            }
        );
        assert_eq!(procs[1].state, 0);
        let configs = Value::Array(vec![
            sv(&[
                ("name", "a1".into()),
                ("group", "app".into()),
                ("inuse", Value::Bool(true)),
            ]),
            sv(&[
                ("name", "a2".into()),
                ("group", "app".into()),
                ("inuse", Value::Bool(true)),
            ]),
            sv(&[
                ("name", "new".into()),
                ("group", "new".into()),
                ("inuse", Value::Bool(false)),
            ]),
        ]);
        assert_eq!(
            groups_from(&configs).unwrap(),
            vec![("app".into(), true), ("new".into(), false)]
        );
        let methods = Value::Array(vec![
            "system.listMethods".into(),
            "supervisor.getState".into(),
        ]);
        assert_eq!(methods_from(&methods).unwrap().len(), 2);
        assert_eq!(procs_from(&Value::Int(3)), None);
        assert_eq!(procs_from(&Value::Array(vec![Value::Int(3)])), None);
    }

    #[test]
    fn a_failed_refresh_keeps_the_old_names() {
        let shared = Mutex::new(Snapshot::default());
        store(
            &shared,
            Fetched {
                procs: Some(vec![Proc {
                    group: "g".into(),
                    name: "p".into(),
                    state: 0,
                }]),
                configured: None,
                methods: Some(vec!["x.y".into()]),
            },
        );
        store(&shared, Fetched::default());
        let snap = lock(&shared);
        assert_eq!(snap.procs.len(), 1);
        assert_eq!(snap.methods, vec!["x.y".to_owned()]);
    }
}
