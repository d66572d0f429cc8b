//! Hostile and broken servers, and bad input from the user.
//!
//! A server of these tests' own (on loopback TCP or a temp unix socket) misbehaves in one way
//! per test: it never answers, dribbles its answer byte by byte, closes mid-body, sends invalid
//! XML, a fault of the wrong shape, a wrong Content-Length, chunked garbage, a 500, a 401, a
//! redirect, a body of 1 GiB (streamed lazily, never allocated), arrays nested 100 000 deep, a
//! billion laughs, or the answer to another method. Each case must end with a clear error and a
//! defined exit status within the timeout (`SUPERVISOR_QUICK_TIMEOUT=1` here), in bounded
//! memory and without a panic: in one-shot mode, in the shell (which goes on to the next line)
//! and in the middle of a quick verb (which says where each target stands). Where stock
//! supervisorctl has an answer (it has no timeout, so not for a silent server), ours is compared
//! with it.
//!
//! Bad input from the user: every command with missing, extra and malformed arguments (empty,
//! very long, non-UTF-8, shell metacharacters, a glob that matches nothing) against a real
//! supervisord, compared with stock; the quick verbs, which stock lacks, are held to clear
//! messages and non-zero statuses. The fuzz corpora are replayed through the decoder and the
//! config reader (a crash the fuzzers find is added there and so becomes a regression test).

mod support;

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use support::{
    Invocation, Mask, Output, Supervisord, Version, assert_outputs_same, ours_exe, unique_temp_dir,
    xml,
};

/// The client's timeout in these tests (`SUPERVISOR_QUICK_TIMEOUT`), in seconds.
const TIMEOUT: &str = "1";
/// However a hostile server behaves, a run of ours ends within this (the timeout, the liveness
/// probe's own timeout, and much slack for a loaded machine).
const BOUND: Duration = Duration::from_secs(12);
/// One GiB.
const GIB: u64 = 1 << 30;

// ---- a hostile server --------------------------------------------------------------------------

enum Sock {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Sock {
    fn set_read_timeout(&self, d: Duration) {
        let _ = match self {
            Sock::Unix(s) => s.set_read_timeout(Some(d)),
            Sock::Tcp(s) => s.set_read_timeout(Some(d)),
        };
    }
}

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Unix(s) => s.read(buf),
            Sock::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Unix(s) => s.write(buf),
            Sock::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One connection, as a script sees it. Writes are counted, and fail once the client has hung
/// up or the server is being dropped.
struct Conn<'a> {
    sock: &'a mut Sock,
    stop: &'a AtomicBool,
    sent: &'a AtomicU64,
}

impl Conn<'_> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(io::Error::other("server stopping"));
        }
        self.sock.write_all(bytes)?;
        self.sent.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        Ok(())
    }

    /// One byte at a time, `every` apart.
    fn dribble(&mut self, bytes: &[u8], every: Duration) -> io::Result<()> {
        for b in bytes {
            self.send(&[*b])?;
            thread::sleep(every);
        }
        Ok(())
    }

    /// `total` bytes of filler, made as they are sent (64 KiB at a time), in chunks of the
    /// chunked encoding if asked; stops as soon as the client is gone.
    fn stream_filler(&mut self, total: u64, chunked: bool) -> io::Result<()> {
        let block = vec![b'x'; 64 * 1024];
        let mut left = total;
        while left > 0 {
            let n = left.min(block.len() as u64) as usize;
            if chunked {
                self.send(format!("{n:x}\r\n").as_bytes())?;
                self.send(&block[..n])?;
                self.send(b"\r\n")?;
            } else {
                self.send(&block[..n])?;
            }
            left -= n as u64;
        }
        if chunked {
            self.send(b"0\r\n\r\n")?;
        }
        Ok(())
    }

    /// Holds the connection open, silent, until the server is dropped.
    fn hang(&self) {
        while !self.stop.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// What happens to the connection after a script has answered.
enum Next {
    Keep,
    Close,
}

/// A script gets each request's method name and body, and answers on the connection itself.
type Script = dyn Fn(&str, &[u8], &mut Conn) -> Next + Send + Sync;

/// A server on a thread of its own (and one per connection) running a script. Dropping it
/// releases every connection and removes its socket dir.
struct Hostile {
    url: String,
    dir: Option<PathBuf>,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    accept: Option<JoinHandle<()>>,
}

impl Hostile {
    fn tcp(script: impl Fn(&str, &[u8], &mut Conn) -> Next + Send + Sync + 'static) -> Hostile {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        l.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", l.local_addr().expect("addr"));
        Self::spawn(url, None, Arc::new(script), move || {
            l.accept().map(|(s, _)| {
                let _ = s.set_nonblocking(false);
                Sock::Tcp(s)
            })
        })
    }

    fn unix(script: impl Fn(&str, &[u8], &mut Conn) -> Next + Send + Sync + 'static) -> Hostile {
        let dir = unique_temp_dir("fake");
        let path = dir.join("hostile.sock");
        let l =
            UnixListener::bind(&path).unwrap_or_else(|e| panic!("bind {}: {e}", path.display()));
        l.set_nonblocking(true).expect("nonblocking");
        let url = format!("unix://{}", path.display());
        Self::spawn(url, Some(dir), Arc::new(script), move || {
            l.accept().map(|(s, _)| {
                let _ = s.set_nonblocking(false);
                Sock::Unix(s)
            })
        })
    }

    fn spawn(
        url: String,
        dir: Option<PathBuf>,
        script: Arc<Script>,
        mut accept: impl FnMut() -> io::Result<Sock> + Send + 'static,
    ) -> Hostile {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let (st, se) = (stop.clone(), sent.clone());
        let accept = thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match accept() {
                    Ok(sock) => {
                        let (st, se, sc) = (st.clone(), se.clone(), script.clone());
                        thread::spawn(move || serve(sock, &st, &se, &*sc));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Hostile {
            url,
            dir,
            stop,
            sent,
            accept: Some(accept),
        }
    }

    fn url(&self) -> &str {
        &self.url
    }

    /// Bytes written to clients so far.
    fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Reads requests (head and Content-Length body) and hands each to the script.
fn serve(mut sock: Sock, stop: &AtomicBool, sent: &AtomicU64, script: &Script) {
    sock.set_read_timeout(Duration::from_millis(100));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let (body, used) = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    break (buf[end + 4..end + 4 + len].to_vec(), end + 4 + len);
                }
            }
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match sock.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return,
            }
        };
        buf.drain(..used);
        let method = xml::method_name(&body).unwrap_or_default();
        let mut conn = Conn {
            sock: &mut sock,
            stop,
            sent,
        };
        match script(&method, &body, &mut conn) {
            Next::Keep => {}
            Next::Close => return,
        }
    }
}

