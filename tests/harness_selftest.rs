//! Proves the test harness in `tests/support/` works, using stock
//! supervisorctl only (no dependency on our binary's behaviour).

mod support;

use std::time::Duration;
use support::{
    Client, FakeServer, Invocation, Mask, Output, Reply, Supervisord, Version, normalize, xml,
};

const PROGRAMS: &str = "\
[program:sleeper]
command=sleep 1000
startsecs=0

[program:quick]
command=true
startretries=0

[program:manual]
command=sleep 1000
autostart=false
";

const STATUS: &str = "\
manual                           STOPPED   Not started
quick                            FATAL     Exited too quickly (process log may have details)
sleeper                          RUNNING   pid N, uptime T
";

/// Provisions both venvs (also what `.ci/run` calls up front).
#[test]
fn provision_venvs() {
    for v in [Version::V43, Version::V31] {
        let dir = v.venv();
        assert!(dir.join("bin/supervisord").is_file(), "{}", dir.display());
        assert!(dir.join("bin/supervisorctl").is_file(), "{}", dir.display());
        eprintln!("supervisor {} venv: {}", v.pin(), dir.display());
    }
}

#[test]
fn stock_status_over_unix() {
    let sv = Supervisord::start(PROGRAMS);
    let out = sv.stock(&["status"]);
    assert_eq!(out.status, 3, "{out}");
    assert_eq!(normalize(&out.stdout, &Mask::new()), STATUS, "{out}");
    assert_eq!(out.stderr, "", "{out}");
    // The raw view agrees with what supervisorctl printed.
    let procs = sv.processes();
    let names: Vec<_> = procs
        .iter()
        .map(|p| (p.full_name(), p.statename.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("manual".to_string(), "STOPPED"),
            ("quick".to_string(), "FATAL"),
            ("sleeper".to_string(), "RUNNING")
        ]
    );
    let sleeper = &procs[2];
    assert!(
        out.stdout.contains(&format!("pid {},", sleeper.pid)),
        "{out}"
    );
    // Explicit -s unix URL works too.
    let out2 = sv.stock_with(&["-s", &sv.unix_url()], &["status", "sleeper"], None);
    assert_eq!(out2.status, 0, "{out2}");
    assert!(out2.stdout.starts_with("sleeper "), "{out2}");
}

#[test]
fn stock_status_over_tcp_with_password() {
    let sv = Supervisord::builder()
        .programs(PROGRAMS)
        .tcp()
        .credentials("alice", "s3cret")
        .ctl_credentials(false)
        .start();
    let url = sv.tcp_url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = sv.stock_with(
        &["-s", &url, "-u", "alice", "-p", "s3cret"],
        &["status"],
        None,
    );
    assert_eq!(out.status, 3, "{out}");
    assert_eq!(normalize(&out.stdout, &Mask::new()), STATUS, "{out}");

    // Wrong password: refused; stock prints "Server requires authentication"
    // and the 401 as a generic error line on stdout, and exits 1.
    let bad = sv.stock_with(
        &["-s", &url, "-u", "alice", "-p", "nope"],
        &["status"],
        None,
    );
    assert!(
        bad.stdout.contains("Server requires authentication"),
        "{bad}"
    );
    assert_eq!(bad.status, 1, "{bad}");
    assert!(
        normalize(&bad.stdout, &Mask::new()).ends_with(
            "error: <class 'xmlrpc.client.ProtocolError'>, \
             <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>\n"
        ),
        "{bad}"
    );

    // The unix socket (from [supervisorctl]) needs no credentials.
    let out = sv.stock(&["status", "manual"]);
    assert_eq!(out.status, 3, "{out}");
}

#[test]
fn ctl_section_credentials_and_unix_auth() {
    let sv = Supervisord::builder()
        .programs(PROGRAMS)
        .credentials("bob", "pw")
        .auth_on_unix(true)
        .start();
    let out = sv.stock(&["status"]);
    assert_eq!(out.status, 3, "{out}");
    assert_eq!(normalize(&out.stdout, &Mask::new()), STATUS, "{out}");
    let conf = std::fs::read_to_string(sv.conf_path()).unwrap();
    assert!(
        conf.contains("[supervisorctl]\nserverurl=unix://"),
        "{conf}"
    );
    assert!(conf.contains("username=bob\npassword=pw"), "{conf}");
}

