//! `supervisor-quick --complete SHELL WORD...`: the live half of the completion scripts.
//!
//! The scripts hand over the words typed so far (after the program name, the last one being the
//! word at the cursor, possibly empty). This reads the command line as a real run would (the
//! same getopt parser, the same config, `-c`/`-s`/`-u`/`-p` on the line), asks supervisord once,
//! with a short timeout, and prints the candidates for the word at the cursor one per line, by
//! the same rules as the interactive shell's Tab (`shell::completer`).
//!
//! Exit status 0: these are the candidates (possibly none). Exit status 1 ([`NOT_MINE`]): the
//! word is an option or the action itself, which the generated part of the script completes.
//! Nothing is ever run: the words are only read.

use std::ffi::OsString;
use std::time::Duration;

use clap_complete::Shell;

use super::model;
use crate::api::Supervisor;
use crate::cli::{self, CliOutcome};
use crate::commands::registry::{self, Args};
use crate::config;
use crate::shell::cache::{self, Proc, Snapshot};
use crate::shell::completer;
use crate::transport::Transport;

/// The word is not one this answers for; the static completion does.
pub const NOT_MINE: i32 = 1;

/// How long the server may take; a server that is down or slow gets no names, quickly.
const SERVER_TIMEOUT: Duration = Duration::from_millis(500);

/// What the server must be asked for the word at the cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Needs {
    procs: bool,
    configured: bool,
    methods: bool,
}

/// The line after the options, split for completion.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    /// The action's words before the cursor (the action first), the action's own options
    /// (`--json`, `--batch K`) left out.
    before: Vec<String>,
    /// The word at the cursor.
    current: String,
}

/// The entry point: `argv` is the whole command line of this process (`argv[1]` being
/// `--complete`). Returns the exit status.
pub fn main(argv: &[OsString]) -> i32 {
    let progname = argv
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shell = argv
        .get(2)
        .and_then(|s| s.to_str())
        .and_then(|s| s.parse::<Shell>().ok());
    let Some(shell) = shell else {
        eprintln!(
            "supervisor-quick: --complete takes a shell (bash, zsh, fish, elvish, powershell) and the words typed"
        );
        return crate::commands::exit::INVALID_ARGS;
    };
    let words: Vec<String> = argv
        .iter()
        .skip(3)
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let Some((inv, position)) = locate(&progname, &words) else {
        return NOT_MINE;
    };
    let action = position.before[0].clone();
    if takes_value_next(&action, &words) {
        // `--batch <Tab>`: a number is wanted, no name.
        return 0;
    }
    let needs = needs(&action);
    let snap = if needs == Needs::default() {
        Snapshot::default()
    } else {
        match config::realize(inv) {
            Ok(options) => fetch(&options, needs),
            Err(_) => Snapshot::default(),
        }
    };
    let mut out = String::new();
    for (value, description) in candidates(&position, &snap) {
        out.push_str(&value);
        if shell == Shell::Fish && !description.is_empty() {
            out.push('\t');
            out.push_str(&description);
        }
        out.push('\n');
    }
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush());
    0
}

/// Reads `words` as the command line: the global options (for the config), and where the word
/// at the cursor stands. `None` when it is an option or the action word (or the options before
/// it are not valid yet).
fn locate(progname: &str, words: &[String]) -> Option<(cli::Invocation, Position)> {
    let (current, before) = words.split_last()?;
    if current.starts_with('-') {
        return None;
    }
    let argv: Vec<OsString> = std::iter::once(progname)
        .chain(before.iter().map(String::as_str))
        .map(OsString::from)
        .collect();
    let Ok(CliOutcome::Run(inv)) = cli::parse(&argv) else {
        return None;
    };
    if inv.args.is_empty() {
        return None;
    }
    // One-shot lines are the arguments joined with spaces, re-read as words by the command.
    let line = inv.args.join(" ");
    let mut before: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    if before.is_empty() {
        return None;
    }
    if let Some(sub) = model::model().find_subcommand(&before[0]) {
        before = drop_action_options(sub, before);
    }
    Some((
        inv,
        Position {
            before,
            current: current.clone(),
        },
    ))
}

/// Removes the action's own long options (and their values) that the model declares.
fn drop_action_options(sub: &clap::Command, words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut words = words.into_iter();
    if let Some(action) = words.next() {
        out.push(action);
    }
    while let Some(w) = words.next() {
        let (key, inline) = match w.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (w.as_str(), None),
        };
        let option = key
            .strip_prefix("--")
            .and_then(|long| sub.get_arguments().find(|a| a.get_long() == Some(long)));
        match option {
            Some(arg) => {
                if arg.get_action().takes_values() && inline.is_none() {
                    words.next();
                }
            }
            None => out.push(w),
        }
    }
    out
}

