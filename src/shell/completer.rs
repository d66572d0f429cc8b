//! Tab completion: what may come next at the cursor, from the command table and the cached
//! names (never from the network).
//!
//! Based on stock's `Controller.complete` (spec §10.1): command names for the first word;
//! `name`, `group:name` and `group:*` (straight after the group's first member) for commands
//! that take processes; group names for `add`/`remove`/`update`. Extended: processes are
//! filtered by state where that helps (`start` offers stopped ones, `stop` running ones, and
//! all of them when the filter leaves none), `all` is offered where the command takes it,
//! signal names after `signal`, `stdout`/`stderr` after `tail NAME`, RPC method names for
//! pass-through lines, and names already on the line are not offered again.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use reedline::{CompletionResult, Span, Suggestion};

use super::cache::{self, Nudger, Proc, Snapshot};
use crate::api::state;
use crate::commands::registry::{self, Args};

/// Signal names supervisord understands (it also takes them with `SIG` and as numbers).
pub const SIGNALS: &[&str] = &[
    "HUP", "INT", "QUIT", "KILL", "TERM", "USR1", "USR2", "STOP", "CONT", "ALRM", "ABRT", "WINCH",
    "TSTP", "TTIN", "TTOU", "PIPE", "CHLD", "URG", "IO", "PWR", "SYS", "TRAP", "VTALRM", "PROF",
    "XCPU", "XFSZ",
];

/// One candidate for the word at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    /// Whether a space follows when it is chosen (not after `supervisor.`, which goes on).
    pub space: bool,
}

impl Candidate {
    fn word(value: impl Into<String>) -> Candidate {
        Candidate {
            value: value.into(),
            space: true,
        }
    }
}

/// Which processes a command is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    Any,
    Stopped,
    Running,
    Signallable,
}

impl Filter {
    fn keeps(self, s: i64) -> bool {
        match self {
            Filter::Any => true,
            Filter::Stopped => state::is_stopped(s),
            Filter::Running => matches!(s, state::RUNNING | state::STARTING | state::BACKOFF),
            Filter::Signallable => matches!(s, state::RUNNING | state::STARTING | state::STOPPING),
        }
    }
}

/// How process names are offered.
#[derive(Debug, Clone, Copy)]
struct ProcOpts {
    filter: Filter,
    /// `group:*` after each group's first member.
    groups: bool,
    /// `all` at the end.
    all: bool,
}

/// The word at the end of `before` (the line up to the cursor): its byte offset and text.
/// Words are separated by whitespace only, so `group:name`, `group:*` and `-f` are single words.
pub fn current_word(before: &str) -> (usize, &str) {
    let start = before.rfind(char::is_whitespace).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    (start, &before[start..])
}

/// The candidates for the word ending at the end of `before`, and where that word starts.
pub fn complete(before: &str, snap: &Snapshot) -> (usize, Vec<Candidate>) {
    let (start, text) = current_word(before);
    let words: Vec<&str> = before[..start].split_whitespace().collect();
    let Some((&action, args)) = words.split_first() else {
        return (start, first_words(text, snap));
    };
    let mut out = if action.contains('.') {
        method_args(action, args, text, snap)
    } else {
        command_args(action, args, text, snap)
    };
    // A name already on the line is not offered again.
    out.retain(|c| !args.contains(&c.value.as_str()));
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(c.value.clone()));
    (start, out)
}

