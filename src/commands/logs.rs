//! Log commands: `tail`, `maintail` and `fg`, with stock supervisorctl's parsing, messages, RPC
//! calls and exit statuses.
//!
//! The `-f` forms and `fg` follow supervisord's `/logtail/NAME/CHANNEL` and `/mainlogtail` HTTP
//! streams. Each stream runs in a task of its own, on a connection of its own, and hands its chunks
//! to the command over a channel, so that everything written to stdout goes through the
//! controller's one buffered writer, in order.

use std::io::{BufRead, Read, Write};
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::signal::unix::{Signal, SignalKind};
use tokio::sync::mpsc;

use super::{CmdResult, Controller, exit};
use crate::api::state;
use crate::error::RpcError;
use crate::transport::Transport;
use crate::xmlrpc::{FaultCode, Value};

const BANNER: &str = "==> Press Ctrl-C to exit <==";
/// How much of a log `tail NAME` and `maintail` show without `-N`.
const DEFAULT_BYTES: i64 = 1600;

// ---- tail ------------------------------------------------------------------------------------

pub async fn do_tail(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let mut args = py_split(arg);
    if args.is_empty() {
        return usage(ctl, "Error: too few arguments", "tail");
    }
    if args.len() > 3 {
        return usage(ctl, "Error: too many arguments", "tail");
    }
    let modifier = if args[0].starts_with('-') {
        Some(args.remove(0))
    } else {
        None
    };
    let (name, channel) = match args.as_slice() {
        [] => return fail(ctl, "Error: tail requires process name"),
        [name] => (*name, "stdout".to_owned()),
        [name, .., last] => {
            // As stock: with three arguments the middle one is ignored.
            let channel = last.to_lowercase();
            if channel != "stdout" && channel != "stderr" {
                return fail(
                    ctl,
                    &format!("Error: bad channel {}", crate::pyrepr::repr_str(&channel)),
                );
            }
            (*name, channel)
        }
    };
    let mut bytes = PyInt::Small(DEFAULT_BYTES);
    if let Some(modifier) = modifier {
        let what = &modifier[1..];
        if what == "f" {
            return follow(ctl, &format!("/logtail/{name}/{channel}")).await;
        }
        match py_int(what) {
            Some(n) => bytes = n,
            None => return fail(ctl, &format!("Error: bad argument {modifier}")),
        }
    }
    let Some(offset) = negated_xmlrpc_int(bytes) else {
        return overflow(ctl);
    };
    let method = if channel == "stdout" {
        "readProcessStdoutLog"
    } else {
        "readProcessStderrLog"
    };
    let params = [Value::from(name), Value::Int(offset), Value::Int(0)];
    match ctl.sv.call_sv(method, &params).await {
        Ok(text) => {
            output_value(ctl, &text);
            Ok(())
        }
        Err(e) => {
            let Some(fault) = e.as_fault() else {
                return Err(e.into());
            };
            ctl.exitstatus = exit::GENERIC;
            let why = match fault.kind() {
                Some(FaultCode::NoFile) => "no log file",
                Some(FaultCode::Failed) => "unknown error reading log",
                Some(FaultCode::BadName) => "no such process name",
                _ => return Err(e.into()),
            };
            ctl.output(&format!("{name}: ERROR ({why})"));
            Ok(())
        }
    }
}

// ---- maintail --------------------------------------------------------------------------------

