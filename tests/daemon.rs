//! Differential tests for `reread`, `update`, `add`, `remove`, `reload`, `shutdown` and `open`:
//! stock supervisorctl 4.3.0 and ours run the same command lines against real supervisords,
//! and must print the same stdout and stderr and exit with the same status.
//!
//! Commands that leave the server as it was run on one server; commands that change it run on
//! two identically configured servers (stock on one, ours on the other), in the same order.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::{Invocation, Mask, Output, Supervisord, assert_outputs_same, free_port};

const SETTLE: Duration = Duration::from_secs(30);

const PROGRAMS: &str = r#"
[program:foo]
command=/bin/sleep 100000
startsecs=0

[program:manual]
command=/bin/sleep 100000
autostart=false
startsecs=0

[program:cat]
command=/bin/cat
startsecs=0

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

/// [`PROGRAMS`] with `manual` changed, `cat` removed, and `newprog` and `newprog2` added.
const CHANGED: &str = r#"
[program:foo]
command=/bin/sleep 100000
startsecs=0

[program:manual]
command=/bin/sleep 200000
autostart=false
startsecs=0

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

[program:newprog]
command=/bin/sleep 100000
autostart=false
stdout_logfile=NONE

[program:newprog2]
command=/bin/sleep 100000
startsecs=0
"#;

fn args(line: &str) -> Vec<&str> {
    line.split(' ').filter(|s| !s.is_empty()).collect()
}

/// Runs each line (with its stdin, if any) with stock and ours on the same server.
#[track_caller]
fn same_on_one(sv: &Supervisord, cases: &[(&str, Option<&str>)]) -> Vec<(String, i32)> {
    let mask = Mask::new();
    let mut seen = Vec::new();
    for (line, stdin) in cases {
        let a = args(line);
        let (mut stock, mut ours) = (sv.stock_cmd().args(&a), sv.ours_cmd().args(&a));
        if let Some(text) = stdin {
            stock = stock.stdin(text);
            ours = ours.stdin(text);
        }
        let out = same_runs(stock, ours, &mask);
        seen.push((out.stdout, out.status));
    }
    seen
}

/// [`assert_same_runs`], except that the text after a y/N prompt starts a line of its own, so
/// that an error line printed right after the prompt is masked like any other.
#[track_caller]
fn same_runs(stock: Invocation, ours: Invocation, mask: &Mask) -> Output {
    let label = format!("{:?}", ours.argv());
    let (mut a, mut b) = (stock.run(), ours.run());
    for out in [&mut a, &mut b] {
        out.stdout = out.stdout.replace(" y/N? ", " y/N? \n");
    }
    assert_outputs_same(&label, &a, &b, mask);
    a
}

/// Like [`same_on_one`] without stdin.
#[track_caller]
fn lines_on_one(sv: &Supervisord, lines: &[&str]) -> HashMap<String, (String, i32)> {
    let cases: Vec<(&str, Option<&str>)> = lines.iter().map(|l| (*l, None)).collect();
    let seen = same_on_one(sv, &cases);
    lines.iter().map(|l| l.to_string()).zip(seen).collect()
}

/// Checks what stock printed (stdout masked, exit status) for a few lines, so that the
/// comparisons cannot pass by both clients failing the same way.
#[track_caller]
fn check(seen: &HashMap<String, (String, i32)>, expected: &[(&str, &str, i32)]) {
    for (line, stdout, status) in expected {
        let got = &seen[*line];
        let masked = support::normalize(&got.0, &Mask::new());
        assert_eq!(
            (masked.as_str(), got.1),
            (*stdout, *status),
            "stock's `{line}`"
        );
    }
}

/// Compares two runs whose output lines stock prints in a random order (it iterates a Python
/// set): the sorted lines must be equal.
#[track_caller]
fn same_lines_any_order(stock: Invocation, ours: Invocation, mask: &Mask) {
    let label = format!("{:?}", ours.argv());
    let (mut a, mut b) = (stock.run(), ours.run());
    for out in [&mut a, &mut b] {
        let mut lines: Vec<&str> = out.stdout.lines().collect();
        lines.sort_unstable();
        out.stdout = lines.iter().map(|l| format!("{l}\n")).collect();
    }
    assert_outputs_same(&label, &a, &b, mask);
}

