//! `quickstart`, `quickstop`, `quickrestart`: concurrent, glob-aware, and truthful.
//!
//! Every call is fired at once without waiting (`wait=false`), then all targets are watched
//! with one `getAllProcessInfo` per poll, so the server's load does not grow with the number
//! of processes. A process is reported started only once supervisord says RUNNING (it survived
//! `startsecs`), and a failure as soon as supervisord shows it (BACKOFF, FATAL, EXITED).
//! The poll interval follows what a poll costs the server: a large `getAllProcessInfo` is
//! expensive for the single-threaded supervisord, and polling it too often would slow the very
//! spawns being waited for.

use std::collections::HashMap;
use std::future::Future;
use std::io::IsTerminal;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;

use super::{CmdResult, Controller, exit};
use crate::api::{ProcessInfo, Supervisor, state};
use crate::error::RpcError;
use crate::output::Palette;
use crate::output::json::{self, QuickReport, QuickResult};
use crate::pattern;
use crate::transport::Head;
use crate::xmlrpc::{Fault, FaultCode, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Start,
    Stop,
    Restart,
}

impl Verb {
    fn name(self) -> &'static str {
        match self {
            Verb::Start => "quickstart",
            Verb::Stop => "quickstop",
            Verb::Restart => "quickrestart",
        }
    }
}

pub async fn do_quickstart(ctl: &mut Controller, arg: &str) -> CmdResult {
    run(ctl, Verb::Start, arg).await
}

pub async fn do_quickstop(ctl: &mut Controller, arg: &str) -> CmdResult {
    run(ctl, Verb::Stop, arg).await
}

pub async fn do_quickrestart(ctl: &mut Controller, arg: &str) -> CmdResult {
    run(ctl, Verb::Restart, arg).await
}

pub const DEFAULT_TIMEOUT: f64 = 60.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Opts {
    /// At most this many processes in flight at once (0: no limit).
    pub batch: usize,
    pub timeout: Duration,
    /// `--json`: one JSON document instead of one line per process.
    pub json: bool,
    pub patterns: Vec<String>,
}

pub fn parse_opts(arg: &str) -> Result<Opts, String> {
    let mut opts = Opts {
        batch: 0,
        timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT),
        json: false,
        patterns: Vec::new(),
    };
    let mut words = arg.split_whitespace();
    while let Some(w) = words.next() {
        let (key, inline) = match w.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v)),
            _ => (w, None),
        };
        match key {
            "--batch" | "--timeout" => {
                let value = match inline {
                    Some(v) => v,
                    None => words
                        .next()
                        .ok_or_else(|| format!("{key} requires a value"))?,
                };
                if key == "--batch" {
                    opts.batch =
                        value
                            .parse::<usize>()
                            .ok()
                            .filter(|k| *k > 0)
                            .ok_or_else(|| {
                                format!("--batch takes a whole number above 0, not '{value}'")
                            })?;
                } else {
                    let secs = value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
                        .ok_or_else(|| {
                            format!("--timeout takes a number of seconds above 0, not '{value}'")
                        })?;
                    opts.timeout = Duration::from_secs_f64(secs);
                }
            }
            "--json" => {
                if inline.is_some() {
                    return Err("--json takes no value".to_owned());
                }
                opts.json = true;
            }
            "--" => {
                opts.patterns.extend(words.by_ref().map(str::to_owned));
            }
            k if k.starts_with("--") => return Err(format!("unknown option {k}")),
            _ => opts.patterns.push(w.to_owned()),
        }
    }
    Ok(opts)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Not yet fired (waiting for a place in the batch).
    Queued,
    /// A stop was fired; waiting for a stopped state.
    Stopping,
    /// A start was fired; waiting for RUNNING. `spawned_at` is the `start` time first seen,
    /// so that a respawn after a failed attempt is recognised even between two polls.
    Starting {
        spawned_at: Option<i64>,
    },
    Done(Outcome),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Started,
    Stopped,
    AlreadyStarted,
    NotRunning,
    /// The words inside stock's `ERROR (...)`, the exit status, and supervisord's reason.
    Failed {
        words: String,
        status: i32,
        reason: String,
    },
    /// Stock prints a FAILED fault's text verbatim.
    Verbatim {
        text: String,
        status: i32,
    },
}

struct Target {
    namespec: String,
    /// The name the server is called with (`group:name`).
    rpcname: String,
    phase: Phase,
    last: ProcessInfo,
    /// Set while a start sent with a waited group call may not have reached the server yet
    /// (the polls travel on other connections and can overtake it): until the process is
    /// seen spawned, a stopped state is the old one, not a failure.
    unconfirmed_start: Option<i64>,
    /// A waited group call under way will say how this target ended.
    awaited: bool,
    /// A restart's start of a process that was not running waits until the group stop sent
    /// for its whole group is known to have been acted on: arriving after the start, that stop
    /// would stop the process again.
    held_for_call: bool,
    /// Selected only by a whole-group pattern (`group:`, `all`): as with stock's group calls,
    /// nothing is said of it if it was already in the state asked for.
    by_group: bool,
}

impl Target {
    fn new(info: ProcessInfo, phase: Phase, by_group: bool) -> Target {
        Target {
            namespec: info.namespec(),
            rpcname: format!("{}:{}", info.group, info.name),
            phase,
            last: info,
            unconfirmed_start: None,
            awaited: false,
            held_for_call: false,
            by_group,
        }
    }

    /// Left out of the report: stock's group calls answer only for what they acted on.
    fn unreported(&self) -> bool {
        self.by_group
            && matches!(
                self.phase,
                Phase::Done(Outcome::AlreadyStarted | Outcome::NotRunning)
            )
    }

    /// This target's entry in a listing.
    fn info_in<'i>(&self, infos: &'i [ProcessInfo]) -> Option<&'i ProcessInfo> {
        infos
            .iter()
            .find(|i| i.group == self.last.group && i.name == self.last.name)
    }
}

fn failed(words: &str, status: i32, reason: &str) -> Outcome {
    Outcome::Failed {
        words: words.to_owned(),
        status,
        reason: reason.to_owned(),
    }
}