pub async fn do_maintail(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let args = py_split(arg);
    let bytes = match args.as_slice() {
        [] => PyInt::Small(DEFAULT_BYTES),
        [only] => {
            let Some(what) = only.strip_prefix('-') else {
                return fail(ctl, &format!("Error: bad argument {only}"));
            };
            if what == "f" {
                return follow(ctl, "/mainlogtail").await;
            }
            match py_int(what) {
                Some(n) => n,
                None => return fail(ctl, &format!("Error: bad argument {only}")),
            }
        }
        _ => return usage(ctl, "Error: too many arguments", "maintail"),
    };
    let Some(offset) = negated_xmlrpc_int(bytes) else {
        return overflow(ctl);
    };
    match ctl
        .sv
        .call_sv("readLog", &[Value::Int(offset), Value::Int(0)])
        .await
    {
        Ok(text) => {
            output_value(ctl, &text);
            Ok(())
        }
        Err(e) => {
            let Some(fault) = e.as_fault() else {
                return Err(e.into());
            };
            ctl.exitstatus = exit::GENERIC;
            let why = match fault.kind() {
                Some(FaultCode::NoFile) => "no log file",
                Some(FaultCode::Failed) => "unknown error reading log",
                _ => return Err(e.into()),
            };
            ctl.output(&format!("supervisord: ERROR ({why})"));
            Ok(())
        }
    }
}

// ---- fg --------------------------------------------------------------------------------------

pub async fn do_fg(ctl: &mut Controller, arg: &str) -> CmdResult {
    if !ctl.upcheck().await? {
        return Ok(());
    }
    let names = py_split(arg);
    let name = match names.as_slice() {
        [] => return usage(ctl, "ERROR: no process name supplied", "fg"),
        [name] => *name,
        _ => return fail(ctl, "ERROR: too many process names supplied"),
    };
    let info = match ctl.sv.get_process_info(name).await {
        Ok(info) => info,
        Err(RpcError::Fault { fault, .. }) => {
            if fault.is(FaultCode::BadName) {
                return fail(ctl, "ERROR: bad process name supplied");
            }
            // As stock: any other fault is reported, and the exit status is left alone.
            ctl.output(&format!("ERROR: {fault}"));
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if info.state != state::RUNNING {
        return fail(ctl, "ERROR: process not running");
    }

    let mut sigint = catch_sigint();
    ctl.output(BANNER);
    ctl.flush();
    let (tx, mut events) = mpsc::channel(64);
    let _stdout = spawn_stream(ctl, &format!("/logtail/{name}/stdout"), tx.clone());
    let _stderr = spawn_stream(ctl, &format!("/logtail/{name}/stderr"), tx);
    let mut streaming = true;
    let mut input = StdinLines::start();
    loop {
        tokio::select! {
            _ = interrupted(&mut sigint) => return exiting_foreground(ctl),
            event = events.recv(), if streaming => match event {
                Some(Event::Data(data)) => ctl.write_raw(&data),
                Some(Event::Failed(line)) => report(ctl, &line),
                // A stream the server ended: the other one and the input go on, as in stock.
                Some(Event::Ended) => {}
                None => streaming = false,
            },
            line = input.next() => {
                let Some(line) = line else {
                    return exiting_foreground(ctl);
                };
                let mut text = String::from_utf8_lossy(&line).into_owned();
                text.push('\n');
                let params = [Value::from(name), Value::String(text)];
                if let Err(e) = ctl.sv.call_sv("sendProcessStdin", &params).await {
                    let Some(fault) = e.as_fault() else {
                        return Err(e.into());
                    };
                    if fault.is(FaultCode::NotRunning) {
                        ctl.output("Process got killed");
                    } else {
                        ctl.output(&format!("ERROR: {fault}"));
                    }
                    return exiting_foreground(ctl);
                }
                if ctl.sv.get_process_info(name).await?.state != state::RUNNING {
                    ctl.output("Process got killed");
                    return exiting_foreground(ctl);
                }
            }
        }
    }
}

fn exiting_foreground(ctl: &mut Controller) -> CmdResult {
    ctl.output("Exiting foreground");
    ctl.flush();
    Ok(())
}

// ---- shared helpers --------------------------------------------------------------------------

/// An argument error: the message, exit 1, and the command's help.
fn usage(ctl: &mut Controller, msg: &str, command: &str) -> CmdResult {
    ctl.output(msg);
    ctl.exitstatus = exit::GENERIC;
    ctl.help_for(command);
    Ok(())
}

/// An error message and exit 1.
fn fail(ctl: &mut Controller, msg: &str) -> CmdResult {
    ctl.output(msg);
    ctl.exitstatus = exit::GENERIC;
    Ok(())
}

/// Stock's XML-RPC marshaller refuses ints outside the i32 range with
/// `OverflowError('int exceeds XML-RPC limits')`, which escapes the command as the generic line.
#[track_caller]
fn overflow(ctl: &mut Controller) -> CmdResult {
    let line = crate::error::generic_line(
        "OverflowError",
        "int exceeds XML-RPC limits",
        Location::caller(),
    );
    ctl.output(&line);
    ctl.exitstatus = exit::GENERIC;
    Ok(())
}

/// `ctl.output(result)`: a log's text (whatever it holds) and one more newline.
fn output_value(ctl: &mut Controller, v: &Value) {
    match v {
        Value::String(s) => ctl.output(s),
        other => ctl.output(&other.to_string()),
    }
}

/// A line for stderr, after what stdout holds so far.
fn report(ctl: &mut Controller, line: &str) {
    ctl.flush();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.write_all(b"\n");
    let _ = err.flush();
}

/// Python's `str.split()`: runs of Unicode whitespace (as `str.isspace`) separate the words.
fn py_split(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|w| !w.is_empty())
        .collect()
}

/// What Python's `int()` made of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PyInt {
    Small(i64),
    /// Valid, but beyond i64 (so far beyond what XML-RPC can carry).
    Huge,
}

