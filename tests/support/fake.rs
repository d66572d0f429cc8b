//! A tiny fake HTTP/XML-RPC server for fault injection.
//!
//! ```ignore
//! let fake = FakeServer::unix(|req| match req.method.as_deref() {
//!     Some("supervisor.getSupervisorVersion") => Reply::xmlrpc(&xml::string("4.3.0")),
//!     Some("supervisor.getAllProcessInfo") => Reply::Hang,
//!     _ => Reply::fault(1, "UNKNOWN_METHOD"),
//! });
//! Invocation::ours().opts(["-s", &fake.url()]).args(["status"]).run();
//! ```

use super::{unique_temp_dir, xml};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// One HTTP request as received.
#[derive(Clone, Debug)]
pub struct Request {
    /// Everything received for this request (head and body).
    pub raw: Vec<u8>,
    /// Request line and headers, without the blank line.
    pub head: String,
    pub body: Vec<u8>,
    /// The XML-RPC `<methodName>`, if any.
    pub method: Option<String>,
}

impl Request {
    /// e.g. `POST /RPC2 HTTP/1.1`
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// First header value with that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        header_value(&self.head, name)
    }

    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn header_value(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// What the fake does with a request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Send these bytes. The connection then stays open for the next request
    /// unless the reply says `Connection: close`, is HTTP/1.0 without
    /// keep-alive, or has no Content-Length (then it is closed).
    Raw(Vec<u8>),
    /// Send these bytes, then never answer again and keep the connection
    /// open until the server is dropped (e.g. a truncated body).
    RawThenHang(Vec<u8>),
    /// Never answer; keep the connection open until the server is dropped.
    Hang,
    /// Close the connection without answering.
    Close,
}