/// Command names (stock's and the quick verbs, `help`), and RPC methods for pass-through:
/// namespaces (`supervisor.`) until a dot is typed, then the methods.
fn first_words(text: &str, snap: &Snapshot) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = std::iter::once("help")
        .chain(registry::COMMANDS.iter().map(|c| c.name))
        .filter(|c| c.starts_with(text))
        .map(Candidate::word)
        .collect();
    out.sort_by(|a, b| a.value.cmp(&b.value));
    if text.is_empty() {
        return out;
    }
    if text.contains('.') {
        out.extend(
            snap.methods
                .iter()
                .filter(|m| m.starts_with(text))
                .map(Candidate::word),
        );
    } else {
        let mut namespaces: Vec<&str> = Vec::new();
        for m in &snap.methods {
            if let Some((ns, _)) = m.split_once('.')
                && ns.starts_with(text)
                && !namespaces.contains(&ns)
            {
                namespaces.push(ns);
            }
        }
        out.extend(namespaces.into_iter().map(|ns| Candidate {
            value: format!("{ns}."),
            space: false,
        }));
    }
    out
}

fn command_args(action: &str, args: &[&str], text: &str, snap: &Snapshot) -> Vec<Candidate> {
    if action == "help" {
        return topics(text);
    }
    let Some(spec) = registry::find(action) else {
        return Vec::new();
    };
    let any = ProcOpts {
        filter: Filter::Any,
        groups: true,
        all: true,
    };
    match (action, spec.args) {
        ("fg", _) => match args.len() {
            0 => processes(
                text,
                snap,
                ProcOpts {
                    filter: Filter::Running,
                    groups: false,
                    all: false,
                },
            ),
            _ => Vec::new(),
        },
        ("pid", _) => processes(
            text,
            snap,
            ProcOpts {
                groups: false,
                ..any
            },
        ),
        ("clear", _) => processes(
            text,
            snap,
            ProcOpts {
                groups: false,
                ..any
            },
        ),
        (_, Args::Processes) => processes(text, snap, any),
        (_, Args::StoppedProcesses) => processes(
            text,
            snap,
            ProcOpts {
                filter: Filter::Stopped,
                ..any
            },
        ),
        (_, Args::RunningProcesses) => processes(
            text,
            snap,
            ProcOpts {
                filter: Filter::Running,
                ..any
            },
        ),
        (_, Args::Signal) => match args.len() {
            0 => signals(text),
            _ => processes(
                text,
                snap,
                ProcOpts {
                    filter: Filter::Signallable,
                    ..any
                },
            ),
        },
        (_, Args::Tail) => tail_args(args, text, snap),
        (_, Args::Groups) => groups(action, text, snap),
        (_, Args::Topics) => topics(text),
        ("maintail", _) if args.is_empty() && text.starts_with('-') => prefixed(&["-f"], text),
        _ => Vec::new(),
    }
}

/// `tail [-f|-N] NAME [stdout|stderr]`.
fn tail_args(args: &[&str], text: &str, snap: &Snapshot) -> Vec<Candidate> {
    let positional = args.iter().filter(|a| !a.starts_with('-')).count();
    if args.is_empty() && text.starts_with('-') {
        return prefixed(&["-f"], text);
    }
    match positional {
        0 => processes(
            text,
            snap,
            ProcOpts {
                filter: Filter::Any,
                groups: false,
                all: false,
            },
        ),
        1 => prefixed(&["stdout", "stderr"], text),
        _ => Vec::new(),
    }
}

/// Arguments of a pass-through call, for the methods whose parameters are known by name.
fn method_args(method: &str, args: &[&str], text: &str, snap: &Snapshot) -> Vec<Candidate> {
    let short = method.rsplit('.').next().unwrap_or(method);
    let one = ProcOpts {
        filter: Filter::Any,
        groups: true,
        all: false,
    };
    match (method, short, args.len()) {
        ("system.methodHelp" | "system.methodSignature", _, 0) => {
            prefixed_owned(&snap.methods, text)
        }
        (_, "signalAllProcesses", 0) | (_, "signalProcess" | "signalProcessGroup", 1) => {
            signals(text)
        }
        (_, "addProcessGroup", 0) => groups("add", text, snap),
        (_, "removeProcessGroup", 0) => groups("remove", text, snap),
        (_, s, 0) if s.contains("ProcessGroup") => groups("update", text, snap),
        (_, "startProcess", 0) => processes(
            text,
            snap,
            ProcOpts {
                filter: Filter::Stopped,
                ..one
            },
        ),
        (_, "stopProcess", 0) => processes(
            text,
            snap,
            ProcOpts {
                filter: Filter::Running,
                ..one
            },
        ),
        (_, s, 0) if s.contains("Process") && !s.contains("All") => processes(text, snap, one),
        _ => Vec::new(),
    }
}