/// Python 3.11's limit on the digits `int()` converts from a string (`sys.get_int_max_str_digits`).
const INT_MAX_STR_DIGITS: usize = 4300;

/// The code points of the zeros of Unicode 14.0's decimal digit (Nd) runs, each followed by 1..9.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The value of a decimal digit character, as Python's `int()` reads it.
fn decimal_value(c: char) -> Option<u32> {
    let c = c as u32;
    let i = DECIMAL_ZEROS.partition_point(|&z| z <= c);
    let zero = DECIMAL_ZEROS[i.checked_sub(1)?];
    let d = c - zero;
    (d <= 9).then_some(d)
}

/// Python's `int(s)` for a word without whitespace: an optional sign, then decimal digits
/// (any script's) with single underscores between them. None where Python raises ValueError.
fn py_int(s: &str) -> Option<PyInt> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut value: Option<i64> = Some(0);
    let mut digits = 0usize;
    let mut after_digit = false;
    for c in body.chars() {
        if c == '_' {
            if !after_digit {
                return None;
            }
            after_digit = false;
            continue;
        }
        let d = decimal_value(c)?;
        digits += 1;
        after_digit = true;
        value = value
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| v.checked_add(i64::from(d)));
    }
    if !after_digit || digits > INT_MAX_STR_DIGITS {
        return None;
    }
    Some(match value {
        Some(v) if negative => PyInt::Small(-v),
        Some(v) => PyInt::Small(v),
        None => PyInt::Huge,
    })
}

/// `-bytes`, when XML-RPC (a signed 32-bit int) can carry it.
fn negated_xmlrpc_int(bytes: PyInt) -> Option<i64> {
    match bytes {
        PyInt::Small(v) => {
            let n = -i128::from(v);
            (i128::from(i32::MIN)..=i128::from(i32::MAX))
                .contains(&n)
                .then_some(n as i64)
        }
        PyInt::Huge => None,
    }
}

// ---- following a log stream ------------------------------------------------------------------

/// Stock's `_tailf`: the banner, then the stream's bytes as they come, until the server ends the
/// stream, Ctrl-C (then an empty line) or stdout goes away. Stream errors go to stderr; exit 0.
async fn follow(ctl: &mut Controller, path: &str) -> CmdResult {
    let mut sigint = catch_sigint();
    ctl.output(BANNER);
    ctl.flush();
    if ctl.stdout_closed {
        return Ok(());
    }
    let (tx, mut events) = mpsc::channel(64);
    let _stream = spawn_stream(ctl, path, tx);
    loop {
        tokio::select! {
            _ = interrupted(&mut sigint) => {
                ctl.output("");
                ctl.flush();
                return Ok(());
            }
            event = events.recv() => match event {
                Some(Event::Data(data)) => {
                    ctl.write_raw(&data);
                    if ctl.stdout_closed {
                        return Ok(());
                    }
                }
                Some(Event::Failed(line)) => {
                    report(ctl, &line);
                    return Ok(());
                }
                Some(Event::Ended) | None => {
                    ctl.flush();
                    return Ok(());
                }
            }
        }
    }
}