// ---- answers -----------------------------------------------------------------------------------

fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 {status}\r\nServer: Medusa/1.12\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n{headers}\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

fn ok(body: &str) -> Vec<u8> {
    http("200 OK", "", body.as_bytes())
}

/// The head of a 200 whose body follows separately (`length` None: chunked).
fn head_200(length: Option<u64>) -> Vec<u8> {
    match length {
        Some(n) => {
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {n}\r\n\r\n")
                .into_bytes()
        }
        None => b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec(),
    }
}

/// The processes the fake server has: `a`, `b` and `c`, each alone in its group.
const NAMES: [&str; 3] = ["a", "b", "c"];

fn process_list(statename: &str, state: i64) -> String {
    let infos: Vec<String> = NAMES
        .iter()
        .map(|n| {
            xml::structure(&[
                ("name", xml::string(n)),
                ("group", xml::string(n)),
                ("state", xml::int(state)),
                ("statename", xml::string(statename)),
                (
                    "description",
                    xml::string(if state == 20 {
                        "pid 42, uptime 0:00:01"
                    } else {
                        "Not started"
                    }),
                ),
                ("pid", xml::int(if state == 20 { 42 } else { 0 })),
                ("start", xml::int(0)),
                ("stop", xml::int(0)),
                ("now", xml::int(0)),
                ("spawnerr", xml::string("")),
                ("exitstatus", xml::int(0)),
                ("logfile", xml::string("/dev/null")),
                ("stdout_logfile", xml::string("/dev/null")),
                ("stderr_logfile", xml::string("")),
            ])
        })
        .collect();
    xml::method_response(&xml::array(&infos))
}

/// What a healthy supervisord 4.3.0 with three stopped processes answers.
fn healthy(method: &str, body: &[u8]) -> Vec<u8> {
    match method {
        "supervisor.getVersion" | "supervisor.getAPIVersion" => {
            ok(&xml::method_response(&xml::string("3.0")))
        }
        "supervisor.getSupervisorVersion" => ok(&xml::method_response(&xml::string("4.3.0"))),
        "supervisor.getState" => ok(&xml::method_response(&xml::structure(&[
            ("statecode", xml::int(1)),
            ("statename", xml::string("RUNNING")),
        ]))),
        "supervisor.getAllProcessInfo" => ok(&process_list("STOPPED", 0)),
        "system.multicall" => {
            let calls = String::from_utf8_lossy(body)
                .matches("<name>methodName</name>")
                .count();
            let answers: Vec<String> = (0..calls).map(|_| xml::boolean(true)).collect();
            ok(&xml::method_response(&xml::array(&answers)))
        }
        _ => ok(&xml::fault_response(1, "UNKNOWN_METHOD")),
    }
}

fn answer(conn: &mut Conn, bytes: &[u8]) -> Next {
    match conn.send(bytes) {
        Ok(()) => Next::Keep,
        Err(_) => Next::Close,
    }
}

/// A server that is healthy except that `bad` answers whatever `pred` picks.
fn hostile_for(
    pred: impl Fn(&str) -> bool + Send + Sync + 'static,
    bad: impl Fn(&mut Conn) -> Next + Send + Sync + 'static,
) -> impl Fn(&str, &[u8], &mut Conn) -> Next + Send + Sync + 'static {
    move |method, body, conn| {
        if pred(method) {
            bad(conn)
        } else {
            let reply = healthy(method, body);
            answer(conn, &reply)
        }
    }
}

