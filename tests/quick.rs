//! quickstart / quickstop / quickrestart against real supervisords (4.3.0 and 3.1.3).

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{Supervisord, Version, ours_exe};

const POOL: &str = "\
[program:app]
command=sleep 100000
process_name=app_%(process_num)02d
numprocs=6
autostart=false
startsecs=1

[program:web]
command=sleep 100000
startsecs=0

[group:workers]
programs=w1,w2

[program:w1]
command=sleep 100000
autostart=false
startsecs=0

[program:w2]
command=sleep 100000
autostart=false
startsecs=0
";

const FAILING: &str = "\
[program:crash]
command=sh -c 'exit 3'
autostart=false
startsecs=1
startretries=3

[program:nofile]
command=/nonexistent/binary
autostart=false

[program:slow]
command=sleep 100000
autostart=false
startsecs=30

[program:stubborn]
command=sh -c 'trap \"\" TERM; while :; do sleep 0.1; done'
autostart=false
startsecs=0
stopwaitsecs=1

[program:ok]
command=sleep 100000
autostart=false
startsecs=0
";

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

/// The lines in `status` order: stock's group calls answer in the order the processes got
/// there.
fn sorted(s: &str) -> Vec<&str> {
    let mut l = lines(s);
    l.sort_unstable();
    l
}

fn states(sv: &Supervisord) -> Vec<(String, String)> {
    sv.processes()
        .into_iter()
        .map(|p| (p.full_name(), p.statename))
        .collect()
}

fn state_of(sv: &Supervisord, name: &str) -> String {
    states(sv)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s)
        .unwrap_or_default()
}

#[test]
fn quickstart_waits_for_running_and_reports_in_status_order() {
    let sv = Supervisord::start(POOL);
    let out = sv.ours(&["quickstart", "app:"]);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        lines(&out.stdout),
        [
            "app:app_00: started",
            "app:app_01: started",
            "app:app_02: started",
            "app:app_03: started",
            "app:app_04: started",
            "app:app_05: started"
        ],
        "{out}"
    );
    assert_eq!(out.stderr, "", "{out}");
    // "started" is only said once supervisord says RUNNING (startsecs=1 survived).
    for (name, state) in states(&sv) {
        if name.starts_with("app:") {
            assert_eq!(state, "RUNNING", "{name}");
        }
    }
    // Already running: stock's words, and not a failure.
    let out = sv.ours(&["quickstart", "app:app_01", "web"]);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        lines(&out.stdout),
        [
            "app:app_01: ERROR (already started)",
            "web: ERROR (already started)"
        ]
    );
}

#[test]
fn every_pattern_form_selects_the_union_once() {
    let sv = Supervisord::start(POOL);
    let cases: &[(&[&str], &[&str])] = &[
        (&["workers:w1"], &["workers:w1"]),
        (&["workers:"], &["workers:w1", "workers:w2"]),
        (&["workers:*"], &["workers:w1", "workers:w2"]),
        (
            &["app:app_0?"],
            &[
                "app:app_00",
                "app:app_01",
                "app:app_02",
                "app:app_03",
                "app:app_04",
                "app:app_05",
            ],
        ),
        (&["*w?"], &["workers:w1", "workers:w2"]),
        (
            &["web", "web:web", "w*:w2", "workers:w2"],
            &["web", "workers:w2"],
        ),
        (
            &["all"],
            &[
                "app:app_00",
                "app:app_01",
                "app:app_02",
                "app:app_03",
                "app:app_04",
                "app:app_05",
                "web",
                "workers:w1",
                "workers:w2",
            ],
        ),
        (
            &["*"],
            &[
                "app:app_00",
                "app:app_01",
                "app:app_02",
                "app:app_03",
                "app:app_04",
                "app:app_05",
                "web",
                "workers:w1",
                "workers:w2",
            ],
        ),
    ];
    for (patterns, want) in cases {
        let mut args = vec!["quickstop"];
        args.extend_from_slice(patterns);
        let out = sv.ours(&args);
        assert_eq!(out.status, 0, "{args:?}\n{out}");
        let got: Vec<&str> = out
            .stdout
            .lines()
            .map(|l| l.split(": ").next().unwrap_or(""))
            .collect();
        assert_eq!(&got, want, "{args:?}\n{out}");
        // Put everything back running for the next case.
        let back = sv.ours(&["quickstart", "all"]);
        assert_eq!(back.status, 0, "{back}");
    }
}

