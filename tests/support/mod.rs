//! Shared integration-test harness.
//!
//! Every `tests/*.rs` file pulls this in with `mod support;`. It runs a REAL
//! supervisord (4.3.0 on Python 3, or 3.1.3 on Python 2.7) in a fresh temp
//! dir, and runs both stock `supervisorctl` and our `supervisor-quick` against
//! it.
//!
//! * [`venv`]: provisions the Python environments (once, under a file lock).
//! * [`server`]: the [`Supervisord`] fixture.
//! * [`run`]: [`Invocation`] / [`Output`]: client runs with a hard timeout.
//! * [`mask`]: [`assert_same`] and the maskers for volatile output.
//! * [`fake`]: [`FakeServer`] for fault injection.
//! * [`xml`]: tiny XML-RPC helpers (request bodies, struct parsing).
//!
//! Environment knobs:
//! * `SUPERVISOR_QUICK_VENV43` / `SUPERVISOR_QUICK_VENV31`: venv locations
//!   (default `target/test-venvs/sv43` and `.../sv31`).
//! * `SUPERVISOR_QUICK_PYTHON3` / `SUPERVISOR_QUICK_PYTHON27`: interpreters
//!   used to build them (default `python3`; `python2.7` on PATH, then
//!   `~/.pyenv/versions/2.7*/bin/python`).
//! * `SUPERVISOR_QUICK_KEEP_DIRS=1`: keep each test's temp dir for debugging.
//!
//! Cleanup: dropping a [`Supervisord`] stops it and everything it started
//! (see [`Supervisord::stop`]); if a test process dies without running its
//! Drops, the next one to start a supervisord kills what it left behind
//! ([`reap_stale`]).
#![allow(dead_code, unused_imports)]

pub mod fake;
pub mod mask;
pub mod proc;
pub mod run;
pub mod server;
pub mod venv;
pub mod xml;

pub use fake::{FakeServer, Reply, Request};
pub use mask::{
    Mask, assert_outputs_same, assert_same, assert_same_runs, assert_same_with, normalize,
};
pub use run::{Client, Invocation, Output, ours_exe};
pub use server::{Builder, ProcInfo, Supervisord};
pub use venv::Version;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Creates a fresh, empty directory under `std::env::temp_dir()`, unique per
/// process, call and time: `<tmp>/svq-<prefix>-<pid>-<counter>-<nanos>`.
pub fn unique_temp_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("svq-{prefix}-{}-{n}-{nanos}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return dir,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("cannot create temp dir {}: {e}", dir.display()),
        }
    }
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0,
/// read the port, close). Callers retry on "address in use".
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

/// Whether `pid` is a live (non-zombie) process.
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // Format: "pid (comm) S ..."; comm may contain spaces/parens.
        Ok(stat) => match stat.rfind(')') {
            Some(i) => !matches!(stat[i + 1..].trim_start().chars().next(), Some('Z' | 'X')),
            None => true,
        },
        Err(_) => false,
    }
}

/// Live (non-zombie) processes whose process group is `pgid`.
pub fn live_in_group(pgid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // After "(comm)": state ppid pgrp ...
        let Some(i) = stat.rfind(')') else { continue };
        let f: Vec<&str> = stat[i + 1..].split_whitespace().collect();
        if f.len() > 2 && f[2] == pgid.to_string() && !matches!(f[0], "Z" | "X") {
            out.push(pid);
        }
    }
    out
}

/// Sends a signal by name (`"TERM"`, `"KILL"`, ...) with `/usr/bin/kill`.
/// Returns whether kill reported success.
pub fn send_signal(pid: u32, sig: &str) -> bool {
    std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Sends a signal to the process group `pgid` (`kill -SIG -- -PGID`).
pub fn send_signal_group(pgid: u32, sig: &str) -> bool {
    std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Live (non-zombie) processes whose environment holds one of `entries`
/// exactly (`KEY=VALUE`).
pub fn live_with_env(entries: &[String]) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        let hit = env
            .split(|&b| b == 0)
            .any(|kv| entries.iter().any(|m| kv == m.as_bytes()));
        if hit && pid_alive(pid) {
            out.push(pid);
        }
    }
    out
}

/// Janitor, run once per test process (from `Builder::start`): if an earlier
/// test process died without its Drops running (killed by a timeout, ^C,
/// SIGPIPE), its supervisords and their programs may still be running. They
/// are recognised by `<tmp>/svq-sd-<owner pid>-` in their command line or
/// `SUPERVISOR_SERVER_URL`; those whose owner is gone are SIGKILLed and the
/// owner's temp dirs removed (unless `SUPERVISOR_QUICK_KEEP_DIRS` is set).
pub fn reap_stale() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let tmp = std::env::temp_dir();
        let tag = format!("{}/svq-sd-", tmp.display());
        let owner_of = |bytes: &[u8]| -> Option<u32> {
            let s = String::from_utf8_lossy(bytes);
            let i = s.find(&tag)? + tag.len();
            let digits: String = s[i..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        };
        let me = std::process::id();
        let Ok(rd) = std::fs::read_dir("/proc") else {
            return;
        };
        let mut dead_owners = std::collections::BTreeSet::new();
        for e in rd.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let owner = owner_of(&cmd).or_else(|| {
                env.split(|&b| b == 0)
                    .find(|kv| kv.starts_with(b"SUPERVISOR_SERVER_URL="))
                    .and_then(owner_of)
            });
            if let Some(owner) = owner
                && owner != me
                && owner != pid
                && !pid_alive(owner)
                && pid_alive(pid)
            {
                eprintln!("[support] killing stale pid {pid} left by dead test process {owner}");
                send_signal(pid, "KILL");
                dead_owners.insert(owner);
            }
        }
        if std::env::var_os("SUPERVISOR_QUICK_KEEP_DIRS").is_none()
            && let Ok(rd) = std::fs::read_dir(&tmp)
        {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let owner = ["svq-sd-", "svq-fake-"].iter().find_map(|p| {
                    let rest = name.strip_prefix(p)?;
                    rest.split('-').next()?.parse::<u32>().ok()
                });
                if owner.is_some_and(|o| o != me && !pid_alive(o)) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    });
}
