//! Completion scripts and the man page (committed == generated; bash's completion on a real
//! server), colour (`--color`, `NO_COLOR`, a terminal) and JSON output (`status --json`, the
//! quick verbs' `--json`).
//!
//! After changing the command line, the registry or the hooks, regenerate the committed files:
//!     SUPERVISOR_QUICK_BLESS=1 cargo test --test completions generated

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::proc::{Finished, code_of, run_captured};
use support::{Mask, Output, Supervisord, assert_outputs_same, assert_same, ours_exe};

const PROGRAMS: &str = "\
[program:app]
command=sleep 100000
process_name=app_%(process_num)02d
numprocs=3
startsecs=0

[program:web]
command=sleep 100000
startsecs=0

[program:idle]
command=sleep 100000
autostart=false
startsecs=0

[program:crash]
command=sh -c 'exit 3'
startsecs=1
startretries=0
";

const KINDS: &[(&str, &str)] = &[
    ("bash", "completions/supervisor-quick.bash"),
    ("zsh", "completions/_supervisor-quick"),
    ("fish", "completions/supervisor-quick.fish"),
    ("elvish", "completions/supervisor-quick.elv"),
    ("powershell", "completions/_supervisor-quick.ps1"),
];

const MAN: (&str, &str) = ("man", "man/supervisor-quick.1");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs a command with a hard timeout.
#[track_caller]
fn run(cmd: &mut Command, timeout: Duration) -> Output {
    match run_captured(cmd, None, timeout) {
        Finished::Done(r) => Output {
            stdout: String::from_utf8_lossy(&r.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&r.stderr).into_owned(),
            status: code_of(r.status),
        },
        Finished::TimedOut { .. } => panic!("{cmd:?} did not finish within {timeout:?}"),
    }
}

/// `supervisor-quick --generate KIND`.
fn generated(kind: &str) -> String {
    let out = run(
        Command::new(ours_exe()).args(["--generate", kind]),
        Duration::from_secs(30),
    );
    assert_eq!(out.status, 0, "--generate {kind}\n{out}");
    assert_eq!(out.stderr, "", "--generate {kind}");
    out.stdout
}

/// Compares a committed file with what the binary generates; with SUPERVISOR_QUICK_BLESS set,
/// writes the generated text instead.
fn check_committed(kind: &str, path: &str) -> Option<String> {
    let want = generated(kind);
    let file = repo(path);
    if std::env::var_os("SUPERVISOR_QUICK_BLESS").is_some() {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&file, &want).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        return None;
    }
    let have = std::fs::read_to_string(&file).unwrap_or_default();
    (have != want).then(|| {
        format!(
            "{path} differs from `supervisor-quick --generate {kind}`:\n{}",
            support::mask::diff(&have, &want)
        )
    })
}

const REGENERATE: &str = "regenerate with: SUPERVISOR_QUICK_BLESS=1 cargo test --test completions generated \
                          (or `supervisor-quick --generate KIND > FILE` for each file)";

#[test]
fn generated_completion_scripts_are_committed() {
    let stale: Vec<String> = KINDS
        .iter()
        .filter_map(|(kind, path)| check_committed(kind, path))
        .collect();
    assert!(stale.is_empty(), "{}\n{REGENERATE}", stale.join("\n"));
}

#[test]
fn generated_man_page_is_committed() {
    if let Some(why) = check_committed(MAN.0, MAN.1) {
        panic!("{why}\n{REGENERATE}");
    }
    let page = generated("man");
    for needle in [
        ".SH \"EXIT STATUS\"",
        ".SH \"JSON OUTPUT\"",
        ".SH CONFIGURATION",
        ".SH EXAMPLES",
        "\\-\\-batch",
        "\\-\\-timeout",
    ] {
        assert!(page.contains(needle), "the man page lacks {needle}");
    }
}

#[test]
fn every_script_says_how_to_complete_an_aliased_supervisorctl() {
    for (kind, _) in KINDS {
        let script = generated(kind);
        let says = script
            .lines()
            .any(|l| l.contains("alias") && l.contains("supervisorctl"));
        assert!(
            says,
            "{kind} does not say how to complete an aliased supervisorctl"
        );
        assert!(
            script.contains("--complete"),
            "{kind} does not ask for live names"
        );
    }
}