/// Catches SIGINT from now on (for this command's Ctrl-C handling).
fn catch_sigint() -> Option<Signal> {
    tokio::signal::unix::signal(SignalKind::interrupt()).ok()
}

/// Resolves at the next SIGINT (never, when it could not be caught).
async fn interrupted(sigint: &mut Option<Signal>) {
    if let Some(s) = sigint
        && s.recv().await.is_some()
    {
        return;
    }
    std::future::pending().await
}

/// What a stream task reports.
enum Event {
    /// A piece of the log, as received.
    Data(Bytes),
    /// The stream failed; this is stock's line for stderr. The stream is over.
    Failed(String),
    /// The server ended the stream.
    Ended,
}

/// A stream task, stopped when dropped.
struct StreamTask(tokio::task::JoinHandle<()>);

impl Drop for StreamTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts following `path` on a connection of its own.
fn spawn_stream(ctl: &Controller, path: &str, tx: mpsc::Sender<Event>) -> StreamTask {
    // Stock's stream client sends credentials only when the password is non-empty, and then
    // `None` for a missing username.
    let password = ctl.options.password.as_deref().filter(|p| !p.is_empty());
    let username = password.map(|_| ctl.options.username.as_deref().unwrap_or("None"));
    let transport = Transport::new(&ctl.options.serverurl, username, password);
    let url = format!("{}{}", ctl.options.serverurl, path);
    let target = request_target(path);
    StreamTask(tokio::spawn(pump(transport, url, target, tx)))
}

async fn pump(transport: Transport, url: String, target: String, tx: mpsc::Sender<Event>) {
    let last = match transport.get_stream(&target).await {
        Err(e) => Event::Failed(cannot_connect(&url, &e.python_class(), &e.to_string())),
        Ok(resp) if resp.status() != hyper::StatusCode::OK => Event::Failed(format!(
            "{url} Cannot read, status code {}",
            resp.status().as_u16()
        )),
        Ok(resp) => {
            let mut body = resp.into_body();
            loop {
                match body.frame().await {
                    None => break Event::Ended,
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data()
                            && !data.is_empty()
                            && tx.send(Event::Data(data)).await.is_err()
                        {
                            return;
                        }
                    }
                    Some(Err(e)) => break body_error(&url, &e),
                }
            }
        }
    };
    let _ = tx.send(last).await;
}

fn cannot_connect(url: &str, class: &str, message: &str) -> String {
    format!("{url} Cannot connect, error: <class '{class}'> ({message})")
}

/// A stream that broke off. The server closing the connection ends it quietly (as stock's
/// client sees a plain close); a socket error is reported as stock's client reports it.
fn body_error(url: &str, e: &hyper::Error) -> Event {
    use std::error::Error;
    if e.is_incomplete_message() {
        return Event::Ended;
    }
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::UnexpectedEof {
                // hyper's word for a connection closed inside a chunk.
                return Event::Ended;
            }
            let e = RpcError::io(io);
            return Event::Failed(cannot_connect(url, &e.python_class(), &e.to_string()));
        }
        source = s.source();
    }
    Event::Failed(cannot_connect(url, "ValueError", &e.to_string()))
}

