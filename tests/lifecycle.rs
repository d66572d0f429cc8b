//! Differential tests for `start`, `stop`, `restart`, `signal` and `clear`: stock supervisorctl
//! 4.3.0 and ours run the same command lines against real supervisords, and must print the same
//! stdout and stderr and exit with the same status.
//!
//! Commands that leave the server as it was run on one server; commands that change it run on
//! two identically configured servers (stock on one, ours on the other), in the same order.

mod support;

use std::collections::HashMap;
use std::time::Duration;
use support::mask::assert_same_runs;
use support::{Invocation, Mask, Output, Supervisord, assert_outputs_same, free_port};

const SETTLE: Duration = Duration::from_secs(30);

/// Processes in every interesting state: RUNNING (foo, grp:g1, multi:*), FATAL (bar), STOPPED
/// (manual, grp:g2), EXITED (done), a command that does not exist (nofile) and a file that is
/// not executable (notexec). `bar` fails only after a moment, so that its result always comes
/// after those of the processes that start at once.
const PROGRAMS: &str = r#"
[program:foo]
command=/bin/sh -c "echo hello from foo; exec sleep 100000"
startsecs=0

[program:bar]
command=/bin/sh -c "sleep 0.1; exit 3"
startsecs=1
startretries=0
autorestart=false

[program:manual]
command=/bin/sleep 100000
autostart=false
startsecs=0

[program:nofile]
command=/nonexistent/binary
autostart=false

[program:notexec]
command=%(here)s/supervisord.conf
autostart=false

[program:done]
command=/bin/sh -c "sleep 0.2; exit 0"
startsecs=0
autorestart=false

[group:grp]
programs=g1,g2

[program:g1]
command=/bin/sleep 100000
startsecs=0

[program:g2]
command=/bin/sleep 100000
autostart=false
startsecs=0

[program:multi]
command=/bin/sleep 100000
process_name=%(program_name)s_%(process_num)02d
numprocs=2
startsecs=0
"#;

/// A program that never stays up; [`backoff`] starts it, and it stays in BACKOFF (briefly
/// STARTING between its retries).
const FLAPPY: &str = r#"
[program:flappy]
command=/bin/sh -c "exit 1"
startsecs=10
startretries=1000
autostart=false
"#;

fn args(line: &str) -> Vec<&str> {
    line.split(' ').filter(|s| !s.is_empty()).collect()
}

/// Starts a server with [`PROGRAMS`] and [`FLAPPY`], and waits until `done` has EXITED.
fn server() -> Supervisord {
    let sv = Supervisord::start(&format!("{PROGRAMS}{FLAPPY}"));
    sv.wait_for_state("done", "EXITED", SETTLE);
    sv
}

/// Puts `flappy` into BACKOFF (it never stays up for its startsecs).
fn backoff(sv: &Supervisord) {
    assert!(sv.programs().contains("[program:flappy]"));
    let doc = sv
        .rpc(
            "supervisor.startProcess",
            &[support::xml::string("flappy"), support::xml::boolean(false)],
        )
        .expect("startProcess flappy");
    assert!(
        support::xml::fault(&doc).is_none(),
        "startProcess flappy: {doc}"
    );
    sv.wait_for_state("flappy", "BACKOFF", SETTLE);
}

/// Runs each line with stock and ours on the same server.
#[track_caller]
/// Returns stock's stdout and exit status for each line.
fn same_on_one(sv: &Supervisord, lines: &[&str]) -> HashMap<String, (String, i32)> {
    let mut seen = HashMap::new();
    for line in lines {
        let a = args(line);
        let (stock, _) = assert_same_runs(
            sv.stock_cmd().args(&a),
            sv.ours_cmd().args(&a),
            &Mask::new(),
        );
        seen.insert(line.to_string(), (stock.stdout, stock.status));
    }
    seen
}

/// Checks what stock printed for a few lines, so that the comparisons cannot pass by both
/// clients failing the same way.
#[track_caller]
fn check(seen: &HashMap<String, (String, i32)>, expected: &[(&str, &str, i32)]) {
    for (line, stdout, status) in expected {
        let got = &seen[*line];
        assert_eq!(
            (got.0.as_str(), got.1),
            (*stdout, *status),
            "stock's `{line}`"
        );
    }
}

