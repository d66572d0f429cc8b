//! The interactive shell, driven in a real pseudo-terminal (tmux) against a real supervisord:
//! completion, output, history, Ctrl-C, Ctrl-D and exit; the piped-stdin shell against stock's;
//! and pass-through RPC calls in one-shot mode and in the shell.
//!
//! Every test has a tmux server of its own (`tmux -S <socket in its dir>`), polls the screen with a
//! deadline rather than sleeping, and leaves nothing running behind.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::{Builder, Mask, Supervisord, assert_outputs_same, ours_exe, send_signal};

/// How long to wait for the screen to show something (generous: the machine may be loaded).
const DEADLINE: Duration = Duration::from_secs(30);
const SETTLE: Duration = Duration::from_secs(30);

const PROGRAMS: &str = r#"
[program:web]
command=/bin/sh -c "while true; do echo tick; sleep 0.2; done"
startsecs=0
stopasgroup=true
killasgroup=true

[program:cat]
command=/bin/cat
startsecs=0

[program:slow]
command=/bin/sleep 100000
startsecs=120
autostart=false

[group:app]
programs=a1,a2

[program:a1]
command=/bin/sleep 100000
autostart=false
startsecs=0

[program:a2]
command=/bin/sleep 100000
autostart=false
startsecs=0
"#;

fn start_server() -> Supervisord {
    Supervisord::start(PROGRAMS)
}

// ---- a shell in tmux ---------------------------------------------------------------------------