#[test]
fn v31_server_and_stock_version() {
    let sv = Supervisord::builder()
        .version(Version::V31)
        .programs(PROGRAMS)
        .start();
    let out = sv.stock(&["version"]);
    assert_eq!(
        out,
        Output {
            stdout: "3.1.3\n".into(),
            stderr: String::new(),
            status: 0
        }
    );
    // 3.1.3's status exits 0 even with non-running processes; the lines match.
    let st = sv.stock(&["status"]);
    assert_eq!(normalize(&st.stdout, &Mask::new()), STATUS, "{st}");
    // A 4.3.0 supervisorctl talks to a 3.1.3 supervisord.
    let cross = sv.cmd(Client::Stock(Version::V43)).args(["version"]).run();
    assert_eq!(cross.stdout, "3.1.3\n", "{cross}");
}

#[test]
fn drop_leaves_no_process_behind() {
    let sv = Supervisord::start(
        "[program:a]\ncommand=sleep 1000\nstartsecs=0\n\
         [program:b]\ncommand=sleep 1000\nstartsecs=0\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n",
    );
    let pid = sv.pidfile_pid().expect("pidfile");
    assert_eq!(pid, sv.pid());
    let kids: Vec<u32> = sv.processes().iter().map(|p| p.pid).collect();
    assert_eq!(kids.len(), 3);
    assert!(kids.iter().all(|&k| k > 0 && support::pid_alive(k)));
    let dir = sv.dir().to_path_buf();
    drop(sv);
    assert!(!support::pid_alive(pid), "supervisord {pid} still alive");
    for k in kids {
        assert!(!support::pid_alive(k), "program pid {k} still alive");
    }
    assert!(!dir.exists(), "{} not removed", dir.display());
}

/// A program that ignores SIGTERM (and supervisord told to wait 60 s for
/// it): the fixture gives up on supervisord after its stop timeout, SIGKILLs
/// it, then kills the program's whole process group.
#[test]
fn stop_escalates_to_sigkill() {
    let sv = Supervisord::builder()
        .programs(
            "[program:stubborn]\ncommand=sh -c 'trap \"\" TERM; sleep 1000 & wait; sleep 1000'\n\
             startsecs=0\nstopwaitsecs=60\n",
        )
        .stop_timeout(Duration::from_millis(500))
        .start();
    let sh = sv.processes()[0].pid;
    assert!(support::pid_alive(sh));
    let t = std::time::Instant::now();
    drop(sv);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(!support::pid_alive(sh), "program {sh} survived");
    // Its child `sleep` (same process group) is gone too (SIGKILL is
    // asynchronous: allow a moment).
    let mut left = support::live_in_group(sh);
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        left = support::live_in_group(sh);
    }
    assert_eq!(left, Vec::<u32>::new(), "processes left in group {sh}");
}

/// A SIGTERM that lands while supervisord reloads is lost; Drop repeats it.
#[test]
fn drop_right_after_reload() {
    let sv = Supervisord::start(
        "[program:a]\ncommand=sleep 1000\nstartsecs=0\n[program:b]\ncommand=sleep 1000\nstartsecs=0\n",
    );
    // RUNNING (startsecs=0) does not mean exec'd yet: wait for the env.
    for _ in 0..200 {
        if sv.program_processes().len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sv.program_processes().len(), 2);
    let out = sv.stock(&["reload"]);
    assert_eq!(out.stdout, "Restarted supervisord\n", "{out}");
    let pid = sv.pid();
    let markers = [format!("SUPERVISOR_SERVER_URL={}", sv.unix_url())];
    let t = std::time::Instant::now();
    drop(sv);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(!support::pid_alive(pid));
    assert_eq!(support::live_with_env(&markers), Vec::<u32>::new());
}

#[test]
fn stop_after_supervisord_shut_itself_down() {
    let sv = Supervisord::start("[program:a]\ncommand=sleep 1000\nstartsecs=0\n");
    let out = sv.stock(&["shutdown"]);
    assert_eq!(out.status, 0, "{out}");
    assert!(out.stdout.contains("Shut down"), "{out}");
    for _ in 0..200 {
        if !sv.is_running() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!sv.is_running());
    // Drop must cope with an already-exited supervisord.
}