/// Compares two runs whose stdout lines may come in different orders: the sorted lines, the
/// stderr and the exit status must be equal.
#[track_caller]
fn same_lines_any_order(stock: Invocation, ours: Invocation, mask: &Mask) -> Output {
    let label = format!("{:?}", ours.argv());
    let (mut a, mut b) = (stock.run(), ours.run());
    let raw = a.clone();
    for out in [&mut a, &mut b] {
        let mut lines: Vec<&str> = out.stdout.lines().collect();
        lines.sort_unstable();
        out.stdout = lines.iter().map(|l| format!("{l}\n")).collect();
    }
    assert_outputs_same(&label, &a, &b, mask);
    raw
}

/// Two servers with the same programs, started side by side.
struct Twins {
    stock: Supervisord,
    ours: Supervisord,
    mask: Mask,
}

impl Twins {
    fn new() -> Twins {
        let (stock, ours) = std::thread::scope(|s| {
            let a = s.spawn(server);
            let b = s.spawn(server);
            (
                a.join().expect("stock's server"),
                b.join().expect("our server"),
            )
        });
        let mask = Mask::new()
            .replace(stock.dir().display().to_string(), "DIR")
            .replace(ours.dir().display().to_string(), "DIR");
        Twins { stock, ours, mask }
    }

    /// Runs the line with stock on one server and ours on the other; returns stock's output.
    ///
    /// A line that starts with `~` stops or restarts several processes at once: supervisord
    /// reports them in the order they happened to die, which differs from server to server, so
    /// the lines are compared in any order.
    #[track_caller]
    fn same(&self, line: &str) -> Output {
        let (stock, ours) = (self.stock.stock_cmd(), self.ours.ours_cmd());
        match line.strip_prefix('~') {
            Some(rest) => {
                let a = args(rest);
                same_lines_any_order(stock.args(&a), ours.args(&a), &self.mask)
            }
            None => {
                let a = args(line);
                assert_same_runs(stock.args(&a), ours.args(&a), &self.mask).0
            }
        }
    }

    /// [`Twins::same`], and each of `expected` must be a line of stock's stdout (so that a case
    /// cannot pass by both clients failing the same way).
    #[track_caller]
    fn expect(&self, line: &str, expected: &[&str]) {
        let out = self.same(line);
        for e in expected {
            assert!(
                out.stdout.lines().any(|l| l == *e),
                "stock's `{line}` did not print {e:?}\n{out}"
            );
        }
    }

    fn each(&self, f: impl Fn(&Supervisord)) {
        f(&self.stock);
        f(&self.ours);
    }
}

