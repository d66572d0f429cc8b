//! The client core: status, pid, avail and version byte-for-byte against stock, over the unix
//! socket and over TCP with a password, and every connection failure.

mod support;

use support::mask::assert_same_runs;
use support::{FakeServer, Invocation, Mask, Reply, Supervisord, Version, assert_same_with};

const PROGRAMS: &str = "\
[program:running]
command=sleep 100000
startsecs=0

[program:fatal]
command=sh -c 'exit 3'
startsecs=1
startretries=0

[program:manual]
command=sleep 100000
autostart=false

[program:exited]
command=true
startsecs=0
autorestart=false

[group:grp]
programs=g1,g2

[program:g1]
command=sleep 100000
startsecs=0

[program:g2]
command=sleep 100000
autostart=false

[program:multi]
command=sleep 100000
process_name=%(program_name)s_%(process_num)02d
numprocs=2
startsecs=0

[program:averyveryveryverylongprogramname_exceeding30]
command=sleep 100000
startsecs=0
";

const LINES: &[&str] = &[
    "status",
    "status all",
    "status running",
    "status running fatal manual",
    "status grp:",
    "status grp:*",
    "status grp:g1",
    "status grp",
    "status nosuch",
    "status nosuch:",
    "status nosuch running",
    "status running running",
    "status multi:multi_01 exited",
    "status a:b:c",
    "pid",
    "pid all",
    "pid running",
    "pid manual",
    "pid nosuch",
    "pid grp:",
    "pid running manual nosuch",
    "avail",
    "avail x",
    "version",
    "version x",
    "help",
    "help status",
    "help pid",
    "help avail",
    "help version",
    "help nosuch",
    "help help",
    "bogus",
    "STATUS",
    "",
];

fn compare_all(sv: &Supervisord, opts: &[&str]) {
    for line in LINES {
        let args: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        assert_same_with(sv, opts, &args, None, &Mask::new().bare_numbers());
    }
}

#[test]
fn read_only_commands_match_stock_over_the_unix_socket() {
    let sv = Supervisord::start(PROGRAMS);
    compare_all(&sv, &[]);
    // The same server through -s with the socket's URL.
    compare_all(&sv, &["-s", &sv.unix_url()]);
}

#[test]
fn read_only_commands_match_stock_over_tcp_with_a_password() {
    let sv = Supervisord::builder()
        .programs(PROGRAMS)
        .tcp()
        .credentials("alice", "s3cret")
        .ctl_over_tcp()
        .start();
    // Credentials from [supervisorctl].
    compare_all(&sv, &[]);
    // Credentials from the command line.
    let url = sv.tcp_url();
    compare_all(&sv, &["-s", &url, "-u", "alice", "-p", "s3cret"]);
    // Half-given on the line: the rest comes from [supervisorctl], as in stock.
    for opts in [
        vec!["-s", url.as_str(), "-u", "alice"],
        vec!["-s", url.as_str(), "-p", "s3cret"],
    ] {
        for line in ["status", "pid", "avail", "version"] {
            assert_same_with(&sv, &opts, &[line], None, &Mask::new().bare_numbers());
        }
    }
    // A wrong password: stock's two lines, exit 1.
    for line in ["status", "pid", "avail", "version"] {
        let opts = ["-s", url.as_str(), "-u", "alice", "-p", "wrong"];
        let (_, ours) = assert_same_with(&sv, &opts, &[line], None, &Mask::new());
        assert_eq!(ours.status, 1, "{ours}");
        assert!(
            ours.stdout.starts_with("Server requires authentication\n"),
            "{ours}"
        );
        assert!(
            !ours.stdout.contains("wrong"),
            "the password was printed: {ours}"
        );
    }
    // No credentials at all.
    let bare = Supervisord::builder()
        .programs(PROGRAMS)
        .tcp()
        .credentials("alice", "s3cret")
        .ctl_over_tcp()
        .ctl_credentials(false)
        .start();
    for line in ["status", "pid", "avail", "version"] {
        let (_, ours) = assert_same_with(&bare, &[], &[line], None, &Mask::new());
        assert_eq!(ours.status, 1, "{ours}");
    }
}