impl Reply {
    /// A full HTTP response (HTTP/1.1, with Content-Length).
    pub fn http(status: u16, reason: &str, content_type: &str, body: &[u8]) -> Reply {
        let mut v = format!(
            "HTTP/1.1 {status} {reason}\r\nServer: Medusa/1.12\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        v.extend_from_slice(body);
        Reply::Raw(v)
    }

    /// 200 with a methodResponse carrying `value` (built with
    /// [`xml::string`], [`xml::int`], [`xml::structure`], ...).
    pub fn xmlrpc(value: &str) -> Reply {
        Reply::http(
            200,
            "OK",
            "text/xml",
            xml::method_response(value).as_bytes(),
        )
    }

    /// 200 with an XML-RPC fault.
    pub fn fault(code: i64, message: &str) -> Reply {
        Reply::http(
            200,
            "OK",
            "text/xml",
            xml::fault_response(code, message).as_bytes(),
        )
    }

    /// Raw bytes given as text.
    pub fn raw(text: &str) -> Reply {
        Reply::Raw(text.as_bytes().to_vec())
    }
}

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    fn set_read_timeout(&self, d: Duration) {
        let _ = match self {
            Stream::Unix(s) => s.set_read_timeout(Some(d)),
            Stream::Tcp(s) => s.set_read_timeout(Some(d)),
        };
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync + 'static>;

/// A fake server on a std thread (one more thread per connection). Every
/// request is recorded (see [`FakeServer::requests`]). Dropping it stops
/// accepting, releases hanging connections and removes its socket dir.
pub struct FakeServer {
    url: String,
    dir: Option<PathBuf>,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<Request>>>,
    accept: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Listens on a fresh unix socket; [`FakeServer::url`] is `unix://...`.
    pub fn unix(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> FakeServer {
        let dir = unique_temp_dir("fake");
        let path = dir.join("fake.sock");
        let l =
            UnixListener::bind(&path).unwrap_or_else(|e| panic!("bind {}: {e}", path.display()));
        l.set_nonblocking(true).expect("nonblocking");
        let url = format!("unix://{}", path.display());
        Self::spawn(url, Some(dir), Arc::new(handler), move || {
            l.accept().map(|(s, _)| {
                let _ = s.set_nonblocking(false);
                Stream::Unix(s)
            })
        })
    }

    /// Listens on 127.0.0.1:<free port>; [`FakeServer::url`] is `http://...`.
    pub fn tcp(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> FakeServer {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        l.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", l.local_addr().expect("addr"));
        Self::spawn(url, None, Arc::new(handler), move || {
            l.accept().map(|(s, _)| {
                let _ = s.set_nonblocking(false);
                Stream::Tcp(s)
            })
        })
    }

    fn spawn(
        url: String,
        dir: Option<PathBuf>,
        handler: Handler,
        mut accept: impl FnMut() -> io::Result<Stream> + Send + 'static,
    ) -> FakeServer {
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (st, rq) = (stop.clone(), requests.clone());
        let accept = thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match accept() {
                    Ok(s) => {
                        let (st, rq, h) = (st.clone(), rq.clone(), handler.clone());
                        thread::spawn(move || serve(s, &st, &rq, &h));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FakeServer {
            url,
            dir,
            stop,
            requests,
            accept: Some(accept),
        }
    }

    /// `unix:///.../fake.sock` or `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The socket path of a unix fake.
    pub fn socket_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("fake.sock"))
    }

    /// A copy of every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The method names received so far, in order.
    pub fn methods(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .map(|r| r.method.unwrap_or_default())
            .collect()
    }
}

impl Drop for FakeServer {
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

/// A complete request at the start of `buf`: (request, bytes used).
fn parse_request(buf: &[u8]) -> Option<(Request, usize)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let len: usize = header_value(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let total = end + 4 + len;
    if buf.len() < total {
        return None;
    }
    let body = buf[end + 4..total].to_vec();
    Some((
        Request {
            raw: buf[..total].to_vec(),
            method: xml::method_name(&body),
            head,
            body,
        },
        total,
    ))
}

fn should_close(req: &Request, resp: &[u8]) -> bool {
    let end = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(resp.len());
    let head = String::from_utf8_lossy(&resp[..end]);
    let conn = header_value(&head, "connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let req_conn = req
        .header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    conn.contains("close")
        || req_conn.contains("close")
        || header_value(&head, "content-length").is_none()
        || (head.starts_with("HTTP/1.0") && !conn.contains("keep-alive"))
        || (req.request_line().ends_with("HTTP/1.0") && !req_conn.contains("keep-alive"))
}

fn hang(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(20));
    }
}

fn serve(mut s: Stream, stop: &AtomicBool, log: &Mutex<Vec<Request>>, handler: &Handler) {
    s.set_read_timeout(Duration::from_millis(100));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let (req, used) = loop {
            if let Some(r) = parse_request(&buf) {
                break r;
            }
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match s.read(&mut chunk) {
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
        log.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(req.clone());
        match handler(&req) {
            Reply::Raw(bytes) => {
                if s.write_all(&bytes).is_err() || should_close(&req, &bytes) {
                    return;
                }
            }
            Reply::RawThenHang(bytes) => {
                let _ = s.write_all(&bytes);
                hang(stop);
                return;
            }
            Reply::Hang => {
                hang(stop);
                return;
            }
            Reply::Close => return,
        }
    }
}

/// What a healthy supervisord answers to the calls every client makes
/// first: `getVersion`/`getAPIVersion` → "3.0" (stock supervisorctl checks
/// this before most commands), `getSupervisorVersion` → "4.3.0",
/// `getState` → RUNNING, `getIdentification` → "supervisor"; anything else is
/// the UNKNOWN_METHOD fault (code 1). Use as a handler's fallback.
pub fn default_reply(req: &Request) -> Reply {
    match req.method.as_deref() {
        Some("supervisor.getVersion" | "supervisor.getAPIVersion") => {
            Reply::xmlrpc(&xml::string("3.0"))
        }
        Some("supervisor.getSupervisorVersion") => Reply::xmlrpc(&xml::string("4.3.0")),
        Some("supervisor.getState") => Reply::xmlrpc(&xml::structure(&[
            ("statecode", xml::int(1)),
            ("statename", xml::string("RUNNING")),
        ])),
        Some("supervisor.getIdentification") => Reply::xmlrpc(&xml::string("supervisor")),
        _ => Reply::fault(1, "UNKNOWN_METHOD"),
    }
}