/// Every misbehaviour, by name: what the server does instead of answering.
fn misbehaviour(kind: &str) -> Box<dyn Fn(&mut Conn) -> Next + Send + Sync> {
    let response = |s: &str| xml::method_response(s);
    match kind {
        "never answers" => Box::new(|c: &mut Conn| {
            c.hang();
            Next::Close
        }),
        "dribbles byte by byte" => Box::new(|c: &mut Conn| {
            let all = ok(&process_list("STOPPED", 0));
            let _ = c.dribble(&all, Duration::from_millis(20));
            Next::Close
        }),
        "dribbles its body" => Box::new(|c: &mut Conn| {
            let _ = c.send(&head_200(Some(10 << 20)));
            let _ = c.dribble(&[b' '; 100_000], Duration::from_millis(20));
            Next::Close
        }),
        "closes mid-body" => Box::new(|c: &mut Conn| {
            let _ = c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<?xml version='1.0'?><methodResponse>");
            Next::Close
        }),
        "closes without answering" => Box::new(|_: &mut Conn| Next::Close),
        "sends invalid XML" => Box::new(|c: &mut Conn| {
            answer(
                c,
                &ok(
                    "<methodResponse><params><param><value><string>3.0</str></value></param></params></methodResponse>",
                ),
            )
        }),
        "sends a fault of the wrong shape" => Box::new(|c: &mut Conn| {
            answer(
                c,
                &ok(
                    "<?xml version='1.0'?><methodResponse><fault><value><struct><member><name>faultCode</name>\
                     <value><string>x</string></value></member></struct></value></fault></methodResponse>",
                ),
            )
        }),
        "sends a short Content-Length" => Box::new(move |c: &mut Conn| {
            let doc = response(&xml::string("3.0"));
            let mut v =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 20\r\n\r\n".to_vec();
            v.extend_from_slice(doc.as_bytes());
            let _ = c.send(&v);
            Next::Close
        }),
        "sends a long Content-Length" => Box::new(move |c: &mut Conn| {
            let doc = response(&xml::string("3.0"));
            let mut v =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n"
                    .to_vec();
            v.extend_from_slice(doc.as_bytes());
            let _ = c.send(&v);
            Next::Close
        }),
        "sends chunked garbage" => Box::new(|c: &mut Conn| {
            let _ = c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
            Next::Close
        }),
        "answers 500" => {
            Box::new(|c: &mut Conn| answer(c, &http("500 Internal Server Error", "", b"oops")))
        }
        "answers 401" => Box::new(|c: &mut Conn| {
            answer(
                c,
                &http(
                    "401 Unauthorized",
                    "WWW-Authenticate: Basic realm=\"default\"\r\n",
                    b"",
                ),
            )
        }),
        "redirects" => Box::new(|c: &mut Conn| {
            answer(
                c,
                &http("302 Found", "Location: http://127.0.0.1:1/RPC2\r\n", b""),
            )
        }),
        "redirects permanently" => Box::new(|c: &mut Conn| {
            answer(
                c,
                &http("301 Moved Permanently", "Location: /elsewhere\r\n", b""),
            )
        }),
        "sends 1 GiB" => Box::new(|c: &mut Conn| {
            let _ = c.send(&head_200(Some(GIB)));
            let _ = c.stream_filler(GIB, false);
            Next::Close
        }),
        "sends 1 GiB chunked" => Box::new(|c: &mut Conn| {
            let _ = c.send(&head_200(None));
            let prefix = "<?xml version='1.0'?><methodResponse><params><param><value><string>";
            let _ = c.send(format!("{:x}\r\n{prefix}\r\n", prefix.len()).as_bytes());
            let _ = c.stream_filler(GIB, true);
            Next::Close
        }),
        "nests arrays 100 000 deep" => Box::new(|c: &mut Conn| {
            let depth = 100_000;
            let doc = format!(
                "<?xml version='1.0'?><methodResponse><params><param>{}{}</param></params></methodResponse>",
                "<value><array><data>".repeat(depth),
                "</data></array></value>".repeat(depth)
            );
            answer(c, &ok(&doc))
        }),
        "sends a billion laughs" => Box::new(|c: &mut Conn| {
            let mut doc =
                String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
            for i in 1..10 {
                let prev = if i == 1 {
                    "lol".to_string()
                } else {
                    format!("lol{}", i - 1)
                };
                doc.push_str(&format!(
                    "<!ENTITY lol{i} \"{}\">\n",
                    format!("&{prev};").repeat(10)
                ));
            }
            doc.push_str("]>\n<methodResponse><params><param><value><string>&lol9;</string></value></param></params></methodResponse>\n");
            answer(c, &ok(&doc))
        }),
        "answers another method" => {
            Box::new(|c: &mut Conn| answer(c, &ok(&xml::method_response(&xml::string("3.0")))))
        }
        "sends HTML" => {
            Box::new(|c: &mut Conn| answer(c, &ok("<html><body>It works!</body></html>")))
        }
        "sends an empty body" => Box::new(|c: &mut Conn| answer(c, &ok(""))),
        "is not HTTP" => Box::new(|c: &mut Conn| {
            let _ = c.send(b"SSH-2.0-OpenSSH_9.2\r\n\r\n");
            Next::Close
        }),
        other => panic!("no such misbehaviour: {other}"),
    }
}

// ---- running ours ------------------------------------------------------------------------------

/// Our binary against `url` with the short timeout.
fn ours(url: &str) -> Invocation {
    Invocation::ours()
        .opts(["-c", "", "-s", url])
        .env("SUPERVISOR_QUICK_TIMEOUT", TIMEOUT)
        .env_remove("SUPERVISOR_QUICK_TRACE")
        .timeout(Duration::from_secs(60))
}

/// Runs it, asserting that it ended within [`BOUND`] and did not panic.
#[track_caller]
fn run_bounded(inv: &Invocation, what: &str) -> Output {
    let started = Instant::now();
    let out = inv.run();
    let took = started.elapsed();
    assert!(
        took < BOUND,
        "{what}: took {took:?} (bound {BOUND:?})\n{out}"
    );
    assert_no_panic(&out, what);
    out
}

#[track_caller]
fn assert_no_panic(out: &Output, what: &str) {
    assert!(out.status != 101, "{what}: exit 101 (a panic)\n{out}");
    for bad in [
        "panicked",
        "internal error",
        "RUST_BACKTRACE",
        "stack overflow",
    ] {
        assert!(
            !out.all().contains(bad),
            "{what}: '{bad}' in the output\n{out}"
        );
    }
}

/// The generic error line of `class` that `stdout` ends with; returns its message.
#[track_caller]
fn generic_error<'a>(out: &'a Output, class: &str, what: &str) -> &'a str {
    let last = out.stdout.lines().last().unwrap_or("");
    let prefix = format!("error: <class '{class}'>, ");
    let Some(rest) = last.strip_prefix(&prefix) else {
        panic!("{what}: expected a generic {class} line last\n{out}");
    };
    let Some((message, place)) = rest.rsplit_once(": file: ") else {
        panic!("{what}: no file in the error line\n{out}");
    };
    assert!(
        place.starts_with("src/") && place.contains(".rs line: "),
        "{what}: {out}"
    );
    message
}

