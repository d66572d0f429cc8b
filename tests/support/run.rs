//! Running stock `supervisorctl` or our binary, with a hard timeout.

use super::proc::{Finished, code_of, run_captured};
use super::venv::Version;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Default hard limit for one client run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Which client to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// Stock `supervisorctl` from the venv of that version.
    Stock(Version),
    /// Our `supervisor-quick`.
    Ours,
}

impl Client {
    /// The executable (provisions the venv for `Stock`).
    pub fn exe(self) -> PathBuf {
        match self {
            Client::Stock(v) => v.supervisorctl(),
            Client::Ours => ours_exe(),
        }
    }
}

/// Path of our binary, built by cargo for integration tests.
pub fn ours_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_supervisor-quick"))
}

/// Result of one client run. `status` is the exit code, or 128+signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit status: {}\n--- stdout ---\n{}--- stderr ---\n{}--------------",
            self.status,
            with_nl(&self.stdout),
            with_nl(&self.stderr)
        )
    }
}

fn with_nl(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

impl Output {
    /// Panics (showing everything) unless the exit status is `code`.
    #[track_caller]
    pub fn expect_status(&self, code: i32) -> &Self {
        assert_eq!(self.status, code, "unexpected exit status\n{self}");
        self
    }

    /// stdout then stderr, for loose `contains` checks.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A configurable client run: `exe [-c conf] [opts..] [args..]`.
///
/// Runs with `LANG=LC_ALL=C.UTF-8`, `TERM=dumb`, no `PYTHON*` overrides,
/// stdin from /dev/null (or the given text; never a TTY), and a hard timeout
/// (default 60 s) after which the child is killed and the test fails.
#[derive(Clone, Debug)]
pub struct Invocation {
    client: Client,
    conf: Option<PathBuf>,
    opts: Vec<OsString>,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
    timeout: Duration,
}

impl Invocation {
    pub fn new(client: Client) -> Self {
        Invocation {
            client,
            conf: None,
            opts: Vec::new(),
            args: Vec::new(),
            stdin: None,
            env: Vec::new(),
            cwd: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Shorthand for `Invocation::new(Client::Stock(v))`.
    pub fn stock(v: Version) -> Self {
        Self::new(Client::Stock(v))
    }

    /// Shorthand for `Invocation::new(Client::Ours)`.
    pub fn ours() -> Self {
        Self::new(Client::Ours)
    }

    pub fn client(&self) -> Client {
        self.client
    }

    /// Passes `-c <path>` first (or nothing with `None`).
    pub fn conf(mut self, path: Option<&Path>) -> Self {
        self.conf = path.map(Path::to_path_buf);
        self
    }

    /// Options placed after `-c` and before the action (`-s URL`, `-u`, ...).
    pub fn opts<S: AsRef<OsStr>>(mut self, opts: impl IntoIterator<Item = S>) -> Self {
        self.opts
            .extend(opts.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// The action and its arguments.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// Feeds `text` on stdin (a pipe; default is /dev/null).
    pub fn stdin(mut self, text: impl AsRef<[u8]>) -> Self {
        self.stdin = Some(text.as_ref().to_vec());
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), Some(val.as_ref().to_owned())));
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The full argv after the executable.
    pub fn argv(&self) -> Vec<OsString> {
        let mut v = Vec::new();
        if let Some(c) = &self.conf {
            v.push("-c".into());
            v.push(c.clone().into_os_string());
        }
        v.extend(self.opts.iter().cloned());
        v.extend(self.args.iter().cloned());
        v
    }

    /// Runs it; panics if it does not finish within the timeout.
    #[track_caller]
    pub fn run(&self) -> Output {
        let exe = self.client.exe();
        let mut cmd = Command::new(&exe);
        cmd.args(self.argv());
        for v in [
            "PYTHONPATH",
            "PYTHONHOME",
            "PYTHONSTARTUP",
            "PYTHONINSPECT",
            "PYTHONWARNINGS",
            "PYTHONIOENCODING",
            "LANGUAGE",
        ] {
            cmd.env_remove(v);
        }
        cmd.env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .env("TERM", "dumb")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(d) = &self.cwd {
            cmd.current_dir(d);
        }
        match run_captured(&mut cmd, self.stdin.as_deref(), self.timeout) {
            Finished::Done(r) => Output {
                stdout: String::from_utf8_lossy(&r.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&r.stderr).into_owned(),
                status: code_of(r.status),
            },
            Finished::TimedOut { stdout, stderr } => panic!(
                "{:?} did not finish within {:?} (killed): {} {:?}\n--- stdout so far ---\n{}\n--- stderr so far ---\n{}",
                self.client,
                self.timeout,
                exe.display(),
                self.argv(),
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr),
            ),
        }
    }
}