/// What a start fault means, in stock `start`'s words.
fn start_fault(f: &Fault) -> Outcome {
    match f.kind() {
        Some(FaultCode::AlreadyStarted) => Outcome::AlreadyStarted,
        Some(FaultCode::SpawnError) => failed("spawn error", exit::NOT_RUNNING, ""),
        Some(FaultCode::AbnormalTermination) => {
            failed("abnormal termination", exit::NOT_RUNNING, "")
        }
        Some(FaultCode::NoFile) => failed("no such file", exit::GENERIC, &f.string),
        Some(FaultCode::NotExecutable) => {
            failed("file is not executable", exit::GENERIC, &f.string)
        }
        Some(FaultCode::BadName) => failed("no such process", exit::GENERIC, ""),
        _ => failed(&f.string, exit::GENERIC, ""),
    }
}

/// What a stop fault means, in stock `stop`'s words.
fn stop_fault(f: &Fault) -> Outcome {
    match f.kind() {
        Some(FaultCode::NotRunning) => Outcome::NotRunning,
        Some(FaultCode::BadName) => failed("no such process", exit::GENERIC, ""),
        Some(FaultCode::Failed) => Outcome::Verbatim {
            text: f.string.clone(),
            status: exit::GENERIC,
        },
        _ => failed(&f.string, exit::GENERIC, ""),
    }
}

fn is_running_state(s: i64) -> bool {
    matches!(s, state::RUNNING | state::STARTING | state::BACKOFF)
}

/// Supervisor before 3.2.0 serialises `system.multicall` and `wait=false` group calls at one
/// per second; only separate concurrent requests are fast there.
fn serialises_multicall(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
    });
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(4);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) < (3, 2)
}

/// Concurrent requests used against old servers: a small fixed pool, never one per process.
const OLD_SERVER_LANES: usize = 8;

/// The most single-process calls one request carries (see `Engine::fire`).
const CALLS_PER_REQUEST: usize = 64;
/// How long supervisord may take per process it spawns or stops within one request before a
/// silence counts as a hang (it spawns ~200 processes a second on a small machine).
const SPAWN_ALLOWANCE: Duration = Duration::from_millis(50);

/// The slowest polls come while a waited group call is under way.
const WAITED_MAX_POLL: Duration = Duration::from_millis(3000);

/// Polls never come faster than this, nor slower than `MAX_POLL`.
const MIN_POLL: Duration = Duration::from_millis(20);
/// A poll that costs the server less than this holds nothing back noticeably.
const CHEAP_POLL: Duration = Duration::from_millis(10);
/// A whole listing costs supervisord about this many times what its head takes to come: a
/// thousand processes' head comes after 0.04-0.07 s, the rest after 0.4-0.8 s more.
const LISTING_PER_HEAD: u32 = 10;
/// The first poll may come sooner: a stop of a few dozen processes is often over by then.
const FIRST_MIN_POLL: Duration = Duration::from_millis(5);
const MAX_POLL: Duration = Duration::from_millis(1000);

/// A poll that costs the server this much is not made while group calls will answer for
/// every target anyway.
const QUIET_COST: Duration = Duration::from_millis(100);

/// How long the last look at where unfinished targets stand may take, after a timeout or
/// Ctrl-C.
const FINAL_LOOK: Duration = Duration::from_secs(5);