/// Peak resident memory (KiB) of a run of ours with `args` against `url`, and its output.
fn run_measuring_memory(url: &str, args: &[&str]) -> (Output, u64) {
    let dir = unique_temp_dir("mem");
    let report = dir.join("time.txt");
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-o").arg(&report).args(["-f", "%M"]).arg(ours_exe());
        c
    } else {
        Command::new(ours_exe())
    };
    cmd.args(["-c", "", "-s", url])
        .args(args)
        .env("SUPERVISOR_QUICK_TIMEOUT", TIMEOUT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = cmd.spawn().expect("spawn ours");
    let pid = child.id();
    // Without /usr/bin/time, watch the peak while it runs (less exact: the last moments can be
    // missed).
    let watcher = (!time.exists()).then(|| {
        thread::spawn(move || {
            let mut peak = 0;
            while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                if let Some(kb) = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                {
                    peak = peak.max(kb);
                }
                thread::sleep(Duration::from_millis(2));
            }
            peak
        })
    });
    let result = child.wait_with_output().expect("wait");
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
    let peak = match watcher {
        Some(w) => w.join().unwrap_or(0),
        None => std::fs::read_to_string(&report)
            .ok()
            .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
            .unwrap_or(0),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let out = Output {
        stdout: String::from_utf8_lossy(&result.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
        status: result.status.code().unwrap_or(-1),
    };
    assert!(peak > 0, "no memory figure\n{out}");
    (out, peak)
}

// ---- one-shot mode -----------------------------------------------------------------------------

/// Every request gets the misbehaviour (the probe too).
fn all_bad(kind: &str) -> Hostile {
    let bad = misbehaviour(kind);
    Hostile::tcp(move |_, _, c| bad(c))
}

/// Only `getAllProcessInfo` gets it: the server is otherwise alive (the probe is answered).
fn info_bad(kind: &str) -> Hostile {
    let bad = misbehaviour(kind);
    Hostile::unix(hostile_for(
        |m| m == "supervisor.getAllProcessInfo",
        move |c| bad(c),
    ))
}

#[test]
fn a_server_that_never_answers_times_out() {
    for server in [all_bad("never answers"), info_bad("never answers")] {
        let out = run_bounded(&ours(server.url()).args(["status"]), "never answers");
        assert_eq!(out.status, 1, "{out}");
        assert_eq!(out.stdout.lines().count(), 1, "{out}");
        assert_eq!(
            generic_error(&out, "TimeoutError", "never answers"),
            "timed out"
        );
        assert_eq!(out.stderr, "");
    }
}

#[test]
fn a_server_that_dribbles_times_out() {
    // Byte by byte, every answer (the probe's too), or only the body of one, forever, while the
    // server answers probes at once: both are a timeout well before the dribble would end.
    for (server, what) in [
        (all_bad("dribbles byte by byte"), "every answer dribbled"),
        (info_bad("dribbles its body"), "a body dribbled"),
    ] {
        let out = run_bounded(&ours(server.url()).args(["status"]), what);
        assert_eq!(out.status, 1, "{what}\n{out}");
        assert_eq!(generic_error(&out, "TimeoutError", what), "timed out");
    }
}

#[test]
fn broken_bodies_read_as_stock_reads_them() {
    // Stock has an answer for each of these: the same class and message (file and line aside).
    for kind in [
        "closes mid-body",
        "closes without answering",
        "sends a long Content-Length",
        "sends chunked garbage",
        "answers 500",
        "answers 401",
        "redirects",
        "redirects permanently",
    ] {
        let server = info_bad(kind);
        let args = ["-c", "", "-s", server.url()];
        let stock = Invocation::stock(Version::V43)
            .opts(args)
            .args(["status"])
            .timeout(Duration::from_secs(60))
            .run();
        let ours = run_bounded(&ours(server.url()).args(["status"]), kind);
        assert_outputs_same(kind, &stock, &ours, &Mask::default());
        assert_ne!(ours.status, 0, "{kind}\n{ours}");
    }
}

#[test]
fn malformed_responses_are_clear_errors() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "sends invalid XML",
            "xml.parsers.expat.ExpatError",
            "expected `</string>`, but `</str>` was found",
        ),
        (
            "sends a fault of the wrong shape",
            "xml.parsers.expat.ExpatError",
            "malformed fault",
        ),
        (
            "sends a short Content-Length",
            "xml.parsers.expat.ExpatError",
            "XML declaration not closed",
        ),
        (
            "sends HTML",
            "xml.parsers.expat.ExpatError",
            "expected <methodResponse>, found <html>",
        ),
        (
            "sends an empty body",
            "xml.parsers.expat.ExpatError",
            "empty document",
        ),
        (
            "nests arrays 100 000 deep",
            "xml.parsers.expat.ExpatError",
            "too deeply nested",
        ),
        (
            "sends a billion laughs",
            "xml.parsers.expat.ExpatError",
            "DOCTYPE is not allowed",
        ),
        (
            "is not HTTP",
            "xml.parsers.expat.ExpatError",
            "malformed HTTP response",
        ),
        (
            "answers another method",
            "xml.parsers.expat.ExpatError",
            "expected an array, got a string",
        ),
        (
            "sends 1 GiB",
            "xmlrpc.client.ResponseError",
            "response larger than 67108864 bytes",
        ),
        (
            "sends 1 GiB chunked",
            "xmlrpc.client.ResponseError",
            "response larger than 67108864 bytes",
        ),
    ];
    for (kind, class, words) in cases {
        for server in [all_bad(kind), info_bad(kind)] {
            let out = run_bounded(&ours(server.url()).args(["status"]), kind);
            assert_eq!(out.status, 1, "{kind}\n{out}");
            let message = generic_error(&out, class, kind);
            assert!(
                message.contains(words),
                "{kind}: {message:?} lacks {words:?}\n{out}"
            );
            assert!(message.len() < 300, "{kind}: an overlong message\n{out}");
        }
    }
}