#[test]
fn read_only_commands_match_stock_on_supervisor_3_1_3() {
    // The server is 3.1.3; the client to match is stock 4.3.0's (3.1.3's own client has
    // other exit statuses).
    let sv = Supervisord::builder()
        .version(Version::V31)
        .programs(PROGRAMS)
        .start();
    for line in LINES {
        let args: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        let stock = Invocation::stock(Version::V43)
            .conf(Some(sv.conf_path()))
            .args(&args);
        let ours = Invocation::ours().conf(Some(sv.conf_path())).args(&args);
        assert_same_runs(stock, ours, &Mask::new().bare_numbers());
    }
}

#[test]
fn connection_failures_match_stock() {
    let sv = Supervisord::start("[program:x]\ncommand=sleep 100000\n");
    let dir = sv.dir().to_path_buf();
    let missing = format!("unix://{}/nonexistent.sock", dir.display());
    // A path that exists but where nothing listens.
    let stale = dir.join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).expect("bind"));
    let stale = format!("unix://{}", stale.display());
    let closed = format!("http://127.0.0.1:{}", support::free_port());
    let cases: Vec<Vec<&str>> = vec![
        vec!["-s", &missing],
        vec!["-s", &stale],
        vec!["-s", &closed],
        vec!["-s", "https://localhost:9001"],
        vec!["-s", "http://no-such-host.invalid:9001"],
    ];
    for opts in &cases {
        for line in ["status", "pid", "avail", "version", "status x", "pid all"] {
            let args: Vec<&str> = line.split(' ').collect();
            let (_, ours) = assert_same_with(&sv, opts, &args, None, &Mask::new());
            assert_ne!(ours.status, 0, "{opts:?} {line}: {ours}");
        }
    }
}

#[test]
fn a_socket_the_user_may_not_open_is_reported_like_stock() {
    let sv = Supervisord::start("[program:x]\ncommand=sleep 100000\n");
    // A socket file with no permissions at all: root passes permission checks, so drop to
    // an unprivileged user for both clients when running as root.
    let sock = sv.dir().join("denied.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    std::fs::set_permissions(
        sv.dir(),
        std::os::unix::fs::PermissionsExt::from_mode(0o711),
    )
    .expect("chmod dir");
    std::fs::set_permissions(&sock, std::os::unix::fs::PermissionsExt::from_mode(0o000))
        .expect("chmod sock");
    let url = format!("unix://{}", sock.display());
    let is_root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if is_root {
        // setpriv is in util-linux, present on every Debian.
        let run = |client: &str| {
            let exe = match client {
                "stock" => Version::V43.supervisorctl(),
                _ => support::ours_exe(),
            };
            let out = std::process::Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(exe)
                .args(["-s", &url, "status"])
                .env("HOME", "/")
                .current_dir("/")
                .output()
                .expect("setpriv");
            (
                String::from_utf8_lossy(&out.stdout).into_owned(),
                out.status.code(),
            )
        };
        let (stock, stock_status) = run("stock");
        let (ours, our_status) = run("ours");
        let norm = |s: &str| support::normalize(s, &Mask::new());
        assert_eq!(norm(&ours), norm(&stock));
        assert_eq!(our_status, stock_status);
        assert!(
            ours.starts_with("error: <class 'PermissionError'>, [Errno 13] Permission denied"),
            "{ours}"
        );
    } else {
        assert_same_with(&sv, &["-s", &url], &["status"], None, &Mask::new());
    }
}

#[test]
fn api_version_mismatch_and_missing_rpcinterface_match_stock() {
    let old_api = FakeServer::unix(|req| match req.method.as_deref() {
        Some("supervisor.getVersion") => Reply::xmlrpc("<value><string>2.0</string></value>"),
        _ => Reply::fault(1, "UNKNOWN_METHOD"),
    });
    let no_namespace = FakeServer::unix(|_| Reply::fault(1, "UNKNOWN_METHOD"));
    let sv = Supervisord::start("[program:x]\ncommand=sleep 100000\n");
    for fake in [&old_api, &no_namespace] {
        let url = fake.url();
        for line in ["status", "pid", "version", "avail"] {
            assert_same_with(&sv, &["-s", &url], &[line], None, &Mask::new());
        }
    }
}
