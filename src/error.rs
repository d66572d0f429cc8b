//! Errors of the client layers, and how stock supervisorctl would have printed them.
//!
//! Stock catches every exception that escapes a command and prints
//! `error: <class 'X'>, MSG: file: F line: N`, where X is the Python exception class. Scripts and
//! people recognise those classes, so each error here knows the Python class and message it
//! corresponds to; the file and line are where in this program the error arose.

use std::io;
use std::panic::Location;

use crate::xmlrpc::Fault;

#[derive(Debug, Clone, thiserror::Error)]
pub enum RpcError {
    /// A socket-level failure (connect, read, write).
    #[error("{message}")]
    Io {
        kind: io::ErrorKind,
        errno: Option<i32>,
        message: String,
        at: &'static Location<'static>,
    },
    /// The host name did not resolve.
    #[error("{message}")]
    Dns {
        message: String,
        at: &'static Location<'static>,
    },
    /// The server did not answer in time (and did not answer a liveness probe either).
    #[error("timed out")]
    Timeout { at: &'static Location<'static> },
    /// An HTTP status other than 200.
    #[error("<ProtocolError for 127.0.0.1/RPC2: {status} {reason}>")]
    Protocol {
        status: u16,
        reason: String,
        at: &'static Location<'static>,
    },
    /// The connection closed before a whole response arrived.
    #[error("{message}")]
    Closed {
        message: String,
        at: &'static Location<'static>,
    },
    /// The response was not a well-formed XML-RPC document, or not of the expected shape.
    #[error("{message}")]
    Malformed {
        message: String,
        at: &'static Location<'static>,
    },
    /// The body of a response ended early: the connection closed, or its framing (the
    /// Content-Length, the chunks) broke, part-way through.
    #[error("{}", incomplete_text(*read, *expected))]
    Incomplete {
        read: usize,
        expected: Option<u64>,
        at: &'static Location<'static>,
    },
    /// The response was larger than the client accepts.
    #[error("response larger than {limit} bytes")]
    TooLarge {
        limit: usize,
        at: &'static Location<'static>,
    },
    /// The server answered with an XML-RPC fault.
    #[error("{fault}")]
    Fault {
        fault: Fault,
        at: &'static Location<'static>,
    },
    /// `serverurl` has a scheme other than `http://` or `unix://`.
    #[error("Unknown protocol for serverurl {}", mask_url(url))]
    BadUrl {
        url: String,
        at: &'static Location<'static>,
    },
}

impl RpcError {
    #[track_caller]
    pub fn io(e: &io::Error) -> RpcError {
        RpcError::Io {
            kind: e.kind(),
            errno: e.raw_os_error(),
            message: python_os_error_text(e),
            at: Location::caller(),
        }
    }

    #[track_caller]
    pub fn malformed(message: impl Into<String>) -> RpcError {
        RpcError::Malformed {
            message: message.into(),
            at: Location::caller(),
        }
    }

    #[track_caller]
    pub fn fault(fault: Fault) -> RpcError {
        RpcError::Fault {
            fault,
            at: Location::caller(),
        }
    }

    #[track_caller]
    pub fn timeout() -> RpcError {
        RpcError::Timeout {
            at: Location::caller(),
        }
    }

    #[track_caller]
    pub fn closed(message: impl Into<String>) -> RpcError {
        RpcError::Closed {
            message: message.into(),
            at: Location::caller(),
        }
    }

    pub fn as_fault(&self) -> Option<&Fault> {
        match self {
            RpcError::Fault { fault, .. } => Some(fault),
            _ => None,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, RpcError::Protocol { status: 401, .. })
    }

    pub fn is_conn_refused(&self) -> bool {
        matches!(
            self,
            RpcError::Io {
                kind: io::ErrorKind::ConnectionRefused,
                ..
            }
        )
    }

    pub fn is_no_such_file(&self) -> bool {
        matches!(
            self,
            RpcError::Io {
                kind: io::ErrorKind::NotFound,
                ..
            }
        )
    }

