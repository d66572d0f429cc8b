//! HTTP/1.1 to supervisord over TCP or a unix socket: XML-RPC posts and the log-tail streams.
//!
//! Connections are kept and reused across calls (stock opens a new one per proxy). Every
//! exchange is bounded in time: when an answer is slow, a second connection asks the server
//! whether it is alive at all, because supervisord legitimately holds back the answer to a
//! blocking call (`startProcessGroup` with wait) until the work is done, while still answering
//! other requests. A server that answers neither is reported as timed out.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, Response, body::Incoming};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use crate::error::RpcError;
use crate::xmlrpc::{self, Value};

/// Default bound on one exchange (and on the liveness probe that follows a slow one).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response accepted; supervisord's `getAllProcessInfo` of 1000 processes is ~1.2 MB.
pub const MAX_RESPONSE: usize = 64 * 1024 * 1024;
/// However alive the server says it is, a single call never waits longer than this.
pub const MAX_BLOCKING_WAIT: Duration = Duration::from_secs(3600);
/// Once the head of a response is in, its body gets the timeout plus one second for every
/// this many bytes received: a body that trickles in slower than that (a server dribbling
/// bytes, however alive) times out instead of holding the client for hours. supervisord
/// sends 64 KiB per turn of its loop, and a turn can take seconds when it spawns many
/// processes at once: the floor is far below that.
pub const MIN_BODY_RATE: u64 = 4 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