#[test]
fn a_pattern_that_matches_nothing_fails_before_anything_happens() {
    let sv = Supervisord::start(POOL);
    let before = states(&sv);
    for (args, message) in [
        (
            vec!["quickstart", "app:app_00", "nosuch"],
            "nosuch: ERROR (no such process)",
        ),
        (
            vec!["quickstop", "web", "nogroup:"],
            "nogroup: ERROR (no such group)",
        ),
        (
            vec!["quickrestart", "web", "zz*"],
            "zz*: ERROR (no process matches)",
        ),
        (
            vec!["quickstart", "app_00"],
            "app_00: ERROR (no such process)",
        ),
    ] {
        let out = sv.ours(&args);
        assert_eq!(out.status, 1, "{args:?}\n{out}");
        assert_eq!(lines(&out.stdout), [message], "{args:?}\n{out}");
        assert_eq!(states(&sv), before, "{args:?} changed something");
    }
    let out = sv.ours(&["quickstart"]);
    assert_eq!(out.status, 2, "{out}");
    assert!(
        out.stdout
            .starts_with("Error: quickstart requires a process name\n"),
        "{out}"
    );
    let out = sv.ours(&["quickstop", "--batch", "x", "web"]);
    assert_eq!(out.status, 2, "{out}");
    assert!(
        out.stdout
            .starts_with("Error: --batch takes a whole number"),
        "{out}"
    );
    assert_eq!(state_of(&sv, "web"), "RUNNING");
}

#[test]
fn failures_are_reported_with_stock_words_and_statuses() {
    let sv = Supervisord::start(FAILING);
    // Exits at once: reported at the first BACKOFF, long before the timeout.
    let started = Instant::now();
    let out = sv.ours(&["quickstart", "--timeout", "50", "crash", "ok"]);
    assert_eq!(
        lines(&out.stdout),
        ["crash: ERROR (spawn error)", "ok: started"],
        "{out}"
    );
    assert_eq!(out.status, 7, "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "waited for the timeout: {out}"
    );
    // A command that does not exist.
    let out = sv.ours(&["quickstart", "nofile"]);
    assert_eq!(
        lines(&out.stdout),
        ["nofile: ERROR (no such file)"],
        "{out}"
    );
    assert_eq!(out.status, 1, "{out}");
    // Not running: stock's words, not a failure.
    let out = sv.ours(&["quickstop", "slow", "nofile"]);
    assert_eq!(
        lines(&out.stdout),
        ["nofile: ERROR (not running)", "slow: ERROR (not running)"],
        "{out}"
    );
    assert_eq!(out.status, 0, "{out}");
    // Ignores SIGTERM: stopped once supervisord has killed it after stopwaitsecs.
    sv.ours(&["quickstart", "stubborn"]).expect_status(0);
    let out = sv.ours(&["quickstop", "stubborn"]);
    assert_eq!(lines(&out.stdout), ["stubborn: stopped"], "{out}");
    assert_eq!(state_of(&sv, "stubborn"), "STOPPED");
}

#[test]
fn the_timeout_reports_where_each_target_stands() {
    let sv = Supervisord::start(FAILING);
    let out = sv.ours(&["quickstart", "--timeout", "1.5", "slow", "ok"]);
    assert_eq!(
        lines(&out.stdout),
        ["ok: started", "slow: ERROR (timed out, STARTING)"],
        "{out}"
    );
    assert_eq!(out.status, 1, "{out}");
    // supervisord goes on with what was asked; nothing was left half-done.
    assert_eq!(state_of(&sv, "slow"), "STARTING");
}

#[test]
fn batch_limits_how_many_are_in_flight() {
    let sv = Supervisord::start(POOL);
    let conf = sv.conf_path().to_path_buf();
    let child = Command::new(ours_exe())
        .args(["-c"])
        .arg(&conf)
        .args(["quickstart", "--batch", "2", "app:"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ours");
    // Watch the server while it works: never more than two STARTING at once.
    let mut most = 0;
    let mut seen_starting = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let procs = sv.processes();
        let starting: Vec<_> = procs
            .iter()
            .filter(|p| p.statename == "STARTING")
            .map(|p| p.full_name())
            .collect();
        most = most.max(starting.len());
        seen_starting.extend(starting);
        if procs
            .iter()
            .filter(|p| p.group == "app")
            .all(|p| p.statename == "RUNNING")
            || Instant::now() > deadline
        {
            break;
        }
        thread::sleep(Duration::from_millis(30));
    }
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with(": started")).count(),
        6,
        "{stdout}"
    );
    assert!(most <= 2, "{most} in flight at once");
    assert!(
        seen_starting.len() >= 3,
        "did not see the rounds: {seen_starting:?}"
    );
}

