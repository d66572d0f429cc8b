//! Credentials: a password from the config, from `-p`, from the URL or typed at the prompt that
//! a username alone brings up, never appears in an error message, a URL printed back, the
//! history file or the process list (where `-p` cannot help it: a warning on a terminal says so
//! and suggests the config). Where no terminal is involved, stock's behaviour is kept byte for
//! byte. (That a panic message never shows one is a unit test of `error::panic_report`.)

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::{
    Builder, FakeServer, Invocation, Mask, Output, Reply, Supervisord, assert_outputs_same,
    free_port, ours_exe,
};

const SECRET: &str = "Pw-7f3a-secret";
const PROGRAMS: &str = "[program:web]\ncommand=sleep 100000\nstartsecs=0\n";

/// The password, and the Basic token made from it, are nowhere in the output.
#[track_caller]
fn assert_hidden(out: &Output, secret: &str, what: &str) {
    let token = support::server::base64(format!("user:{secret}").as_bytes());
    for s in [secret, token.as_str()] {
        assert!(
            !out.stdout.contains(s) && !out.stderr.contains(s),
            "{what}: the password is shown\n{out}"
        );
    }
}

fn write_conf(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write conf");
    path
}

/// Servers that fail in every way a password could be printed back in: refused, no such
/// socket, unknown protocol, 401, 500, invalid XML, silence.
fn failing_urls(dir: &Path) -> (Vec<String>, Vec<FakeServer>) {
    let fakes = vec![
        FakeServer::unix(|_| Reply::http(401, "Unauthorized", "text/html", b"")),
        FakeServer::unix(|_| Reply::http(500, "Internal Server Error", "text/html", b"")),
        FakeServer::unix(|_| Reply::raw("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n<oops/>")),
        FakeServer::unix(|_| Reply::Hang),
    ];
    let mut urls: Vec<String> = fakes.iter().map(FakeServer::url).collect();
    urls.push(format!("http://127.0.0.1:{}", free_port()));
    urls.push(format!("unix://{}/no-such.sock", dir.display()));
    urls.push("https://127.0.0.1:1".to_string());
    (urls, fakes)
}

const COMMANDS: &[&[&str]] = &[
    &["status"],
    &["start", "web"],
    &["quickstart", "web"],
    &["tail", "web"],
    &["maintail"],
    &["shutdown"],
    &["supervisor.getState"],
];