#[test]
fn missing_arguments_and_unreachable_servers() {
    let sv = server();
    let closed = free_port();
    let nosock = format!("unix://{}/nosuch.sock", sv.dir().display());
    let refused = format!("http://127.0.0.1:{closed}");
    let mut lines: Vec<String> = [
        "start",
        "stop",
        "restart",
        "clear",
        "signal",
        "signal HUP",
        "signal  HUP  ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // upcheck comes before the argument checks.
    for url in [&nosock, &refused] {
        for cmd in [
            "start",
            "start foo",
            "stop foo",
            "restart",
            "restart foo",
            "signal",
            "signal HUP foo",
            "clear all",
        ] {
            lines.push(format!("-s {url} {cmd}"));
        }
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let seen = same_on_one(&sv, &lines);
    check(
        &seen,
        &[(
            "stop",
            "Error: stop requires a process name\nstop <name>\t\tStop a process\nstop <gname>:*\t\tStop all processes in a group\nstop <name> <name>\tStop multiple processes or groups\nstop all\t\tStop all processes\n",
            1,
        )],
    );
}

#[test]
fn results_that_leave_the_server_unchanged() {
    let sv = server();
    let seen = same_on_one(
        &sv,
        &[
            // start
            "start nosuch",
            "start nosuch:",
            "start nosuch:*",
            "start grp",
            "start grp:nosuch",
            "start a:b:c",
            "start foo",
            "start foo:foo",
            "start foo nosuch grp:g1",
            "start grp:g1",
            "start nofile",
            "start notexec",
            "start bar",
            "start nosuch bar foo",
            "start multi:multi_00 multi:nosuch",
            "start nosuch: foo",
            // stop
            "stop nosuch",
            "stop nosuch:",
            "stop nosuch:*",
            "stop grp",
            "stop a:b:c",
            "stop manual",
            "stop bar",
            "stop done",
            "stop nofile grp:g2",
            "stop nosuch: manual",
            // signal
            "signal HUP nosuch",
            "signal HUP nosuch:",
            "signal HUP nosuch:*",
            "signal BOGUS foo",
            "signal BOGUS manual",
            "signal HUP bar",
            "signal HUP done",
            "signal HUP manual",
            "signal 0 foo",
            "signal sigcont foo",
            "signal 18 foo grp:g1",
            "signal CONT grp:",
            "signal CONT grp:*",
            "signal CONT multi:",
            "signal BOGUS multi:*",
            "signal BOGUS all",
            "signal CONT all",
            "signal CONT nosuch all",
            "signal HUP grp:g2 foo",
            // clear
            "clear foo",
            "clear nosuch",
            "clear grp:",
            "clear grp:*",
            "clear grp",
            "clear grp:g1 nosuch multi:multi_01",
            "clear foo:foo a:b:c",
            "clear all",
            "clear nosuch all",
        ],
    );
    check(
        &seen,
        &[
            (
                "start nosuch: foo",
                "nosuch: ERROR (no such group)\nfoo: ERROR (already started)\n",
                2,
            ),
            (
                "start notexec",
                "notexec: ERROR (file is not executable)\n",
                1,
            ),
            ("start bar", "bar: ERROR (spawn error)\n", 7),
            ("stop done", "done: ERROR (not running)\n", 0),
            ("signal HUP done", "done: ERROR (not running)\n", 7),
            (
                "signal 18 foo grp:g1",
                "foo: signalled\ngrp:g1: signalled\n",
                0,
            ),
            ("clear grp:*", "grp:None: ERROR (no such process)\n", 1),
        ],
    );
    // BACKOFF counts as started.
    backoff(&sv);
    let seen = same_on_one(&sv, &["start flappy", "start flappy nosuch:"]);
    check(
        &seen,
        &[("start flappy", "flappy: ERROR (already started)\n", 0)],
    );
}

#[test]
fn state_changes_on_twin_servers() {
    let t = Twins::new();
    // BACKOFF: `start` says it is already started, `stop` stops it. Then flappy goes away, so
    // that `start all` leaves everything settled.
    t.each(backoff);
    t.expect("start flappy", &["flappy: ERROR (already started)"]);
    t.expect("stop flappy", &["flappy: stopped"]);
    t.expect("stop flappy", &["flappy: ERROR (not running)"]);
    t.each(|sv| {
        sv.apply_programs(PROGRAMS);
    });
    for (line, expected) in [
        ("start manual", &["manual: started"][..]),
        ("start manual", &["manual: ERROR (already started)"]),
        ("stop manual", &["manual: stopped"]),
        ("stop manual", &["manual: ERROR (not running)"]),
        ("start grp:*", &["grp:g2: started"]),
        ("start grp:", &[]),
        ("~stop grp:*", &["grp:g1: stopped", "grp:g2: stopped"]),
        ("~stop grp:", &[]),
        (
            "~restart grp:* nosuch",
            &["grp:g1: started", "nosuch: ERROR (no such process)"],
        ),
        ("restart foo", &["foo: stopped", "foo: started"]),
        (
            "restart manual",
            &["manual: ERROR (not running)", "manual: started"],
        ),
        (
            "~restart foo:foo multi:",
            &["foo: stopped", "multi:multi_01: started"],
        ),
        ("stop manual foo", &["manual: stopped", "foo: stopped"]),
        (
            "start foo grp:g2 nosuch",
            &["foo: started", "grp:g2: ERROR (already started)"],
        ),
        ("stop multi:multi_00", &["multi:multi_00: stopped"]),
        (
            "~restart multi:*",
            &["multi:multi_00: started", "multi:multi_01: stopped"],
        ),
        ("signal TERM foo", &["foo: signalled"]),
    ] {
        t.expect(line, expected);
    }
    // stop all / start all / restart all. Processes that start at once are reported in the
    // server's process order, and bar (which fails after a moment) last.
    t.each(|sv| {
        sv.wait_settled(SETTLE);
    });
    t.expect("~stop all", &["foo: stopped", "grp:g1: stopped"]);
    t.expect("stop all", &[]);
    t.expect(
        "start nosuch all",
        &[
            "nofile: ERROR (no such file)",
            "notexec: ERROR (file is not executable)",
            "bar: ERROR (spawn error)",
            "manual: started",
        ],
    );
    t.each(|sv| {
        sv.wait_for_state("done", "EXITED", SETTLE);
    });
    t.expect(
        "~restart all",
        &["foo: stopped", "bar: ERROR (spawn error)", "done: started"],
    );
}