#[test]
fn quickrestart_gives_every_process_a_new_life() {
    let sv = Supervisord::start(POOL);
    sv.ours(&["quickstart", "app:app_00", "app:app_01", "app:app_02"])
        .expect_status(0);
    let before: Vec<_> = sv
        .processes()
        .into_iter()
        .filter(|p| p.group == "app")
        .map(|p| (p.full_name(), p.pid))
        .collect();
    let out = sv.ours(&["quickrestart", "app:*"]);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.ends_with(": started"))
            .count(),
        6,
        "{out}"
    );
    for p in sv.processes().into_iter().filter(|p| p.group == "app") {
        assert_eq!(p.statename, "RUNNING", "{}", p.full_name());
        let old = before
            .iter()
            .find(|(n, _)| *n == p.full_name())
            .map(|(_, pid)| *pid)
            .unwrap_or(0);
        assert_ne!(p.pid, old, "{} kept its pid", p.full_name());
    }
    // With a batch, a rolling restart still gives each of them a new life.
    let before: Vec<_> = sv
        .processes()
        .into_iter()
        .filter(|p| p.group == "app")
        .map(|p| (p.full_name(), p.pid))
        .collect();
    let out = sv.ours(&["quickrestart", "--batch", "2", "app:"]);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        lines(&out.stdout),
        [
            "app:app_00: started",
            "app:app_01: started",
            "app:app_02: started",
            "app:app_03: started",
            "app:app_04: started",
            "app:app_05: started"
        ],
        "{out}"
    );
    for p in sv.processes().into_iter().filter(|p| p.group == "app") {
        assert_eq!(p.statename, "RUNNING", "{}", p.full_name());
        assert!(
            !before.contains(&(p.full_name(), p.pid)),
            "{} kept its pid",
            p.full_name()
        );
    }
}

#[test]
fn the_output_of_eight_named_starts_matches_stock() {
    let a = Supervisord::start(POOL);
    let b = Supervisord::start(POOL);
    let names = [
        "app:app_00",
        "app:app_01",
        "app:app_02",
        "app:app_03",
        "web",
        "workers:w1",
        "app:app_05",
        "workers:w2",
    ];
    let mut stock_args = vec!["start"];
    stock_args.extend_from_slice(&names);
    let mut our_args = vec!["quickstart"];
    our_args.extend_from_slice(&names);
    let stock = a.stock(&stock_args);
    let ours = b.ours(&our_args);
    assert_eq!(stock.status, ours.status, "stock:\n{stock}\nours:\n{ours}");
    // Stock prints in argument order, quick verbs in status order: the same lines.
    let mut s: Vec<_> = stock.stdout.lines().collect();
    let mut o: Vec<_> = ours.stdout.lines().collect();
    s.sort();
    o.sort();
    assert_eq!(s, o);
    assert_eq!(states(&a), states(&b));
}

#[test]
fn ctrl_c_reports_where_targets_stand_and_exits() {
    let sv = Supervisord::start(FAILING);
    let child = Command::new(ours_exe())
        .arg("-c")
        .arg(sv.conf_path())
        .args(["quickstart", "slow", "ok"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ours");
    sv.wait_for_state("slow", "STARTING", Duration::from_secs(10));
    thread::sleep(Duration::from_millis(300));
    assert!(support::send_signal(child.id(), "INT"));
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["ok: started", "slow: ERROR (interrupted, STARTING)"]
    );
}

#[test]
fn quick_verbs_on_supervisor_3_1_3() {
    let sv = Supervisord::builder()
        .version(Version::V31)
        .programs(POOL)
        .start();
    let out = sv.ours(&["quickstart", "app:"]);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.ends_with(": started"))
            .count(),
        6,
        "{out}"
    );
    let out = sv.ours(&["quickrestart", "app:app_0[0-1]", "app:app_02"]);
    // wildmatch has no character classes: that pattern names nothing.
    assert_eq!(out.status, 1, "{out}");
    let out = sv.ours(&["quickstop", "all"]);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.ends_with(": stopped"))
            .count(),
        7,
        "{out}"
    );
    // As stock's `stop all`: the processes that were not running are not mentioned.
    assert_eq!(out.stdout.lines().count(), 7, "{out}");
    assert!(
        states(&sv).iter().all(|(_, s)| s == "STOPPED"),
        "{:?}",
        states(&sv)
    );
}