/// Whether the last word before the cursor is one of the action's options that takes a value.
fn takes_value_next(action: &str, words: &[String]) -> bool {
    let Some(prev) = words.len().checked_sub(2).and_then(|i| words.get(i)) else {
        return false;
    };
    let Some(long) = prev.strip_prefix("--").filter(|l| !l.contains('=')) else {
        return false;
    };
    model::model()
        .find_subcommand(action)
        .and_then(|sub| sub.get_arguments().find(|a| a.get_long() == Some(long)))
        .is_some_and(|a| a.get_action().takes_values())
}

/// What to fetch for the action's arguments: nothing at all for most words.
fn needs(action: &str) -> Needs {
    let procs = Needs {
        procs: true,
        ..Needs::default()
    };
    // `namespace.method args` is a pass-through call, as the shell's completer reads it.
    if action.contains('.') {
        return Needs {
            procs: true,
            configured: true,
            methods: true,
        };
    }
    match registry::find(action).map(|c| c.args) {
        Some(
            Args::Processes
            | Args::StoppedProcesses
            | Args::RunningProcesses
            | Args::Signal
            | Args::Tail,
        ) => procs,
        Some(Args::Groups) => Needs {
            procs: true,
            configured: true,
            methods: false,
        },
        Some(Args::None | Args::Topics | Args::Url) | None => Needs::default(),
    }
}

/// One round trip at most, bounded by [`SERVER_TIMEOUT`]; whatever fails is left empty.
fn fetch(options: &config::ClientOptions, needs: Needs) -> Snapshot {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Snapshot::default();
    };
    let sv = Supervisor::new(Transport::new(
        &options.serverurl,
        options.username.as_deref(),
        options.password.as_deref(),
    ));
    rt.block_on(async {
        tokio::time::timeout(SERVER_TIMEOUT, ask(&sv, needs))
            .await
            .unwrap_or_default()
    })
}

async fn ask(sv: &Supervisor, needs: Needs) -> Snapshot {
    let mut calls: Vec<(String, Vec<crate::xmlrpc::Value>)> = Vec::new();
    if needs.procs {
        calls.push(("supervisor.getAllProcessInfo".to_owned(), vec![]));
    }
    if needs.configured {
        calls.push(("supervisor.getAllConfigInfo".to_owned(), vec![]));
    }
    if needs.methods {
        calls.push(("system.listMethods".to_owned(), vec![]));
    }
    let answers: Vec<Option<crate::xmlrpc::Value>> = if let [(method, params)] = calls.as_slice() {
        vec![sv.call(method, params).await.ok()]
    } else {
        match sv.multicall(&calls).await {
            Ok(results) => results.into_iter().map(Result::ok).collect(),
            Err(_) => return Snapshot::default(),
        }
    };
    let mut answers = answers.into_iter();
    let mut snap = Snapshot::default();
    let mut next = || answers.next().flatten();
    if needs.procs {
        snap.procs = next()
            .as_ref()
            .and_then(cache::procs_from)
            .unwrap_or_default();
    }
    if needs.configured {
        snap.configured = next()
            .as_ref()
            .and_then(cache::groups_from)
            .unwrap_or_default();
    }
    if needs.methods {
        snap.methods = next()
            .as_ref()
            .and_then(cache::methods_from)
            .unwrap_or_default();
    }
    snap
}

/// The candidates and a short description of each (the state, for a process). On a command
/// line `group:` stands for the whole group: the shell's `group:*` would be a glob there.
fn candidates(position: &Position, snap: &Snapshot) -> Vec<(String, String)> {
    // The interactive shell's rules, on the line as the command will read it.
    let line = format!("{} {}", position.before.join(" "), position.current);
    let (_, found) = completer::complete(&line, snap);
    let mut out: Vec<(String, String)> = Vec::new();
    for c in found {
        let (value, group) = match c.value.strip_suffix(":*") {
            Some(group) => (format!("{group}:"), true),
            None => (c.value, false),
        };
        if position.before[1..].contains(&value) || out.iter().any(|(v, _)| *v == value) {
            continue;
        }
        let entry = (value.clone(), describe(&value, &snap.procs));
        // A group comes before its members.
        match out
            .iter()
            .position(|(v, _)| v.starts_with(&value))
            .filter(|_| group)
        {
            Some(i) => out.insert(i, entry),
            None => out.push(entry),
        }
    }
    out
}

