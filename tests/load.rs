//! Load: 16 clients running quick verbs at once against one supervisord with 1000 processes,
//! while two more run `status` over and over and a monitor times supervisord's answer to a
//! small call. Every client finishes, every state it reports is the one supervisord then
//! holds, every `status` lists all 1000, and supervisord stays responsive throughout (every
//! small call is answered; the longest wait is a figure). The figures are printed (run with
//! `--nocapture` to see them).

mod support;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::{Output, ProcInfo, Supervisord};

/// The clients' timeout (`SUPERVISOR_QUICK_TIMEOUT`). A start of many processes blocks
/// supervisord's loop for as long as the spawning takes (it spawns a whole group, or a whole
/// multicall, in one go): with 16 clients starting 1000 processes at once on a small, busy
/// machine that is many seconds, which the monitor measures. The default 10 s (and its probe)
/// would call such a server lost; this test is about correctness and responsiveness under
/// load, the timeouts have tests of their own (tests/hostile.rs).
const CLIENT_TIMEOUT: &str = "60";
const GROUPS: usize = 16;
const TOTAL: usize = 1000;

/// Processes in group `g` (16 groups: 1000 = 8 × 63 + 8 × 62).
fn group_size(g: usize) -> usize {
    if g < 8 { 63 } else { 62 }
}

fn programs() -> String {
    let mut ini = String::new();
    for g in 0..GROUPS {
        ini.push_str(&format!(
            "[program:g{g:02}]\ncommand=sleep 100000\nprocess_name=g{g:02}_%(process_num)02d\nnumprocs={}\n\
             autostart=false\nstartsecs=1\nstopwaitsecs=5\nstdout_logfile=NONE\nredirect_stderr=true\n\n",
            group_size(g)
        ));
    }
    ini
}

/// What the monitor and the status clients saw while a phase ran.
#[derive(Default)]
struct Watch {
    /// getState round trips (a fresh connection each), seconds.
    small_calls: Vec<f64>,
    /// `supervisor-quick status` runs (1000 lines each), seconds.
    status_runs: Vec<f64>,
    failures: Vec<String>,
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

/// Runs `verb gNN:` from 16 clients at once, with the watchers going; returns each client's
/// output and time, and what the watchers saw.
fn phase(sv: &Supervisord, verb: &str) -> (Vec<(Output, f64)>, Watch, f64) {
    let watch = Mutex::new(Watch::default());
    let done = AtomicBool::new(false);
    let began = Instant::now();
    let state_call = support::xml::method_call("supervisor.getState", &[]);
    let results = thread::scope(|s| {
        // The monitor: a small call every 100 ms, and at least five of them, so that a phase
        // over in a second is not judged by the one or two calls that met its busiest turn.
        s.spawn(|| {
            let mut calls = 0;
            while !done.load(Ordering::SeqCst) || calls < 5 {
                calls += 1;
                let t = Instant::now();
                let r = support::server::post_unix(
                    sv.socket_path(),
                    None,
                    &state_call,
                    Duration::from_secs(120),
                );
                let took = t.elapsed().as_secs_f64();
                let mut w = watch.lock().unwrap_or_else(|e| e.into_inner());
                match r {
                    Ok(doc) if doc.contains("RUNNING") => w.small_calls.push(took),
                    other => w.failures.push(format!("getState: {other:?}")),
                }
                drop(w);
                thread::sleep(Duration::from_millis(100));
            }
        });
        // Two clients running status over and over.
        for _ in 0..2 {
            s.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    let t = Instant::now();
                    let out = sv
                        .ours_cmd()
                        .env("SUPERVISOR_QUICK_TIMEOUT", CLIENT_TIMEOUT)
                        .timeout(Duration::from_secs(120))
                        .args(["status"])
                        .run();
                    let took = t.elapsed().as_secs_f64();
                    let mut w = watch.lock().unwrap_or_else(|e| e.into_inner());
                    if out.stdout.lines().count() != TOTAL
                        || !matches!(out.status, 0 | 3)
                        || !out.stderr.is_empty()
                    {
                        w.failures.push(format!(
                            "status: exit {} with {} lines: {}{}",
                            out.status,
                            out.stdout.lines().count(),
                            out.stdout.lines().next().unwrap_or(""),
                            out.stderr
                        ));
                    } else {
                        w.status_runs.push(took);
                    }
                }
            });
        }
        let clients: Vec<_> = (0..GROUPS)
            .map(|g| {
                s.spawn(move || {
                    let t = Instant::now();
                    let out = sv
                        .ours_cmd()
                        .env("SUPERVISOR_QUICK_TIMEOUT", CLIENT_TIMEOUT)
                        .timeout(Duration::from_secs(240))
                        .args([verb, "--timeout", "180", &format!("g{g:02}:")])
                        .run();
                    (out, t.elapsed().as_secs_f64())
                })
            })
            .collect();
        let results: Vec<(Output, f64)> = clients
            .into_iter()
            .map(|h| h.join().expect("a client thread"))
            .collect();
        done.store(true, Ordering::SeqCst);
        results
    });
    let took = began.elapsed().as_secs_f64();
    (
        results,
        watch.into_inner().unwrap_or_else(|e| e.into_inner()),
        took,
    )
}