#[test]
fn failures_inside_a_whole_group_are_reported_per_process() {
    let sv = Supervisord::start(
        "\
[group:mixed]
programs=good,crash

[program:good]
command=sleep 100000
autostart=false
startsecs=1

[program:crash]
command=sh -c 'exit 3'
autostart=false
startsecs=1
startretries=2

[program:app]
command=sleep 100000
process_name=app_%(process_num)02d
numprocs=3
autostart=false
startsecs=0
stopsignal=KILL
",
    );
    let out = sv.ours(&["quickstart", "mixed:"]);
    assert_eq!(
        lines(&out.stdout),
        ["mixed:crash: ERROR (spawn error)", "mixed:good: started"],
        "{out}"
    );
    assert_eq!(out.status, 7, "{out}");
    assert_eq!(state_of(&sv, "mixed:good"), "RUNNING");
    // A whole group started, then stopped: the answers to the group calls.
    let out = sv.ours(&["quickstart", "app:"]);
    assert_eq!(
        lines(&out.stdout),
        [
            "app:app_00: started",
            "app:app_01: started",
            "app:app_02: started"
        ],
        "{out}"
    );
    let out = sv.ours(&["quickstop", "app:*"]);
    assert_eq!(
        lines(&out.stdout),
        [
            "app:app_00: stopped",
            "app:app_01: stopped",
            "app:app_02: stopped"
        ],
        "{out}"
    );
    assert!(
        states(&sv)
            .iter()
            .filter(|(n, _)| n.starts_with("app:"))
            .all(|(_, s)| s == "STOPPED")
    );
    // Part of the group already running: as stock's `start app:`, only the processes acted on
    // are mentioned; named, a running process gets stock's word for it.
    sv.ours(&["quickstart", "app:app_01"]).expect_status(0);
    let out = sv.ours(&["quickstart", "app:"]);
    assert_eq!(
        lines(&out.stdout),
        ["app:app_00: started", "app:app_02: started"],
        "{out}"
    );
    assert_eq!(out.status, 0, "{out}");
    sv.ours(&["quickstop", "app:app_00", "app:app_02"])
        .expect_status(0);
    let ours = sv.ours(&["quickstart", "app:*", "app:app_01"]);
    assert_eq!(
        lines(&ours.stdout),
        [
            "app:app_00: started",
            "app:app_01: ERROR (already started)",
            "app:app_02: started"
        ],
        "{ours}"
    );
    // Part of the group already stopped: the same lines as stock's `stop app:`.
    sv.ours(&["quickstop", "app:app_01"]).expect_status(0);
    let ours = sv.ours(&["quickstop", "app:"]);
    assert_eq!(
        lines(&ours.stdout),
        ["app:app_00: stopped", "app:app_02: stopped"],
        "{ours}"
    );
    assert_eq!(ours.status, 0, "{ours}");
    sv.ours(&["quickstart", "app:app_00", "app:app_02"])
        .expect_status(0);
    let stock = sv.stock(&["stop", "app:"]);
    assert_eq!(
        sorted(&ours.stdout),
        sorted(&stock.stdout),
        "ours:\n{ours}\nstock:\n{stock}"
    );
    assert_eq!(ours.status, stock.status, "ours:\n{ours}\nstock:\n{stock}");
    // Named, a stopped process gets stock's word for it.
    let out = sv.ours(&["quickstop", "app:app_0*"]);
    assert_eq!(
        lines(&out.stdout),
        [
            "app:app_00: ERROR (not running)",
            "app:app_01: ERROR (not running)",
            "app:app_02: ERROR (not running)"
        ],
        "{out}"
    );
    assert_eq!(out.status, 0, "{out}");
    // And a whole group's restart starts the ones that were not running too.
    sv.ours(&["quickstart", "app:app_02"]).expect_status(0);
    let pid_before = sv
        .processes()
        .into_iter()
        .find(|p| p.full_name() == "app:app_02")
        .map(|p| p.pid);
    let out = sv.ours(&["quickrestart", "app:*"]);
    assert_eq!(
        lines(&out.stdout),
        [
            "app:app_00: started",
            "app:app_01: started",
            "app:app_02: started"
        ],
        "{out}"
    );
    assert_eq!(out.status, 0, "{out}");
    for p in sv.processes().into_iter().filter(|p| p.group == "app") {
        assert_eq!(p.statename, "RUNNING", "{}", p.full_name());
    }
    let pid_after = sv
        .processes()
        .into_iter()
        .find(|p| p.full_name() == "app:app_02")
        .map(|p| p.pid);
    assert_ne!(pid_before, pid_after, "app:app_02 was not restarted");
    // A whole group that does not exist touches nothing, whatever the verb.
    let before = states(&sv);
    for args in [
        ["quickstop", "nogroup:"],
        ["quickrestart", "nogroup:*"],
        ["quickstart", "nogroup:"],
    ] {
        let out = sv.ours(&args);
        assert_eq!(out.status, 1, "{args:?}\n{out}");
        assert_eq!(
            lines(&out.stdout),
            ["nogroup: ERROR (no such group)"],
            "{args:?}\n{out}"
        );
        assert_eq!(states(&sv), before, "{args:?} changed something");
    }
}