#[test]
fn a_gibibyte_body_is_refused_in_bounded_memory_and_never_read_whole() {
    // Announced: refused from its head, having read next to nothing.
    let server = info_bad("sends 1 GiB");
    let (out, peak_kib) = run_measuring_memory(server.url(), &["status"]);
    assert_eq!(out.status, 1, "{out}");
    assert!(
        out.stdout.contains(
            "error: <class 'xmlrpc.client.ResponseError'>, response larger than 67108864 bytes"
        ),
        "{out}"
    );
    assert!(peak_kib < 48 * 1024, "peak RSS {peak_kib} KiB");
    // Chunked, so that nothing announces it: read up to the 64 MiB cap, then refused.
    let chunked = info_bad("sends 1 GiB chunked");
    let (out, peak_chunked_kib) = run_measuring_memory(chunked.url(), &["status"]);
    assert_eq!(out.status, 1, "{out}");
    assert!(
        out.stdout.contains("response larger than 67108864 bytes"),
        "{out}"
    );
    assert!(
        peak_chunked_kib < 160 * 1024,
        "peak RSS {peak_chunked_kib} KiB"
    );
    eprintln!("1 GiB body: peak RSS {peak_kib} KiB announced, {peak_chunked_kib} KiB chunked");
    // The servers stopped streaming when the client hung up: nowhere near a GiB went out.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && (server.sent() > GIB / 4 || chunked.sent() > GIB / 4) {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(server.sent() < GIB / 4, "sent {}", server.sent());
    assert!(chunked.sent() < GIB / 4, "sent {}", chunked.sent());
}

#[test]
fn hostile_documents_cost_little_memory() {
    for kind in ["nests arrays 100 000 deep", "sends a billion laughs"] {
        let server = info_bad(kind);
        let (out, peak_kib) = run_measuring_memory(server.url(), &["status"]);
        assert_eq!(out.status, 1, "{kind}\n{out}");
        assert!(peak_kib < 48 * 1024, "{kind}: peak RSS {peak_kib} KiB");
    }
}

#[test]
fn every_command_survives_a_hostile_server() {
    // Each command that talks to the server, against a few of the misbehaviours: a defined
    // exit status and an error line, never a hang or a panic.
    let commands: &[&[&str]] = &[
        &["status"],
        &["status", "a"],
        &["pid"],
        &["pid", "all"],
        &["version"],
        &["avail"],
        &["start", "a"],
        &["stop", "all"],
        &["restart", "a", "b"],
        &["signal", "HUP", "a"],
        &["clear", "all"],
        &["reread"],
        &["update"],
        &["add", "x"],
        &["remove", "x"],
        &["tail", "a"],
        &["maintail"],
        &["supervisor.getState"],
    ];
    for kind in [
        "never answers",
        "closes mid-body",
        "sends invalid XML",
        "answers 500",
    ] {
        let server = if kind == "never answers" {
            // Silent altogether (a live server may hold back its answer to a start or a stop
            // with wait as long as it likes: see the next test).
            all_bad(kind)
        } else {
            // getVersion stays healthy (stock's upcheck passes), the rest misbehaves.
            let bad = misbehaviour(kind);
            Hostile::tcp(hostile_for(
                |m| m != "supervisor.getVersion",
                move |c| bad(c),
            ))
        };
        for args in commands {
            let what = format!("{kind}: {args:?}");
            let out = run_bounded(&ours(server.url()).args(*args), &what);
            assert!(out.status != 0, "{what}\n{out}");
            assert!(
                out.stdout.contains("error: <class '") || out.stdout.contains("ERROR"),
                "{what}\n{out}"
            );
        }
    }
}

#[test]
fn an_answer_held_back_is_waited_for_while_the_server_lives() {
    // supervisord holds back its answer to a start with wait until the process is RUNNING (for
    // startsecs, however long): as long as it answers a probe, the client waits; once it
    // answers nothing at all, the client gives up within the timeout.
    let born = Instant::now();
    let alive_for = Duration::from_secs(4);
    let server = Hostile::unix(move |m, body, c| match m {
        "supervisor.startProcess" => {
            c.hang();
            Next::Close
        }
        _ if born.elapsed() > alive_for => {
            c.hang();
            Next::Close
        }
        _ => {
            let reply = healthy(m, body);
            answer(c, &reply)
        }
    });
    let started = Instant::now();
    let out = run_bounded(&ours(server.url()).args(["start", "a"]), "held back");
    let took = started.elapsed();
    assert_eq!(out.status, 1, "{out}");
    assert_eq!(
        generic_error(&out, "TimeoutError", "held back"),
        "timed out"
    );
    assert!(
        took >= alive_for - Duration::from_millis(500),
        "gave up while the server was alive: {took:?}\n{out}"
    );
}

// ---- the shell ---------------------------------------------------------------------------------

