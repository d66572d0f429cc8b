//! Running a child process with captured output and a hard timeout.

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Raw result of a finished child.
pub struct Raw {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: ExitStatus,
}

/// Exit code as an i32: the code, or 128+signal when killed by a signal.
pub fn code_of(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// Outcome of [`run_captured`]: the child finished, or the timeout hit (the
/// child was killed; whatever it printed so far is returned).
pub enum Finished {
    Done(Raw),
    TimedOut { stdout: Vec<u8>, stderr: Vec<u8> },
}

fn reader<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Polls `child` until it exits or `deadline` passes. `None` on timeout.
/// Never panics (it runs in Drop impls).
pub fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut nap = Duration::from_millis(1);
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::sleep(nap.min(deadline - now));
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

/// Spawns `cmd` with stdin fed from `stdin` (or /dev/null), stdout/stderr
/// captured, and waits at most `timeout`; on timeout the child is killed.
pub fn run_captured(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> Finished {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {cmd:?}: {e}"));
    if let Some(data) = stdin {
        let mut w = child.stdin.take().expect("stdin pipe");
        let data = data.to_vec();
        // A child that never reads its stdin must not block us: write from a
        // thread; errors (EPIPE) are ignored.
        thread::spawn(move || {
            let _ = w.write_all(&data);
        });
    }
    let out_rx = reader(child.stdout.take().expect("stdout pipe"));
    let err_rx = reader(child.stderr.take().expect("stderr pipe"));
    let deadline = Instant::now() + timeout;
    let status = wait_until(&mut child, deadline);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    // Pipes can stay open if the child left grandchildren holding them; do
    // not wait forever for EOF.
    let grace = Duration::from_secs(if status.is_some() { 10 } else { 2 });
    let stdout = out_rx.recv_timeout(grace).unwrap_or_default();
    let stderr = err_rx.recv_timeout(grace).unwrap_or_default();
    match status {
        Some(status) => Finished::Done(Raw {
            stdout,
            stderr,
            status,
        }),
        None => Finished::TimedOut { stdout, stderr },
    }
}

/// Runs a setup step (venv creation, pip): output appended to `log`; panics
/// with the log's tail and `hint` on failure or timeout.
pub fn run_logged(cmd: &mut Command, log: &std::path::Path, timeout: Duration, hint: &str) {
    use std::fs::OpenOptions;
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap_or_else(|e| panic!("cannot open log {}: {e}", log.display()));
    let _ = writeln!(f, "\n$ {cmd:?}");
    let res = run_captured(cmd, None, timeout);
    let (out, err, status) = match res {
        Finished::Done(r) => (r.stdout, r.stderr, Some(r.status)),
        Finished::TimedOut { stdout, stderr } => (stdout, stderr, None),
    };
    let _ = f.write_all(&out);
    let _ = f.write_all(&err);
    let ok = status.is_some_and(|s| s.success());
    let _ = writeln!(f, "[exit: {status:?}]");
    if !ok {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "setup step failed ({}): {cmd:?}\n{hint}\nfull log: {}\n--- log tail ---\n{}",
            match status {
                Some(s) => format!("exit {}", code_of(s)),
                None => format!("timed out after {timeout:?}"),
            },
            log.display(),
            tail.join("\n")
        );
    }
}
