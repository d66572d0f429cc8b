//! `tail`, `maintail` and `fg` against real supervisords.
//!
//! The one-shot forms are differential: stock supervisorctl 4.3.0 and ours run the same command
//! line against the same server and must print the same stdout and stderr and exit with the same
//! status. The streaming forms (`tail -f`, `maintail -f`, `fg`) never end by themselves, so they
//! run our binary alone, read its output as it comes, and then interrupt it or close its stdin.

mod support;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use support::{Builder, Mask, Supervisord, assert_same_with, free_port, ours_exe, send_signal};

/// Processes whose logs never change once they have started.
const PROGRAMS: &str = r#"
[program:foo]
command=/bin/sh -c "echo hello from foo; echo err from foo >&2; exec sleep 100000"
startsecs=0

[program:uni]
command=/bin/sh -c "printf 'h\303\251llo w\303\266rld \342\234\223\n'; exec sleep 100000"
startsecs=0

[program:quiet]
command=/bin/sleep 100000
startsecs=0

[program:nolog]
command=/bin/sleep 100000
stdout_logfile=NONE
startsecs=0

[program:redir]
command=/bin/sh -c "echo out; echo err >&2; exec sleep 100000"
redirect_stderr=true
startsecs=0

[program:stopped]
command=/bin/sleep 100000
autostart=false

[program:cat]
command=/bin/cat
startsecs=0

[group:grp]
programs=g1,g2

[program:g1]
command=/bin/sh -c "echo g1 here; exec sleep 100000"
startsecs=0

[program:g2]
command=/bin/sleep 100000
autostart=false
"#;

/// A process that prints `tick N` every 0.2 s.
const TICKER: &str = r#"
[program:ticker]
command=/bin/sh -c "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"
startsecs=0
"#;

fn server() -> Supervisord {
    Supervisord::start(PROGRAMS)
}

fn split(line: &str) -> Vec<&str> {
    line.split(' ').filter(|s| !s.is_empty()).collect()
}

/// Runs every line with stock and ours on `sv` (stdin from /dev/null), and fails with every
/// difference found.
#[track_caller]
fn same_lines(sv: &Supervisord, opts: &[&str], lines: &[&str]) {
    let mask = Mask::new().replace(sv.dir().display().to_string(), "DIR");
    let mut failures = Vec::new();
    for line in lines {
        let args = split(line);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            assert_same_with(sv, opts, &args, None, &mask);
        }));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("=== {line:?}\n{msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} lines differ:\n{}",
        failures.len(),
        lines.len(),
        failures.join("\n")
    );
}

// ---- one-shot, differential -------------------------------------------------------------------

#[test]
fn tail_arguments_and_outputs_match_stock() {
    let sv = server();
    same_lines(
        &sv,
        &[],
        &[
            "tail foo",
            "tail foo stdout",
            "tail foo stderr",
            "tail foo STDERR",
            "tail foo Stdout",
            "tail -100 foo stderr",
            "tail -1600 foo stdout",
            "tail -5 foo",
            "tail -0 foo",
            "tail --5 foo",
            "tail -+5 foo",
            "tail -1_0 foo",
            "tail -\u{663} foo",
            "tail -\u{ff11}\u{ff10} foo",
            "tail --0 foo",
            "tail -2147483648 foo",
            "tail --2147483647 foo",
            "tail uni",
            "tail -7 uni",
            "tail quiet",
            "tail stopped",
            "tail g1",
            "tail grp:g1",
            "tail grp:g2",
            "tail foo x stderr",
            "tail foo BOGUS",
            "tail foo stdout extra",
            "tail foo -5",
            "tail -5 foo stdout extra",
            "tail -x foo",
            "tail -F foo",
            "tail - foo",
            "tail -- foo",
            "tail -1__0 foo",
            "tail -_1 foo",
            "tail -0x10 foo",
            "tail -1.5 foo",
            "tail",
            "tail -f",
            "tail -5",
            "tail a b c d",
            "tail -f a b c",
            "tail nosuch",
            "tail nosuch stderr",
            "tail grp:",
            "tail grp:nosuch",
            "tail nosuch:",
            "tail nolog",
            "tail nolog stderr",
            "tail redir",
            "tail redir stderr",
        ],
    );
}

#[test]
fn tail_counts_beyond_xmlrpc_ints_fail_like_stock() {
    let sv = server();
    let many = format!("tail -{} foo", "9".repeat(40));
    let too_many_digits = format!("tail -{} foo", "1".repeat(4301));
    same_lines(
        &sv,
        &[],
        &[
            "tail -2147483649 foo",
            "tail --2147483648 foo",
            "tail -2147483649 nosuch",
            &many,
            &too_many_digits,
            "maintail -2147483649",
            "maintail --2147483648",
        ],
    );
}