/// COMP_WORDS as bash makes them: split at blanks, and at `:` and `=` (COMP_WORDBREAKS), each
/// of which is a word of its own. An empty last word when the line ends in a blank.
fn comp_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    for token in line.split_whitespace() {
        let mut cur = String::new();
        for c in token.chars() {
            if c == ':' || c == '=' {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                words.push(c.to_string());
            } else {
                cur.push(c);
            }
        }
        if !cur.is_empty() {
            words.push(cur);
        }
    }
    if line.ends_with(' ') || words.is_empty() {
        words.push(String::new());
    }
    words
}

/// Runs the completion function for `line` (cursor at its end) in a bash that sourced the
/// committed script, after `setup`; returns COMPREPLY.
fn bash_complete(line: &str, setup: &str, path: &str) -> Vec<String> {
    let script = "
        set -u
        source \"$SCRIPT\"
        eval \"$SETUP\"
        COMP_LINE=$LINE
        COMP_POINT=${#COMP_LINE}
        mapfile -t COMP_WORDS <<< \"$WORDS\"
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        fn=$(complete -p \"${COMP_WORDS[0]##*/}\" | sed -e 's/.* -F \\([^ ]*\\) .*/\\1/')
        prev=
        if (( COMP_CWORD > 0 )); then prev=${COMP_WORDS[COMP_CWORD-1]}; fi
        \"$fn\" \"${COMP_WORDS[0]}\" \"${COMP_WORDS[COMP_CWORD]}\" \"$prev\"
        printf '%s\\n' \"${COMPREPLY[@]}\"
    ";
    let words = comp_words(line).join("\n");
    let out = run(
        Command::new("bash")
            .args(["--norc", "--noprofile", "-c", script])
            .env("SCRIPT", repo(KINDS[0].1))
            .env("SETUP", setup)
            .env("LINE", line)
            .env("WORDS", words)
            .env("PATH", path)
            .env_remove("SUPERVISOR_QUICK_BIN"),
        Duration::from_secs(30),
    );
    assert_eq!(out.status, 0, "{line}\n{out}");
    out.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn default_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())
}

#[test]
fn bash_completes_live_names_on_a_real_server() {
    let sv = Supervisord::start(PROGRAMS);
    let exe = ours_exe();
    let conf = sv.conf_path().display().to_string();
    let line = |rest: &str| format!("{} -c {conf} {rest}", exe.display());
    let complete = |rest: &str| bash_complete(&line(rest), "", &default_path());

    // Groups first, then their members; `group:` rather than the glob `group:*`.
    let got = complete("quickrestart ap");
    assert_eq!(got, ["app:", "app:app_00", "app:app_01", "app:app_02"]);
    // Bash splits at ':' and replaces only what follows it.
    assert_eq!(
        complete("quickrestart app:app_0"),
        ["app_00", "app_01", "app_02"]
    );
    // Everything, with `all`, for restart; stopped ones (and `all`) for start; running for stop.
    let all = complete("quickrestart ");
    for name in ["app:", "app:app_00", "web", "idle", "crash", "all"] {
        assert!(all.contains(&name.to_owned()), "{name} not in {all:?}");
    }
    assert_eq!(complete("quickstart "), ["crash", "idle", "all"]);
    assert_eq!(complete("stop w"), ["web"]);
    // Names already given are not offered again; options of the action are skipped.
    assert_eq!(
        complete("quickstop --batch 2 app:app_00 app:"),
        ["app_01", "app_02"]
    );
    // Other kinds of arguments, from the same rules as the interactive shell's Tab.
    assert_eq!(complete("signal HU"), ["HUP"]);
    assert_eq!(complete("tail web std"), ["stdout", "stderr"]);
    // Options and the action itself come from the generated part.
    assert_eq!(complete("quicks"), ["quickstart", "quickstop"]);
    assert_eq!(
        complete("quickstart --"),
        ["--batch", "--timeout", "--json"]
    );
    let global = bash_complete(&format!("{} --co", exe.display()), "", &default_path());
    assert_eq!(global, ["--configuration", "--color"]);

    // The round trip the scripts make, timed: the answer comes well within 100 ms on a quiet
    // machine (printed for the record; the bound asserted leaves room for a busy one).
    let started = Instant::now();
    let out = run(
        Command::new(&exe).args(["--complete", "bash", "-c", &conf, "quickrestart", "ap"]),
        Duration::from_secs(30),
    );
    let took = started.elapsed();
    eprintln!("--complete round trip: {took:?}");
    assert_eq!(
        out.stdout, "app:\napp:app_00\napp:app_01\napp:app_02\n",
        "{out}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn bash_completes_an_aliased_supervisorctl_without_running_it() {
    let sv = Supervisord::start(PROGRAMS);
    // A `supervisorctl` on PATH that leaves a mark if anything runs it.
    let fake = support::unique_temp_dir("fakectl");
    let mark = fake.join("ran");
    let ctl = fake.join("supervisorctl");
    std::fs::write(&ctl, format!("#!/bin/sh\ntouch {}\n", mark.display())).unwrap();
    std::fs::set_permissions(&ctl, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let bin_dir = ours_exe().parent().unwrap().display().to_string();
    let path = format!("{}:{bin_dir}:{}", fake.display(), default_path());
    let setup =
        "complete -F _supervisor_quick_live -o nosort -o bashdefault -o default supervisorctl";
    let conf = sv.conf_path().display().to_string();
    let got = bash_complete(&format!("supervisorctl -c {conf} restart ap"), setup, &path);
    assert_eq!(got, ["app:", "app:app_00", "app:app_01", "app:app_02"]);
    assert!(!mark.exists(), "completion ran supervisorctl");
    let _ = std::fs::remove_dir_all(&fake);
}

#[test]
fn completion_is_quick_and_empty_when_the_server_does_not_answer() {
    let dir = support::unique_temp_dir("deaf");
    // A socket that accepts connections (into its backlog) and never answers.
    let sock = dir.join("deaf.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    for url in [
        format!("unix://{}", sock.display()),
        format!("unix://{}", dir.join("none.sock").display()),
    ] {
        let conf = dir.join("c.conf");
        std::fs::write(&conf, format!("[supervisorctl]\nserverurl={url}\n")).unwrap();
        let started = Instant::now();
        let out = run(
            Command::new(ours_exe()).args([
                "--complete",
                "bash",
                "-c",
                &conf.display().to_string(),
                "stop",
                "",
            ]),
            Duration::from_secs(30),
        );
        let took = started.elapsed();
        assert_eq!((out.status, out.stdout.as_str()), (0, ""), "{url}\n{out}");
        assert!(took < Duration::from_secs(3), "{url}: {took:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- colour -------------------------------------------------------------------------------

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Our binary on a terminal (util-linux `script` gives it a pty), with `env` set.
fn on_terminal(sv: &Supervisord, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut line = format!(
        "'{}' -c '{}'",
        ours_exe().display(),
        sv.conf_path().display()
    );
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run(&mut cmd, Duration::from_secs(60));
    out.stdout.replace("\r\n", "\n")
}

#[test]
fn status_is_coloured_only_when_asked_or_on_a_terminal() {
    let sv = Supervisord::start(PROGRAMS);
    // Without a terminal: byte for byte stock, with and without --color never.
    assert_same(&sv, &["status"]);
    let stock = sv.stock(&["status"]);
    let never = sv.ours_with(&["--color", "never"], &["status"], None);
    assert_outputs_same("--color never status", &stock, &never, &Mask::default());
    let auto = sv.ours_with(&["--color=auto"], &["status"], None);
    assert!(!auto.stdout.contains('\x1b'), "{auto}");

    // --color always: only the state word is painted; the columns do not move.
    let always = sv.ours_with(&["--color", "always"], &["status"], None);
    assert_eq!(always.status, stock.status);
    assert!(
        always.stdout.contains(&format!(
            "web                              {GREEN}RUNNING{RESET}   pid "
        )),
        "{always}"
    );
    assert!(
        always.stdout.contains(&format!(
            "crash                            {RED}FATAL{RESET}     "
        )),
        "{always}"
    );
    assert!(
        always.stdout.contains(&format!(
            "idle                             {DIM}STOPPED{RESET}   Not started"
        )),
        "{always}"
    );
    let plain = sv.ours_with(&["--color", "never"], &["status"], None);
    assert_eq!(
        support::normalize(&strip_ansi(&always.stdout), &Mask::default()),
        support::normalize(&plain.stdout, &Mask::default())
    );

    // On a terminal: colour by default, none with NO_COLOR or --color never, unless --color always.
    let tty = on_terminal(&sv, &["status", "web"], &[]);
    assert!(tty.contains(&format!("{GREEN}RUNNING{RESET}")), "{tty:?}");
    let tty = on_terminal(&sv, &["status", "web"], &[("NO_COLOR", "1")]);
    assert!(
        tty.contains("web                              RUNNING   pid "),
        "{tty:?}"
    );
    assert!(!tty.contains('\x1b'), "{tty:?}");
    let tty = on_terminal(&sv, &["--color", "never", "status", "web"], &[]);
    assert!(!tty.contains('\x1b'), "{tty:?}");
    let tty = on_terminal(
        &sv,
        &["--color", "always", "status", "web"],
        &[("NO_COLOR", "1")],
    );
    assert!(tty.contains(&format!("{GREEN}RUNNING{RESET}")), "{tty:?}");
}

#[test]
fn quick_verb_results_are_coloured_when_asked() {
    let sv = Supervisord::start(PROGRAMS);
    let out = sv.ours_with(&["--color", "always"], &["quickstart", "idle", "web"], None);
    assert_eq!(out.status, 0, "{out}");
    assert_eq!(
        out.stdout,
        format!("idle: {GREEN}started{RESET}\nweb: {YELLOW}ERROR (already started){RESET}\n"),
        "{out}"
    );
    let out = sv.ours_with(&["--color", "always"], &["quickstop", "idle"], None);
    assert_eq!(out.stdout, format!("idle: {DIM}stopped{RESET}\n"), "{out}");
    let out = sv.ours_with(&["--color", "always"], &["quickstart", "crash"], None);
    assert_eq!(out.status, 7, "{out}");
    assert!(
        out.stdout.starts_with(&format!("crash: {RED}ERROR (")),
        "{out}"
    );
    // Without a terminal and without --color: stock's words, no escapes.
    let out = sv.ours(&["quickstart", "web"]);
    assert_eq!(out.stdout, "web: ERROR (already started)\n", "{out}");
}

#[test]
fn stock_option_abbreviations_still_mean_what_they_meant() {
    let sv = Supervisord::start(PROGRAMS);
    // `--c` and `--co` were `--configuration` in stock, and still are with `--color` around.
    let conf = sv.conf_path().display().to_string();
    for spelling in ["--c", "--co", "--conf"] {
        let stock = support::Invocation::stock(sv.version())
            .cwd(sv.dir())
            .args([spelling, &conf, "status", "web"])
            .run();
        let ours = support::Invocation::ours()
            .cwd(sv.dir())
            .args([spelling, &conf, "status", "web"])
            .run();
        assert_outputs_same(spelling, &stock, &ours, &Mask::default());
    }
}

// ---- JSON ---------------------------------------------------------------------------------

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{out}"))
}

#[test]
fn status_json_describes_running_stopped_and_fatal_processes() {
    let sv = Supervisord::start(PROGRAMS);
    let plain = sv.ours(&["status"]);
    let out = sv.ours(&["status", "--json"]);
    assert_eq!(out.status, plain.status, "{out}");
    assert_eq!(out.status, 3, "a stopped process makes status exit 3");
    let doc = json(&out);
    let rows = doc.as_array().expect("an array");
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "app:app_00",
            "app:app_01",
            "app:app_02",
            "crash",
            "idle",
            "web"
        ]
    );
    let row = |n: &str| {
        rows.iter()
            .find(|r| r["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };

    let web = row("web");
    assert_eq!(
        (
            web["group"].as_str(),
            web["process"].as_str(),
            web["state"].as_str()
        ),
        (Some("web"), Some("web"), Some("RUNNING"))
    );
    let pid = web["pid"].as_i64().expect("a pid");
    assert_eq!(
        sv.processes()
            .iter()
            .find(|p| p.name == "web")
            .map(|p| i64::from(p.pid)),
        Some(pid)
    );
    assert!(
        web["uptime"]
            .as_i64()
            .is_some_and(|u| (0..600).contains(&u)),
        "{web}"
    );
    assert!(
        web["description"]
            .as_str()
            .is_some_and(|d| d.starts_with(&format!("pid {pid}, uptime "))),
        "{web}"
    );
    assert!(web["error"].is_null() && web["spawnerr"].is_null(), "{web}");

    let app = row("app:app_01");
    assert_eq!(
        (app["group"].as_str(), app["process"].as_str()),
        (Some("app"), Some("app_01"))
    );

    let idle = row("idle");
    assert_eq!(idle["state"], "STOPPED");
    assert!(idle["pid"].is_null() && idle["uptime"].is_null(), "{idle}");
    assert_eq!(idle["description"], "Not started");

    let crash = row("crash");
    assert_eq!(crash["state"], "FATAL");
    assert!(
        crash["pid"].is_null() && crash["uptime"].is_null(),
        "{crash}"
    );
    assert_eq!(
        crash["spawnerr"],
        "Exited too quickly (process log may have details)"
    );
    assert!(crash["exitstatus"].is_i64(), "{crash}");

    // Names, the flag anywhere; a bad name is an entry with its error, and exit 4 as plain.
    let out = sv.ours(&["status", "web", "--json", "nosuch", "nogroup:"]);
    assert_eq!(
        out.status,
        sv.stock(&["status", "web", "nosuch", "nogroup:"]).status,
        "{out}"
    );
    let doc = json(&out);
    let rows = doc.as_array().expect("an array");
    assert_eq!(rows.len(), 3, "{out}");
    assert_eq!(
        (rows[0]["name"].as_str(), rows[0]["error"].as_str()),
        (Some("nosuch"), Some("no such process"))
    );
    assert_eq!(
        (rows[1]["name"].as_str(), rows[1]["error"].as_str()),
        (Some("nogroup"), Some("no such group"))
    );
    assert!(rows[0]["state"].is_null());
    assert_eq!(rows[2]["name"], "web");
}

#[test]
fn quick_verb_json_reports_each_result_and_a_failure() {
    let sv = Supervisord::start(PROGRAMS);
    let out = sv.ours(&["quickstart", "--json", "idle", "crash", "web"]);
    assert_eq!(
        out.status, 7,
        "a spawn error exits 7, as without --json\n{out}"
    );
    let doc = json(&out);
    assert_eq!(doc["verb"], "quickstart");
    assert_eq!(doc["ok"], false);
    assert!(
        doc["elapsed"]
            .as_f64()
            .is_some_and(|e| (0.0..60.0).contains(&e)),
        "{doc}"
    );
    assert_eq!(doc["errors"], serde_json::json!([]));
    let results = doc["results"].as_array().expect("results");
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["crash", "idle", "web"], "status order");

    let crash = &results[0];
    assert_eq!(
        (crash["group"].as_str(), crash["process"].as_str()),
        (Some("crash"), Some("crash"))
    );
    assert_eq!(crash["result"], "failed");
    assert!(
        matches!(
            crash["error"].as_str(),
            Some("spawn error" | "abnormal termination")
        ),
        "{crash}"
    );
    assert!(crash["pid"].is_null(), "{crash}");

    let idle = &results[1];
    assert_eq!(
        (idle["result"].as_str(), idle["state"].as_str()),
        (Some("started"), Some("RUNNING"))
    );
    assert!(
        idle["pid"].as_i64().is_some_and(|p| p > 0) && idle["error"].is_null(),
        "{idle}"
    );

    let web = &results[2];
    assert_eq!(web["result"], "already started");
    assert!(web["error"].is_null(), "{web}");

    // All reached: ok, exit 0.
    let out = sv.ours(&["quickstop", "--json", "app:"]);
    assert_eq!(out.status, 0, "{out}");
    let doc = json(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["results"].as_array().map(Vec::len), Some(3));
    assert!(
        doc["results"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["result"] == "stopped"),
        "{doc}"
    );

    // A pattern that matches nothing: nothing is done, and the document says why.
    let out = sv.ours(&["quickstart", "--json", "nosuch"]);
    assert_eq!(out.status, 1, "{out}");
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["results"], serde_json::json!([]));
    assert_eq!(doc["errors"][0], "nosuch: ERROR (no such process)");
}
