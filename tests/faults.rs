//! Real-server faults, each outcome asserted against a real supervisord: supervisord killed
//! with SIGKILL in the middle of a `quickrestart` of 32 processes; supervisord restarted
//! (`reload`) while the shell is open; a program that dies right after it starts (FATAL), one
//! that ignores SIGTERM (stopwaitsecs, then SIGKILL), one whose command is missing; and a socket
//! whose permissions deny the user.

mod support;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use support::{Mask, Supervisord, Version, assert_outputs_same, ours_exe, pid_alive, send_signal};

const SETTLE: Duration = Duration::from_secs(30);

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

fn state_of(sv: &Supervisord, name: &str) -> String {
    sv.processes()
        .into_iter()
        .find(|p| p.full_name() == name)
        .map(|p| p.statename)
        .unwrap_or_default()
}

const STATES: [&str; 8] = [
    "STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN",
];

// ---- supervisord killed during a quickrestart --------------------------------------------------

#[test]
fn supervisord_killed_during_a_quickrestart_of_32_processes() {
    let sv = Supervisord::start(
        "[program:w]\ncommand=sleep 100000\nprocess_name=w_%(process_num)02d\nnumprocs=32\nstartsecs=3\n\
         stopwaitsecs=2\nstdout_logfile=NONE\nredirect_stderr=true\n",
    );
    let before = sv.processes();
    assert_eq!(before.len(), 32);
    assert!(before.iter().all(|p| p.statename == "RUNNING"));
    let child = Command::new(ours_exe())
        .arg("-c")
        .arg(sv.conf_path())
        .args(["quickrestart", "w:*"])
        .env("SUPERVISOR_QUICK_TIMEOUT", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ours");
    // Once the restart is under way (some process has a new life, in STARTING), kill it.
    let deadline = Instant::now() + SETTLE;
    loop {
        let procs = sv.processes();
        if procs.iter().any(|p| p.statename == "STARTING") {
            break;
        }
        assert!(Instant::now() < deadline, "the restart never got going");
        thread::sleep(Duration::from_millis(20));
    }
    let killed_at = Instant::now();
    assert!(send_signal(sv.pid(), "KILL"));
    let out = child.wait_with_output().expect("wait");
    let took = killed_at.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        took < Duration::from_secs(15),
        "took {took:?} after the kill\n{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stderr, "");
    // One line per target, in status order, saying where it stood; then the error that ended it.
    let got = lines(&stdout);
    assert_eq!(got.len(), 33, "{stdout}");
    for (i, line) in got[..32].iter().enumerate() {
        let name = format!("w:w_{i:02}");
        let verdict = line
            .strip_prefix(&format!("{name}: "))
            .unwrap_or_else(|| panic!("{line}\n{stdout}"));
        let ok = verdict == "started"
            || verdict
                .strip_prefix("ERROR (server lost, ")
                .and_then(|r| r.strip_suffix(')'))
                .is_some_and(|s| STATES.contains(&s) || s == "not started");
        assert!(ok, "{line}\n{stdout}");
    }
    assert!(got[32].starts_with("error: <class '"), "{stdout}");
    // startsecs=3: nothing can have been RUNNING again when supervisord died.
    assert!(!stdout.contains(": started"), "{stdout}");
    assert!(
        got[..32].iter().any(|l| l.ends_with("STARTING)")),
        "{stdout}"
    );
    eprintln!("quickrestart of 32, supervisord SIGKILLed: reported {took:?} after the kill");
}

// ---- reload while the shell is open ------------------------------------------------------------

/// Our shell with its stdin and stdout on pipes: lines are written as the test goes.
struct Shell {
    child: Child,
    stdin: ChildStdin,
    out: Arc<Mutex<String>>,
}

impl Shell {
    fn start(sv: &Supervisord) -> Shell {
        let mut child = Command::new(ours_exe())
            .arg("-c")
            .arg(sv.conf_path())
            .env("SUPERVISOR_QUICK_TIMEOUT", "2")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run ours");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(String::new()));
        let sink = out.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Shell { child, stdin, out }
    }

    fn text(&self) -> String {
        self.out.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn prompts(&self) -> usize {
        self.text().matches("supervisor> ").count()
    }

    /// Writes a line and waits for the prompt after it.
    #[track_caller]
    fn line(&mut self, line: &str) -> String {
        let before = self.text().len();
        let n = self.prompts();
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .expect("write a line");
        self.wait_prompts(n + 1);
        self.text()[before..].to_string()
    }

    #[track_caller]
    fn wait_prompts(&self, n: usize) {
        let deadline = Instant::now() + SETTLE;
        while self.prompts() < n {
            assert!(
                Instant::now() < deadline,
                "no prompt; the shell so far:\n{}",
                self.text()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_shell_rides_out_a_reload() {
    let sv = Supervisord::start(
        "[program:web]\ncommand=sleep 100000\nstartsecs=0\n\n[program:idle]\ncommand=sleep 100000\nautostart=false\n",
    );
    let mut shell = Shell::start(&sv);
    shell.wait_prompts(1);
    let first = shell.text();
    assert!(
        first.contains("web                              RUNNING"),
        "{first}"
    );
    let old_pid = sv
        .processes()
        .into_iter()
        .find(|p| p.name == "web")
        .map(|p| p.pid)
        .unwrap_or(0);
    // `reload` asks first in the shell; the answer is the next line.
    let before = shell.text().len();
    shell.stdin.write_all(b"reload\ny\n").expect("write");
    shell.wait_prompts(2);
    let answer = shell.text()[before..].to_string();
    assert!(answer.contains("Restarted supervisord"), "{answer}");
    // Straight away, while supervisord restarts: whatever it says, the shell goes on.
    let during = shell.line("status web");
    assert!(!during.contains("panicked"), "{during}");
    // Once it is back, the shell works as before: fresh state, quick verbs and all.
    let deadline = Instant::now() + SETTLE;
    while !sv
        .rpc("supervisor.getState", &[])
        .is_ok_and(|d| d.contains("<string>RUNNING</string>"))
    {
        assert!(Instant::now() < deadline, "supervisord did not come back");
        thread::sleep(Duration::from_millis(50));
    }
    sv.wait_for_state("web", "RUNNING", SETTLE);
    let status = shell.line("status web");
    let new_pid = sv
        .processes()
        .into_iter()
        .find(|p| p.name == "web")
        .map(|p| p.pid)
        .unwrap_or(0);
    assert_ne!(new_pid, old_pid, "reload gives programs a new life");
    assert!(
        status.contains(&format!(
            "web                              RUNNING   pid {new_pid}"
        )),
        "{status}"
    );
    let quick = shell.line("quickstart idle");
    assert!(quick.starts_with("idle: started\n"), "{quick}");
    assert_eq!(state_of(&sv, "idle"), "RUNNING");
    shell.stdin.write_all(b"exit\n").expect("write");
    let status = shell.child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_command_sent_while_supervisord_is_down_fails_cleanly_then_works_again() {
    let sv = Supervisord::start("[program:web]\ncommand=sleep 100000\nstartsecs=0\n");
    let mut shell = Shell::start(&sv);
    shell.wait_prompts(1);
    // Stopped (SIGSTOP): the socket accepts, nothing answers.
    assert!(send_signal(sv.pid(), "STOP"));
    struct Resume(u32);
    impl Drop for Resume {
        fn drop(&mut self) {
            send_signal(self.0, "CONT");
        }
    }
    let resume = Resume(sv.pid());
    let started = Instant::now();
    let out = shell.line("status");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        out.contains("error: <class 'TimeoutError'>, timed out: file: "),
        "{out}"
    );
    let out = shell.line("quickstop web");
    assert!(
        out.contains("error: <class 'TimeoutError'>, timed out: file: "),
        "{out}"
    );
    drop(resume);
    let out = shell.line("status");
    assert!(
        out.contains("web                              RUNNING"),
        "{out}"
    );
    assert_eq!(
        state_of(&sv, "web"),
        "RUNNING",
        "the quickstop that timed out sent nothing"
    );
}

// ---- programs that fail ------------------------------------------------------------------------

const FAILING: &str = "
[program:crash]
command=sh -c 'exit 3'
autostart=false
startsecs=1
startretries=2

[program:nofile]
command=/nonexistent/bin/daemon
autostart=false

[program:stubborn]
command=sh -c 'trap \"\" TERM; while :; do sleep 0.1; done'
autostart=false
startsecs=0
stopwaitsecs=2
";

#[test]
fn a_program_that_dies_right_after_start_ends_fatal() {
    let sv = Supervisord::start(FAILING);
    // Stock's `start` on one server, our `start` and `quickstart` on the same: the same words.
    let stock = sv.stock(&["start", "crash"]);
    assert_eq!(
        lines(&stock.stdout),
        ["crash: ERROR (spawn error)"],
        "{stock}"
    );
    // A start is answered at the first failed attempt; supervisord retries (startretries=2)
    // and then gives up: FATAL.
    sv.wait_for_state("crash", "FATAL", SETTLE);
    let ours = sv.ours(&["start", "crash"]);
    assert_outputs_same("start crash", &stock, &ours, &Mask::default());
    sv.wait_for_state("crash", "FATAL", SETTLE);
    let started = Instant::now();
    let quick = sv.ours(&["quickstart", "crash"]);
    assert_eq!(
        lines(&quick.stdout),
        ["crash: ERROR (spawn error)"],
        "{quick}"
    );
    assert_eq!(quick.status, stock.status, "{quick}");
    assert_eq!(quick.status, 7);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // What we said is what supervisord says, now that it has given up.
    sv.wait_for_state("crash", "FATAL", SETTLE);
    let status = sv.ours(&["status", "crash"]);
    assert!(
        status
            .stdout
            .starts_with("crash                            FATAL     Exited too quickly"),
        "{status}"
    );
    assert_eq!(status.status, 3);
}

#[test]
fn a_program_whose_command_is_missing() {
    let sv = Supervisord::start(FAILING);
    let stock = sv.stock(&["start", "nofile"]);
    let ours = sv.ours(&["start", "nofile"]);
    assert_outputs_same("start nofile", &stock, &ours, &Mask::default());
    assert_eq!(
        lines(&ours.stdout),
        ["nofile: ERROR (no such file)"],
        "{ours}"
    );
    let quick = sv.ours(&["quickstart", "nofile"]);
    assert_eq!(
        lines(&quick.stdout),
        ["nofile: ERROR (no such file)"],
        "{quick}"
    );
    assert_eq!(quick.status, ours.status);
    assert_eq!(quick.status, 1);
    // Nothing runs under that name.
    assert!(
        matches!(
            state_of(&sv, "nofile").as_str(),
            "STOPPED" | "FATAL" | "BACKOFF"
        ),
        "{}",
        state_of(&sv, "nofile")
    );
    let restart = sv.ours(&["quickrestart", "nofile"]);
    assert_eq!(
        lines(&restart.stdout),
        ["nofile: ERROR (no such file)"],
        "{restart}"
    );
}

#[test]
fn a_program_that_ignores_sigterm_is_killed_after_stopwaitsecs() {
    let sv = Supervisord::start(FAILING);
    for (client, args) in [
        ("stock", ["stop", "stubborn"]),
        ("ours", ["stop", "stubborn"]),
        ("quick", ["quickstop", "stubborn"]),
    ] {
        sv.ours(&["start", "stubborn"]).expect_status(0);
        let pid = sv
            .processes()
            .into_iter()
            .find(|p| p.name == "stubborn")
            .map(|p| p.pid)
            .unwrap_or(0);
        assert!(pid > 0 && pid_alive(pid));
        let started = Instant::now();
        let out = if client == "stock" {
            sv.stock(&args)
        } else {
            sv.ours(&args)
        };
        let took = started.elapsed();
        assert_eq!(lines(&out.stdout), ["stubborn: stopped"], "{client}\n{out}");
        assert_eq!(out.status, 0, "{client}\n{out}");
        // It ignored SIGTERM: the stop took stopwaitsecs (2 s), and ended with SIGKILL.
        assert!(took >= Duration::from_millis(1800), "{client}: {took:?}");
        assert!(took < Duration::from_secs(15), "{client}: {took:?}");
        assert_eq!(state_of(&sv, "stubborn"), "STOPPED");
        let deadline = Instant::now() + Duration::from_secs(5);
        while pid_alive(pid) {
            assert!(Instant::now() < deadline, "{client}: pid {pid} survived");
            thread::sleep(Duration::from_millis(20));
        }
        assert!(
            sv.log().contains("killing 'stubborn'") || sv.log().contains("with SIGKILL"),
            "{}",
            sv.log()
        );
    }
    // quickrestart goes through the same kill, then starts it afresh.
    sv.ours(&["start", "stubborn"]).expect_status(0);
    let old = sv
        .processes()
        .into_iter()
        .find(|p| p.name == "stubborn")
        .map(|p| p.pid)
        .unwrap_or(0);
    let out = sv.ours(&["quickrestart", "stubborn"]);
    assert_eq!(lines(&out.stdout), ["stubborn: started"], "{out}");
    let new = sv
        .processes()
        .into_iter()
        .find(|p| p.name == "stubborn")
        .map(|p| p.pid)
        .unwrap_or(0);
    assert_ne!(old, new);
    assert_eq!(state_of(&sv, "stubborn"), "RUNNING");
}

// ---- a socket that denies the user -------------------------------------------------------------

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn a_socket_that_denies_the_user() {
    // supervisord's socket is 0700 and root's (chmod= default); the client runs as nobody.
    let sv = Supervisord::start("[program:web]\ncommand=sleep 100000\nstartsecs=0\n");
    if !is_root() {
        eprintln!("not root: a socket this user cannot use is made by chmod instead");
        std::fs::set_permissions(
            sv.socket_path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o000),
        )
        .expect("chmod");
    }
    let conf = sv.conf_path().to_path_buf();
    let run = |client: &str, args: &[&str], stdin: Option<&str>| {
        let exe = match client {
            "stock" => Version::V43.supervisorctl(),
            _ => ours_exe(),
        };
        let mut cmd = if is_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.arg("-c")
            .arg(&conf)
            .args(args)
            .env("HOME", "/")
            .env("SUPERVISOR_QUICK_TIMEOUT", "2")
            .current_dir("/")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        if let Some(text) = stdin {
            let mut w = child.stdin.take().expect("stdin");
            w.write_all(text.as_bytes()).expect("write");
        }
        let out = child.wait_with_output().expect("wait");
        support::Output {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            status: out.status.code().unwrap_or(-1),
        }
    };
    for args in [
        &["status"][..],
        &["start", "web"],
        &["pid"],
        &["tail", "web"],
    ] {
        let stock = run("stock", args, None);
        let ours = run("ours", args, None);
        assert_outputs_same(
            &format!("{args:?} as nobody"),
            &stock,
            &ours,
            &Mask::default(),
        );
        assert!(
            ours.stdout
                .starts_with("error: <class 'PermissionError'>, [Errno 13] Permission denied"),
            "{ours}"
        );
        assert_eq!(ours.status, 1);
    }
    // The quick verbs (which stock lacks) say the same; so does the shell, which goes on.
    let quick = run("ours", &["quickrestart", "web"], None);
    assert!(
        quick
            .stdout
            .starts_with("error: <class 'PermissionError'>, [Errno 13] Permission denied: file: "),
        "{quick}"
    );
    assert_eq!(quick.status, 1, "{quick}");
    let shell = run("ours", &[], Some("status\nquickstop web\n"));
    assert_eq!(
        shell.stdout.matches("[Errno 13] Permission denied").count(),
        3,
        "{shell}"
    );
    assert_eq!(shell.status, 0, "{shell}");
    // And nothing happened to the program.
    assert_eq!(state_of(&sv, "web"), "RUNNING");
}