#[test]
fn maintail_arguments_and_outputs_match_stock() {
    let sv = server();
    same_lines(
        &sv,
        &[],
        &[
            "maintail",
            "maintail -50",
            "maintail -0",
            "maintail --100",
            "maintail -+50",
            "maintail x",
            "maintail -x",
            "maintail -",
            "maintail -F",
            "maintail a b",
            "maintail -f x",
            "maintail -5 -5",
        ],
    );
}

#[test]
fn fg_refusals_match_stock() {
    let sv = server();
    same_lines(
        &sv,
        &[],
        &[
            "fg",
            "fg a b",
            "fg cat cat",
            "fg nosuch",
            "fg grp:",
            "fg grp:nosuch",
            "fg stopped",
            "fg grp:g2",
            "fg g1",
        ],
    );
}

#[test]
fn follow_errors_match_stock() {
    let sv = server();
    // The banner on stdout, the 404 on stderr, exit 0, and at once.
    same_lines(
        &sv,
        &[],
        &[
            "tail -f nosuch",
            "tail -f nosuch stderr",
            "tail -f grp:",
            "tail -f nolog",
            "tail -f redir stderr",
            "tail -f x<y>z",
        ],
    );
}

#[test]
fn unreachable_servers_match_stock() {
    let sv = server();
    let nosock = format!("unix://{}/nosuch.sock", sv.dir().display());
    let refused = format!("http://127.0.0.1:{}", free_port());
    for url in [&nosock, &refused] {
        // upcheck comes first, before any argument is looked at.
        same_lines(
            &sv,
            &["-s", url],
            &[
                "tail",
                "tail foo",
                "tail -f foo",
                "tail -x foo",
                "maintail",
                "maintail -f",
                "maintail x",
                "fg",
                "fg cat",
            ],
        );
    }
}

#[test]
fn follow_over_tcp_with_credentials() {
    let sv = Builder::default()
        .programs(PROGRAMS)
        .ctl_over_tcp()
        .credentials("user", "s3cret")
        .start();
    same_lines(
        &sv,
        &[],
        &["tail foo", "tail -f nosuch", "maintail -5", "fg nosuch"],
    );
    // The stream sends the credentials too.
    let mut run = Streaming::ours(&sv, &["tail", "-f", "foo"], false);
    run.wait_stdout("hello from foo\n", "the log over an authenticated stream");
    run.interrupt();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert_eq!(
        run.stdout(),
        "==> Press Ctrl-C to exit <==\nhello from foo\n\n"
    );
    assert_eq!(run.stderr(), "");
}

// ---- streaming, ours alone --------------------------------------------------------------------

/// Our binary, running with its stdout and stderr read as they come.
struct Streaming {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
    /// Set once the reader of stdout has gone (see [`Streaming::close_stdout`]).
    stdout_reader: Option<thread::JoinHandle<()>>,
    keep_reading: Arc<Mutex<bool>>,
    status: Option<i32>,
}

const STEP: Duration = Duration::from_secs(15);
/// How long our binary may take to end after Ctrl-C, the end of its input or a closed stdout.
const PROMPT: Duration = Duration::from_secs(3);