fn topics(text: &str) -> Vec<Candidate> {
    let mut names: Vec<&str> = std::iter::once("help")
        .chain(registry::COMMANDS.iter().map(|c| c.name))
        .collect();
    names.sort_unstable();
    prefixed(&names, text)
}

fn signals(text: &str) -> Vec<Candidate> {
    let upper = text.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .filter(|s| s.starts_with(bare))
        .map(|s| Candidate::word(*s))
        .collect()
}

fn prefixed(words: &[&str], text: &str) -> Vec<Candidate> {
    words
        .iter()
        .filter(|w| w.starts_with(text))
        .map(|w| Candidate::word(*w))
        .collect()
}

fn prefixed_owned(words: &[String], text: &str) -> Vec<Candidate> {
    words
        .iter()
        .filter(|w| w.starts_with(text))
        .map(|w| Candidate::word(w.as_str()))
        .collect()
}

/// Stock's `processes(text)`, with a state filter (dropped when it leaves nothing to offer).
fn processes(text: &str, snap: &Snapshot, opts: ProcOpts) -> Vec<Candidate> {
    let out = processes_filtered(text, &snap.procs, opts);
    if out.is_empty() && opts.filter != Filter::Any {
        return processes_filtered(
            text,
            &snap.procs,
            ProcOpts {
                filter: Filter::Any,
                ..opts
            },
        );
    }
    out
}

fn processes_filtered(text: &str, procs: &[Proc], opts: ProcOpts) -> Vec<Candidate> {
    let mut names: Vec<String> = Vec::new();
    let mut groups_seen: HashSet<&str> = HashSet::new();
    for p in procs.iter().filter(|p| opts.filter.keeps(p.state)) {
        if text.contains(':') || p.name != p.group {
            names.push(format!("{}:{}", p.group, p.name));
            if opts.groups && groups_seen.insert(&p.group) {
                names.push(format!("{}:*", p.group));
            }
        } else {
            names.push(p.name.clone());
        }
    }
    let mut out: Vec<Candidate> = names
        .into_iter()
        .filter(|n| n.starts_with(text))
        .map(Candidate::word)
        .collect();
    if opts.all && "all".starts_with(text) && !out.is_empty() {
        out.push(Candidate::word("all"));
    }
    out
}

/// Group names: `add` offers the configured groups not yet active, `remove` the active ones,
/// `update` both and `all`.
fn groups(action: &str, text: &str, snap: &Snapshot) -> Vec<Candidate> {
    fn push<'a>(names: &mut Vec<&'a str>, g: &'a str) {
        if !names.contains(&g) {
            names.push(g);
        }
    }
    let mut names: Vec<&str> = Vec::new();
    match action {
        "add" => {
            for (g, inuse) in &snap.configured {
                if !inuse {
                    push(&mut names, g);
                }
            }
        }
        "remove" => snap.procs.iter().for_each(|p| push(&mut names, &p.group)),
        _ => {
            snap.procs.iter().for_each(|p| push(&mut names, &p.group));
            snap.configured
                .iter()
                .for_each(|(g, _)| push(&mut names, g));
            names.push("all");
        }
    }
    prefixed(&names, text)
}

/// The reedline side: reads the cache, never the network.
pub struct ShellCompleter {
    cache: Arc<Mutex<Snapshot>>,
    nudger: Nudger,
}

impl ShellCompleter {
    pub fn new(cache: Arc<Mutex<Snapshot>>, nudger: Nudger) -> ShellCompleter {
        ShellCompleter { cache, nudger }
    }
}