/// The request target for a stream path. Stock sends the name as typed; the bytes an HTTP
/// request line cannot carry are percent-encoded here, which supervisord decodes back to the same
/// name (it unquotes any path holding a `%`). `?` and `#` stay as they are: there, too, the server
/// cuts the path short as it would for stock.
fn request_target(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii() && (c.is_ascii_control() || matches!(c, ' ' | '<' | '>' | '\\' | '^' | '`'))
        {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

// ---- reading stdin for fg --------------------------------------------------------------------

/// Lines of stdin, read on a thread of its own one at a time, when asked for (as `input()`
/// would), so that nothing is read ahead of need. On a terminal the thread waits with `poll` and
/// gives up soon after the reader is dropped, leaving the terminal to whoever reads it next (the
/// interactive shell); elsewhere it shares std's stdin buffer with the shell.
struct StdinLines {
    want: Option<std::sync::mpsc::Sender<()>>,
    lines: mpsc::Receiver<Option<Vec<u8>>>,
    cancel: Arc<AtomicBool>,
    asked: bool,
}

impl StdinLines {
    fn start() -> StdinLines {
        let (want_tx, want_rx) = std::sync::mpsc::channel::<()>();
        let (line_tx, lines) = mpsc::channel(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name("fg-stdin".into())
            .spawn(move || read_stdin_lines(&want_rx, &line_tx, &flag));
        StdinLines {
            want: spawned.is_ok().then_some(want_tx),
            lines,
            cancel,
            asked: false,
        }
    }

    /// The next line without its newline; None at the end of input (or when stdin fails).
    /// Cancel-safe: a line asked for and not yet taken is kept for the next call.
    async fn next(&mut self) -> Option<Vec<u8>> {
        if !self.asked {
            self.want.as_ref()?.send(()).ok()?;
            self.asked = true;
        }
        let line = self.lines.recv().await;
        self.asked = false;
        line.flatten()
    }
}

impl Drop for StdinLines {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
    }
}

fn read_stdin_lines(
    want: &std::sync::mpsc::Receiver<()>,
    lines: &mpsc::Sender<Option<Vec<u8>>>,
    cancel: &AtomicBool,
) {
    use std::io::IsTerminal;
    let mut tty = if std::io::stdin().is_terminal() {
        tty::Reader::new()
    } else {
        None
    };
    while want.recv().is_ok() {
        let line = match &mut tty {
            Some(reader) => match reader.line(cancel) {
                Some(line) => line,
                None => return,
            },
            None => read_buffered_line(),
        };
        if cancel.load(Ordering::SeqCst) || lines.blocking_send(line).is_err() {
            return;
        }
    }
}

/// One line from std's (shared) stdin buffer, as `input()` reads it: without the newline, a
/// last line without one as it is, None at the end.
fn read_buffered_line() -> Option<Vec<u8>> {
    let mut line = Vec::new();
    match std::io::stdin().lock().read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            Some(line)
        }
    }
}

mod tty {
    use super::*;
    use std::ffi::{c_int, c_short};
    use std::os::fd::{AsFd, AsRawFd};

    #[repr(C)]
    struct PollFd {
        fd: c_int,
        events: c_short,
        revents: c_short,
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    type NfdsT = std::ffi::c_ulong;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    type NfdsT = std::ffi::c_uint;

    const POLLIN: c_short = 0x1;

    unsafe extern "C" {
        fn poll(fds: *mut PollFd, nfds: NfdsT, timeout: c_int) -> c_int;
    }

    /// Whether `fd` has something to read (data, the end, or an error) within `timeout_ms`.
    fn readable(fd: c_int, timeout_ms: c_int) -> std::io::Result<bool> {
        let mut p = PollFd {
            fd,
            events: POLLIN,
            revents: 0,
        };
        // SAFETY: `p` is one valid, writable pollfd and nfds is 1; poll writes only `revents`.
        let r = unsafe { poll(&mut p, 1, timeout_ms) };
        if r < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(r > 0)
        }
    }

    /// Unbuffered reads of the terminal on stdin, only once `poll` says they will not block.
    pub(super) struct Reader {
        file: std::fs::File,
        carry: Vec<u8>,
        eof: bool,
    }

    impl Reader {
        pub(super) fn new() -> Option<Reader> {
            let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
            Some(Reader {
                file: std::fs::File::from(fd),
                carry: Vec::new(),
                eof: false,
            })
        }