const PAIR: &str = "\
[group:pair]
programs=slow,ok

[program:slow]
command=sleep 100000
autostart=false
startsecs=30

[program:ok]
command=sleep 100000
autostart=false
startsecs=0

[program:term]
command=sh -c 'trap \"\" TERM; while :; do sleep 0.1; done'
process_name=term_%(process_num)d
numprocs=2
autostart=false
startsecs=0
stopwaitsecs=5
";

#[test]
fn a_whole_group_call_under_way_still_reports_each_process() {
    let sv = Supervisord::start(PAIR);
    // The group's start answers only when both got there; at the timeout each process is
    // reported where it stands.
    let out = sv.ours(&["quickstart", "--timeout", "1.5", "pair:"]);
    assert_eq!(
        lines(&out.stdout),
        ["pair:ok: started", "pair:slow: ERROR (timed out, STARTING)"],
        "{out}"
    );
    assert_eq!(out.status, 1, "{out}");
    assert_eq!(state_of(&sv, "pair:slow"), "STARTING");
    // Ctrl-C while a whole group's stop is under way.
    sv.ours(&["quickstart", "term:"]).expect_status(0);
    let child = Command::new(ours_exe())
        .arg("-c")
        .arg(sv.conf_path())
        .args(["quickstop", "term:*"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ours");
    sv.wait_for_state("term:term_0", "STOPPING", Duration::from_secs(10));
    thread::sleep(Duration::from_millis(300));
    assert!(support::send_signal(child.id(), "INT"));
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "term:term_0: ERROR (interrupted, STOPPING)",
            "term:term_1: ERROR (interrupted, STOPPING)"
        ]
    );
    // supervisord goes on with the stop it was asked for.
    assert_eq!(state_of(&sv, "term:term_1"), "STOPPING");
}

#[test]
fn a_spawn_that_blocks_the_server_longer_than_the_timeout_is_waited_out() {
    // supervisord spawns a whole group in one loop turn, answering nothing meanwhile, not
    // even the rest of a listing it has begun to send. With the client's timeout far below
    // that turn, the quick verbs still wait it out (their --timeout bounds the wait).
    let sv = Supervisord::start(
        "\
[program:big]
command=sleep 100000
process_name=big_%(process_num)03d
numprocs=300
autostart=false
startsecs=0
stopsignal=KILL
",
    );
    let out = sv
        .ours_cmd()
        .args(["quickstart", "big:"])
        .env("SUPERVISOR_QUICK_TIMEOUT", "0.3")
        .timeout(Duration::from_secs(120))
        .run();
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.ends_with(": started"))
            .count(),
        300,
        "{out}"
    );
    let out = sv
        .ours_cmd()
        .args(["quickstop", "big:*"])
        .env("SUPERVISOR_QUICK_TIMEOUT", "0.3")
        .timeout(Duration::from_secs(120))
        .run();
    assert_eq!(out.status, 0, "{out}");
    assert!(
        states(&sv).iter().all(|(_, s)| s == "STOPPED"),
        "{:?}",
        states(&sv)
    );
}

