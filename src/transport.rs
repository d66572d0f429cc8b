//! HTTP/1.1 to supervisord over TCP or a unix socket: XML-RPC posts and the log-tail streams.
//!
//! Connections are kept and reused across calls (stock opens a new one per proxy). Every
//! exchange is bounded in time: when an answer is slow, a second connection asks the server
//! whether it is alive at all, because supervisord legitimately holds back the answer to a
//! blocking call (`startProcessGroup` with wait) until the work is done, while still answering
//! other requests. A server that answers neither is reported as timed out.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
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
        Some(Endpoint::Tcp { host: host.to_ascii_lowercase(), port })
    }

    /// The Host header Python's http.client sends for XML-RPC.
    fn host_header(&self) -> String {
        match self {
            Endpoint::Unix(_) => "localhost".into(),
            Endpoint::Tcp { host, port } => {
                let h = if host.contains(':') { format!("[{host}]") } else { host.clone() };
                if *port == 80 { h } else { format!("{h}:{port}") }
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
                Some(format!("Basic {token}"))
            }
            _ => None,
        };
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
    pub async fn call_patiently(&self, method: &str, params: &[Value], patience: Duration) -> Result<Value, RpcError> {
        let body = xmlrpc::encode_call(method, params);
        let response = self.post_patiently(Bytes::from(body), patience).await?;
        match xmlrpc::decode_response(&response) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(fault)) => Err(RpcError::fault(fault)),
            Err(e) => Err(RpcError::malformed(e.to_string())),
        }
    }

    /// Posts an XML-RPC document to `/RPC2` and returns the response body.
    pub async fn post(&self, body: Bytes) -> Result<Bytes, RpcError> {
        self.post_patiently(body, Duration::ZERO).await
    }

    async fn post_patiently(&self, body: Bytes, patience: Duration) -> Result<Bytes, RpcError> {
        let exchange = self.post_pooled(body);
        tokio::pin!(exchange);
        let started = tokio::time::Instant::now();
        let mut first = true;
        loop {
            let delay = if first { self.timeout + patience } else { self.timeout };
            first = false;
            tokio::select! {
                r = &mut exchange => return r,
                alive = self.probe_after(delay) => {
                    if !alive || started.elapsed() >= MAX_BLOCKING_WAIT {
                        return Err(RpcError::timeout());
                    }
                }
            }
        }
    }

    /// Waits `delay`, then asks the server, on a connection of its own, for its API version.
    async fn probe_after(&self, delay: Duration) -> bool {
        tokio::time::sleep(delay).await;
        let body = Bytes::from(xmlrpc::encode_call("supervisor.getVersion", &[]));
        let probe = async {
            let mut sender = self.connect().await?;
            self.exchange(&mut sender, body).await
        };
        matches!(tokio::time::timeout(self.timeout, probe).await, Ok(Ok(_)))
    }

    async fn post_pooled(&self, body: Bytes) -> Result<Bytes, RpcError> {
        self.endpoint()?;
        let pooled = self.take_idle();
        if let Some(mut sender) = pooled {
            match self.exchange(&mut sender, body.clone()).await {
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
        let b = self.exchange(&mut sender, body).await?;
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
                let s = UnixStream::connect(path).await.map_err(|e| RpcError::io(&e))?;
                Ok(Box::new(s))
            }
            Endpoint::Tcp { host, port } => {
                let addrs = tokio::net::lookup_host((host.as_str(), *port)).await.map_err(|_| RpcError::Dns {
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

    async fn exchange(&self, sender: &mut Sender, body: Bytes) -> Result<Bytes, RpcError> {
        let endpoint = self.endpoint()?;
        let mut req = Request::post("/RPC2")
            .header("Host", endpoint.host_header())
            .header("Accept-Encoding", "identity")
            .header("User-Agent", concat!("supervisor-quick/", env!("CARGO_PKG_VERSION")))
            .header("Content-Type", "text/xml")
            .header("Accept", "text/xml");
        if let Some(auth) = &self.authorization {
            req = req.header("Authorization", auth);
        }
        let req = req
            .header("Content-Length", body.len())
            .body(Full::new(body))
            .map_err(|e| RpcError::malformed(e.to_string()))?;
        sender.ready().await.map_err(|e| RpcError::closed(e.to_string()))?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let resp = sender.send_request(req).await.map_err(|e| hyper_error(&e))?;
        let status = resp.status();
        if status != hyper::StatusCode::OK {
            let reason = resp
                .extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
                .or_else(|| status.canonical_reason().map(str::to_owned))
                .unwrap_or_default();
            return Err(RpcError::Protocol { status: status.as_u16(), reason, at: std::panic::Location::caller() });
        }
        read_limited(resp.into_body(), MAX_RESPONSE).await
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
                netloc.split(['/', '?', '#']).next().unwrap_or("").to_owned()
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
        let req = req.body(Empty::new()).map_err(|e| RpcError::malformed(e.to_string()))?;
        sender.ready().await.map_err(|e| RpcError::closed(e.to_string()))?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let fut = sender.send_request(req);
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(|e| hyper_error(&e)),
            Err(_) => Err(RpcError::timeout()),
        }
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

async fn read_limited(mut body: Incoming, limit: usize) -> Result<Bytes, RpcError> {
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            if e.is_incomplete_message() {
                RpcError::Closed {
                    message: format!("IncompleteRead({} bytes read)", buf.len()),
                    at: std::panic::Location::caller(),
                }
            } else {
                hyper_error(&e)
            }
        })?;
        if let Some(data) = frame.data_ref() {
            if buf.len() + data.len() > limit {
                return Err(RpcError::TooLarge { limit, at: std::panic::Location::caller() });
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
    fn parses_server_urls_like_stock() {
        assert_eq!(Endpoint::parse("unix:///tmp/s.sock"), Some(Endpoint::Unix("/tmp/s.sock".into())));
        assert_eq!(Endpoint::parse("unix://rel/s"), Some(Endpoint::Unix("rel/s".into())));
        assert_eq!(
            Endpoint::parse("http://LocalHost:9001/some/path"),
            Some(Endpoint::Tcp { host: "localhost".into(), port: 9001 })
        );
        assert_eq!(Endpoint::parse("http://h"), Some(Endpoint::Tcp { host: "h".into(), port: 80 }));
        assert_eq!(Endpoint::parse("http://[::1]:9"), Some(Endpoint::Tcp { host: "::1".into(), port: 9 }));
        assert_eq!(Endpoint::parse("https://x"), None);
        assert_eq!(Endpoint::parse("HTTP://x"), None);
        assert_eq!(Endpoint::parse("unix:/x"), None);
        assert_eq!(Endpoint::Tcp { host: "127.0.0.1".into(), port: 80 }.host_header(), "127.0.0.1");
        assert_eq!(Endpoint::Tcp { host: "::1".into(), port: 9 }.host_header(), "[::1]:9");
    }
}