        /// Some(line) or Some(None) at the end of input; None once `cancel` is set.
        pub(super) fn line(&mut self, cancel: &AtomicBool) -> Option<Option<Vec<u8>>> {
            loop {
                if let Some(i) = self.carry.iter().position(|&b| b == b'\n') {
                    let mut line: Vec<u8> = self.carry.drain(..=i).collect();
                    line.pop();
                    return Some(Some(line));
                }
                if self.eof {
                    // A terminal's end of input is not final: a later read may go on.
                    self.eof = false;
                    return Some((!self.carry.is_empty()).then(|| std::mem::take(&mut self.carry)));
                }
                if cancel.load(Ordering::SeqCst) {
                    return None;
                }
                match readable(self.file.as_raw_fd(), 100) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => return Some(None),
                }
                if cancel.load(Ordering::SeqCst) {
                    return None;
                }
                let mut buf = [0u8; 4096];
                match self.file.read(&mut buf) {
                    Ok(0) => self.eof = true,
                    Ok(n) => self.carry.extend_from_slice(&buf[..n]),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock
                        ) => {}
                    Err(_) => return Some(None),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_like_python() {
        assert_eq!(py_int("5"), Some(PyInt::Small(5)));
        assert_eq!(py_int("+5"), Some(PyInt::Small(5)));
        assert_eq!(py_int("-5"), Some(PyInt::Small(-5)));
        assert_eq!(py_int("1_0"), Some(PyInt::Small(10)));
        assert_eq!(py_int("007"), Some(PyInt::Small(7)));
        assert_eq!(py_int("-0"), Some(PyInt::Small(0)));
        assert_eq!(py_int("\u{663}"), Some(PyInt::Small(3)));
        assert_eq!(py_int("\u{ff15}\u{30}"), Some(PyInt::Small(50)));
        assert_eq!(py_int("\u{1d7ff}"), Some(PyInt::Small(9)));
        assert_eq!(py_int("99999999999999999999999"), Some(PyInt::Huge));
        for bad in [
            "", "-", "+", "f", "_1", "1_", "1__0", "+-1", "--1", "0x10", "1.0", "\u{b2}",
            "\u{2155}",
        ] {
            assert_eq!(py_int(bad), None, "{bad:?}");
        }
        assert_eq!(py_int(&"1".repeat(4300)), Some(PyInt::Huge));
        assert_eq!(py_int(&"0".repeat(4301)), None);
        assert_eq!(
            py_int(&format!("{}1", "1_".repeat(2200))),
            Some(PyInt::Huge)
        );
    }

    #[test]
    fn xmlrpc_range_of_the_negated_count() {
        assert_eq!(negated_xmlrpc_int(PyInt::Small(1600)), Some(-1600));
        assert_eq!(
            negated_xmlrpc_int(PyInt::Small(2147483648)),
            Some(-2147483648)
        );
        assert_eq!(negated_xmlrpc_int(PyInt::Small(2147483649)), None);
        assert_eq!(
            negated_xmlrpc_int(PyInt::Small(-2147483647)),
            Some(2147483647)
        );
        assert_eq!(negated_xmlrpc_int(PyInt::Small(-2147483648)), None);
        assert_eq!(negated_xmlrpc_int(PyInt::Small(i64::MIN)), None);
        assert_eq!(negated_xmlrpc_int(PyInt::Huge), None);
    }

    #[test]
    fn splits_like_python() {
        assert_eq!(py_split(" a\tb\u{1c}c\u{a0}d  "), vec!["a", "b", "c", "d"]);
        assert!(py_split("").is_empty());
    }

    #[test]
    fn request_targets_keep_what_http_allows() {
        assert_eq!(request_target("/logtail/foo/stdout"), "/logtail/foo/stdout");
        assert_eq!(request_target("/logtail/g:p/stderr"), "/logtail/g:p/stderr");
        assert_eq!(
            request_target("/logtail/a<b>/stdout"),
            "/logtail/a%3Cb%3E/stdout"
        );
        assert_eq!(
            request_target("/logtail/a\u{1}é/stdout"),
            "/logtail/a%01é/stdout"
        );
        assert_eq!(request_target("/logtail/a?b/stdout"), "/logtail/a?b/stdout");
    }
}