/// A relay in front of a real supervisord that passes every request and answer on at once,
/// except the body of a listing (`getAllProcessInfo`), which it holds back for `hold`: as
/// supervisord itself does with a listing of thousands of processes, sent 4 KB a loop turn.
fn slow_listing_relay(server: &std::path::Path, hold: Duration) -> std::path::PathBuf {
    use std::io::{Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let path = server.with_file_name("relay.sock");
    let listener = UnixListener::bind(&path).expect("bind relay");
    let server = server.to_owned();
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let Ok(mut upstream) = UnixStream::connect(&server) else {
                return;
            };
            let listing = Arc::new(AtomicBool::new(false));
            let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            let asked = Arc::clone(&listing);
            thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c2.read(&mut buf) {
                    if String::from_utf8_lossy(&buf[..n]).contains("getAllProcessInfo") {
                        asked.store(true, Ordering::SeqCst);
                    }
                    if n == 0 || u2.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = u2.shutdown(std::net::Shutdown::Write);
            });
            thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = upstream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut data = &buf[..n];
                    if listing.swap(false, Ordering::SeqCst) {
                        let head_end = data
                            .windows(4)
                            .position(|w| w == b"\r\n\r\n")
                            .map_or(data.len(), |i| i + 4);
                        if client.write_all(&data[..head_end]).is_err() {
                            break;
                        }
                        thread::sleep(hold);
                        data = &data[head_end..];
                    }
                    if client.write_all(data).is_err() {
                        break;
                    }
                }
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    path
}

#[test]
fn a_whole_group_answered_before_the_listing_is_in_says_what_stock_says() {
    let sv = Supervisord::start(POOL);
    let relay = slow_listing_relay(sv.socket_path(), Duration::from_secs(3));
    let url = format!("unix://{}", relay.display());
    let via_relay = |args: &[&str]| {
        sv.ours_cmd()
            .args(["-s", &url])
            .args(args)
            .env("SUPERVISOR_QUICK_TRACE", "1")
            .run()
    };
    sv.ours(&["quickstart", "app:"]).expect_status(0);
    sv.ours(&["quickstop", "app:app_02"]).expect_status(0);
    // The stop's answer comes long before the listing: it alone makes the report.
    let ours = via_relay(&["quickstop", "app:"]);
    assert!(
        ours.stderr.contains("early call answered") && !ours.stderr.contains("listing in"),
        "the answer did not come first: {ours}"
    );
    assert_eq!(ours.status, 0, "{ours}");
    assert!(
        states(&sv)
            .iter()
            .filter(|(n, _)| n.starts_with("app:"))
            .all(|(_, s)| s == "STOPPED"),
        "{ours}"
    );
    sv.ours(&["quickstart", "app:"]).expect_status(0);
    sv.ours(&["quickstop", "app:app_02"]).expect_status(0);
    let stock = sv.stock(&["stop", "app:"]);
    assert_eq!(
        sorted(&ours.stdout),
        sorted(&stock.stdout),
        "ours:\n{ours}\nstock:\n{stock}"
    );
    assert_eq!(ours.status, stock.status);
    // The same for a start, and for everything at once.
    sv.ours(&["quickstart", "app:app_02"]).expect_status(0);
    let ours = via_relay(&["quickstart", "app:*"]);
    assert!(ours.stderr.contains("early call answered"), "{ours}");
    assert_eq!(ours.status, 0, "{ours}");
    sv.ours(&["quickstop", "app:"]).expect_status(0);
    sv.ours(&["quickstart", "app:app_02"]).expect_status(0);
    let stock = sv.stock(&["start", "app:"]);
    assert_eq!(
        sorted(&ours.stdout),
        sorted(&stock.stdout),
        "ours:\n{ours}\nstock:\n{stock}"
    );
    assert_eq!(lines(&ours.stdout).len(), 5, "{ours}");
    let ours = via_relay(&["quickstop", "all"]);
    assert!(ours.stderr.contains("early call answered"), "{ours}");
    sv.ours(&["quickstart", "app:", "web"]).expect_status(0);
    let stock = sv.stock(&["stop", "all"]);
    assert_eq!(
        sorted(&ours.stdout),
        sorted(&stock.stdout),
        "ours:\n{ours}\nstock:\n{stock}"
    );
    assert_eq!(lines(&ours.stdout).len(), 7, "{ours}");
    // Ours come in `status` order.
    assert_eq!(lines(&ours.stdout), sorted(&ours.stdout), "{ours}");
}