async fn run(ctl: &mut Controller, verb: Verb, arg: &str) -> CmdResult {
    let began = Instant::now();
    let parsed = parse_opts(arg);
    let early = parsed.as_ref().ok().and_then(|o| early_call(verb, o));
    // The questions every quick verb starts with go out at once, on separate connections;
    // with an early call, the listing waits until the server's version is known.
    let asked = Instant::now();
    let (up, (infos, poll_cost), version) = tokio::join!(
        ctl.sv.get_version(),
        async {
            if early.is_some() {
                return (None, Duration::ZERO);
            }
            let infos = ctl.sv.get_all_process_info().await;
            (Some(infos), asked.elapsed())
        },
        ctl.sv.get_supervisor_version()
    );
    if !ctl.upcheck_with(up)? {
        return Ok(());
    }
    let opts = match parsed {
        Ok(o) => o,
        Err(msg) => {
            ctl.output(&format!("Error: {msg}"));
            ctl.help_for(verb.name());
            ctl.exitstatus = exit::INVALID_ARGS;
            return Ok(());
        }
    };
    if opts.patterns.is_empty() {
        ctl.output(&format!("Error: {} requires a process name", verb.name()));
        ctl.help_for(verb.name());
        ctl.exitstatus = exit::INVALID_ARGS;
        return Ok(());
    }
    let version = version?;
    let old_server = serialises_multicall(&version);
    let sv = &ctl.sv;
    // The early call's answer if it is in, or the call itself while it is under way.
    let mut answered: Option<Value> = None;
    let mut under_way: Option<Answer<'_>> = None;
    // A start's or stop's answer that came before the listing says all there is to say.
    let mut answered_alone: Option<Value> = None;
    let early = early.filter(|_| !old_server);
    let (infos, poll_cost, listing_cost) = match (infos, &early) {
        (Some(infos), _) => (infos, poll_cost, poll_cost),
        (None, Some(early)) => {
            // The listing goes first; the call, once the server has taken its snapshot
            // (the answer's head is in), so that the snapshot shows every process as it
            // was before the call, while the listing's long send overlaps the call's work.
            // Either may wait behind a spawn, for as long as the whole wait may take.
            let asked = Instant::now();
            let head = Head::default();
            let listing = sv.get_all_process_info_noting_head(opts.timeout, &head);
            tokio::pin!(listing);
            let taken = tokio::select! {
                biased;
                r = &mut listing => Some(r),
                () = head.arrived() => None,
            };
            trace(began, "listing head");
            let head_after = asked.elapsed();
            if let Some(Err(e)) = taken {
                return Err(e.into());
            }
            let (method, params, patience) = (early.method, early.params.clone(), opts.timeout);
            let mut call =
                Box::pin(
                    async move { sv.transport.call_patiently(method, &params, patience).await },
                );
            let mut answer = None;
            let infos = match taken {
                Some(r) => r,
                None => loop {
                    tokio::select! {
                        biased;
                        r = &mut listing => break r,
                        a = &mut call, if answer.is_none() => {
                            trace(began, "early call answered");
                            match a {
                                // A listing of a thousand processes takes supervisord longer
                                // to send than the whole stop: what stock would say is all in
                                // the answer (the processes it acted on, each with its end),
                                // so the rest of the listing is not waited for. A restart
                                // still needs it, to start the ones that were not running.
                                Ok(v) if verb != Verb::Restart => {
                                    answered_alone = Some(v);
                                    break Ok(Vec::new());
                                }
                                a => answer = Some(a),
                            }
                        }
                    }
                },
            };
            if answered_alone.is_none() {
                trace(began, "listing in");
            }
            match answer {
                Some(Ok(a)) => answered = Some(a),
                // No such group: nothing was touched; the listing below says so in the
                // words of any other pattern that matches nothing.
                Some(Err(RpcError::Fault { fault, .. })) if fault.is(FaultCode::BadName) => {}
                Some(Err(e)) => return Err(e.into()),
                None => under_way = Some(call),
            }
            // The whole listing's time is no measure of what a poll costs: it waited
            // behind the call's work. The head's is: it grows with the number of processes
            // as building the listing does; sending it, a loop turn per 4 KB, costs more.
            (infos, head_after, head_after * LISTING_PER_HEAD)
        }
        (None, None) => {
            let asked = Instant::now();
            let infos = sv.get_all_process_info().await;
            let cost = asked.elapsed();
            (infos, cost, cost)
        }
    };
    if let Some(answer) = answered_alone {
        drop(under_way);
        let targets = targets_from_answer(verb, answer)?;
        return report(
            ctl,
            verb,
            opts.json,
            &targets,
            Ended::AllDone,
            began.elapsed(),
        );
    }
    let infos = match infos {
        Ok(i) => i,
        Err(e) => {
            drop(under_way);
            return Err(e.into());
        }
    };
    let patterns: Vec<&str> = opts.patterns.iter().map(String::as_str).collect();
    let selected = match pattern::resolve(&patterns, &infos) {
        Ok(s) => s,
        Err(errors) => {
            // Only a call that changes nothing (a group that does not exist) can be under
            // way here.
            drop(under_way);
            let messages: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            report_no_match(ctl, verb, opts.json, messages, began.elapsed());
            return Ok(());
        }
    };
    let tty = std::io::stdout().is_terminal();
    let (targets, ended) = {
        // Everything that borrows the connection ends in this block.
        let (answered, under_way, early) = (answered, under_way, early);
        let mut group_sizes: HashMap<String, usize> = HashMap::new();
        for info in &infos {
            *group_sizes.entry(info.group.clone()).or_default() += 1;
        }
        let named: Vec<&str> = patterns
            .iter()
            .copied()
            .filter(|p| !pattern::is_whole_group(p))
            .collect();
        let mut targets: Vec<Target> = selected
            .into_iter()
            .map(|info| {
                let by_group = !named.iter().any(|p| pattern::matches(p, info));
                Target::new(info.clone(), Phase::Queued, by_group)
            })
            .collect();
        let mut engine = Engine {
            sv,
            verb,
            batch: if opts.batch == 0 {
                usize::MAX
            } else {
                opts.batch
            },
            old_server,
            progress: tty,
            largest_group: group_sizes.values().copied().max().unwrap_or(1),
            group_sizes,
            poll_cost,
            listing_cost,
            began,
        };
        let mut waiting: Vec<GroupWait<'_>> = Vec::new();
        if let Some(early) = early.filter(|_| answered.is_some() || under_way.is_some()) {
            // The snapshot predates the call: it says which processes the call acts on.
            let mut members = Vec::new();
            for (i, t) in targets.iter_mut().enumerate() {
                let s = t.last.state;
                t.phase = match verb {
                    Verb::Start if is_running_state(s) => Phase::Done(Outcome::AlreadyStarted),
                    Verb::Start => {
                        t.unconfirmed_start = Some(t.last.start);
                        t.awaited = true;
                        members.push(i);
                        Phase::Starting { spawned_at: None }
                    }
                    _ if is_running_state(s) => {
                        // A restart starts each process as soon as a poll sees it stopped.
                        t.awaited = verb == Verb::Stop;
                        members.push(i);
                        Phase::Stopping
                    }
                    Verb::Stop => Phase::Done(Outcome::NotRunning),
                    // Not running: a restart starts it once the group stop has been acted on.
                    _ => {
                        t.last.state = state::STOPPED;
                        t.held_for_call = true;
                        Phase::Queued
                    }
                };
            }
            let call = Call::Group {
                group: String::new(),
                method: early.per_process,
                members,
            };
            match (answered, under_way) {
                (Some(answer), _) => engine.settle_group(&mut targets, call, answer),
                (None, Some(pending)) => {
                    waiting.push(Box::pin(async move { (call, pending.await) }));
                }
                (None, None) => {}
            }
        }
        let ended = engine.drive(&mut targets, waiting, opts.timeout).await;
        (targets, ended)
    };
    if tty {
        clear_progress();
    }
    report(ctl, verb, opts.json, &targets, ended, began.elapsed())
}

/// Each target's line (or the `--json` document) and the exit status.
fn report(
    ctl: &mut Controller,
    verb: Verb,
    json: bool,
    targets: &[Target],
    ended: Ended,
    elapsed: Duration,
) -> CmdResult {
    if json {
        report_json(ctl, verb, targets, ended, elapsed);
        return Ok(());
    }
    let tty = std::io::stdout().is_terminal();
    let palette = Palette::new(ctl.color);
    for t in targets.iter().filter(|t| !t.unreported()) {
        let (line, status) = report_line(t, verb, &ended, tty);
        ctl.output(&paint(&line, t, verb, &ended, palette));
        if let Some(s) = status {
            ctl.exitstatus = s;
        }
    }
    if let Ended::Interrupted = ended {
        ctl.exitstatus = exit::INTERRUPTED;
    }
    if let Ended::Lost(e) = ended {
        return Err(e.into());
    }
    Ok(())
}