#[test]
fn the_shell_keeps_running_after_each_hostile_answer() {
    for kind in [
        "never answers",
        "closes mid-body",
        "sends invalid XML",
        "sends 1 GiB chunked",
        "nests arrays 100 000 deep",
    ] {
        let server = info_bad(kind);
        // The shell's own first `status`, then three lines, one of which is answered properly.
        let out = run_bounded(
            &ours(server.url()).stdin("status\nversion\nstatus a\n"),
            kind,
        );
        assert_eq!(
            out.status, 0,
            "{kind}: the shell ends normally at end of input\n{out}"
        );
        assert_eq!(
            out.stdout.matches("supervisor> ").count(),
            4,
            "{kind}\n{out}"
        );
        let errors = out
            .stdout
            .lines()
            .filter(|l| l.contains("error: <class '"))
            .count();
        assert_eq!(errors, 3, "{kind}: one per status\n{out}");
        assert!(
            out.stdout.contains("supervisor> 4.3.0\n"),
            "{kind}: version answered in between\n{out}"
        );
    }
}

// ---- a quick verb ------------------------------------------------------------------------------

/// A server that answers the questions a quick verb starts with, and then misbehaves for
/// `method`: the `n`-th and later requests of it.
fn quick_server(method: &'static str, from: usize, kind: &str) -> Hostile {
    let bad = misbehaviour(kind);
    let seen = Arc::new(AtomicU64::new(0));
    Hostile::unix(move |m, body, c| {
        if m == method && seen.fetch_add(1, Ordering::SeqCst) as usize + 1 >= from {
            return bad(c);
        }
        let reply = healthy(m, body);
        answer(c, &reply)
    })
}

#[test]
fn a_quick_verb_reports_where_each_target_stands_when_the_server_turns_hostile() {
    let cases: &[(&str, usize, &str, &str, &str)] = &[
        // The calls are fired, and the server misbehaves in its answer.
        (
            "system.multicall",
            1,
            "never answers",
            "not started",
            "TimeoutError",
        ),
        (
            "system.multicall",
            1,
            "answers 500",
            "not started",
            "xmlrpc.client.ProtocolError",
        ),
        (
            "system.multicall",
            1,
            "closes mid-body",
            "not started",
            "http.client.IncompleteRead",
        ),
        (
            "system.multicall",
            1,
            "answers another method",
            "not started",
            "xml.parsers.expat.ExpatError",
        ),
        // The calls went through; a poll (the second getAllProcessInfo) misbehaves.
        (
            "supervisor.getAllProcessInfo",
            2,
            "never answers",
            "STOPPED",
            "TimeoutError",
        ),
        (
            "supervisor.getAllProcessInfo",
            2,
            "sends invalid XML",
            "STOPPED",
            "xml.parsers.expat.ExpatError",
        ),
        (
            "supervisor.getAllProcessInfo",
            2,
            "sends 1 GiB chunked",
            "STOPPED",
            "xmlrpc.client.ResponseError",
        ),
        (
            "supervisor.getAllProcessInfo",
            2,
            "nests arrays 100 000 deep",
            "STOPPED",
            "xml.parsers.expat.ExpatError",
        ),
        (
            "supervisor.getAllProcessInfo",
            2,
            "answers another method",
            "STOPPED",
            "xml.parsers.expat.ExpatError",
        ),
    ];
    for (method, from, kind, where_, class) in cases {
        let what = format!("{method} {kind}");
        let server = quick_server(method, *from, kind);
        let out = run_bounded(
            &ours(server.url()).args(["quickstart", "a", "b", "c"]),
            &what,
        );
        assert_eq!(out.status, 1, "{what}\n{out}");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(
            lines.len(),
            4,
            "{what}: one line per target and the error\n{out}"
        );
        for (line, name) in lines.iter().zip(NAMES) {
            assert_eq!(
                *line,
                format!("{name}: ERROR (server lost, {where_})"),
                "{what}\n{out}"
            );
        }
        generic_error(&out, class, &what);
    }
}

#[test]
fn a_quick_verb_in_the_shell_reports_and_the_shell_goes_on() {
    let server = quick_server("supervisor.getAllProcessInfo", 3, "closes mid-body");
    // The shell's first status takes the first getAllProcessInfo, quickstop's opening question
    // the second; its first poll gets the broken body.
    let out = run_bounded(
        &ours(server.url()).stdin("quickstop a b\nversion\n"),
        "quick verb in the shell",
    );
    assert_eq!(out.status, 0, "{out}");
    assert!(out.stdout.contains("a: ERROR (server lost, STOPPED)\nb: ERROR (server lost, STOPPED)\nerror: <class 'http.client.IncompleteRead'>"), "{out}");
    assert!(out.stdout.contains("supervisor> 4.3.0\n"), "{out}");
}

// ---- bad input from the user -------------------------------------------------------------------

const PROGRAMS: &str = "
[program:web]
command=sleep 100000
startsecs=0

[group:app]
programs=a1

[program:a1]
command=sleep 100000
autostart=false
startsecs=0
";

/// Commands that need an argument.
const NEED_ARGS: &[&str] = &[
    "add", "clear", "fg", "open", "remove", "restart", "signal", "start", "stop", "tail",
];
/// Every other stock command.
const OTHERS: &[&str] = &[
    "avail", "help", "maintail", "pid", "reload", "reread", "shutdown", "status", "update",
    "version",
];