impl Streaming {
    fn ours(sv: &Supervisord, args: &[&str], piped_stdin: bool) -> Streaming {
        let mut cmd = Command::new(ours_exe());
        cmd.arg("-c")
            .arg(sv.conf_path())
            .args(args)
            .current_dir(sv.dir())
            .env("HOME", sv.dir())
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .stdin(if piped_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn supervisor-quick");
        let stdin = child.stdin.take();
        let out = Arc::new(Mutex::new(Vec::new()));
        let err = Arc::new(Mutex::new(Vec::new()));
        let keep_reading = Arc::new(Mutex::new(true));
        let stdout_reader = {
            let mut pipe = child.stdout.take().expect("stdout");
            let out = Arc::clone(&out);
            let keep = Arc::clone(&keep_reading);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => out.lock().unwrap().extend_from_slice(&buf[..n]),
                    }
                    if !*keep.lock().unwrap() {
                        // Dropping the pipe closes our end: the child's next write fails.
                        return;
                    }
                }
            })
        };
        {
            let mut pipe = child.stderr.take().expect("stderr");
            let err = Arc::clone(&err);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    err.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
        Streaming {
            child,
            stdin,
            out,
            err,
            stdout_reader: Some(stdout_reader),
            keep_reading,
            status: None,
        }
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap()).into_owned()
    }

    fn describe(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout(),
            self.stderr()
        )
    }

    /// Waits until stdout satisfies `pred`; fails after [`STEP`].
    #[track_caller]
    fn wait_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            let out = self.stdout();
            if pred(&out) {
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}\n{}",
                self.describe()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    #[track_caller]
    fn wait_stdout(&self, text: &str, what: &str) -> String {
        self.wait_until(what, |out| out.contains(text))
    }

    #[track_caller]
    fn wait_stderr(&self, text: &str, what: &str) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            let err = self.stderr();
            if err.contains(text) {
                return err;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}\n{}",
                self.describe()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn interrupt(&self) {
        assert!(send_signal(self.child.id(), "INT"), "cannot send SIGINT");
    }

    fn write_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("piped stdin");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .expect("write to stdin");
        stdin.flush().expect("flush stdin");
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Stops reading stdout after the next chunk, and closes the pipe.
    fn close_stdout(&mut self) {
        *self.keep_reading.lock().unwrap() = false;
    }

    /// Waits (at most [`PROMPT`]) for the exit; the exit code, or 128+signal.
    #[track_caller]
    fn wait_exit(&mut self) -> i32 {
        use std::os::unix::process::ExitStatusExt;
        let deadline = Instant::now() + PROMPT;
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                let code = st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0));
                self.status = Some(code);
                if let Some(h) = self.stdout_reader.take() {
                    let _ = h.join();
                }
                // Let the stderr reader catch up.
                thread::sleep(Duration::from_millis(50));
                return code;
            }
            assert!(
                Instant::now() < deadline,
                "still running {PROMPT:?} later\n{}",
                self.describe()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

const BANNER: &str = "==> Press Ctrl-C to exit <==\n";

fn ticks(out: &str) -> usize {
    out.matches("tick ").count()
}

#[test]
fn tail_f_streams_until_ctrl_c() {
    let sv = Supervisord::start(TICKER);
    let mut run = Streaming::ours(&sv, &["tail", "-f", "ticker"], false);
    let before = run.wait_until("some ticks", |out| ticks(out) >= 2).len();
    // New lines keep coming: the stream follows the file.
    let out = run.wait_until("more ticks", |out| ticks(&out[before..]) >= 3);
    assert!(out.starts_with(BANNER), "{}", run.describe());
    run.interrupt();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    let out = run.stdout();
    assert!(
        out.ends_with("\n\n"),
        "Ctrl-C prints an empty line\n{}",
        run.describe()
    );
    assert_eq!(run.stderr(), "");
}

#[test]
fn tail_f_stderr_channel_and_group_names() {
    let sv = server();
    for (args, expected) in [
        (&["tail", "-f", "foo", "stderr"][..], "err from foo\n"),
        (&["tail", "-f", "foo", "STDERR"][..], "err from foo\n"),
        (&["tail", "-f", "grp:g1"][..], "g1 here\n"),
        (&["tail", "-f", "grp:g1", "stdout"][..], "g1 here\n"),
        (
            &["tail", "-f", "uni"][..],
            "h\u{e9}llo w\u{f6}rld \u{2713}\n",
        ),
    ] {
        let mut run = Streaming::ours(&sv, args, false);
        run.wait_stdout(expected, "the log");
        run.interrupt();
        assert_eq!(run.wait_exit(), 0, "{args:?}\n{}", run.describe());
        assert_eq!(run.stdout(), format!("{BANNER}{expected}\n"), "{args:?}");
        assert_eq!(run.stderr(), "", "{args:?}");
    }
}

#[test]
fn tail_f_of_a_missing_log_reports_404_and_ends() {
    let sv = server();
    let mut run = Streaming::ours(&sv, &["tail", "-f", "nosuch"], false);
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert_eq!(run.stdout(), BANNER);
    assert_eq!(
        run.stderr(),
        format!(
            "unix://{}/logtail/nosuch/stdout Cannot read, status code 404\n",
            sv.socket_path().display()
        )
    );
}

#[test]
fn maintail_f_streams_until_ctrl_c() {
    let sv = server();
    let mut run = Streaming::ours(&sv, &["maintail", "-f"], false);
    run.wait_stdout("entered RUNNING state", "the main log");
    // A process event shows up in the stream as it happens.
    let out = sv.stock(&["start", "stopped"]);
    assert_eq!(out.status, 0, "{out}");
    run.wait_stdout("spawned: 'stopped'", "the new log line");
    run.interrupt();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    let out = run.stdout();
    assert!(out.starts_with(BANNER), "{}", run.describe());
    assert!(out.ends_with("\n\n"), "{}", run.describe());
    assert_eq!(run.stderr(), "");
}

#[test]
fn tail_f_survives_a_process_restart() {
    let sv = Supervisord::start(TICKER);
    let mut run = Streaming::ours(&sv, &["tail", "-f", "ticker"], false);
    run.wait_until("a few ticks", |out| out.contains("tick 5\n"));
    // Everything so far ends with a newline; the restarted process counts from 1 again, into
    // the same log file.
    let mark = run.stdout().len() - 1;
    let restarted = sv.stock(&["restart", "ticker"]);
    assert_eq!(restarted.status, 0, "{restarted}");
    let out = run.wait_until("the new process", |out| out[mark..].contains("\ntick 1\n"));
    let first = mark + out[mark..].find("\ntick 1\n").unwrap_or(0);
    run.wait_until("more ticks of the new process", |out| {
        out[first..].contains("\ntick 3\n")
    });
    run.interrupt();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert_eq!(run.stderr(), "");
}

#[test]
fn tail_f_ends_when_the_server_goes_away() {
    let sv = Supervisord::start(TICKER);
    let mut run = Streaming::ours(&sv, &["tail", "-f", "ticker"], false);
    run.wait_until("some ticks", |out| ticks(out) >= 2);
    sv.stop();
    // As stock: the stream closes quietly and the command returns, exit 0.
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert!(
        !run.stdout().ends_with("\n\n"),
        "no Ctrl-C line\n{}",
        run.describe()
    );
    assert_eq!(run.stderr(), "");
}

#[test]
fn tail_f_ends_quietly_when_stdout_closes() {
    let sv = Supervisord::start(TICKER);
    let mut run = Streaming::ours(&sv, &["tail", "-f", "ticker"], false);
    run.wait_until("some ticks", |out| ticks(out) >= 1);
    // Like `| head -1`: the reader goes away, and the next write fails.
    run.close_stdout();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert_eq!(run.stderr(), "");
}

#[test]
fn fg_echoes_input_and_exits_at_end_of_input() {
    let sv = server();
    let mut run = Streaming::ours(&sv, &["fg", "cat"], true);
    run.wait_stdout(BANNER, "the banner");
    run.write_line("hello through fg");
    let out = run.wait_stdout("hello through fg\n", "cat's echo in its stdout log");
    assert!(out.starts_with(BANNER), "{}", run.describe());
    run.write_line("and a second line");
    run.wait_stdout("and a second line\n", "the second echo");
    run.close_stdin();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert!(
        run.stdout().ends_with("Exiting foreground\n"),
        "{}",
        run.describe()
    );
    assert_eq!(run.stderr(), "");
    // Both lines reached the process, with their newlines.
    let log = sv.stock(&["tail", "cat"]);
    assert!(
        log.stdout.contains("hello through fg\nand a second line\n"),
        "{log}"
    );
}

#[test]
fn fg_exits_on_ctrl_c() {
    let sv = server();
    let mut run = Streaming::ours(&sv, &["fg", "foo"], true);
    // Both streams: stdout and stderr of the process.
    run.wait_stdout("hello from foo\n", "foo's stdout log");
    run.wait_stdout("err from foo\n", "foo's stderr log");
    run.interrupt();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    let out = run.stdout();
    assert!(out.starts_with(BANNER), "{}", run.describe());
    assert!(out.ends_with("Exiting foreground\n"), "{}", run.describe());
    assert_eq!(run.stderr(), "");
}

#[test]
fn fg_reports_a_missing_stderr_log_and_goes_on() {
    let sv = server();
    let mut run = Streaming::ours(&sv, &["fg", "redir"], true);
    let err = run.wait_stderr("Cannot read", "the stderr stream's 404");
    assert_eq!(
        err,
        format!(
            "unix://{}/logtail/redir/stderr Cannot read, status code 404\n",
            sv.socket_path().display()
        )
    );
    run.wait_stdout("out\nerr\n", "the redirected log");
    run.close_stdin();
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert!(
        run.stdout().ends_with("Exiting foreground\n"),
        "{}",
        run.describe()
    );
}

#[test]
fn fg_notices_a_process_that_died() {
    let sv = server();
    let mut run = Streaming::ours(&sv, &["fg", "cat"], true);
    run.wait_stdout(BANNER, "the banner");
    let stopped = sv.stock(&["stop", "cat"]);
    assert_eq!(stopped.status, 0, "{stopped}");
    run.write_line("anyone there?");
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert!(
        run.stdout()
            .ends_with("Process got killed\nExiting foreground\n"),
        "{}",
        run.describe()
    );
}

#[test]
fn fg_with_no_input_at_all() {
    let sv = server();
    let mut run = Streaming::ours(&sv, &["fg", "quiet"], false);
    assert_eq!(run.wait_exit(), 0, "{}", run.describe());
    assert_eq!(run.stdout(), format!("{BANNER}Exiting foreground\n"));
}