impl Endpoint {
    /// Parses a `serverurl` as stock's transport does: `http://` or `unix://`, case-sensitively;
    /// any path in an http URL is ignored (stock always posts to `/RPC2`).
    pub fn parse(url: &str) -> Option<Endpoint> {
        if let Some(rest) = url.strip_prefix("unix://") {
            return Some(Endpoint::Unix(PathBuf::from(rest)));
        }
        let rest = url.strip_prefix("http://")?;
        let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
        let hostport = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) if !p.is_empty() => p.parse().ok()?,
                _ => 80,
            };
            (h.to_owned(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) if !p.is_empty() => (h.to_owned(), p.parse().ok()?),
                Some((h, _)) => (h.to_owned(), 80),
                None => (hostport.to_owned(), 80),
            }
        };
        Some(Endpoint::Tcp {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The Host header Python's http.client sends for XML-RPC.
    fn host_header(&self) -> String {
        match self {
            Endpoint::Unix(_) => "localhost".into(),
            Endpoint::Tcp { host, port } => {
                let h = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                if *port == 80 {
                    h
                } else {
                    format!("{h}:{port}")
                }
            }
        }
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

type Sender = SendRequest<Full<Bytes>>;

pub struct Transport {
    serverurl: String,
    endpoint: Option<Endpoint>,
    authorization: Option<String>,
    idle: Mutex<Vec<Sender>>,
    timeout: Duration,
    requests: AtomicU64,
}

impl Transport {
    pub fn new(serverurl: &str, username: Option<&str>, password: Option<&str>) -> Transport {
        let authorization = match (username, password) {
            (Some(u), Some(p)) => {
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                crate::error::register_secret(&token);
                Some(format!("Basic {token}"))
            }
            _ => None,
        };
        // Whatever the password's source (config, `-p`, a prompt, the URL), it is never printed.
        if let Some(p) = password {
            crate::error::register_secret(p);
        }
        if let Some(p) = crate::error::url_password(serverurl) {
            crate::error::register_secret(p);
        }
        let timeout = std::env::var("SUPERVISOR_QUICK_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64);
        Transport {
            serverurl: serverurl.to_owned(),
            endpoint: Endpoint::parse(serverurl),
            authorization,
            idle: Mutex::new(Vec::new()),
            timeout,
            requests: AtomicU64::new(0),
        }
    }

    pub fn serverurl(&self) -> &str {
        &self.serverurl
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// HTTP requests made so far (XML-RPC posts, probes and streams).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    #[track_caller]
    fn endpoint(&self) -> Result<&Endpoint, RpcError> {
        self.endpoint.as_ref().ok_or_else(|| RpcError::BadUrl {
            url: self.serverurl.clone(),
            at: std::panic::Location::caller(),
        })
    }

    /// Calls an XML-RPC method. A fault comes back as `RpcError::Fault`.
    pub async fn call(&self, method: &str, params: &[Value]) -> Result<Value, RpcError> {
        self.call_patiently(method, params, Duration::ZERO).await
    }

    /// `call` for work the server is known to do in one go with its loop blocked (spawning
    /// many processes): it cannot answer a liveness probe meanwhile, so none is sent until
    /// `patience` has passed.
    pub async fn call_patiently(
        &self,
        method: &str,
        params: &[Value],
        patience: Duration,
    ) -> Result<Value, RpcError> {
        self.call_noting_head(method, params, patience, &Head::default())
            .await
    }

    /// `call_patiently`, setting `head` as soon as the head of the answer arrives: the
    /// server has then computed the answer, though its body may take long to come.
    pub async fn call_noting_head(
        &self,
        method: &str,
        params: &[Value],
        patience: Duration,
        head: &Head,
    ) -> Result<Value, RpcError> {
        let body = xmlrpc::encode_call(method, params);
        let response = self
            .post_patiently(
                Bytes::from(body),
                patience,
                may_be_held_back(method, params),
                head,
            )
            .await?;
        match xmlrpc::decode_response(&response) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(fault)) => Err(RpcError::fault(fault)),
            Err(e) => Err(RpcError::malformed(e.to_string())),
        }
    }

    /// Posts an XML-RPC document to `/RPC2` and returns the response body (the document may
    /// hold a call whose answer the server holds back: see [`may_be_held_back`]).
    pub async fn post(&self, body: Bytes) -> Result<Bytes, RpcError> {
        self.post_patiently(body, Duration::ZERO, true, &Head::default())
            .await
    }

    /// The exchange, bounded. Until the head of the answer arrives, a probe after the timeout
    /// (and `patience`) asks whether the server is alive at all: a call the server may hold
    /// back is waited for as long as it is (up to [`MAX_BLOCKING_WAIT`]); any other gets one
    /// more timeout, since a live supervisord answers it at once. Once the head is in, the
    /// body's own allowance (the timeout and `patience`, and more as bytes come: see
    /// [`MIN_BODY_RATE`]) bounds the rest.
    async fn post_patiently(
        &self,
        body: Bytes,
        patience: Duration,
        held_back: bool,
        head: &Head,
    ) -> Result<Bytes, RpcError> {
        let exchange = self.post_pooled(body, head, patience);
        tokio::pin!(exchange);
        let started = tokio::time::Instant::now();
        let mut probes = 0u32;
        loop {
            let delay = if probes == 0 {
                self.timeout + patience
            } else {
                self.timeout
            };
            tokio::select! {
                r = &mut exchange => return r,
                () = tokio::time::sleep(delay) => {}
            }
            if head.is_in() {
                return exchange.await;
            }
            tokio::select! {
                r = &mut exchange => return r,
                alive = self.probe() => {
                    probes += 1;
                    if head.is_in() {
                        return exchange.await;
                    }
                    if !alive || started.elapsed() >= MAX_BLOCKING_WAIT || (!held_back && probes >= 2) {
                        return Err(RpcError::timeout());
                    }
                }
            }
        }
    }

    /// Asks the server, on a connection of its own, for its API version: is it alive at all?
    async fn probe(&self) -> bool {
        let body = Bytes::from(xmlrpc::encode_call("supervisor.getVersion", &[]));
        let head = Head::default();
        let probe = async {
            let mut sender = self.connect().await?;
            self.exchange(&mut sender, body, &head, Duration::ZERO)
                .await
        };
        matches!(tokio::time::timeout(self.timeout, probe).await, Ok(Ok(_)))
    }

    /// The exchange on a kept connection if there is one, else on a new one. `head` is set
    /// once the head of the answer has arrived.
    async fn post_pooled(
        &self,
        body: Bytes,
        head: &Head,
        patience: Duration,
    ) -> Result<Bytes, RpcError> {
        self.endpoint()?;
        let pooled = self.take_idle();
        if let Some(mut sender) = pooled {
            match self
                .exchange(&mut sender, body.clone(), head, patience)
                .await
            {
                Ok(b) => {
                    self.put_idle(sender);
                    return Ok(b);
                }
                // A kept-alive connection the server has meanwhile closed: try once more afresh.
                Err(RpcError::Closed { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let mut sender = self.connect().await?;
        let b = self.exchange(&mut sender, body, head, patience).await?;
        self.put_idle(sender);
        Ok(b)
    }

    fn take_idle(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(s) = idle.pop() {
            if !s.is_closed() {
                return Some(s);
            }
        }
        None
    }

    fn put_idle(&self, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < 64 {
            idle.push(sender);
        }
    }

    async fn open_stream(&self) -> Result<Box<dyn Io>, RpcError> {
        match self.endpoint()? {
            Endpoint::Unix(path) => {
                let s = UnixStream::connect(path)
                    .await
                    .map_err(|e| RpcError::io(&e))?;
                Ok(Box::new(s))
            }
            Endpoint::Tcp { host, port } => {
                let addrs = tokio::net::lookup_host((host.as_str(), *port))
                    .await
                    .map_err(|_| RpcError::Dns {
                        message: "[Errno -2] Name or service not known".into(),
                        at: std::panic::Location::caller(),
                    })?;
                let mut last = None;
                for addr in addrs {
                    match TcpStream::connect(addr).await {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            return Ok(Box::new(s));
                        }
                        Err(e) => last = Some(e),
                    }
                }
                Err(match last {
                    Some(e) => RpcError::io(&e),
                    None => RpcError::Dns {
                        message: "[Errno -2] Name or service not known".into(),
                        at: std::panic::Location::caller(),
                    },
                })
            }
        }
    }

    async fn handshake<B>(&self) -> Result<SendRequest<B>, RpcError>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let stream = tokio::time::timeout(self.timeout, self.open_stream())
            .await
            .map_err(|_| RpcError::timeout())??;
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| RpcError::closed(e.to_string()))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    async fn connect(&self) -> Result<Sender, RpcError> {
        self.handshake().await
    }

    async fn exchange(
        &self,
        sender: &mut Sender,
        body: Bytes,
        head: &Head,
        patience: Duration,
    ) -> Result<Bytes, RpcError> {
        let endpoint = self.endpoint()?;
        let mut req = Request::post("/RPC2")
            .header("Host", endpoint.host_header())
            .header("Accept-Encoding", "identity")
            .header(
                "User-Agent",
                concat!("supervisor-quick/", env!("CARGO_PKG_VERSION")),
            )
            .header("Content-Type", "text/xml")
            .header("Accept", "text/xml");
        if let Some(auth) = &self.authorization {
            req = req.header("Authorization", auth);
        }
        let req = req
            .header("Content-Length", body.len())
            .body(Full::new(body))
            .map_err(|e| RpcError::malformed(e.to_string()))?;
        sender
            .ready()
            .await
            .map_err(|e| RpcError::closed(e.to_string()))?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| hyper_error(&e))?;
        head.set();
        let status = resp.status();
        if status != hyper::StatusCode::OK {
            let reason = resp
                .extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
                .or_else(|| status.canonical_reason().map(str::to_owned))
                .unwrap_or_default();
            return Err(RpcError::Protocol {
                status: status.as_u16(),
                reason,
                at: std::panic::Location::caller(),
            });
        }
        let expected = resp
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        // A body announced larger than the cap is refused before any of it is read.
        if expected.is_some_and(|n| n > MAX_RESPONSE as u64) {
            return Err(RpcError::TooLarge {
                limit: MAX_RESPONSE,
                at: std::panic::Location::caller(),
            });
        }
        // A body, too, can stall behind work the server does in one go.
        read_limited(
            resp.into_body(),
            MAX_RESPONSE,
            expected,
            self.timeout.saturating_add(patience),
        )
        .await
    }

    /// Opens a log-tail stream (`/logtail/NAME/CHANNEL` or `/mainlogtail`) on a connection of
    /// its own, with stock's request headers.
    pub async fn get_stream(&self, path: &str) -> Result<Response<Incoming>, RpcError> {
        let endpoint = self.endpoint()?.clone();
        let mut sender = self.handshake::<Empty<Bytes>>().await?;
        let host = match &endpoint {
            Endpoint::Unix(_) => String::new(),
            Endpoint::Tcp { .. } => {
                let netloc = self.serverurl.strip_prefix("http://").unwrap_or("");
                netloc
                    .split(['/', '?', '#'])
                    .next()
                    .unwrap_or("")
                    .to_owned()
            }
        };
        let mut req = Request::get(path)
            .header("Host", host)
            .header("Accept-Encoding", "chunked")
            .header("Accept", "*/*")
            .header("User-agent", "Supervisor HTTP Client");
        if let Some(auth) = &self.authorization {
            req = req.header("Authorization", auth);
        }
        let req = req
            .body(Empty::new())
            .map_err(|e| RpcError::malformed(e.to_string()))?;
        sender
            .ready()
            .await
            .map_err(|e| RpcError::closed(e.to_string()))?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let fut = sender.send_request(req);
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(|e| hyper_error(&e)),
            Err(_) => Err(RpcError::timeout()),
        }
    }
}

/// Whether supervisord may hold back its answer to this call until the work is done: the
/// start and stop calls unless `wait` is false, a multicall holding one, and (not knowing)
/// any method outside the `supervisor` and `system` namespaces. Everything else a live
/// supervisord answers at once.
/// Set once the head of an answer has arrived.
#[derive(Default)]
pub struct Head {
    arrived: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Head {
    fn set(&self) {
        self.arrived.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    pub fn is_in(&self) -> bool {
        self.arrived.load(Ordering::Acquire)
    }

    /// Returns once the head has arrived (at once if it has already). One waiter at a time.
    pub async fn arrived(&self) {
        if !self.is_in() {
            self.notify.notified().await;
        }
    }
}

fn may_be_held_back(method: &str, params: &[Value]) -> bool {
    let waits = |flag: Option<&Value>| flag.is_none_or(|w| w.as_bool() != Some(false));
    match method {
        "system.multicall" => params
            .first()
            .and_then(Value::as_array)
            .is_some_and(|calls| {
                calls.iter().any(|c| {
                    let name = c.get("methodName").and_then(Value::as_str).unwrap_or("");
                    let inner = c.get("params").and_then(Value::as_array).unwrap_or(&[]);
                    name != "system.multicall" && may_be_held_back(name, inner)
                })
            }),
        "supervisor.startProcess"
        | "supervisor.startProcessGroup"
        | "supervisor.stopProcess"
        | "supervisor.stopProcessGroup" => waits(params.get(1)),
        "supervisor.startAllProcesses" | "supervisor.stopAllProcesses" => waits(params.first()),
        m => !(m.starts_with("supervisor.") || m.starts_with("system.")),
    }
}

#[track_caller]
fn hyper_error(e: &hyper::Error) -> RpcError {
    use std::error::Error;
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return RpcError::io(io);
        }
        source = s.source();
    }
    if e.is_parse() || e.is_parse_status() {
        return RpcError::malformed(format!("malformed HTTP response: {e}"));
    }
    if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
        return RpcError::closed("Remote end closed connection without response");
    }
    RpcError::closed(e.to_string())
}

/// Reads a whole body of at most `limit` bytes, within the body's time allowance (see
/// [`MIN_BODY_RATE`]). A body that ends early, or whose framing breaks, is stock's
/// `IncompleteRead`; one that would pass the limit is refused as soon as it does.
async fn read_limited(
    mut body: Incoming,
    limit: usize,
    expected: Option<u64>,
    timeout: Duration,
) -> Result<Bytes, RpcError> {
    let started = tokio::time::Instant::now();
    let mut buf = Vec::new();
    loop {
        let allowance =
            timeout.saturating_add(Duration::from_secs(buf.len() as u64 / MIN_BODY_RATE));
        let frame = match tokio::time::timeout_at(started + allowance, body.frame()).await {
            Err(_) => return Err(RpcError::timeout()),
            Ok(None) => break,
            Ok(Some(frame)) => frame,
        };
        let frame = frame.map_err(|e| {
            use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
            match hyper_error(&e) {
                // A connection reset mid-body reads as one, as in stock.
                reset @ RpcError::Io {
                    kind: ConnectionReset | ConnectionAborted | BrokenPipe,
                    ..
                } => reset,
                _ => RpcError::Incomplete {
                    read: buf.len(),
                    expected,
                    at: std::panic::Location::caller(),
                },
            }
        })?;
        if let Some(data) = frame.data_ref() {
            if buf.len() + data.len() > limit {
                return Err(RpcError::TooLarge {
                    limit,
                    at: std::panic::Location::caller(),
                });
            }
            buf.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_calls_that_wait_may_be_held_back() {
        let start = |wait: Option<bool>| {
            let mut p = vec![Value::from("web")];
            p.extend(wait.map(Value::Bool));
            p
        };
        assert!(may_be_held_back("supervisor.startProcess", &start(None)));
        assert!(may_be_held_back(
            "supervisor.stopProcessGroup",
            &start(Some(true))
        ));
        assert!(!may_be_held_back(
            "supervisor.startProcess",
            &start(Some(false))
        ));
        assert!(may_be_held_back("supervisor.stopAllProcesses", &[]));
        assert!(!may_be_held_back(
            "supervisor.startAllProcesses",
            &[Value::Bool(false)]
        ));
        assert!(!may_be_held_back("supervisor.getAllProcessInfo", &[]));
        assert!(!may_be_held_back("system.listMethods", &[]));
        assert!(may_be_held_back("twiddler.anything", &[]));
        let call = |m: &str, p: Vec<Value>| {
            Value::Struct(vec![
                ("methodName".into(), Value::from(m)),
                ("params".into(), Value::Array(p)),
            ])
        };
        let quick = Value::Array(vec![call("supervisor.startProcess", start(Some(false))); 3]);
        assert!(!may_be_held_back("system.multicall", &[quick]));
        let waiting = Value::Array(vec![
            call("supervisor.getState", vec![]),
            call("supervisor.stopProcess", start(None)),
        ]);
        assert!(may_be_held_back("system.multicall", &[waiting]));
        assert!(!may_be_held_back("system.multicall", &[]));
    }

    #[test]
    fn parses_server_urls_like_stock() {
        assert_eq!(
            Endpoint::parse("unix:///tmp/s.sock"),
            Some(Endpoint::Unix("/tmp/s.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("unix://rel/s"),
            Some(Endpoint::Unix("rel/s".into()))
        );
        assert_eq!(
            Endpoint::parse("http://LocalHost:9001/some/path"),
            Some(Endpoint::Tcp {
                host: "localhost".into(),
                port: 9001
            })
        );
        assert_eq!(
            Endpoint::parse("http://h"),
            Some(Endpoint::Tcp {
                host: "h".into(),
                port: 80
            })
        );
        assert_eq!(
            Endpoint::parse("http://[::1]:9"),
            Some(Endpoint::Tcp {
                host: "::1".into(),
                port: 9
            })
        );
        assert_eq!(Endpoint::parse("https://x"), None);
        assert_eq!(Endpoint::parse("HTTP://x"), None);
        assert_eq!(Endpoint::parse("unix:/x"), None);
        assert_eq!(
            Endpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 80
            }
            .host_header(),
            "127.0.0.1"
        );
        assert_eq!(
            Endpoint::Tcp {
                host: "::1".into(),
                port: 9
            }
            .host_header(),
            "[::1]:9"
        );
    }
}