/// A tmux server of its own running one `supervisor-quick` shell. When the shell ends, the pane
/// shows `__EXIT__ <status>`. Dropping it kills the tmux server.
struct Tmux {
    socket: PathBuf,
}

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Tmux {
    /// `supervisor-quick -c <conf> <args>` in a 200x50 pane, cwd and HOME the server's dir.
    fn shell(sv: &Supervisord, conf: &Path, args: &[&str]) -> Tmux {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // A socket in the test's own directory: a tmux server of its own, removed with it.
        let socket = sv.dir().join(format!(
            "tmux-{}.sock",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let mut argv = vec![
            ours_exe().display().to_string(),
            "-c".into(),
            conf.display().to_string(),
        ];
        argv.extend(args.iter().map(|a| a.to_string()));
        let cmdline: Vec<String> = argv.iter().map(|a| single_quote(a)).collect();
        let script = format!(
            "cd {dir} && env -u NO_COLOR HOME={dir} LANG=C.UTF-8 LC_ALL=C.UTF-8 {cmd}; echo __EXIT__ $?; sleep 3600",
            dir = single_quote(&sv.dir().display().to_string()),
            cmd = cmdline.join(" "),
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
            .unwrap_or_else(|e| panic!("cannot run tmux (it is needed by these tests): {e}"));
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
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

    /// Key names (`Tab`, `Enter`, `C-c`, `Up`, ...).
    fn keys(&self, keys: &[&str]) {
        let out = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .output()
            .expect("tmux send-keys");
        assert!(
            out.status.success(),
            "send-keys {keys:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Literal text.
    fn type_text(&self, text: &str) {
        let out = self
            .tmux()
            .args(["send-keys", "-t", "t", "-l", text])
            .output()
            .expect("tmux send-keys");
        assert!(
            out.status.success(),
            "send-keys -l {text:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A line typed and submitted.
    fn line(&self, text: &str) {
        self.type_text(text);
        self.keys(&["Enter"]);
    }

    /// The pane, scrollback included, trailing blanks trimmed.
    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "t", "-S", "-"])
            .output()
            .expect("tmux capture-pane");
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let end = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        lines[..end].join("\n")
    }

    /// Polls the screen until `pred` holds; panics with the screen after the deadline.
    #[track_caller]
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_for_within(what, DEADLINE, pred)
    }

    #[track_caller]
    fn wait_for_within(&self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {limit:?} waiting for {what}; the screen:\n{s}\n[end of screen]"
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for an empty prompt on the last line.
    #[track_caller]
    fn wait_prompt(&self) -> String {
        self.wait_for("an empty prompt", |s| last_line(s) == "supervisor>")
    }

    /// Waits until `n` prompts have been shown (the shell has come back `n` times).
    #[track_caller]
    fn wait_prompts(&self, n: usize) -> String {
        self.wait_for(&format!("{n} prompts"), |s| {
            prompts(s) >= n && last_line(s) == "supervisor>"
        })
    }

    /// Presses Tab until the screen satisfies `pred` (the names come from a cache that is
    /// filled in the background, so the first press may find it still empty: the menu then
    /// says so, and Esc closes it before the next try).
    #[track_caller]
    fn tab_until(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.keys(&["Tab"]);
            let round = Instant::now() + Duration::from_secs(1);
            while Instant::now() < round {
                let s = self.screen();
                if pred(&s) {
                    return s;
                }
                thread::sleep(Duration::from_millis(50));
            }
            if Instant::now() >= deadline {
                panic!(
                    "Tab never gave {what}; the screen:\n{}\n[end of screen]",
                    self.screen()
                );
            }
            if self.screen().contains("NO RECORDS FOUND") {
                self.keys(&["Escape"]);
                self.wait_for("the empty menu to close", |s| {
                    !s.contains("NO RECORDS FOUND")
                });
            }
        }
    }

    /// Waits for the shell to end; returns its exit status.
    #[track_caller]
    fn wait_exit(&self) -> i32 {
        let s = self.wait_for("the shell to exit", |s| {
            s.lines().any(|l| l.starts_with("__EXIT__ "))
        });
        let line = s
            .lines()
            .find(|l| l.starts_with("__EXIT__ "))
            .unwrap_or_default();
        line["__EXIT__ ".len()..].trim().parse().unwrap_or(-1)
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

fn prompts(s: &str) -> usize {
    s.lines().filter(|l| l.starts_with("supervisor>")).count()
}

/// Whether some line that is not a prompt line has all these words.
fn menu_has(s: &str, words: &[&str]) -> bool {
    s.lines().any(|l| {
        !l.starts_with("supervisor>") && words.iter().all(|w| l.split_whitespace().any(|x| x == *w))
    })
}

/// The lines after the last prompt line that shows `cmd`.
fn output_of<'a>(s: &'a str, cmd: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = s.lines().collect();
    let prompt = format!("supervisor> {cmd}");
    let Some(i) = lines.iter().rposition(|l| *l == prompt) else {
        return Vec::new();
    };
    lines[i + 1..]
        .iter()
        .take_while(|l| !l.starts_with("supervisor>"))
        .copied()
        .collect()
}

/// A copy of the server's config with `history_file=` in `[supervisorctl]`.
fn conf_with_history(sv: &Supervisord, history: &Path) -> PathBuf {
    let text = std::fs::read_to_string(sv.conf_path()).expect("read conf");
    assert!(text.contains("[supervisorctl]\n"));
    let text = text.replacen(
        "[supervisorctl]\n",
        &format!("[supervisorctl]\nhistory_file={}\n", history.display()),
        1,
    );
    let path = sv.dir().join("ctl-history.conf");
    std::fs::write(&path, text).expect("write conf");
    path
}

/// Resumes a stopped supervisord even when the test fails.
struct Resume(u32);

impl Drop for Resume {
    fn drop(&mut self) {
        send_signal(self.0, "CONT");
    }
}

// ---- completion --------------------------------------------------------------------------------

#[test]
fn tab_completes_verbs_process_names_signals_and_methods() {
    let sv = start_server();
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    t.wait_prompt();

    // A partial verb: both candidates are offered.
    t.type_text("sta");
    t.tab_until("start and status", |s| menu_has(s, &["start", "status"]));
    t.keys(&["C-c"]);
    t.wait_prompts(2);

    // A partial process name: the group's prefix is filled in, its stopped members offered.
    t.type_text("start ap");
    let s = t.tab_until("the app: names", |s| {
        menu_has(s, &["app:a1", "app:*", "app:a2"])
    });
    assert!(
        s.lines().any(|l| l == "supervisor> start app:"),
        "the common prefix is filled in:\n{s}"
    );
    t.keys(&["C-c"]);
    t.wait_prompts(3);

    // A lone candidate is taken at once: a quick verb, a signal name, a channel, a method.
    t.type_text("quicksta");
    t.tab_until("quickstart", |s| last_line(s) == "supervisor> quickstart");
    t.keys(&["C-c"]);
    t.wait_prompts(4);
    t.type_text("signal HU");
    t.tab_until("HUP", |s| last_line(s) == "supervisor> signal HUP");
    t.keys(&["C-c"]);
    t.wait_prompts(5);
    t.type_text("tail web stde");
    t.tab_until("stderr", |s| last_line(s) == "supervisor> tail web stderr");
    t.keys(&["C-c"]);
    t.wait_prompts(6);
    t.type_text("supervisor.getSt");
    t.tab_until("supervisor.getState", |s| {
        last_line(s) == "supervisor> supervisor.getState"
    });
    t.keys(&["Enter"]);
    let s = t.wait_prompts(7);
    assert_eq!(
        output_of(&s, "supervisor.getState"),
        ["statecode: 1", "statename: RUNNING"],
        "{s}"
    );

    // `stop` offers running processes only.
    t.type_text("stop w");
    t.tab_until("web", |s| last_line(s) == "supervisor> stop web");
    t.keys(&["C-c"]);
    t.wait_prompts(8);

    // `add` offers the groups `reread` has just found.
    sv.set_programs(&format!(
        "{PROGRAMS}\n[program:newprog]\ncommand=/bin/sleep 100000\n"
    ));
    t.line("reread");
    let s = t.wait_prompts(9);
    assert_eq!(output_of(&s, "reread"), ["newprog: available"]);
    t.type_text("add ne");
    t.tab_until("newprog", |s| last_line(s) == "supervisor> add newprog");
    t.keys(&["C-c"]);
    t.wait_prompts(10);
    t.line("exit");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn completion_is_instant_when_the_server_hangs_or_is_gone() {
    let sv = start_server();
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    t.wait_prompt();
    // The names are cached once the background refresh has run.
    t.type_text("start ap");
    t.tab_until("the app: names", |s| menu_has(s, &["app:a1", "app:*"]));
    t.keys(&["C-c"]);
    t.wait_prompts(2);

    // A server that accepts connections but never answers: any network wait would be 10 s.
    send_signal(sv.pid(), "STOP");
    let resume = Resume(sv.pid());
    thread::sleep(Duration::from_millis(200));
    t.type_text("restart ap");
    let started = Instant::now();
    t.keys(&["Tab"]);
    t.wait_for_within(
        "the app: names from the cache",
        Duration::from_secs(5),
        |s| last_line(s) != "supervisor> restart ap" && menu_has(s, &["app:a1", "app:*", "app:a2"]),
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    t.keys(&["C-c"]);
    t.wait_prompts(3);
    drop(resume);

    // A server that is gone: stock's message, and the shell goes on.
    sv.stop();
    t.type_text("status we");
    let started = Instant::now();
    t.keys(&["Tab"]);
    t.wait_for_within("web from the cache", Duration::from_secs(5), |s| {
        last_line(s) == "supervisor> status web"
    });
    assert!(started.elapsed() < Duration::from_secs(5));
    t.keys(&["Enter"]);
    let s = t.wait_prompts(4);
    let out = output_of(&s, "status web");
    assert_eq!(out.len(), 1, "{s}");
    let url = sv.unix_url();
    assert!(
        out[0] == format!("{url} refused connection") || out[0] == format!("{url} no such file"),
        "stock's message for a server that is gone:\n{s}"
    );
    t.line("help help");
    let s = t.wait_prompts(5);
    assert_eq!(
        output_of(&s, "help help"),
        [
            "help            Print a list of available actions",
            "help <action>   Print help for <action>"
        ]
    );
    t.keys(&["C-d"]);
    assert_eq!(t.wait_exit(), 0);
}

// ---- commands ----------------------------------------------------------------------------------

#[test]
fn commands_print_what_one_shot_mode_prints() {
    let sv = start_server();
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    // The implicit status comes first, without a prompt.
    let s = t.wait_prompt();
    let first: Vec<&str> = s.lines().collect();
    assert!(
        first[0].starts_with("app:a1 ") && first[0].contains("STOPPED"),
        "{s}"
    );
    assert!(
        s.lines()
            .any(|l| l.starts_with("web ") && l.contains("RUNNING")),
        "{s}"
    );
    assert_eq!(prompts(&s), 1);

    t.line("version");
    let s = t.wait_prompts(2);
    assert_eq!(output_of(&s, "version"), ["4.3.0"]);

    // `help` as stock prints it (tmux shows the tabs as spaces).
    t.line("help");
    let s = t.wait_prompts(3);
    let expected = sv.ours(&["help"]);
    let want: Vec<String> = expected
        .stdout
        .lines()
        .map(|l| l.trim_end().to_owned())
        .collect();
    assert_eq!(output_of(&s, "help"), want);
    assert!(
        want.iter()
            .any(|l| l == "default commands (type help <topic>):")
    );

    t.line("status web");
    let s = t.wait_prompts(4);
    let out = output_of(&s, "status web");
    assert!(
        out.len() == 1 && out[0].starts_with("web ") && out[0].contains("RUNNING"),
        "{s}"
    );

    t.line("bogus");
    let s = t.wait_prompts(5);
    assert_eq!(output_of(&s, "bogus"), ["*** Unknown syntax: bogus"]);

    t.line("start app:*");
    let s = t.wait_prompts(6);
    let mut out = output_of(&s, "start app:*");
    out.sort();
    assert_eq!(out, ["app:a1: started", "app:a2: started"]);

    // Pass-through: a struct, a fault.
    t.line("supervisor.getProcessInfo app:a1");
    let s = t.wait_prompts(7);
    let out = output_of(&s, "supervisor.getProcessInfo app:a1");
    assert!(out.contains(&"name:           a1"), "{s}");
    assert!(out.contains(&"statename:      RUNNING"), "{s}");
    t.line("supervisor.getProcessInfo nosuch");
    let s = t.wait_prompts(8);
    assert_eq!(
        output_of(&s, "supervisor.getProcessInfo nosuch"),
        ["ERROR: BAD_NAME: nosuch (fault 10)"]
    );
    t.line("quit");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn the_shell_reconnects_after_the_server_restarts() {
    let sv = start_server();
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    t.wait_prompt();
    t.line("supervisor.restart");
    let s = t.wait_prompts(2);
    assert_eq!(output_of(&s, "supervisor.restart"), ["True"]);
    // Wait until it is back (it answers SHUTDOWN_STATE, or not at all, meanwhile); then the
    // connection kept from before must not get in the way.
    let deadline = Instant::now() + SETTLE;
    while !sv
        .rpc("supervisor.getState", &[])
        .is_ok_and(|doc| doc.contains("<string>RUNNING</string>"))
    {
        assert!(Instant::now() < deadline, "supervisord did not come back");
        thread::sleep(Duration::from_millis(50));
    }
    sv.wait_for_state("web", "RUNNING", SETTLE);
    t.line("status web");
    let s = t.wait_prompts(3);
    let out = output_of(&s, "status web");
    assert!(
        out.len() == 1 && out[0].starts_with("web ") && out[0].contains("RUNNING"),
        "{s}"
    );
    t.line("exit");
    assert_eq!(t.wait_exit(), 0);
}

// ---- history -----------------------------------------------------------------------------------

#[test]
fn history_is_written_to_the_file_and_read_back() {
    let sv = start_server();
    let history = sv.dir().join("history");
    let conf = conf_with_history(&sv, &history);
    let t = Tmux::shell(&sv, &conf, &[]);
    t.wait_prompt();
    t.line("version");
    t.wait_prompts(2);
    // A line typed with a leading space is not kept.
    t.line(" pid");
    t.wait_prompts(3);
    t.line("status web");
    t.wait_prompts(4);
    t.line("exit");
    assert_eq!(t.wait_exit(), 0);
    let text = std::fs::read_to_string(&history).expect("the history file");
    // The implicit status is not there.
    assert_eq!(text, "version\nstatus web\nexit\n");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&history)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the history file is private: {mode:o}");
    }
    drop(t);

    // A new session reads it: Up recalls the last lines, Ctrl-R finds older ones, and what was
    // typed before is hinted.
    let t = Tmux::shell(&sv, &conf, &[]);
    t.wait_prompt();
    t.keys(&["Up"]);
    t.wait_for("exit recalled", |s| last_line(s) == "supervisor> exit");
    t.keys(&["Up"]);
    t.wait_for("status web recalled", |s| {
        last_line(s) == "supervisor> status web"
    });
    t.keys(&["C-c"]);
    t.wait_prompts(2);
    t.keys(&["C-r"]);
    t.type_text("vers");
    t.wait_for("the reverse search", |s| {
        last_line(s).contains("reverse-search: vers") && last_line(s).ends_with("version")
    });
    t.keys(&["Enter"]);
    t.wait_for("the found line", |s| last_line(s) == "supervisor> version");
    t.keys(&["Enter"]);
    let s = t.wait_prompts(3);
    assert_eq!(output_of(&s, "version"), ["4.3.0"]);
    t.type_text("stat");
    t.wait_for("a hint from history", |s| {
        last_line(s) == "supervisor> status web"
    });
    t.keys(&["C-c"]);
    t.wait_prompts(4);
    t.keys(&["C-d"]);
    assert_eq!(t.wait_exit(), 0);
    let text = std::fs::read_to_string(&history).expect("the history file");
    assert_eq!(text, "version\nstatus web\nexit\nversion\n");
}

#[test]
fn dash_r_names_the_history_file() {
    let sv = start_server();
    let history = sv.dir().join("r-history");
    let h = history.display().to_string();
    let t = Tmux::shell(&sv, sv.conf_path(), &["-r", &h]);
    t.wait_prompt();
    t.line("version");
    t.wait_prompts(2);
    t.keys(&["C-d"]);
    assert_eq!(t.wait_exit(), 0);
    assert_eq!(
        std::fs::read_to_string(&history).expect("the -r history file"),
        "version\n"
    );
}

#[test]
fn credentials_asked_for_never_enter_the_history() {
    let sv = Builder::default()
        .programs(PROGRAMS)
        .credentials("user", "s3cret")
        .auth_on_unix(true)
        .ctl_credentials(false)
        .start();
    let history = sv.dir().join("history");
    let conf = conf_with_history(&sv, &history);
    let t = Tmux::shell(&sv, &conf, &[]);
    t.wait_for("the username question", |s| last_line(s) == "Username:");
    t.line("user");
    t.wait_for("the password question", |s| last_line(s) == "Password:");
    t.line("s3cret");
    let s = t.wait_prompt();
    assert!(s.contains("Server requires authentication"), "{s}");
    assert!(!s.contains("s3cret"), "the password is not echoed:\n{s}");
    assert!(
        s.lines()
            .any(|l| l.starts_with("web ") && l.contains("RUNNING")),
        "{s}"
    );
    // Later commands, and completion, use the credentials given.
    t.type_text("start ap");
    t.tab_until("the app: names", |s| menu_has(s, &["app:a1", "app:*"]));
    t.keys(&["C-c"]);
    t.wait_prompts(2);
    t.line("version");
    let s = t.wait_prompts(3);
    assert_eq!(output_of(&s, "version"), ["4.3.0"]);
    t.line("exit");
    assert_eq!(t.wait_exit(), 0);
    assert_eq!(
        std::fs::read_to_string(&history).expect("history"),
        "version\nexit\n"
    );
}

// ---- Ctrl-C, Ctrl-D, exit ----------------------------------------------------------------------

#[test]
fn ctrl_c_during_a_blocking_command_returns_to_the_prompt() {
    let sv = start_server();
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    t.wait_prompt();
    // `start` waits for startsecs (120 s) before it answers.
    t.line("start slow");
    sv.wait_for_state("slow", "STARTING", SETTLE);
    thread::sleep(Duration::from_millis(200));
    assert_eq!(prompts(&t.screen()), 1, "start is still waiting");
    let pressed = Instant::now();
    t.keys(&["C-c"]);
    t.wait_prompts(2);
    assert!(pressed.elapsed() < Duration::from_secs(10));
    // The shell goes on.
    t.line("version");
    let s = t.wait_prompts(3);
    assert_eq!(output_of(&s, "version"), ["4.3.0"]);
    t.line("exit");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn ctrl_c_during_a_quick_verb_reports_then_returns_to_the_prompt() {
    let sv = start_server();
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    t.wait_prompt();
    t.line("quickstart slow");
    sv.wait_for_state("slow", "STARTING", SETTLE);
    thread::sleep(Duration::from_millis(300));
    t.keys(&["C-c"]);
    let s = t.wait_prompts(2);
    assert_eq!(
        output_of(&s, "quickstart slow"),
        ["slow: ERROR (interrupted, STARTING)"],
        "{s}"
    );
    t.line("version");
    let s = t.wait_prompts(3);
    assert_eq!(output_of(&s, "version"), ["4.3.0"]);
    t.keys(&["C-d"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn ctrl_c_during_tail_f_returns_to_the_prompt() {
    let sv = start_server();
    let probe = sv.ours(&["tail", "web"]);
    if probe.stdout.contains("Unknown syntax") {
        eprintln!("skipped: `tail` is not implemented yet");
        return;
    }
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    t.wait_prompt();
    t.line("tail -f web");
    t.wait_for("the log streaming", |s| {
        s.lines().filter(|l| *l == "tick").count() >= 3
    });
    t.keys(&["C-c"]);
    t.wait_prompts(2);
    t.line("version");
    let s = t.wait_prompts(3);
    assert_eq!(output_of(&s, "version"), ["4.3.0"]);
    t.line("exit");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn ctrl_c_at_the_prompt_clears_the_line_and_ctrl_d_exits() {
    let sv = start_server();
    let t = Tmux::shell(&sv, sv.conf_path(), &[]);
    t.wait_prompt();
    t.type_text("bogus");
    t.wait_for("the typed text", |s| last_line(s) == "supervisor> bogus");
    t.keys(&["C-c"]);
    t.wait_prompts(2);
    t.line("version");
    let s = t.wait_prompts(3);
    assert_eq!(output_of(&s, "version"), ["4.3.0"]);
    assert!(
        !s.contains("Unknown syntax"),
        "the cleared line did not run:\n{s}"
    );
    t.keys(&["C-d"]);
    assert_eq!(t.wait_exit(), 0);
}

// ---- piped standard input ----------------------------------------------------------------------

#[test]
fn piped_stdin_gives_stocks_transcript() {
    let sv = start_server();
    for input in [
        "pid\nbogus\n\nversion\n",
        "status web\nhelp\nquit\nversion\n",
        "",
        "avail\nEOF\n",
    ] {
        let stock = sv.stock_with(&[], &[], Some(input));
        let ours = sv.ours_with(&[], &[], Some(input));
        assert_outputs_same(
            &format!("the shell fed {input:?}"),
            &stock,
            &ours,
            &Mask::default(),
        );
    }
}

// ---- pass-through ------------------------------------------------------------------------------

#[test]
fn pass_through_calls_in_one_shot_mode() {
    let sv = start_server();
    let out = sv.ours(&["supervisor.getState"]);
    assert_eq!(
        (out.stdout.as_str(), out.status),
        ("statecode: 1\nstatename: RUNNING\n", 0),
        "{out}"
    );

    let out = sv.ours(&["system.methodHelp", "supervisor.getState"]);
    assert!(
        out.stdout
            .contains("Return current state of supervisord as a struct"),
        "{out}"
    );
    assert_eq!(out.status, 0);

    // Arrays one item a line.
    let out = sv.ours(&["system.listMethods"]);
    assert!(
        out.stdout.lines().any(|l| l == "supervisor.getState"),
        "{out}"
    );
    assert!(out.stdout.lines().any(|l| l == "system.multicall"), "{out}");

    // Faults: the code and the text, exit 1.
    let out = sv.ours(&["supervisor.getProcessInfo", "nosuch"]);
    assert_eq!(
        (out.stdout.as_str(), out.status),
        ("ERROR: BAD_NAME: nosuch (fault 10)\n", 1),
        "{out}"
    );
    let out = sv.ours(&["twiddler.addProgramToGroup", "g", "p"]);
    assert_eq!(
        (out.stdout.as_str(), out.status),
        ("ERROR: UNKNOWN_METHOD (fault 1)\n", 1),
        "{out}"
    );

    // Each argument is one word (spaces kept), integers go as ints, booleans as booleans.
    let out = sv.ours(&["supervisor.sendProcessStdin", "cat", "hello world\n"]);
    assert_eq!((out.stdout.as_str(), out.status), ("True\n", 0), "{out}");
    let deadline = Instant::now() + DEADLINE;
    loop {
        let out = sv.ours(&["supervisor.readProcessStdoutLog", "cat", "0", "0"]);
        assert_eq!(out.status, 0, "{out}");
        if out.stdout == "hello world\n" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "cat's log never showed the line: {out}"
        );
        thread::sleep(Duration::from_millis(50));
    }
    // An array of structs: blocks separated by a blank line.
    let out = sv.ours(&["supervisor.startProcessGroup", "app"]);
    assert_eq!(out.status, 0, "{out}");
    assert!(out.stdout.contains("\n\n"), "{out}");
    assert!(out.stdout.lines().any(|l| l == "name:        a1"), "{out}");
    assert!(out.stdout.lines().any(|l| l == "description: OK"), "{out}");
    let out = sv.ours(&["supervisor.stopProcess", "app:a1", "false"]);
    assert_eq!((out.stdout.as_str(), out.status), ("True\n", 0), "{out}");
}