/// The targets a whole group's waited start or stop acted on, in `status` order, each with the
/// end the answer gives it.
fn targets_from_answer(verb: Verb, answer: Value) -> Result<Vec<Target>, RpcError> {
    let mut results = crate::api::results_from(answer)?;
    results.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    Ok(results
        .into_iter()
        .map(|r| {
            let success = r.status == FaultCode::Success as i64;
            let outcome = match verb {
                Verb::Start if success => Outcome::Started,
                Verb::Start => start_fault(&Fault::new(r.status, r.description.clone())),
                _ if success => Outcome::Stopped,
                _ => stop_fault(&Fault::new(r.status, r.description.clone())),
            };
            let (st, statename) = match outcome {
                Outcome::Started => (state::RUNNING, "RUNNING"),
                Outcome::Stopped => (state::STOPPED, "STOPPED"),
                // Where a failed process ended up, the answer does not say.
                _ => (state::UNKNOWN, ""),
            };
            let info = ProcessInfo::bare(&r.group, &r.name, st, statename);
            Target::new(info, Phase::Done(outcome), true)
        })
        .collect())
}

fn tracing() -> bool {
    std::env::var_os("SUPERVISOR_QUICK_TRACE").is_some()
}

/// With `SUPERVISOR_QUICK_TRACE` set, when each step of a quick verb happened.
fn trace(began: Instant, what: impl std::fmt::Display) {
    if tracing() {
        eprintln!("{:.3} {what}", began.elapsed().as_secs_f64());
    }
}

/// Every pattern that matched nothing, in stock's words; nothing was started or stopped.
fn report_no_match(
    ctl: &mut Controller,
    verb: Verb,
    json: bool,
    messages: Vec<String>,
    elapsed: Duration,
) {
    if json {
        let report = QuickReport {
            verb: verb.name().to_owned(),
            ok: false,
            elapsed: json::seconds(elapsed),
            results: Vec::new(),
            errors: messages,
        };
        ctl.output(&json::document(&report));
    } else {
        for m in &messages {
            ctl.output(m);
        }
    }
    ctl.exitstatus = exit::GENERIC;
}

/// The group call for one whole group (`group:`, `group:*`) or everything (`all`, `*`),
/// without a batch, on a server of 3.2 or later, sent with `wait=true` while the listing is
/// still coming.
///
/// supervisord takes a listing's snapshot at once, but sends it 4 KB a loop turn: a thousand
/// processes take hundreds of turns (0.4-0.7 s), more than a whole stop. Asked after the
/// listing, the call would wait all that time; asked once the snapshot is taken (the
/// listing's head is in), its work goes on while the listing is sent, and the snapshot
/// still shows every process as it was before the call. The answer comes once every
/// process got where it was sent; polls end the wait sooner where they are cheap. A group
/// that does not exist is a fault that changes nothing, so a pattern that matches nothing
/// still touches nothing. Old servers serialise group calls and keep the usual way.
struct EarlyCall {
    method: &'static str,
    params: Vec<Value>,
    /// The single-process call it stands for, in the words of the answer.
    per_process: &'static str,
}

fn early_call(verb: Verb, opts: &Opts) -> Option<EarlyCall> {
    if opts.batch != 0 {
        return None;
    }
    let [pattern] = opts.patterns.as_slice() else {
        return None;
    };
    let (all, group, per_process) = match verb {
        Verb::Start => (
            "supervisor.startAllProcesses",
            "supervisor.startProcessGroup",
            "supervisor.startProcess",
        ),
        Verb::Stop | Verb::Restart => (
            "supervisor.stopAllProcesses",
            "supervisor.stopProcessGroup",
            "supervisor.stopProcess",
        ),
    };
    let (method, params) = if pattern == "all" || pattern == "*" {
        (all, vec![Value::Bool(true)])
    } else {
        match crate::api::split_namespec(pattern) {
            (name, None) if !name.is_empty() && !name.contains(['*', '?']) => {
                (group, vec![Value::from(name), Value::Bool(true)])
            }
            _ => return None,
        }
    };
    Some(EarlyCall {
        method,
        params,
        per_process,
    })
}

/// The `--json` document: the same verdicts and exit status as the lines, in one document;
/// a lost server is reported in it too rather than as stock's error line after it.
fn report_json(
    ctl: &mut Controller,
    verb: Verb,
    targets: &[Target],
    ended: Ended,
    elapsed: Duration,
) {
    let mut ok = true;
    let mut results = Vec::new();
    for t in targets.iter().filter(|t| !t.unreported()) {
        let v = verdict(t, verb, &ended);
        if let Some(s) = v.status {
            ctl.exitstatus = s;
            ok = false;
        }
        let mut r = QuickResult::new(&t.last, v.result);
        r.name = t.namespec.clone();
        r.error = v.verbatim.or(v.error);
        r.reason = v.reason;
        results.push(r);
    }
    let mut errors = Vec::new();
    match ended {
        Ended::Interrupted => {
            ctl.exitstatus = exit::INTERRUPTED;
            ok = false;
        }
        Ended::Lost(e) => {
            errors.push(e.to_string());
            ctl.exitstatus = exit::GENERIC;
            ok = false;
        }
        Ended::AllDone | Ended::TimedOut => {}
    }
    let report = QuickReport {
        verb: verb.name().to_owned(),
        ok,
        elapsed: json::seconds(elapsed),
        results,
        errors,
    };
    ctl.output(&json::document(&report));
}

enum Ended {
    AllDone,
    TimedOut,
    Interrupted,
    /// The server stopped answering mid-way; every target is reported where it was last seen.
    Lost(RpcError),
}

/// What is said about one target, in the words of both the lines and the JSON document.
struct Verdict {
    /// `started`, `stopped`, `already started`, `not running`, `failed`, `timed out`, ...
    result: &'static str,
    /// The words inside stock's `ERROR (...)` for a failure.
    error: Option<String>,
    /// supervisord's explanation of a failure, when it gave one.
    reason: Option<String>,
    /// A line stock prints as it is (a FAILED fault's text).
    verbatim: Option<String>,
    /// The exit status it sets.
    status: Option<i32>,
}