/// Polls until the server answers `getState` with RUNNING again (after `reload`), then until
/// its processes have settled.
fn wait_up(sv: &Supervisord) {
    let deadline = Instant::now() + SETTLE;
    loop {
        if let Ok(doc) = sv.rpc("supervisor.getState", &[])
            && doc.contains("<string>RUNNING</string>")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "supervisord did not come back after reload"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    sv.wait_settled(SETTLE);
}

fn wait_down(sv: &Supervisord) {
    let deadline = Instant::now() + SETTLE;
    while sv.is_running() {
        assert!(
            Instant::now() < deadline,
            "supervisord did not exit after shutdown"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Two servers with the same programs, started side by side.
struct Twins {
    stock: Supervisord,
    ours: Supervisord,
    mask: Mask,
}

impl Twins {
    fn new(programs: &str) -> Twins {
        let (stock, ours) = std::thread::scope(|s| {
            let a = s.spawn(|| Supervisord::start(programs));
            let b = s.spawn(|| Supervisord::start(programs));
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

    /// Runs the line (built for each server) with stock on one server and ours on the other.
    #[track_caller]
    /// Returns stock's output.
    fn same_with(&self, line: impl Fn(&Supervisord) -> String, stdin: Option<&str>) -> Output {
        let build = |sv: &Supervisord, inv: Invocation| {
            let text = line(sv);
            let inv = inv.args(args(&text));
            match stdin {
                Some(s) => inv.stdin(s),
                None => inv,
            }
        };
        same_runs(
            build(&self.stock, self.stock.stock_cmd()),
            build(&self.ours, self.ours.ours_cmd()),
            &self.mask,
        )
    }

    #[track_caller]
    fn same(&self, line: &str) -> Output {
        self.same_with(|_| line.to_owned(), None)
    }

    /// [`Twins::same`], and stock's stdout must contain `expected` (so that a case cannot pass
    /// by both clients failing the same way).
    #[track_caller]
    fn expect(&self, line: &str, expected: &str) {
        let out = self.same(line);
        let stdout = support::normalize(&out.stdout, &self.mask);
        assert!(
            stdout.contains(expected),
            "stock's `{line}` did not print {expected:?}\n{out}"
        );
    }

    fn each(&self, f: impl Fn(&Supervisord)) {
        f(&self.stock);
        f(&self.ours);
    }
}

#[test]
fn commands_that_leave_the_server_unchanged() {
    let sv = Supervisord::start(PROGRAMS);
    let seen = lines_on_one(
        &sv,
        &[
            // stray arguments
            "reread x",
            "reread a b",
            "reload x",
            "shutdown x",
            "shutdown now please",
            // add / remove
            "add",
            "remove",
            "add nosuch",
            "add foo",
            "add foo nosuch",
            "add grp",
            "add grp:g1",
            "remove foo",
            "remove nosuch",
            "remove foo nosuch grp",
            "remove grp:",
            // reread / update without changes
            "reread",
            "update",
            "update all",
            "update foo",
            "update nosuch",
            "update nosuch nosuch",
            "update all nosuch",
            "update foo nosuch grp",
        ],
    );
    check(
        &seen,
        &[
            ("add", "", 0),
            (
                "add foo nosuch",
                "ERROR: process group already active\nERROR: no such process/group: nosuch\n",
                1,
            ),
            ("remove foo", "ERROR: process/group still running: foo\n", 1),
            ("reread", "No config updates to processes\n", 0),
            ("update foo nosuch grp", "ERROR: no such group: nosuch\n", 1),
        ],
    );
    // Stock checks the names of `update` in a Python set's order.
    same_lines_any_order(
        sv.stock_cmd()
            .args(["update", "nosuch", "zzz", "foo", "other"]),
        sv.ours_cmd()
            .args(["update", "nosuch", "zzz", "foo", "other"]),
        &Mask::new(),
    );
    // The y/N prompts of -i: anything but y... is no; EOF is an EOFError; a bad argument
    // comes before the prompt.
    let seen = same_on_one(
        &sv,
        &[
            ("-i reload", Some("n\n")),
            ("-i reload", Some("\n")),
            ("-i reload", Some("")),
            ("-i reload", Some("no way")),
            ("-i reload x", Some("y\n")),
            ("-i shutdown", Some("no\n")),
            ("-i shutdown", Some("N\nY\n")),
            ("-i shutdown", Some(" y\n")),
            ("-i shutdown", Some("")),
            ("-i shutdown x", Some("y\n")),
        ],
    );
    assert_eq!(
        seen[0],
        (
            "Really restart the remote supervisord process y/N? \n".to_string(),
            0
        )
    );
    assert!(seen[2].0.starts_with("Really restart the remote supervisord process y/N? \nerror: <class 'EOFError'>, EOF when reading a line: file: "), "{seen:?}");
}

#[test]
fn open_and_unreachable_servers() {
    let sv = Supervisord::start(PROGRAMS);
    let port = free_port();
    let refused = format!("http://127.0.0.1:{port}");
    let nosock = format!("unix://{}/nosuch.sock", sv.dir().display());
    let good = sv.unix_url();
    let mut lines: Vec<String> = [
        "open",
        "open ftp://x",
        "open https://localhost:9001",
        "open localhost:9001",
        "open 9http://x",
        "open /tmp/supervisor.sock",
        "open http://[::1",
        "open http://]x",
        "open http://[1.2.3.4]:80",
        "open http://[nohost]:80",
        "open HTTP://127.0.0.1:1",
        "open unix:/x",
        "-s https://x add",
        "-s https://x remove",
        "-s https://x add foo",
        "-s https://x reload",
        "-s https://x shutdown",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.extend([
        format!("open {nosock}"),
        format!("open {refused}"),
        format!("open {refused}/RPC2"),
        format!("open {good}"),
        format!("-s {refused} open {good}"),
        format!("-s https://x open {good}"),
    ]);
    for url in [&refused, &nosock] {
        for cmd in [
            "shutdown",
            "reload",
            "reread",
            "update",
            "update foo",
            "add foo",
            "remove foo",
            "add",
            "remove",
        ] {
            lines.push(format!("-s {url} {cmd}"));
        }
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let seen = lines_on_one(&sv, &lines);
    let refused_msg = format!("{refused} refused connection\n");
    let shutdown_msg = format!("ERROR: {nosock} no such file (already shut down?)\n");
    check(
        &seen,
        &[
            ("open ftp://x", "ERROR: url must be http:// or unix://\n", 1),
            (&format!("open {refused}"), &refused_msg, 0),
            (&format!("-s {nosock} shutdown"), &shutdown_msg, 1),
            (
                "-s https://x add",
                "error: <class 'ValueError'>, Unknown protocol for serverurl https://x\n",
                1,
            ),
        ],
    );
    let opened = &seen[&format!("open {good}")];
    assert!(
        opened
            .0
            .contains("foo                              RUNNING   pid "),
        "{opened:?}"
    );
    assert_eq!(opened.1, 0);
    let interactive = format!("-i -s {refused} shutdown");
    same_on_one(&sv, &[(interactive.as_str(), Some("y\n"))]);
}

#[test]
fn config_errors_on_reread() {
    let sv = Supervisord::start(PROGRAMS);
    sv.set_programs(&format!("{PROGRAMS}\n[program:broken]\nautostart=false\n"));
    lines_on_one(
        &sv,
        &["reread", "update", "update foo", "add broken", "reread x"],
    );
    sv.set_programs(&format!(
        "{PROGRAMS}\n[program:badnum]\ncommand=/bin/true\nnumprocs=2\n"
    ));
    lines_on_one(&sv, &["reread", "update"]);
}

#[test]
fn config_changes_on_twin_servers() {
    let t = Twins::new(PROGRAMS);
    t.each(|sv| sv.set_programs(CHANGED));
    for (line, expected) in [
        (
            "reread",
            "cat: disappeared\nmanual: changed\nnewprog: available\nnewprog2: available\n",
        ),
        ("reread", "newprog: available"),
        ("update nosuch", "ERROR: no such group: nosuch\n"),
        ("update newprog", "newprog: added process group\n"),
        ("add newprog", "ERROR: process group already active\n"),
        ("update manual nosuch", "manual: updated process group\n"),
        ("remove newprog", "newprog: removed process group\n"),
        ("remove newprog", "ERROR: no such process/group: newprog\n"),
        (
            "add newprog newprog nosuch",
            "ERROR: no such process/group: nosuch\n",
        ),
        ("remove grp", "ERROR: process/group still running: grp\n"),
        ("stop grp:", "grp:g1: stopped\n"),
        ("remove grp nosuch", "grp: removed process group\n"),
        ("add grp", "grp: added process group\n"),
        (
            "update all",
            "cat: removed process group\nnewprog2: added process group\n",
        ),
        ("update", ""),
        ("reread", "No config updates to processes\n"),
    ] {
        t.expect(line, expected);
    }
    t.each(|sv| {
        sv.wait_settled(SETTLE);
    });
    // Back to the first config: cat comes back, newprog and newprog2 go.
    t.each(|sv| sv.set_programs(PROGRAMS));
    t.expect(
        "update cat newprog2",
        "newprog2: removed process group\ncat: added process group\n",
    );
    t.expect("reread", "manual: changed\nnewprog: disappeared\n");
    t.expect("update", "manual: updated process group\n");
}

#[test]
fn reload_and_shutdown_on_twin_servers() {
    let t = Twins::new(PROGRAMS);
    let out = t.same_with(|_| "-i reload".into(), Some("y\n"));
    assert!(
        out.stdout.ends_with("y/N? \nRestarted supervisord\n"),
        "{out}"
    );
    t.each(wait_up);
    t.expect("reload", "Restarted supervisord\n");
    t.each(wait_up);
    t.same("status");
    let out = t.same_with(|_| "-i shutdown".into(), Some("Yes\n"));
    assert!(out.stdout.ends_with("y/N? \nShut down\n"), "{out}");
    t.each(wait_down);
    t.expect(
        "shutdown",
        "ERROR: unix://DIR/supervisor.sock no such file (already shut down?)\n",
    );
    for line in ["reload", "reread", "update", "add foo", "remove foo", "add"] {
        t.same(line);
    }
    t.same_with(|sv| format!("open {}", sv.unix_url()), None);
}