#[test]
fn rewrite_programs_and_update() {
    let sv = Supervisord::start("[program:a]\ncommand=sleep 1000\nstartsecs=0\n");
    sv.set_programs(
        "[program:a]\ncommand=sleep 1000\nstartsecs=0\n[program:b]\ncommand=sleep 999\nstartsecs=0\n",
    );
    let rr = sv.reread();
    assert_eq!(rr.stdout, "b: available\n", "{rr}");
    let up = sv.update();
    assert_eq!(up.stdout, "b: added process group\n", "{up}");
    sv.wait_for_state("b", "RUNNING", Duration::from_secs(10));
    let up = sv.apply_programs("[program:b]\ncommand=sleep 999\nstartsecs=0\n");
    assert!(
        up.stdout.contains("a: stopped\na: removed process group"),
        "{up}"
    );
    let names: Vec<String> = sv.processes().iter().map(|p| p.full_name()).collect();
    assert_eq!(names, ["b"]);
}

#[test]
fn groups_and_pid_masking() {
    let sv = Supervisord::start(
        "[program:w1]\ncommand=sleep 1000\nstartsecs=0\n\
         [program:w2]\ncommand=sleep 1000\nstartsecs=0\n\
         [group:workers]\nprograms=w1,w2\n",
    );
    let out = sv.stock(&["status"]);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        normalize(&out.stdout, &Mask::new()),
        "workers:w1                       RUNNING   pid N, uptime T\n\
         workers:w2                       RUNNING   pid N, uptime T\n"
    );
    let pid = sv.stock(&["pid", "all"]);
    assert_eq!(
        normalize(&pid.stdout, &Mask::new().bare_numbers()),
        "N\nN\n",
        "{pid}"
    );
    let main_pid = sv.stock(&["pid"]);
    assert_eq!(main_pid.stdout.trim(), sv.pid().to_string());
}

#[test]
fn assert_same_compares_two_runs() {
    let sv = Supervisord::start(PROGRAMS);
    // Stock vs stock: identical after masking (pids/uptimes may differ).
    let (a, _) = support::mask::assert_same_runs(
        sv.stock_cmd().args(["status"]),
        sv.stock_cmd().args(["status"]),
        &Mask::new(),
    );
    assert_eq!(a.status, 3);
    // A usage error shows the progname; it is masked.
    let (u, _) = support::mask::assert_same_runs(
        sv.stock_cmd().opts(["-Z"]),
        sv.stock_cmd().opts(["-Z"]),
        &Mask::new(),
    );
    assert_eq!(
        normalize(&u.stderr, &Mask::new()),
        "Error: option -Z not recognized\nFor help, use PROG -h\n"
    );
    // A real difference fails, with a diff in the message.
    let err = std::panic::catch_unwind(|| {
        support::mask::assert_same_runs(
            sv.stock_cmd().args(["status", "sleeper"]),
            sv.stock_cmd().args(["status", "manual"]),
            &Mask::new(),
        )
    })
    .expect_err("must differ");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("exit status: stock 0 vs ours 3"), "{msg}");
    assert!(msg.contains("- \"sleeper "), "{msg}");
    assert!(msg.contains("+ \"manual "), "{msg}");
}