/// Every client said `word` for each process of its group, in order, and exited 0; and
/// supervisord now holds `state` for every one of them.
#[track_caller]
fn check(verb: &str, results: &[(Output, f64)], word: &str, procs: &[ProcInfo], state: &str) {
    for (g, (out, _)) in results.iter().enumerate() {
        assert_eq!(out.status, 0, "{verb} g{g:02}:\n{out}");
        let want: Vec<String> = (0..group_size(g))
            .map(|i| format!("g{g:02}:g{g:02}_{i:02}: {word}"))
            .collect();
        let got: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(got, want, "{verb} g{g:02}:\n{out}");
        assert_eq!(out.stderr, "", "{verb} g{g:02}:\n{out}");
    }
    assert_eq!(procs.len(), TOTAL);
    let wrong: Vec<String> = procs
        .iter()
        .filter(|p| p.statename != state)
        .map(|p| format!("{} {}", p.full_name(), p.statename))
        .collect();
    assert!(
        wrong.is_empty(),
        "{verb}: reported {word}, but supervisord says: {wrong:?}"
    );
}

#[track_caller]
fn report(verb: &str, results: &[(Output, f64)], watch: &Watch, took: f64) {
    let times: Vec<f64> = results.iter().map(|(_, t)| *t).collect();
    eprintln!(
        "[load] {verb} x16 (1000 processes): wall {took:.1}s; clients median {:.1}s max {:.1}s; \
         getState max {:.0}ms median {:.0}ms over {} calls; status (1000 lines) x{} max {:.2}s median {:.2}s",
        median(&times),
        max(&times),
        max(&watch.small_calls) * 1000.0,
        median(&watch.small_calls) * 1000.0,
        watch.small_calls.len(),
        watch.status_runs.len(),
        max(&watch.status_runs),
        median(&watch.status_runs),
    );
    assert!(watch.failures.is_empty(), "{verb}: {:?}", watch.failures);
    assert!(
        !watch.small_calls.is_empty() && !watch.status_runs.is_empty(),
        "{verb}: the watchers saw nothing"
    );
    // Responsive throughout: every small call was answered (none failed, above), and most at
    // once. The longest wait is a figure, not a limit: supervisord spawns with its loop
    // blocked, for as long as the machine makes a burst of spawns take.
    assert!(
        median(&watch.small_calls) < 1.0,
        "{verb}: getState took {:.1}s (median)",
        median(&watch.small_calls)
    );
}

#[test]
fn sixteen_clients_with_quick_verbs_and_status_against_1000_processes() {
    let started = Instant::now();
    let sv = Supervisord::builder()
        .programs(&programs())
        .supervisord_lines("minfds=16384\nminprocs=4096")
        .stop_timeout(Duration::from_secs(30))
        .start();
    assert_eq!(sv.processes().len(), TOTAL);
    eprintln!(
        "[load] supervisord with 1000 processes up in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let (results, watch, took) = phase(&sv, "quickstart");
    report("quickstart", &results, &watch, took);
    let running = sv.processes();
    check("quickstart", &results, "started", &running, "RUNNING");

    let (results, watch, took) = phase(&sv, "quickrestart");
    report("quickrestart", &results, &watch, took);
    let restarted = sv.processes();
    check("quickrestart", &results, "started", &restarted, "RUNNING");
    for p in &restarted {
        let old = running
            .iter()
            .find(|o| o.full_name() == p.full_name())
            .map(|o| o.pid);
        assert_ne!(old, Some(p.pid), "{} kept its pid", p.full_name());
    }

    let (results, watch, took) = phase(&sv, "quickstop");
    report("quickstop", &results, &watch, took);
    check("quickstop", &results, "stopped", &sv.processes(), "STOPPED");
    eprintln!("[load] total {:.1}s", started.elapsed().as_secs_f64());
}