fn verdict(t: &Target, verb: Verb, ended: &Ended) -> Verdict {
    let plain = |result| Verdict {
        result,
        error: None,
        reason: None,
        verbatim: None,
        status: None,
    };
    match &t.phase {
        Phase::Done(Outcome::Started) => plain("started"),
        Phase::Done(Outcome::Stopped) => plain("stopped"),
        Phase::Done(Outcome::AlreadyStarted) => plain("already started"),
        Phase::Done(Outcome::NotRunning) => plain("not running"),
        Phase::Done(Outcome::Verbatim { text, status }) => Verdict {
            verbatim: Some(text.clone()),
            status: Some(*status),
            ..plain("failed")
        },
        Phase::Done(Outcome::Failed {
            words,
            status,
            reason,
        }) => Verdict {
            error: Some(words.clone()),
            reason: json::non_empty(reason),
            status: Some(*status),
            ..plain("failed")
        },
        pending => {
            let why = match ended {
                Ended::TimedOut => "timed out",
                Ended::Interrupted => "interrupted",
                Ended::Lost(_) => "server lost",
                Ended::AllDone => "unfinished",
            };
            let where_ = match pending {
                Phase::Queued => match verb {
                    Verb::Stop => "not stopped".to_owned(),
                    _ => "not started".to_owned(),
                },
                _ => t.last.statename.clone(),
            };
            Verdict {
                error: Some(format!("{why}, {where_}")),
                status: Some(exit::GENERIC),
                ..plain(why)
            }
        }
    }
}

/// Stock's line for one target; on a terminal a failure also says supervisord's reason.
fn report_line(t: &Target, verb: Verb, ended: &Ended, tty: bool) -> (String, Option<i32>) {
    let name = &t.namespec;
    let v = verdict(t, verb, ended);
    let line = match (v.verbatim, v.result) {
        (Some(text), _) => text,
        (None, "started" | "stopped") => format!("{name}: {}", v.result),
        (None, _) => {
            let mut line = format!("{name}: ERROR ({})", v.error.as_deref().unwrap_or(v.result));
            if let Some(reason) = v.reason.filter(|_| tty) {
                line.push_str(&format!(": {reason}"));
            }
            line
        }
    };
    (line, v.status)
}

/// Paints the verdict part of a line (after `name: `), by what it means.
fn paint(line: &str, t: &Target, verb: Verb, ended: &Ended, palette: Palette) -> String {
    let v = verdict(t, verb, ended);
    let painter: fn(Palette, &str) -> String = match v.result {
        "started" => Palette::good,
        "stopped" => Palette::quiet,
        "already started" | "not running" => Palette::notice,
        _ => Palette::bad,
    };
    let prefix = format!("{}: ", t.namespec);
    match line.strip_prefix(&prefix) {
        Some(rest) => format!("{prefix}{}", painter(palette, rest)),
        None => painter(palette, line),
    }
}

fn clear_progress() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = out.write_all(b"\r\x1b[2K");
    let _ = out.flush();
}

struct Engine<'a> {
    sv: &'a Supervisor,
    verb: Verb,
    batch: usize,
    old_server: bool,
    progress: bool,
    /// How many processes each group has: a group whose every process is to get the same
    /// call gets one group call instead (cheaper for the server than one call per process).
    group_sizes: HashMap<String, usize>,
    largest_group: usize,
    /// How long the first listing took (to its head, when a call was sent after that).
    poll_cost: Duration,
    /// What one `getAllProcessInfo` costs the server, as first measured or estimated.
    listing_cost: Duration,
    /// When the command began (for `trace`).
    began: Instant,
}

impl<'a> Engine<'a> {
    async fn drive(
        &mut self,
        targets: &mut [Target],
        mut waiting: Vec<GroupWait<'a>>,
        timeout: Duration,
    ) -> Ended {
        let ended = self.wait_out(targets, &mut waiting, timeout).await;
        if matches!(ended, Ended::TimedOut | Ended::Interrupted) {
            // Where each unfinished target stands now, not at the last poll (there may have
            // been none while group calls were under way).
            if targets.iter().any(|t| !matches!(t.phase, Phase::Done(_))) {
                let fresh = tokio::time::timeout(FINAL_LOOK, self.sv.get_all_process_info()).await;
                if let Ok(Ok(infos)) = fresh {
                    for t in targets.iter_mut() {
                        if let Some(info) = t.info_in(&infos) {
                            t.last = info.clone();
                        }
                    }
                }
            }
        }
        ended
    }

    async fn wait_out(
        &mut self,
        targets: &mut [Target],
        waiting: &mut Vec<GroupWait<'a>>,
        timeout: Duration,
    ) -> Ended {
        let started = Instant::now();
        let deadline = started + timeout;
        let interrupt = tokio::signal::ctrl_c();
        tokio::pin!(interrupt);
        let mut interval = self.poll_cost.clamp(FIRST_MIN_POLL, MAX_POLL);
        // The cheapest of the recent polls: one that waited behind a burst of spawning says
        // how busy the server was, not what the poll costs.
        let mut recent: std::collections::VecDeque<Duration> =
            std::collections::VecDeque::from([self.listing_cost]);
        loop {
            if let Err(e) = self.fire_queued(targets, waiting).await {
                return Ended::Lost(e);
            }
            if targets.iter().all(|t| matches!(t.phase, Phase::Done(_))) {
                return Ended::AllDone;
            }
            if self.progress {
                show_progress(targets, started.elapsed());
            }
            let now = Instant::now();
            if now >= deadline {
                return Ended::TimedOut;
            }
            // Without a progress line to keep, a costly poll adds nothing while every
            // unfinished target awaits the answer of a group call: only wait for the answers.
            // A cheap one still ends the wait sooner (supervisord may answer a group call
            // only at its next idle loop turn, up to a second later).
            let quiet = !self.progress
                && recent.iter().min().is_some_and(|c| *c >= QUIET_COST)
                && targets
                    .iter()
                    .all(|t| t.awaited || matches!(t.phase, Phase::Done(_)));
            let wake = if quiet {
                deadline
            } else {
                (now + interval).min(deadline)
            };
            tokio::select! {
                _ = tokio::time::sleep_until(wake) => {
                    if quiet {
                        continue;
                    }
                }
                (call, answer) = next_answer(waiting), if !waiting.is_empty() => {
                    if let Err(e) = answer.map(|v| self.settle_group(targets, call, v)) {
                        return Ended::Lost(e);
                    }
                    continue;
                }
                _ = &mut interrupt => return Ended::Interrupted,
            }
            let asked = Instant::now();
            let polled = tokio::select! {
                // It may wait behind a group call that keeps the server spawning.
                r = self.sv.get_all_process_info_patiently(SPAWN_ALLOWANCE * u32::try_from(targets.len()).unwrap_or(u32::MAX)) => r,
                // A group call answered meanwhile says more, and sooner, than a large poll.
                (call, answer) = next_answer(waiting), if !waiting.is_empty() => {
                    if let Err(e) = answer.map(|v| self.settle_group(targets, call, v)) {
                        return Ended::Lost(e);
                    }
                    continue;
                }
                _ = &mut interrupt => return Ended::Interrupted,
            };
            let infos = match polled {
                Ok(i) => i,
                Err(e) => return Ended::Lost(e),
            };
            // A poll of N processes costs the server time in proportion to N; keep polls to a
            // small share of its time.
            recent.push_back(asked.elapsed());
            if recent.len() > 5 {
                recent.pop_front();
            }
            let cost = recent.iter().min().copied().unwrap_or(MIN_POLL);
            interval = (cost * 3).clamp(MIN_POLL, MAX_POLL);
            // While a waited group call is under way its answer marks the end, and each poll
            // would hold that answer back by what the poll costs the server: where that is
            // more than a trifle, poll less, only for progress and early failures.
            if !waiting.is_empty() && cost >= CHEAP_POLL {
                interval = interval.max(cost * 10).min(WAITED_MAX_POLL);
            }
            self.observe(targets, &infos);
            if tracing() {
                let n = |f: fn(&Phase) -> bool| targets.iter().filter(|t| f(&t.phase)).count();
                trace(
                    self.began,
                    format_args!(
                        "poll {:.1}ms queued {} stopping {} starting {} done {}",
                        asked.elapsed().as_secs_f64() * 1000.0,
                        n(|p| *p == Phase::Queued),
                        n(|p| *p == Phase::Stopping),
                        n(|p| matches!(p, Phase::Starting { .. })),
                        n(|p| matches!(p, Phase::Done(_)))
                    ),
                );
            }
        }
    }