fn describe(value: &str, procs: &[Proc]) -> String {
    if value == "all" {
        return "every process".to_owned();
    }
    if let Some(group) = value.strip_suffix(':')
        && procs.iter().any(|p| p.group == group)
    {
        return "group".to_owned();
    }
    let hit = procs.iter().find(|p| {
        value == format!("{}:{}", p.group, p.name) || (p.group == p.name && value == p.name)
    });
    hit.map(|p| crate::api::state::name(p.state).to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let mut w: Vec<String> = s.split(' ').map(str::to_owned).collect();
        if s.is_empty() {
            w = vec![String::new()];
        }
        w
    }

    fn pos(s: &str) -> Option<Position> {
        locate("supervisor-quick", &words(s)).map(|(_, p)| p)
    }

    fn snap() -> Snapshot {
        let p = |g: &str, n: &str, s: i64| Proc {
            group: g.into(),
            name: n.into(),
            state: s,
        };
        use crate::api::state::*;
        Snapshot {
            procs: vec![
                p("app", "app_00", RUNNING),
                p("app", "app_01", STOPPED),
                p("web", "web", RUNNING),
                p("workers", "w1", FATAL),
            ],
            configured: vec![("app".into(), true), ("new".into(), false)],
            methods: vec!["supervisor.getState".into(), "system.listMethods".into()],
        }
    }

    fn values(s: &str) -> Vec<String> {
        let p = pos(s).expect("a position this answers for");
        candidates(&p, &snap())
            .into_iter()
            .map(|(v, _)| v)
            .collect()
    }

    #[test]
    fn options_and_the_action_word_are_not_mine() {
        assert_eq!(pos(""), None);
        assert_eq!(pos("-"), None);
        assert_eq!(pos("-c"), None);
        assert_eq!(pos("-c "), None);
        assert_eq!(pos("-c x.conf qui"), None);
        assert_eq!(pos("quickrestart --"), None);
        assert_eq!(pos("--bogus status "), None);
        let p = pos("-c x.conf -s unix:///tmp/s quickrestart ap").unwrap();
        assert_eq!(p.before, ["quickrestart"]);
        assert_eq!(p.current, "ap");
    }

    #[test]
    fn the_actions_own_options_are_skipped() {
        let p = pos("quickrestart --batch 4 --json app:app_00 --timeout=3 ").unwrap();
        assert_eq!(p.before, ["quickrestart", "app:app_00"]);
        assert_eq!(p.current, "");
        assert!(takes_value_next(
            "quickstart",
            &words("quickstart --batch ")
        ));
        assert!(!takes_value_next(
            "quickstart",
            &words("quickstart --json ")
        ));
        assert!(!takes_value_next("status", &words("status --batch ")));
    }

    #[test]
    fn processes_groups_and_all() {
        assert_eq!(
            values("quickrestart ap"),
            ["app:", "app:app_00", "app:app_01"]
        );
        assert_eq!(
            values("quickrestart "),
            [
                "app:",
                "app:app_00",
                "app:app_01",
                "web",
                "workers:",
                "workers:w1",
                "all"
            ]
        );
        assert_eq!(
            values("quickrestart app:"),
            ["app:", "app:app_00", "app:app_01"]
        );
        assert_eq!(values("status app: w"), ["web", "workers:", "workers:w1"]);
        // Stopped ones for start, running ones for stop.
        assert_eq!(values("start ap"), ["app:", "app:app_01"]);
        assert_eq!(values("quickstop ap"), ["app:", "app:app_00"]);
        // Already on the line: not offered again.
        assert_eq!(values("quickstop app:app_00 ap"), ["app:"]);
    }

    #[test]
    fn other_kinds_of_arguments() {
        assert_eq!(values("signal H"), ["HUP"]);
        assert_eq!(values("tail web std"), ["stdout", "stderr"]);
        assert_eq!(values("add "), ["new"]);
        assert_eq!(
            values("help quick"),
            ["quickrestart", "quickstart", "quickstop"]
        );
        assert_eq!(values("supervisor.getState "), Vec::<String>::new());
        assert!(values("version ").is_empty());
        assert!(values("nosuchaction x").is_empty());
    }

    #[test]
    fn descriptions_say_the_state() {
        let p = pos("quickrestart ").unwrap();
        let got = candidates(&p, &snap());
        assert!(got.contains(&("app:app_00".into(), "RUNNING".into())));
        assert!(got.contains(&("app:".into(), "group".into())));
        assert!(got.contains(&("web".into(), "RUNNING".into())));
        assert!(got.contains(&("all".into(), "every process".into())));
    }

    #[test]
    fn needs_only_what_the_action_takes() {
        assert_eq!(needs("version"), Needs::default());
        assert_eq!(needs("help"), Needs::default());
        assert!(needs("quickstart").procs);
        assert!(needs("update").configured);
        assert!(needs("supervisor.startProcess").methods);
    }
}