/// The malformed arguments every command gets: (label, the words after the command).
fn bad_arguments(cmd: &str) -> Vec<(&'static str, Vec<OsString>)> {
    let mut v: Vec<(&'static str, Vec<OsString>)> = Vec::new();
    if NEED_ARGS.contains(&cmd) {
        v.push(("missing", vec![]));
        v.push(("empty", vec!["".into()]));
    }
    v.push(("very long", vec!["x".repeat(20_000).into()]));
    v.push((
        "shell metacharacters",
        vec!["web;id$(id)`id`|&&>out<in'\"\\".into()],
    ));
    v.push(("a glob that matches nothing", vec!["nomatch*".into()]));
    v.push((
        "extra",
        vec!["nosuch1".into(), "nosuch2".into(), "nosuch3".into()],
    ));
    v
}

#[test]
fn every_command_with_bad_arguments_says_what_stock_says() {
    let sv = Supervisord::start(PROGRAMS);
    let before: Vec<(String, String)> = sv
        .processes()
        .into_iter()
        .map(|p| (p.full_name(), p.statename))
        .collect();
    for cmd in NEED_ARGS.iter().chain(OTHERS) {
        for (label, words) in bad_arguments(cmd) {
            let mut args: Vec<OsString> = vec![(*cmd).into()];
            args.extend(words);
            let what = format!("{cmd} ({label})");
            let stock = sv.stock_cmd().args(&args).run();
            let ours = sv.ours_cmd().args(&args).run();
            assert_no_panic(&ours, &what);
            if *cmd == "update" && label == "extra" {
                // Stock reports unknown groups in the order of a Python set: compare as sets.
                let sorted = |o: &Output| {
                    let mut l: Vec<String> = o.stdout.lines().map(str::to_owned).collect();
                    l.sort();
                    Output {
                        stdout: l.join("\n"),
                        ..o.clone()
                    }
                };
                assert_outputs_same(&what, &sorted(&stock), &sorted(&ours), &Mask::default());
            } else {
                assert_outputs_same(&what, &stock, &ours, &Mask::default());
            }
            // Stock's own quirks: `help <unknown topic>` and `add`/`remove` without names exit
            // 0 there, and so here; everything else that is wrong is non-zero.
            let stock_says_fine = *cmd == "help"
                || (matches!(*cmd, "add" | "remove") && matches!(label, "missing" | "empty"));
            if !stock_says_fine {
                assert_ne!(ours.status, 0, "{what}\n{ours}");
            }
        }
    }
    // Nothing was started, stopped or removed by any of it.
    let after: Vec<(String, String)> = sv
        .processes()
        .into_iter()
        .map(|p| (p.full_name(), p.statename))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn non_utf8_arguments_get_a_clear_message() {
    // Stock sends the undecodable bytes on and gets the server's 400 back; ours names the
    // argument (with U+FFFD for what is not UTF-8) in the command's own error.
    let sv = Supervisord::start(PROGRAMS);
    let bad = OsString::from_vec(b"w\xffb\xfe".to_vec());
    let cases: &[(&str, &str, i32)] = &[
        ("start", "w\u{fffd}b\u{fffd}: ERROR (no such process)", 1),
        ("stop", "w\u{fffd}b\u{fffd}: ERROR (no such process)", 1),
        ("status", "w\u{fffd}b\u{fffd}: ERROR (no such process)", 4),
        ("pid", "No such process w\u{fffd}b\u{fffd}", 1),
        (
            "tail",
            "w\u{fffd}b\u{fffd}: ERROR (no such process name)",
            1,
        ),
        ("add", "ERROR: no such process/group: w\u{fffd}b\u{fffd}", 1),
        ("maintail", "Error: bad argument w\u{fffd}b\u{fffd}", 1),
        (
            "quickstart",
            "w\u{fffd}b\u{fffd}: ERROR (no such process)",
            1,
        ),
        (
            "quickstop",
            "w\u{fffd}b\u{fffd}: ERROR (no such process)",
            1,
        ),
    ];
    for (cmd, line, status) in cases {
        let out = sv.ours_cmd().args([OsString::from(cmd), bad.clone()]).run();
        assert_no_panic(&out, cmd);
        assert_eq!(out.stdout.lines().next(), Some(*line), "{cmd}\n{out}");
        assert_eq!(out.status, *status, "{cmd}\n{out}");
        let stock = sv
            .stock_cmd()
            .args([OsString::from(cmd), bad.clone()])
            .run();
        if !cmd.starts_with("quick") {
            assert_eq!(
                out.status, stock.status,
                "{cmd}: the same status as stock\nstock:\n{stock}\nours:\n{out}"
            );
        }
    }
    // As options' values too: a non-UTF-8 username or server URL.
    let out = sv
        .ours_cmd()
        .opts([OsString::from("-u"), bad.clone()])
        .args(["status", "web"])
        .run();
    assert_no_panic(&out, "-u");
    assert_eq!(out.status, 0, "{out}");
    let out = Invocation::ours()
        .opts([
            OsString::from("-s"),
            OsString::from_vec(b"http://\xff:1".to_vec()),
        ])
        .args(["status"])
        .run();
    assert_no_panic(&out, "-s");
    assert_ne!(out.status, 0, "{out}");
}

#[test]
fn quick_verbs_with_bad_arguments_say_so_and_fail() {
    let sv = Supervisord::start(PROGRAMS);
    let long = "x".repeat(20_000);
    for verb in ["quickstart", "quickstop", "quickrestart"] {
        let cases: Vec<(Vec<&str>, String, i32)> = vec![
            (vec![], format!("Error: {verb} requires a process name"), 2),
            (
                vec![""],
                format!("Error: {verb} requires a process name"),
                2,
            ),
            (
                vec!["--"],
                format!("Error: {verb} requires a process name"),
                2,
            ),
            (
                vec!["nomatch*"],
                "nomatch*: ERROR (no process matches)".to_owned(),
                1,
            ),
            (
                vec!["nogroup:"],
                "nogroup: ERROR (no such group)".to_owned(),
                1,
            ),
            (
                vec!["web;id$(id)`id`|&&>out"],
                "web;id$(id)`id`|&&>out: ERROR (no such process)".to_owned(),
                1,
            ),
            (
                vec![long.as_str()],
                format!("{long}: ERROR (no such process)"),
                1,
            ),
            (
                vec!["web", "nosuch"],
                "nosuch: ERROR (no such process)".to_owned(),
                1,
            ),
            (
                vec!["--batch", "web"],
                "Error: --batch takes a whole number above 0, not 'web'".to_owned(),
                2,
            ),
            (
                vec!["--batch"],
                "Error: --batch requires a value".to_owned(),
                2,
            ),
            (
                vec!["--timeout=-1", "web"],
                "Error: --timeout takes a number of seconds above 0, not '-1'".to_owned(),
                2,
            ),
            (
                vec!["--timeout", "nan", "web"],
                "Error: --timeout takes a number of seconds above 0, not 'nan'".to_owned(),
                2,
            ),
            (
                vec!["--bogus", "web"],
                "Error: unknown option --bogus".to_owned(),
                2,
            ),
        ];
        for (words, first, status) in cases {
            let mut args = vec![verb];
            args.extend(&words);
            let out = sv.ours(&args);
            let what = format!("{verb} {words:?}");
            assert_no_panic(&out, &what);
            assert_eq!(
                out.stdout.lines().next(),
                Some(first.as_str()),
                "{what}\n{out}"
            );
            assert_eq!(out.status, status, "{what}\n{out}");
        }
    }
    // None of it touched the server's processes.
    assert!(
        sv.processes()
            .iter()
            .any(|p| p.name == "web" && p.statename == "RUNNING")
    );
    assert!(
        sv.processes()
            .iter()
            .any(|p| p.name == "a1" && p.statename == "STOPPED")
    );
}

#[test]
fn pass_through_calls_with_bad_arguments_fail_clearly() {
    // `namespace.method args`: stock has no such thing; the server's fault, or a clear line.
    let sv = Supervisord::start(PROGRAMS);
    let long = "x".repeat(20_000);
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["supervisor.startProcess"],
            "ERROR: INCORRECT_PARAMETERS (fault 2)".into(),
        ),
        (
            vec!["supervisor.getProcessInfo", "a", "b", "c"],
            "ERROR: INCORRECT_PARAMETERS (fault 2)".into(),
        ),
        (
            vec!["supervisor.noSuchMethod"],
            "ERROR: UNKNOWN_METHOD (fault 1)".into(),
        ),
        (vec!["no.such"], "ERROR: UNKNOWN_METHOD (fault 1)".into()),
        (
            vec!["supervisor.getProcessInfo", "web;id$(id)"],
            "ERROR: BAD_NAME: web;id$(id) (fault 10)".into(),
        ),
        (
            vec!["supervisor.getProcessInfo", long.as_str()],
            format!("ERROR: BAD_NAME: {long} (fault 10)"),
        ),
        (
            vec!["supervisor."],
            "*** Unknown syntax: supervisor.".into(),
        ),
    ];
    for (args, first) in cases {
        let out = sv.ours(&args);
        let what = format!("{:?}", &args[..1]);
        assert_no_panic(&out, &what);
        assert_eq!(
            out.stdout.lines().next(),
            Some(first.as_str()),
            "{what}\n{out}"
        );
        assert_eq!(out.status, 1, "{what}\n{out}");
    }
    assert!(
        sv.processes()
            .iter()
            .any(|p| p.name == "web" && p.statename == "RUNNING")
    );
}