#[test]
fn a_password_from_the_config_or_dash_p_is_never_in_a_message() {
    let dir = support::unique_temp_dir("cred");
    let (urls, _fakes) = failing_urls(&dir);
    for url in &urls {
        let conf = write_conf(
            &dir,
            "c.conf",
            &format!("[supervisorctl]\nserverurl={url}\nusername=user\npassword={SECRET}\n"),
        );
        for args in COMMANDS {
            let what = format!("{url} {args:?} (config)");
            let out = Invocation::ours()
                .opts(["-c", conf.to_str().unwrap_or_default()])
                .args(*args)
                .env("SUPERVISOR_QUICK_TIMEOUT", "1")
                .run();
            assert_ne!(out.status, 0, "{what}\n{out}");
            assert_hidden(&out, SECRET, &what);
            let what = format!("{url} {args:?} (-p)");
            let out = Invocation::ours()
                .opts(["-c", "", "-s", url, "-u", "user", "-p", SECRET])
                .args(*args)
                .env("SUPERVISOR_QUICK_TIMEOUT", "1")
                .run();
            assert_ne!(out.status, 0, "{what}\n{out}");
            assert_hidden(&out, SECRET, &what);
            // No terminal: no warning about -p either (stock's output, byte for byte).
            assert!(!out.stderr.contains("warning"), "{what}\n{out}");
        }
        // The shell, fed lines (the 401 server's questions answered with another password).
        let input = if url == &urls[0] {
            format!("user\nOther-{SECRET}\nstatus\nuser\nOther-{SECRET}\nversion\n")
        } else {
            "status\nversion\n".to_string()
        };
        let out = Invocation::ours()
            .opts(["-c", conf.to_str().unwrap_or_default()])
            .stdin(input)
            .env("SUPERVISOR_QUICK_TIMEOUT", "1")
            .run();
        assert_hidden(&out, SECRET, &format!("{url} shell"));
        assert_eq!(out.status, 0, "{url} shell\n{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_password_in_the_server_url_is_masked() {
    let dir = support::unique_temp_dir("cred");
    let (urls, _fakes) = failing_urls(&dir);
    for url in urls.iter().filter(|u| u.starts_with("http")) {
        let with_password = url.replacen("://", &format!("://user:{SECRET}@"), 1);
        for args in COMMANDS {
            let what = format!("{with_password} {args:?}");
            let out = Invocation::ours()
                .opts(["-c", "", "-s", &with_password])
                .args(*args)
                .env("SUPERVISOR_QUICK_TIMEOUT", "1")
                .run();
            assert_hidden(&out, SECRET, &what);
        }
    }
    // Printed back, the URL keeps all but the password.
    let port = free_port();
    let out = Invocation::ours()
        .opts([
            "-c",
            "",
            "-s",
            &format!("http://user:{SECRET}@127.0.0.1:{port}"),
        ])
        .args(["status"])
        .run();
    assert_eq!(
        out.stdout,
        format!("http://user:***@127.0.0.1:{port} refused connection\n"),
        "{out}"
    );
    assert_eq!(out.status, 4);
    let out = Invocation::ours()
        .opts(["-c", "", "-s", &format!("https://user:{SECRET}@h")])
        .args(["status"])
        .run();
    assert!(
        out.stdout.starts_with(
            "error: <class 'ValueError'>, Unknown protocol for serverurl https://user:***@h: file: "
        ),
        "{out}"
    );
    // A URL the option parser rejects is not echoed whole either.
    let out = Invocation::ours()
        .opts(["-c", "", "-s", &format!("http://user:{SECRET}@[x]")])
        .args(["status"])
        .run();
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with("Error: invalid value for -s 'http://user:***@[x]': "),
        "{out}"
    );
    // `open` in the shell prints it back masked too.
    let out = Invocation::ours()
        .opts(["-c", "", "-s", &format!("http://127.0.0.1:{port}")])
        .stdin(format!("open http://user:{SECRET}@127.0.0.1:{port}\n"))
        .run();
    assert!(
        out.stdout.contains(&format!(
            "http://user:***@127.0.0.1:{port} refused connection"
        )),
        "{out}"
    );
    assert_hidden(&out, SECRET, "open");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_config_file_that_cannot_be_read_does_not_quote_its_password() {
    let dir = support::unique_temp_dir("cred");
    for (body, status) in [
        // Stock prints the value it cannot expand, and the line it cannot parse.
        (format!("[supervisorctl]\npassword={SECRET}%z\n"), 2),
        (
            format!("[supervisorctl]\npassword=%(ENV_NO_SUCH)s{SECRET}\n"),
            2,
        ),
        (format!("[supervisorctl]\npassword {SECRET}\n"), 1),
        (format!("Password={SECRET}\n[supervisorctl]\n"), 1),
    ] {
        let conf = write_conf(&dir, "bad.conf", &body);
        let out = Invocation::ours()
            .opts(["-c", conf.to_str().unwrap_or_default()])
            .args(["status"])
            .run();
        assert_eq!(out.status, status, "{body}\n{out}");
        assert!(!out.stderr.is_empty(), "{body}\n{out}");
        assert_hidden(&out, SECRET, &body);
    }
    // Other values are still quoted as stock quotes them.
    let conf = write_conf(&dir, "bad.conf", "[supervisorctl]\nprompt=50%\n");
    let out = Invocation::ours()
        .opts(["-c", conf.to_str().unwrap_or_default()])
        .args(["status"])
        .run();
    assert!(
        out.stderr
            .contains("Format string '50%' for 'supervisorctl.prompt' is badly formatted"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the process list --------------------------------------------------------------------------

/// `/proc/PID/cmdline` of a run of ours with these options, read while it waits on a server
/// that never answers.
fn cmdline_while_running(opts: &[&str]) -> String {
    let fake = FakeServer::unix(|_| Reply::Hang);
    let mut child = Command::new(ours_exe())
        .args(opts)
        .args(["-s", &fake.url(), "status"])
        .env("SUPERVISOR_QUICK_TIMEOUT", "3")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    thread::sleep(Duration::from_millis(300));
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    String::from_utf8_lossy(&cmdline).replace('\0', " ")
}

#[test]
fn the_process_list_shows_a_dash_p_password_but_never_one_from_the_config() {
    let dir = support::unique_temp_dir("cred");
    let conf = write_conf(
        &dir,
        "c.conf",
        &format!("[supervisorctl]\nusername=user\npassword={SECRET}\n"),
    );
    let shown = cmdline_while_running(&["-c", conf.to_str().unwrap_or_default()]);
    assert!(
        shown.contains("status") && !shown.contains(SECRET),
        "{shown}"
    );
    // With -p the kernel shows it to every user: why a terminal gets a warning (next test).
    let shown = cmdline_while_running(&["-c", "", "-u", "user", "-p", SECRET]);
    assert!(shown.contains(SECRET), "{shown}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- at a terminal -----------------------------------------------------------------------------

/// A tmux server of its own running one command in a 200x50 pane; when it ends, the pane shows
/// `__EXIT__ <status>`. Dropping it kills the tmux server.
struct Tmux {
    socket: PathBuf,
}

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Tmux {
    fn run(dir: &Path, argv: &[String]) -> Tmux {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let socket = dir.join(format!(
            "tmux-{}.sock",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let cmd: Vec<String> = argv.iter().map(|a| single_quote(a)).collect();
        let script = format!(
            "cd {d} && env HOME={d} LANG=C.UTF-8 LC_ALL=C.UTF-8 SUPERVISOR_QUICK_TIMEOUT=5 {}; echo __EXIT__ $?; sleep 3600",
            cmd.join(" "),
            d = single_quote(&dir.display().to_string()),
        );
        let t = Tmux { socket };
        let out = t
            .tmux()
            .args([
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "200",
                "-y",
                "50",
                &script,
            ])
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux (these tests need it): {e}"));
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .stdin(Stdio::null());
        c
    }

    fn type_line(&self, text: &str) {
        let ok = self
            .tmux()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .is_ok_and(|s| s.success())
            && self
                .tmux()
                .args(["send-keys", "-t", "t", "Enter"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(ok, "tmux send-keys");
    }

    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "t", "-S", "-"])
            .output()
            .expect("capture-pane");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let end = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        lines[..end].join("\n")
    }

    #[track_caller]
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{s}\n[end]"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    #[track_caller]
    fn wait_exit(&self) -> (i32, String) {
        let s = self.wait_for("the end", |s| s.lines().any(|l| l.starts_with("__EXIT__ ")));
        let code = s
            .lines()
            .find_map(|l| l.strip_prefix("__EXIT__ "))
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(-1);
        (code, s)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .arg("kill-server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_file(&self.socket);
    }
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("").trim_end()
}

fn protected_server() -> Supervisord {
    Builder::default()
        .programs(PROGRAMS)
        .credentials("user", SECRET)
        .auth_on_unix(true)
        .ctl_credentials(false)
        .start()
}

fn ours_argv(conf: &Path, args: &[&str]) -> Vec<String> {
    let mut v = vec![
        ours_exe().display().to_string(),
        "-c".into(),
        conf.display().to_string(),
    ];
    v.extend(args.iter().map(|a| a.to_string()));
    v
}

#[test]
fn a_username_alone_brings_up_a_password_prompt_at_a_terminal() {
    let sv = protected_server();
    // One-shot: the password is asked for, without echo, and the command goes on.
    let t = Tmux::run(
        sv.dir(),
        &ours_argv(sv.conf_path(), &["-u", "user", "status"]),
    );
    t.wait_for("the password question", |s| last_line(s) == "Password:");
    t.type_line(SECRET);
    let (code, screen) = t.wait_exit();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("Server requires authentication\nPassword:\n"),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("web ") && l.contains("RUNNING")),
        "{screen}"
    );
    assert!(!screen.contains(SECRET), "echoed:\n{screen}");
    // A wrong one: stock's message (the second 401) and exit 1, the password nowhere.
    let t = Tmux::run(
        sv.dir(),
        &ours_argv(sv.conf_path(), &["-u", "user", "status"]),
    );
    t.wait_for("the password question", |s| last_line(s) == "Password:");
    t.type_line("Wrong-password-1");
    let (code, screen) = t.wait_exit();
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>"), "{screen}");
    assert!(!screen.contains("Wrong-password-1"), "{screen}");
}

#[test]
fn the_password_typed_in_the_shell_stays_out_of_its_history() {
    let sv = protected_server();
    let history = sv.dir().join("history");
    let text = std::fs::read_to_string(sv.conf_path()).expect("conf");
    let conf = sv.dir().join("with-history.conf");
    std::fs::write(
        &conf,
        text.replacen(
            "[supervisorctl]\n",
            &format!("[supervisorctl]\nhistory_file={}\n", history.display()),
            1,
        ),
    )
    .expect("write conf");
    let t = Tmux::run(sv.dir(), &ours_argv(&conf, &["-u", "user"]));
    t.wait_for("the password question", |s| last_line(s) == "Password:");
    t.type_line(SECRET);
    t.wait_for("the first status", |s| {
        s.lines()
            .any(|l| l.starts_with("web ") && l.contains("RUNNING"))
    });
    t.wait_for("a prompt", |s| last_line(s) == "supervisor>");
    t.type_line("version");
    t.wait_for("the version", |s| s.lines().any(|l| l == "4.3.0"));
    t.type_line("exit");
    let (code, screen) = t.wait_exit();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains(SECRET), "{screen}");
    let saved = std::fs::read_to_string(&history).expect("the history file");
    assert_eq!(saved, "version\nexit\n");
}

#[test]
fn dash_p_at_a_terminal_warns_about_the_process_list() {
    let sv = Supervisord::builder()
        .programs(PROGRAMS)
        .credentials("user", SECRET)
        .auth_on_unix(true)
        .start();
    let t = Tmux::run(
        sv.dir(),
        &ours_argv(sv.conf_path(), &["-u", "user", "-p", SECRET, "status"]),
    );
    let (code, screen) = t.wait_exit();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("warning: a password given with -p can be read by other users in the process list; put it in the [supervisorctl] section of the config file instead"), "{screen}");
    // Only the command line itself shows it (as typed), never the output.
    let after: Vec<&str> = screen.lines().collect();
    assert!(after.iter().all(|l| !l.contains(SECRET)), "{screen}");
    // Not on a terminal: nothing added (the next test compares with stock).
    let out = sv.ours_with(&["-u", "user", "-p", SECRET], &["status"], None);
    assert_eq!(out.stderr, "", "{out}");
    assert_eq!(out.status, 0, "{out}");
}

#[test]
fn without_a_terminal_a_username_alone_behaves_as_stock() {
    let sv = protected_server();
    let mask = Mask::default();
    for (opts, args, stdin) in [
        (&["-u", "user"][..], &["status"][..], None),
        (&["-u", "user", "-p", "Wrong-password-1"], &["status"], None),
        (&["-u", "user"], &["quickstart", "web"], None),
        (&["-u", "user"], &["status"], Some("not a terminal\n")),
    ] {
        let stock = sv.stock_with(opts, args, stdin);
        let ours = sv.ours_with(opts, args, stdin);
        if args[0] == "quickstart" {
            // Stock has no quick verbs: the same 401 story as any command.
            assert!(
                ours.stdout.starts_with(
                    "Server requires authentication\nerror: <class 'xmlrpc.client.ProtocolError'>"
                ),
                "{ours}"
            );
            assert_eq!(ours.status, 1);
        } else {
            assert_outputs_same(&format!("{opts:?} {args:?}"), &stock, &ours, &mask);
        }
        assert!(!ours.stdout.contains("Password:"), "{ours}");
        assert_hidden(&ours, SECRET, "no terminal");
        assert_hidden(&ours, "Wrong-password-1", "no terminal");
    }
}