    /// The Python exception class stock would have raised for this error.
    pub fn python_class(&self) -> String {
        match self {
            RpcError::Io { kind, errno, .. } => python_os_error_class(*kind, *errno).to_owned(),
            RpcError::Dns { .. } => "socket.gaierror".into(),
            RpcError::Timeout { .. } => "TimeoutError".into(),
            RpcError::Protocol { .. } => "xmlrpc.client.ProtocolError".into(),
            RpcError::Closed { .. } => "http.client.RemoteDisconnected".into(),
            RpcError::Malformed { .. } => "xml.parsers.expat.ExpatError".into(),
            RpcError::Incomplete { .. } => "http.client.IncompleteRead".into(),
            RpcError::TooLarge { .. } => "xmlrpc.client.ResponseError".into(),
            RpcError::Fault { .. } => "xmlrpc.client.Fault".into(),
            RpcError::BadUrl { .. } => "ValueError".into(),
        }
    }

    pub fn location(&self) -> &'static Location<'static> {
        match self {
            RpcError::Io { at, .. }
            | RpcError::Dns { at, .. }
            | RpcError::Timeout { at }
            | RpcError::Protocol { at, .. }
            | RpcError::Closed { at, .. }
            | RpcError::Malformed { at, .. }
            | RpcError::Incomplete { at, .. }
            | RpcError::TooLarge { at, .. }
            | RpcError::Fault { at, .. }
            | RpcError::BadUrl { at, .. } => at,
        }
    }

    /// Stock's line for an exception that escaped a command.
    pub fn generic_line(&self) -> String {
        generic_line(&self.python_class(), &self.to_string(), self.location())
    }
}

/// `repr(http.client.IncompleteRead)`: `IncompleteRead(37 bytes read, 463 more expected)`.
fn incomplete_text(read: usize, expected: Option<u64>) -> String {
    match expected {
        Some(total) => {
            let more = total.saturating_sub(read as u64);
            format!("IncompleteRead({read} bytes read, {more} more expected)")
        }
        None => format!("IncompleteRead({read} bytes read)"),
    }
}

// ---------------------------------------------------------------------------------------------
// Keeping passwords out of what is printed.

/// The password in a URL's userinfo (`http://user:PASSWORD@host`), if it has one.
pub fn url_password(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (userinfo, _) = netloc.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    Some(password)
}

/// A URL as it may be printed: a password in its userinfo is shown as `***`
/// (`http://user:***@host:9001`); anything else is left as it is.
pub fn mask_url(url: &str) -> std::borrow::Cow<'_, str> {
    match url_password(url) {
        Some(password) if !password.is_empty() => {
            // The password's place in the URL: it is a slice of it.
            let start = password.as_ptr() as usize - url.as_ptr() as usize;
            let end = start + password.len();
            std::borrow::Cow::Owned(format!("{}***{}", &url[..start], &url[end..]))
        }
        _ => std::borrow::Cow::Borrowed(url),
    }
}

/// The secrets this process holds (passwords, and the Authorization token made of them), for
/// [`redact`]. Registered by the transport as it is built.
static SECRETS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Remembers a secret that must never be printed (empty ones are ignored).
pub fn register_secret(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_string());
    }
}

/// `text` with every registered secret, and any password in a URL in it, replaced by `***`.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // The longest first, so that a secret containing another is hidden whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in &secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    let words: Vec<String> = out.split(' ').map(|w| mask_url(w).into_owned()).collect();
    words.join(" ")
}

/// What a panic prints instead of Rust's default: where it happened and its message, with
/// every secret hidden (see [`redact`]), and none of the program's state.
pub fn panic_report(message: &str, at: Option<&Location<'_>>) -> String {
    let place = at
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    format!(
        "supervisor-quick: internal error{place}: {}\nThis is a bug; please report it.",
        redact(message)
    )
}

/// Replaces the panic hook with one that prints [`panic_report`] (and a backtrace when
/// `RUST_BACKTRACE` asks for one).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string());
        eprintln!("{}", panic_report(&message, info.location()));
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            eprintln!("{}", redact(&backtrace.to_string()));
        }
    }));
}

pub fn generic_line(class: &str, message: &str, at: &Location<'_>) -> String {
    format!(
        "error: <class '{class}'>, {message}: file: {} line: {}",
        at.file(),
        at.line()
    )
}