#[test]
fn maskers() {
    let m = Mask::new();
    assert_eq!(
        normalize("sleeper   RUNNING   pid 5088, uptime 0:00:01\n", &m),
        "sleeper   RUNNING   pid N, uptime T\n"
    );
    assert_eq!(
        normalize("x RUNNING pid 1, uptime 3 days, 12:01:02", &m),
        "x RUNNING pid N, uptime T"
    );
    assert_eq!(
        normalize("x RUNNING pid 1, uptime 1 day, 0:00:00", &m),
        "x RUNNING pid N, uptime T"
    );
    assert_eq!(
        normalize("a  EXITED    Nov 25 02:49 AM", &m),
        "a  EXITED    DATE"
    );
    assert_eq!(normalize("rapid 12", &m), "rapid 12");
    assert_eq!(
        normalize(
            "error: <class 'xmlrpc.client.Fault'>, <Fault 1: 'UNKNOWN_METHOD'>: file: /x/y/client.py line: 668",
            &m
        ),
        "error: <class 'xmlrpc.client.Fault'>, <Fault 1: 'UNKNOWN_METHOD'>"
    );
    assert_eq!(
        normalize(
            "error: <class 'socket.error'>, [Errno 111] Connection refused: file: /usr/lib/python2.7/socket.py line: 228",
            &m
        ),
        "error: <class 'socket.error'>, [Errno 111] Connection refused"
    );
    assert_eq!(
        normalize(
            "Really restart the remote supervisord process y/N? error: <class 'EOFError'>, \
             EOF when reading a line: file: /x/supervisorctl.py line: 1046",
            &m
        ),
        "Really restart the remote supervisord process y/N? error: <class 'EOFError'>, \
         EOF when reading a line"
    );
    assert_eq!(
        normalize(
            "error: <type 'exceptions.IOError'>, [Errno 2] x: file: y.py line: 3",
            &m
        ),
        "error: <type 'exceptions.IOError'>, [Errno 2] x"
    );
    assert_eq!(
        normalize("For help, use supervisor-quick -h", &m),
        "For help, use PROG -h"
    );
    let stock = Version::V43.venv_dir().join("bin/supervisorctl");
    assert_eq!(
        normalize(&format!("Usage: {} [options]", stock.display()), &m),
        "Usage: PROG [options]"
    );
    assert_eq!(normalize("123\n45\n", &m), "123\n45\n");
    assert_eq!(
        normalize("123\n45\n", &Mask::new().bare_numbers()),
        "N\nN\n"
    );
    assert_eq!(
        normalize("/tmp/x/y", &Mask::new().replace("/tmp/x", "DIR")),
        "DIR/y"
    );
}

fn version_fake(req: &support::Request) -> Reply {
    match req.method.as_deref() {
        Some("supervisor.getSupervisorVersion") => Reply::xmlrpc(&xml::string("9.9.9")),
        Some("supervisor.getAllProcessInfo") => Reply::Hang,
        _ => support::fake::default_reply(req),
    }
}

#[test]
fn fake_server_unix_and_tcp() {
    for fake in [
        FakeServer::unix(version_fake),
        FakeServer::tcp(version_fake),
    ] {
        let out = Invocation::stock(Version::V43)
            .opts(["-s", &fake.url()])
            .args(["version"])
            .run();
        assert_eq!(out.stdout, "9.9.9\n", "{}: {out}", fake.url());
        // Stock checks the API version first.
        assert_eq!(
            fake.methods(),
            ["supervisor.getVersion", "supervisor.getSupervisorVersion"]
        );
        let req = &fake.requests()[0];
        assert!(
            req.request_line().starts_with("POST /RPC2 HTTP/1."),
            "{}",
            req.head
        );
        assert!(
            req.body_str().contains("<methodName>"),
            "{}",
            req.body_str()
        );
    }
}

#[test]
fn fake_server_close_and_runner_timeout() {
    let fake = FakeServer::unix(|_| Reply::Close);
    let out = Invocation::stock(Version::V43)
        .opts(["-s", &fake.url()])
        .args(["version"])
        .run();
    assert_ne!(out.status, 0, "{out}");

    // A server that never answers: the hard timeout kills the client and
    // fails with a message instead of hanging.
    let fake = FakeServer::tcp(version_fake);
    let inv = Invocation::stock(Version::V43)
        .opts(["-s", &fake.url()])
        .args(["status"])
        .timeout(Duration::from_secs(1));
    let err = std::panic::catch_unwind(|| inv.run()).expect_err("must time out");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("did not finish within 1s"), "{msg}");
}

#[test]
fn stdin_is_fed_to_the_shell() {
    let sv = Supervisord::start(PROGRAMS);
    let out = sv.stock_with(&[], &[], Some("version\nstatus sleeper\n"));
    assert!(out.stdout.contains("4.3.0\n"), "{out}");
    assert!(out.stdout.contains("sleeper "), "{out}");
}