#[test]
fn bad_lines_in_the_shell_get_stocks_messages() {
    let sv = Supervisord::start(PROGRAMS);
    let script = "start\nstop \nsignal\nsignal HUP\nfoo bar\n!ls\n?nosuch\ntail -f\nstatus nomatch*\nclear ''\n";
    let (stock, ours) = (
        sv.stock_cmd().stdin(script).run(),
        sv.ours_cmd().stdin(script).run(),
    );
    assert_no_panic(&ours, "shell");
    assert_eq!(ours.status, 0, "{ours}");
    assert_outputs_same("shell lines", &stock, &ours, &Mask::default());
    // Stock has no quick verbs; ours say what is wrong and the shell goes on.
    let ours = sv
        .ours_cmd()
        .stdin("quickstart\nquickstop nomatch*\nversion\n")
        .run();
    assert_eq!(ours.status, 0, "{ours}");
    assert!(
        ours.stdout
            .contains("supervisor> Error: quickstart requires a process name\n"),
        "{ours}"
    );
    assert!(
        ours.stdout
            .contains("supervisor> nomatch*: ERROR (no process matches)\n"),
        "{ours}"
    );
    assert!(ours.stdout.contains("supervisor> 4.3.0\n"), "{ours}");
}

// ---- the fuzz corpora, replayed ----------------------------------------------------------------

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("seed-"))
        .map(|e| (e.path(), std::fs::read(e.path()).expect("read")))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "the {target} corpus is missing");
    files
}

#[test]
fn the_fuzz_corpora_decode_without_panicking() {
    use supervisor_quick::xmlrpc::{decode_response, encode_response};
    for (path, data) in corpus("xmlrpc_response") {
        // As the fuzz target checks: what decodes re-encodes to a document that decodes to
        // the same thing (a NaN being equal to itself).
        if let Ok(result) = decode_response(&data) {
            let again = encode_response(&result);
            let decoded = decode_response(again.as_bytes());
            assert_eq!(
                format!("{decoded:?}"),
                format!("{:?}", Ok::<_, ()>(&result)),
                "{}: re-encoded as {again}",
                path.display()
            );
        }
    }
    let ctx = supervisor_quick::config::Context {
        environ: vec![("HOME".into(), "/home/fuzz".into())],
        search_paths: Vec::new(),
        cwd: Some("/tmp".into()),
    };
    for (path, data) in corpus("config") {
        let _ = supervisor_quick::config::realize_bytes(&data, "/etc/supervisord.conf", &ctx);
        let _ = path;
    }
}