fn python_os_error_class(kind: io::ErrorKind, errno: Option<i32>) -> &'static str {
    use io::ErrorKind::*;
    match kind {
        ConnectionRefused => "ConnectionRefusedError",
        NotFound => "FileNotFoundError",
        PermissionDenied => "PermissionError",
        ConnectionReset => "ConnectionResetError",
        ConnectionAborted => "ConnectionAbortedError",
        BrokenPipe => "BrokenPipeError",
        TimedOut => "TimeoutError",
        _ => match errno {
            Some(20) => "NotADirectoryError",
            _ => "OSError",
        },
    }
}

/// `str(OSError)`: `[Errno 111] Connection refused`.
fn python_os_error_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(errno) => {
            let full = io::Error::from_raw_os_error(errno).to_string();
            // std renders "Connection refused (os error 111)"; Python renders "[Errno 111] Connection refused".
            let text = full
                .rsplit_once(" (os error")
                .map_or(full.as_str(), |(t, _)| t);
            format!("[Errno {errno}] {text}")
        }
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_read_like_python() {
        let e = RpcError::io(&io::Error::from_raw_os_error(111));
        assert_eq!(e.python_class(), "ConnectionRefusedError");
        assert_eq!(e.to_string(), "[Errno 111] Connection refused");
        let e = RpcError::io(&io::Error::from_raw_os_error(2));
        assert_eq!(e.python_class(), "FileNotFoundError");
        assert_eq!(e.to_string(), "[Errno 2] No such file or directory");
        assert!(e.is_no_such_file());
        let line = e.generic_line();
        assert!(line.starts_with(
            "error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: "
        ));
    }

    #[test]
    fn incomplete_reads_read_like_python() {
        let at = Location::caller();
        let e = RpcError::Incomplete {
            read: 37,
            expected: Some(500),
            at,
        };
        assert_eq!(
            e.to_string(),
            "IncompleteRead(37 bytes read, 463 more expected)"
        );
        assert_eq!(e.python_class(), "http.client.IncompleteRead");
        let e = RpcError::Incomplete {
            read: 0,
            expected: None,
            at,
        };
        assert_eq!(e.to_string(), "IncompleteRead(0 bytes read)");
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_url("http://user:s3cret@host:9001/x"),
            "http://user:***@host:9001/x"
        );
        assert_eq!(mask_url("http://u:p:q@h"), "http://u:***@h");
        assert_eq!(mask_url("http://a@b:c@h:1"), "http://a@b:***@h:1");
        assert_eq!(
            mask_url("unix://u:pw@/tmp/s.sock"),
            "unix://u:***@/tmp/s.sock"
        );
        for same in [
            "http://h:9001",
            "http://user@h",
            "http://u:@h",
            "unix:///tmp/s",
            "http://h/a:b@c",
            "x",
            "",
        ] {
            assert_eq!(mask_url(same), same);
        }
        assert_eq!(url_password("http://u:pw@h"), Some("pw"));
        let e = RpcError::BadUrl {
            url: "https://me:hunter2@h".into(),
            at: Location::caller(),
        };
        assert_eq!(
            e.to_string(),
            "Unknown protocol for serverurl https://me:***@h"
        );
    }

    #[test]
    fn registered_secrets_never_reach_a_panic_report() {
        register_secret("correct horse");
        register_secret("");
        let report = panic_report(
            "failed with correct horse at http://x:pw9@h",
            Some(Location::caller()),
        );
        assert!(
            report.starts_with("supervisor-quick: internal error at src/error.rs:"),
            "{report}"
        );
        assert!(
            report.contains("failed with *** at http://x:***@h"),
            "{report}"
        );
        assert!(
            !report.contains("correct horse") && !report.contains("pw9"),
            "{report}"
        );
        assert_eq!(redact("nothing secret"), "nothing secret");
    }

    #[test]
    fn faults_and_protocol_errors_read_like_python() {
        let e = RpcError::fault(Fault::new(6, "SHUTDOWN_STATE"));
        assert_eq!(e.to_string(), "<Fault 6: 'SHUTDOWN_STATE'>");
        let e = RpcError::Protocol {
            status: 500,
            reason: "Internal Server Error".into(),
            at: Location::caller(),
        };
        assert_eq!(
            e.to_string(),
            "<ProtocolError for 127.0.0.1/RPC2: 500 Internal Server Error>"
        );
    }
}
