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
    Dns { message: String, at: &'static Location<'static> },
    /// The server did not answer in time (and did not answer a liveness probe either).
    #[error("timed out")]
    Timeout { at: &'static Location<'static> },
    /// An HTTP status other than 200.
    #[error("<ProtocolError for 127.0.0.1/RPC2: {status} {reason}>")]
    Protocol { status: u16, reason: String, at: &'static Location<'static> },
    /// The connection closed before a whole response arrived.
    #[error("{message}")]
    Closed { message: String, at: &'static Location<'static> },
    /// The response was not a well-formed XML-RPC document, or not of the expected shape.
    #[error("{message}")]
    Malformed { message: String, at: &'static Location<'static> },
    /// The response was larger than the client accepts.
    #[error("response larger than {limit} bytes")]
    TooLarge { limit: usize, at: &'static Location<'static> },
    /// The server answered with an XML-RPC fault.
    #[error("{fault}")]
    Fault { fault: Fault, at: &'static Location<'static> },
    /// `serverurl` has a scheme other than `http://` or `unix://`.
    #[error("Unknown protocol for serverurl {url}")]
    BadUrl { url: String, at: &'static Location<'static> },
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
        RpcError::Malformed { message: message.into(), at: Location::caller() }
    }

    #[track_caller]
    pub fn fault(fault: Fault) -> RpcError {
        RpcError::Fault { fault, at: Location::caller() }
    }

    #[track_caller]
    pub fn timeout() -> RpcError {
        RpcError::Timeout { at: Location::caller() }
    }

    #[track_caller]
    pub fn closed(message: impl Into<String>) -> RpcError {
        RpcError::Closed { message: message.into(), at: Location::caller() }
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
        matches!(self, RpcError::Io { kind: io::ErrorKind::ConnectionRefused, .. })
    }

    pub fn is_no_such_file(&self) -> bool {
        matches!(self, RpcError::Io { kind: io::ErrorKind::NotFound, .. })
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

pub fn generic_line(class: &str, message: &str, at: &Location<'_>) -> String {
    format!("error: <class '{class}'>, {message}: file: {} line: {}", at.file(), at.line())
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
            let text = full.rsplit_once(" (os error").map_or(full.as_str(), |(t, _)| t);
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
        assert!(line.starts_with("error: <class 'FileNotFoundError'>, [Errno 2] No such file or directory: file: "));
    }

    #[test]
    fn faults_and_protocol_errors_read_like_python() {
        let e = RpcError::fault(Fault::new(6, "SHUTDOWN_STATE"));
        assert_eq!(e.to_string(), "<Fault 6: 'SHUTDOWN_STATE'>");
        let e = RpcError::Protocol { status: 500, reason: "Internal Server Error".into(), at: Location::caller() };
        assert_eq!(e.to_string(), "<ProtocolError for 127.0.0.1/RPC2: 500 Internal Server Error>");
    }
}