    fn in_flight(targets: &[Target]) -> usize {
        targets
            .iter()
            .filter(|t| matches!(t.phase, Phase::Stopping | Phase::Starting { .. }))
            .count()
    }

    /// Fires every call that may go now: queued targets while the batch has room, and the
    /// start of each restarted process that has just stopped.
    async fn fire_queued(
        &mut self,
        targets: &mut [Target],
        waiting: &mut Vec<GroupWait<'a>>,
    ) -> Result<(), RpcError> {
        loop {
            let room = self.batch.saturating_sub(Self::in_flight(targets));
            let mut calls: Vec<(usize, &'static str)> = Vec::new();
            for (i, t) in targets.iter().enumerate() {
                if calls.len() >= room {
                    break;
                }
                if t.phase != Phase::Queued || t.held_for_call {
                    continue;
                }
                let method = match self.verb {
                    Verb::Start => "supervisor.startProcess",
                    Verb::Stop => "supervisor.stopProcess",
                    Verb::Restart if is_running_state(t.last.state) => "supervisor.stopProcess",
                    Verb::Restart => "supervisor.startProcess",
                };
                calls.push((i, method));
            }
            if calls.is_empty() {
                return Ok(());
            }
            let (waited, plan) = self.plan(targets, &calls);
            for call in waited {
                let Call::Group {
                    group,
                    method,
                    members,
                } = call
                else {
                    continue;
                };
                for &i in &members {
                    let t = &mut targets[i];
                    if method.ends_with("stopProcess") {
                        t.phase = Phase::Stopping;
                        // A restart starts each process as soon as a poll sees it stopped.
                        t.awaited = self.verb != Verb::Restart;
                    } else {
                        t.phase = Phase::Starting { spawned_at: None };
                        t.unconfirmed_start = Some(t.last.start);
                        t.awaited = true;
                    }
                }
                let sv = self.sv;
                let patience = SPAWN_ALLOWANCE * u32::try_from(members.len()).unwrap_or(u32::MAX);
                let call = Call::Group {
                    group: group.clone(),
                    method,
                    members,
                };
                waiting.push(Box::pin(async move {
                    let answer = sv
                        .transport
                        .call_patiently(
                            &format!("{method}Group"),
                            &[Value::from(group.as_str()), Value::Bool(true)],
                            patience,
                        )
                        .await;
                    (call, answer)
                }));
            }
            if plan.is_empty() {
                return Ok(());
            }
            let requests: Vec<(String, Vec<Value>)> =
                plan.iter().map(|c| c.request(targets)).collect();
            let answers = self.fire(&requests).await?;
            let mut results: Vec<(usize, &'static str, Result<Value, Fault>)> = Vec::new();
            for (call, answer) in plan.into_iter().zip(answers) {
                call.spread(targets, answer, &mut results);
            }
            if !self.apply(targets, results) {
                return Ok(());
            }
        }
    }

    /// Each target's phase after the answer to the call fired for it (`wait=false`). True if
    /// a restarted process turned out not running, so that its start can be fired at once.
    fn apply(
        &self,
        targets: &mut [Target],
        results: Vec<(usize, &'static str, Result<Value, Fault>)>,
    ) -> bool {
        let mut again = false;
        for (i, method, result) in results {
            let t = &mut targets[i];
            let stopping = method.ends_with("stopProcess");
            t.phase = match (stopping, result) {
                (true, Ok(_)) => Phase::Stopping,
                (false, Ok(_)) => Phase::Starting { spawned_at: None },
                (false, Err(f)) => Phase::Done(start_fault(&f)),
                (true, Err(f)) => match (self.verb, stop_fault(&f)) {
                    // Stopped meanwhile: a restart goes straight on to the start.
                    (Verb::Restart, Outcome::NotRunning) => {
                        t.last.state = state::STOPPED;
                        again = true;
                        Phase::Queued
                    }
                    (_, o) => Phase::Done(o),
                },
            };
        }
        again
    }

    /// Turns the calls due into requests: one group call for each group whose every process
    /// is due for the same call (not on old servers, which serialise group calls), and one
    /// call per process for the rest.
    ///
    /// A group call whose every process will really be acted on (none already in the state
    /// asked for) is sent on its own with `wait=true`, and answered by supervisord the moment
    /// the last process got there; the polls meanwhile only report progress and failures, so
    /// they can be sparse at large N without delaying the end. Those calls come first in the
    /// returned pair.
    fn plan(&self, targets: &[Target], calls: &[(usize, &'static str)]) -> (Vec<Call>, Vec<Call>) {
        let mut per_group: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, method) in calls {
            per_group
                .entry((targets[*i].last.group.as_str(), method))
                .or_default()
                .push(*i);
        }
        let mut waited = Vec::new();
        let mut plan = Vec::new();
        let mut grouped = vec![false; targets.len()];
        if !self.old_server {
            let mut groups: Vec<_> = per_group.into_iter().collect();
            groups.sort();
            for ((group, method), members) in groups {
                if members.len() > 1 && self.group_sizes.get(group) == Some(&members.len()) {
                    members.iter().for_each(|i| grouped[*i] = true);
                    let acts_on_all = members.iter().all(|i| {
                        let s = targets[*i].last.state;
                        if method.ends_with("stopProcess") {
                            is_running_state(s)
                        } else {
                            !is_running_state(s) && s != state::STOPPING
                        }
                    });
                    let call = Call::Group {
                        group: group.to_owned(),
                        method,
                        members,
                    };
                    if acts_on_all {
                        waited.push(call)
                    } else {
                        plan.push(call)
                    }
                }
            }
        }
        plan.extend(
            calls
                .iter()
                .filter(|(i, _)| !grouped[*i])
                .map(|(i, m)| Call::One {
                    index: *i,
                    method: m,
                }),
        );
        (waited, plan)
    }

    /// The answer to a group call with `wait=true`: each process's final word, for those the
    /// polls have not settled already.
    fn settle_group(&mut self, targets: &mut [Target], call: Call, answer: Value) {
        trace(self.began, "group call answered");
        targets.iter_mut().for_each(|t| t.held_for_call = false);
        let mut results = Vec::new();
        call.spread(targets, Ok(answer), &mut results);
        for (i, method, result) in results {
            let t = &mut targets[i];
            t.awaited = false;
            let stopping = method.ends_with("stopProcess");
            let pending = if stopping {
                t.phase == Phase::Stopping
            } else {
                matches!(t.phase, Phase::Starting { .. })
            };
            if !pending {
                continue;
            }
            t.phase = match (stopping, result) {
                (false, Ok(_)) => Phase::Done(Outcome::Started),
                (true, Ok(_)) if self.verb == Verb::Restart => {
                    t.last.state = state::STOPPED;
                    Phase::Queued
                }
                (true, Ok(_)) => Phase::Done(Outcome::Stopped),
                (false, Err(f)) => Phase::Done(start_fault(&f)),
                (true, Err(f)) => match (self.verb, stop_fault(&f)) {
                    (Verb::Restart, Outcome::NotRunning) => {
                        t.last.state = state::STOPPED;
                        Phase::Queued
                    }
                    (_, o) => Phase::Done(o),
                },
            };
        }
    }

    /// One request with every call (`system.multicall`), or, against servers that serialise
    /// multicalls, the calls spread over a small fixed pool of concurrent connections.
    async fn fire(
        &self,
        calls: &[(String, Vec<Value>)],
    ) -> Result<Vec<Result<Value, Fault>>, RpcError> {
        if !self.old_server {
            // supervisord handles a multicall in one go, its loop blocked meanwhile; spawning
            // is its costliest work, so keep each request to a bounded amount of it.
            let mut answers = Vec::with_capacity(calls.len());
            for chunk in calls.chunks(CALLS_PER_REQUEST) {
                let work: usize = chunk
                    .iter()
                    .map(|(m, _)| {
                        if m.ends_with("Group") {
                            self.largest_group
                        } else {
                            1
                        }
                    })
                    .sum();
                let patience = SPAWN_ALLOWANCE * u32::try_from(work).unwrap_or(u32::MAX);
                answers.extend(self.sv.multicall_patiently(chunk, patience).await?);
            }
            return Ok(answers);
        }
        let lanes = OLD_SERVER_LANES.min(calls.len()).max(1);
        let lane_futures: Vec<_> = (0..lanes)
            .map(|lane| async move {
                let mut out = Vec::new();
                for (i, (method, params)) in calls.iter().enumerate().skip(lane).step_by(lanes) {
                    let r = match self.sv.call(method, params).await {
                        Ok(v) => Ok(v),
                        Err(RpcError::Fault { fault, .. }) => Err(fault),
                        Err(e) => return Err(e),
                    };
                    out.push((i, r));
                }
                Ok(out)
            })
            .collect();
        let mut results: Vec<Option<Result<Value, Fault>>> = vec![None; calls.len()];
        for lane in join_all(lane_futures).await {
            for (i, r) in lane? {
                results[i] = Some(r);
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Fault::new(FaultCode::Failed, "no answer"))))
            .collect())
    }

    fn observe(&self, targets: &mut [Target], infos: &[ProcessInfo]) {
        // A process being stopped that is seen out of its running state shows that the group
        // stop under way has been acted on (it acts on the whole group at once).
        let acted = targets.iter().any(|t| {
            t.phase == Phase::Stopping
                && t.info_in(infos).is_some_and(|i| !is_running_state(i.state))
        });
        if acted {
            targets.iter_mut().for_each(|t| t.held_for_call = false);
        }
        for t in targets.iter_mut() {
            let Some(info) = t.info_in(infos) else {
                if !matches!(t.phase, Phase::Done(_)) {
                    t.phase = Phase::Done(failed(
                        "no such process",
                        exit::GENERIC,
                        "removed while waiting",
                    ));
                }
                continue;
            };
            t.last = info.clone();
            let s = info.state;
            if let Some(before) = t.unconfirmed_start {
                if info.start == before && state::is_stopped(s) {
                    continue;
                }
                t.unconfirmed_start = None;
            }
            t.phase = match std::mem::replace(&mut t.phase, Phase::Queued) {
                Phase::Stopping if state::is_stopped(s) => match self.verb {
                    // Just stopped: it is started on the next round of firing.
                    Verb::Restart => {
                        t.last.state = state::STOPPED;
                        Phase::Queued
                    }
                    _ => Phase::Done(Outcome::Stopped),
                },
                Phase::Starting { spawned_at } => match s {
                    state::RUNNING => Phase::Done(Outcome::Started),
                    state::STARTING => match spawned_at {
                        Some(at) if at != info.start => Phase::Done(failed(
                            "spawn error",
                            exit::NOT_RUNNING,
                            &retry_reason(info),
                        )),
                        _ => Phase::Starting {
                            spawned_at: Some(info.start),
                        },
                    },
                    state::BACKOFF | state::FATAL if !info.spawnerr.is_empty() => {
                        Phase::Done(failed("spawn error", exit::NOT_RUNNING, &info.spawnerr))
                    }
                    _ => Phase::Done(failed(
                        "abnormal termination",
                        exit::NOT_RUNNING,
                        &info.description,
                    )),
                },
                other => other,
            };
        }
    }
}

/// A call under way, and what it answers.
type Answer<'a> = Pin<Box<dyn Future<Output = Result<Value, RpcError>> + 'a>>;

/// A group call with `wait=true` under way, and what it answers.
type GroupWait<'a> = Pin<Box<dyn Future<Output = (Call, Result<Value, RpcError>)> + 'a>>;

/// The first of the calls under way to be answered (removed from the list).
async fn next_answer<'a>(waiting: &mut Vec<GroupWait<'a>>) -> (Call, Result<Value, RpcError>) {
    std::future::poll_fn(|cx| {
        for i in 0..waiting.len() {
            if let Poll::Ready(out) = waiting[i].as_mut().poll(cx) {
                drop(waiting.swap_remove(i));
                return Poll::Ready(out);
            }
        }
        Poll::Pending
    })
    .await
}

/// One call to fire: for one process, or for a whole group.
enum Call {
    One {
        index: usize,
        method: &'static str,
    },
    Group {
        group: String,
        method: &'static str,
        members: Vec<usize>,
    },
}

impl Call {
    fn request(&self, targets: &[Target]) -> (String, Vec<Value>) {
        match self {
            Call::One { index, method } => (
                (*method).to_owned(),
                vec![
                    Value::from(targets[*index].rpcname.as_str()),
                    Value::Bool(false),
                ],
            ),
            Call::Group { group, method, .. } => (
                format!("{method}Group"),
                vec![Value::from(group.as_str()), Value::Bool(false)],
            ),
        }
    }