impl reedline::Completer for ShellCompleter {
    fn complete(&mut self, line: &str, pos: usize) -> CompletionResult {
        let pos = pos.min(line.len());
        let Some(before) = line.get(..pos) else {
            return CompletionResult::fresh(Vec::new());
        };
        // Fresher names for the next press; this one answers from what is there.
        self.nudger.nudge();
        let (start, candidates) = {
            let snap = cache::lock(&self.cache);
            complete(before, &snap)
        };
        let suggestions: Vec<Suggestion> = candidates
            .into_iter()
            .map(|c| Suggestion {
                value: c.value,
                span: Span { start, end: pos },
                append_whitespace: c.space,
                ..Suggestion::default()
            })
            .collect();
        CompletionResult::fresh(suggestions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> Snapshot {
        let p = |g: &str, n: &str, s: i64| Proc {
            group: g.into(),
            name: n.into(),
            state: s,
        };
        Snapshot {
            procs: vec![
                p("app", "a1", state::STOPPED),
                p("app", "a2", state::RUNNING),
                p("app", "a3", state::FATAL),
                p("bar", "bar", state::RUNNING),
                p("foo", "foo", state::EXITED),
            ],
            configured: vec![
                ("app".into(), true),
                ("bar".into(), true),
                ("foo".into(), true),
                ("new".into(), false),
            ],
            methods: vec![
                "supervisor.getState".into(),
                "supervisor.startProcess".into(),
                "system.listMethods".into(),
                "system.methodHelp".into(),
                "twiddler.addProgramToGroup".into(),
            ],
        }
    }

    fn values(line: &str) -> Vec<String> {
        complete(line, &snap())
            .1
            .into_iter()
            .map(|c| c.value)
            .collect()
    }

    #[test]
    fn words_split_on_whitespace_only() {
        assert_eq!(current_word("start app:a"), (6, "app:a"));
        assert_eq!(current_word("start "), (6, ""));
        assert_eq!(current_word("sta"), (0, "sta"));
        assert_eq!(current_word(""), (0, ""));
    }

    #[test]
    fn completes_command_names_and_quick_verbs() {
        assert_eq!(values("sta"), ["start", "status"]);
        assert_eq!(values("quick"), ["quickrestart", "quickstart", "quickstop"]);
        assert_eq!(values("h"), ["help"]);
        let all = values("");
        assert!(all.contains(&"version".to_owned()) && all.contains(&"quickstop".to_owned()));
        assert!(
            !all.iter().any(|v| v.contains('.')),
            "no methods on an empty word: {all:?}"
        );
        assert!(!all.contains(&"EOF".to_owned()));
    }

    #[test]
    fn completes_namespaces_then_methods() {
        let c = complete("s", &snap()).1;
        let ns: Vec<_> = c
            .iter()
            .filter(|c| !c.space)
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(ns, ["supervisor.", "system."]);
        assert_eq!(values("system.m"), ["system.methodHelp"]);
        assert_eq!(values("tw"), ["twiddler."]);
        assert_eq!(values("twiddler."), ["twiddler.addProgramToGroup"]);
        assert_eq!(
            values("system.methodHelp supervisor.g"),
            ["supervisor.getState"]
        );
    }

    #[test]
    fn processes_like_stock_with_state_filters() {
        // status: every process, group:* after the group's first member, then all.
        assert_eq!(
            values("status "),
            ["app:a1", "app:*", "app:a2", "app:a3", "bar", "foo", "all"]
        );
        // start: stopped ones only; stop: running ones.
        assert_eq!(
            values("start "),
            ["app:a1", "app:*", "app:a3", "foo", "all"]
        );
        assert_eq!(values("stop "), ["app:a2", "app:*", "bar", "all"]);
        assert_eq!(values("start ap"), ["app:a1", "app:*", "app:a3"]);
        // A filter that leaves nothing is dropped.
        assert_eq!(values("start ba"), ["bar"]);
        // With a colon, singletons are group:name too (stock).
        assert_eq!(values("status foo:"), ["foo:foo", "foo:*"]);
        assert_eq!(values("quickstop b"), ["bar"]);
        // Every argument position completes, without repeating names already given.
        assert_eq!(values("restart bar f"), ["foo"]);
        assert_eq!(values("restart bar b"), Vec::<String>::new());
    }

    #[test]
    fn commands_that_take_one_name_or_no_groups() {
        assert_eq!(values("fg "), ["app:a2", "bar"]);
        assert_eq!(values("fg bar "), Vec::<String>::new());
        assert_eq!(
            values("pid "),
            ["app:a1", "app:a2", "app:a3", "bar", "foo", "all"]
        );
        assert_eq!(values("version "), Vec::<String>::new());
        assert_eq!(values("reload "), Vec::<String>::new());
    }

    #[test]
    fn signals_then_processes() {
        assert_eq!(values("signal HU"), ["HUP"]);
        assert_eq!(values("signal sigus"), ["USR1", "USR2"]);
        assert_eq!(values("signal HUP "), ["app:a2", "app:*", "bar", "all"]);
    }

    #[test]
    fn tail_name_then_channel() {
        assert_eq!(values("tail b"), ["bar"]);
        assert_eq!(values("tail -f b"), ["bar"]);
        assert_eq!(values("tail -"), ["-f"]);
        assert_eq!(values("tail bar "), ["stdout", "stderr"]);
        assert_eq!(values("tail -f bar std"), ["stdout", "stderr"]);
        assert_eq!(values("tail -100 bar stde"), ["stderr"]);
        assert_eq!(values("tail bar stdout "), Vec::<String>::new());
    }

    #[test]
    fn groups_for_add_remove_update() {
        assert_eq!(values("add "), ["new"]);
        assert_eq!(values("remove "), ["app", "bar", "foo"]);
        assert_eq!(values("update "), ["app", "bar", "foo", "new", "all"]);
        assert_eq!(values("update app "), ["bar", "foo", "new", "all"]);
    }

    #[test]
    fn help_topics() {
        assert_eq!(values("help st"), ["start", "status", "stop"]);
        assert_eq!(
            values("help qu"),
            ["quickrestart", "quickstart", "quickstop", "quit"]
        );
    }

    #[test]
    fn method_arguments() {
        assert_eq!(
            values("supervisor.startProcess "),
            ["app:a1", "app:*", "app:a3", "foo"]
        );
        assert_eq!(values("supervisor.getProcessInfo b"), ["bar"]);
        assert_eq!(
            values("supervisor.signalProcess bar T"),
            ["TERM", "TSTP", "TTIN", "TTOU", "TRAP"]
        );
        assert_eq!(values("supervisor.addProcessGroup "), ["new"]);
        assert_eq!(values("supervisor.getState "), Vec::<String>::new());
    }

    #[test]
    fn nothing_known_nothing_offered() {
        let empty = Snapshot::default();
        assert_eq!(complete("start ", &empty).1, Vec::new());
        assert_eq!(complete("sup", &empty).1, Vec::new());
        assert_eq!(complete("sta", &empty).1.len(), 2);
    }

    #[test]
    fn reedline_completer_answers_from_the_cache() {
        use reedline::Completer;
        let mut c = ShellCompleter::new(Arc::new(Mutex::new(snap())), Nudger::default());
        let r = c.complete("start ap", 8);
        let s = r.suggestions();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].span, Span { start: 6, end: 8 });
        assert!(s[0].append_whitespace);
        // A cursor inside the line completes the word before it.
        let r = c.complete("sta foo", 3);
        assert_eq!(r.suggestions().len(), 2);
        // Out of range or inside a character: no panic.
        assert!(c.complete("é", 1).suggestions().is_empty());
        let _ = c.complete("x", 99);
    }
}