    /// Each target's own result. A group call answers only for the processes it acted on:
    /// the others were already in the state asked for.
    fn spread(
        self,
        targets: &[Target],
        answer: Result<Value, Fault>,
        out: &mut Vec<(usize, &'static str, Result<Value, Fault>)>,
    ) {
        match self {
            Call::One { index, method } => out.push((index, method, answer)),
            Call::Group {
                method, members, ..
            } => {
                let results = match answer.map(crate::api::results_from) {
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => {
                        let f = Fault::new(FaultCode::Failed, e.to_string());
                        members
                            .into_iter()
                            .for_each(|i| out.push((i, method, Err(f.clone()))));
                        return;
                    }
                    Err(f) => {
                        members
                            .into_iter()
                            .for_each(|i| out.push((i, method, Err(f.clone()))));
                        return;
                    }
                };
                for i in members {
                    let t = &targets[i];
                    let r = results
                        .iter()
                        .find(|r| r.group == t.last.group && r.name == t.last.name);
                    let result = match r {
                        Some(r) if r.status == FaultCode::Success as i64 => Ok(Value::Bool(true)),
                        Some(r) => Err(Fault::new(r.status, r.description.clone())),
                        None if method.ends_with("startProcess") => {
                            Err(Fault::new(FaultCode::AlreadyStarted, ""))
                        }
                        None => Err(Fault::new(FaultCode::NotRunning, "")),
                    };
                    out.push((i, method, result));
                }
            }
        }
    }
}

fn retry_reason(info: &ProcessInfo) -> String {
    if info.spawnerr.is_empty() {
        "exited and was started again".to_owned()
    } else {
        info.spawnerr.clone()
    }
}

fn show_progress(targets: &[Target], elapsed: Duration) {
    use std::io::Write;
    let (mut done, mut failed) = (0, 0);
    for t in targets {
        match &t.phase {
            Phase::Done(o) if is_failure(o) => failed += 1,
            Phase::Done(_) => done += 1,
            _ => {}
        }
    }
    let pending = targets.len() - done - failed;
    let mut out = std::io::stdout();
    let _ = write!(
        out,
        "\r\x1b[2K{done} done, {failed} failed, {pending} pending ({:.1}s)",
        elapsed.as_secs_f64()
    );
    let _ = out.flush();
}

fn is_failure(o: &Outcome) -> bool {
    matches!(o, Outcome::Failed { .. } | Outcome::Verbatim { .. })
}

/// Polls every future to completion concurrently on this task, keeping their order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_patterns() {
        let o = parse_opts("app: --batch 4 --timeout=2.5 web").unwrap();
        assert_eq!(o.batch, 4);
        assert_eq!(o.timeout, Duration::from_secs_f64(2.5));
        assert_eq!(o.patterns, ["app:", "web"]);
        assert!(
            parse_opts("--batch")
                .unwrap_err()
                .contains("requires a value")
        );
        assert!(parse_opts("--batch 0 x").unwrap_err().contains("above 0"));
        assert!(
            parse_opts("--timeout -1 x")
                .unwrap_err()
                .contains("seconds")
        );
        assert!(
            parse_opts("--bogus x")
                .unwrap_err()
                .contains("unknown option")
        );
        assert_eq!(parse_opts("-- --weird").unwrap().patterns, ["--weird"]);
    }

    #[test]
    fn json_option() {
        let o = parse_opts("--json app: --batch=2").unwrap();
        assert!(o.json);
        assert_eq!(o.patterns, ["app:"]);
        assert!(!parse_opts("app:").unwrap().json);
        assert!(
            parse_opts("--json=yes app:")
                .unwrap_err()
                .contains("no value")
        );
    }

    #[test]
    fn the_options_completion_offers_are_the_ones_taken() {
        let model = crate::completion::model::model();
        for verb in crate::commands::registry::QUICK_COMMANDS {
            let sub = model.find_subcommand(verb).unwrap();
            for arg in sub.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                let line = if arg.get_action().takes_values() {
                    format!("--{long} 3 x")
                } else {
                    format!("--{long} x")
                };
                assert!(parse_opts(&line).is_ok(), "{verb} {line}");
            }
        }
    }

    #[test]
    fn old_servers_are_recognised() {
        assert!(serialises_multicall("3.1.3"));
        assert!(serialises_multicall("3.0"));
        assert!(!serialises_multicall("3.2.0"));
        assert!(!serialises_multicall("4.3.0"));
        assert!(!serialises_multicall("weird"));
    }
}
