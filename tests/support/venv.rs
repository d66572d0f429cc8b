//! Provisioning of the Python environments holding stock Supervisor.
//!
//! Each venv is built at most once per machine: an exclusive `flock` on
//! `<venv>.lock` serialises test threads and test binaries (and `demo/run`,
//! which uses `flock(1)` on the same file). A venv is not relocatable (its
//! scripts' `#!` lines are absolute), so instead of build-then-rename it is
//! built in place while a `<venv>.building` marker exists; a venv counts as
//! ready only when `bin/supervisord` and `bin/supervisorctl` exist and no
//! marker does. A build that died half-way is wiped and redone.

use super::proc::run_logged;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// Which stock Supervisor to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Version {
    /// supervisor 4.3.0 on Python 3.
    #[default]
    V43,
    /// supervisor 3.1.3 on Python 2.7.
    V31,
}

const PIP_TIMEOUT: Duration = Duration::from_secs(900);

impl Version {
    /// The exact pinned supervisor version, e.g. `"4.3.0"`.
    pub fn pin(self) -> &'static str {
        match self {
            Version::V43 => "4.3.0",
            Version::V31 => "3.1.3",
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            Version::V43 => "SUPERVISOR_QUICK_VENV43",
            Version::V31 => "SUPERVISOR_QUICK_VENV31",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Version::V43 => "sv43",
            Version::V31 => "sv31",
        }
    }

    /// Where the venv lives (not necessarily provisioned yet).
    pub fn venv_dir(self) -> PathBuf {
        match std::env::var_os(self.env_var()) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join("test-venvs")
                .join(self.short()),
        }
    }

    /// The provisioned venv (built on first use).
    pub fn venv(self) -> &'static Path {
        // A failed build is remembered so that the other tests of this
        // binary fail at once with the same message instead of retrying.
        static V43: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        static V31: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        let cell = match self {
            Version::V43 => &V43,
            Version::V31 => &V31,
        };
        let res = cell.get_or_init(|| {
            let dir = self.venv_dir();
            std::panic::catch_unwind(|| ensure_venv(self, &dir))
                .map(|()| dir)
                .map_err(|e| {
                    e.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "venv provisioning panicked".into())
                })
        });
        match res {
            Ok(p) => p,
            Err(msg) => panic!("{msg}"),
        }
    }

    /// `<venv>/bin/supervisorctl` (provisioning the venv if needed).
    pub fn supervisorctl(self) -> PathBuf {
        self.venv().join("bin").join("supervisorctl")
    }

    /// `<venv>/bin/supervisord` (provisioning the venv if needed).
    pub fn supervisord(self) -> PathBuf {
        self.venv().join("bin").join("supervisord")
    }
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut s = dir.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Ready: both scripts exist and no build is in progress (or died).
pub fn is_ready(dir: &Path) -> bool {
    dir.join("bin/supervisord").is_file()
        && dir.join("bin/supervisorctl").is_file()
        && !sibling(dir, ".building").exists()
}

/// Makes sure `dir` holds a working venv with the pinned supervisor.
pub fn ensure_venv(version: Version, dir: &Path) {
    if is_ready(dir) {
        return;
    }
    let parent = dir
        .parent()
        .unwrap_or_else(|| panic!("venv dir {} has no parent", dir.display()));
    fs::create_dir_all(parent)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    let lock_path = sibling(dir, ".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("cannot open lock {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    if is_ready(dir) {
        return; // someone else built it while we waited
    }
    let marker = sibling(dir, ".building");
    let log = sibling(dir, ".log");
    // Only ever wipe what an interrupted build of ours left (the marker says
    // so) or an empty dir: never someone's directory named by an env var.
    let empty = fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
    if !marker.exists() && !empty {
        panic!(
            "{} exists but is not a complete supervisor {} venv (no bin/supervisord or \
             bin/supervisorctl); remove it, or point {} elsewhere",
            dir.display(),
            version.pin(),
            version.env_var()
        );
    }
    let _ = fs::remove_file(&log);
    eprintln!(
        "[support] provisioning supervisor {} into {} (one-time; log: {})",
        version.pin(),
        dir.display(),
        log.display()
    );
    fs::write(&marker, std::process::id().to_string())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", marker.display()));
    if dir.exists() {
        fs::remove_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot clear stale {}: {e}", dir.display()));
    }
    match version {
        Version::V43 => build_v43(dir, &log),
        Version::V31 => build_v31(dir, &log),
    }
    verify(version, dir, &log);
    fs::remove_file(&marker).unwrap_or_else(|e| panic!("cannot remove {}: {e}", marker.display()));
    eprintln!("[support] provisioned {}", dir.display());
    drop(lock);
}

/// A Command with a clean Python environment.
fn py_cmd(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    for v in [
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONUSERBASE",
        "PIP_TARGET",
        "PIP_PREFIX",
    ] {
        c.env_remove(v);
    }
    c.env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    c
}

fn build_v43(dir: &Path, log: &Path) {
    let py = std::env::var("SUPERVISOR_QUICK_PYTHON3").unwrap_or_else(|_| "python3".into());
    if !works(
        &py,
        "import sys, venv; sys.exit(0 if sys.version_info[0] == 3 else 1)",
    ) {
        panic!(
            "supervisor 4.3.0 tests need Python 3 with the venv module: `{py}` not found or \
             unusable. Install it (Debian: `apt-get install python3 python3-venv`) or set \
             SUPERVISOR_QUICK_PYTHON3=/path/to/python3, or point SUPERVISOR_QUICK_VENV43 at \
             a venv that has supervisor==4.3.0."
        );
    }
    run_logged(
        py_cmd(&py).args(["-m", "venv"]).arg(dir),
        log,
        PIP_TIMEOUT,
        "`python3 -m venv` failed (Debian: `apt-get install python3-venv`).",
    );
    run_logged(
        py_cmd(dir.join("bin/python")).args(["-m", "pip", "install", "supervisor==4.3.0"]),
        log,
        PIP_TIMEOUT,
        "pip could not install supervisor==4.3.0 (is PyPI reachable?).",
    );
}

/// Runs `py -c code` quietly; true on exit 0.
fn works(py: &str, code: &str) -> bool {
    py_cmd(py)
        .args(["-c", code])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Finds a working Python 2.7: `$SUPERVISOR_QUICK_PYTHON27`, `python2.7` on
/// PATH (a pyenv shim there may fail, so each candidate is tried), then
/// `$PYENV_ROOT` or `~/.pyenv` `versions/2.7*/bin/python` (newest first).
pub fn find_python27() -> Option<String> {
    let mut cands: Vec<String> = Vec::new();
    if let Ok(p) = std::env::var("SUPERVISOR_QUICK_PYTHON27") {
        cands.push(p);
    }
    cands.push("python2.7".into());
    let mut roots = Vec::new();
    if let Some(r) = std::env::var_os("PYENV_ROOT") {
        roots.push(PathBuf::from(r));
    }
    if let Some(h) = std::env::var_os("HOME") {
        roots.push(PathBuf::from(h).join(".pyenv"));
    }
    for root in roots {
        if let Ok(rd) = fs::read_dir(root.join("versions")) {
            let mut vs: Vec<PathBuf> = rd
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("2.7"))
                .map(|e| e.path().join("bin/python"))
                .collect();
            vs.sort();
            vs.reverse();
            cands.extend(vs.into_iter().map(|p| p.to_string_lossy().into_owned()));
        }
    }
    let check = "import sys; sys.exit(0 if sys.version_info[:2] == (2, 7) else 1)";
    cands.into_iter().find(|c| works(c, check))
}

fn build_v31(dir: &Path, log: &Path) {
    let Some(py) = find_python27() else {
        panic!(
            "supervisor 3.1.3 tests need Python 2.7, and none was found (tried \
             $SUPERVISOR_QUICK_PYTHON27, `python2.7` on PATH, ~/.pyenv/versions/2.7*/bin/python). \
             Install one, e.g. `pyenv install 2.7.18` (needs build deps: \
             `apt-get install build-essential libssl-dev zlib1g-dev libbz2-dev libreadline-dev \
             libsqlite3-dev libffi-dev`), or set SUPERVISOR_QUICK_PYTHON27=/path/to/python2.7, or \
             point SUPERVISOR_QUICK_VENV31 at a virtualenv that has supervisor==3.1.3."
        );
    };
    if !works(&py, "import pip") {
        panic!("Python 2.7 at `{py}` has no pip; bootstrap it with `{py} -m ensurepip` and retry.");
    }
    let tools = dir.join("_tools");
    run_logged(
        py_cmd(&py)
            .args(["-m", "pip", "install", "--target"])
            .arg(&tools)
            .arg("virtualenv<20.22"),
        log,
        PIP_TIMEOUT,
        "pip (Python 2.7) could not install virtualenv<20.22 (is PyPI reachable?).",
    );
    run_logged(
        py_cmd(&py)
            .env("PYTHONPATH", &tools)
            .args(["-m", "virtualenv"])
            .arg(dir),
        log,
        PIP_TIMEOUT,
        "virtualenv (Python 2.7) failed.",
    );
    run_logged(
        py_cmd(dir.join("bin/pip")).args(["install", "supervisor==3.1.3"]),
        log,
        PIP_TIMEOUT,
        "pip could not install supervisor==3.1.3 (is PyPI reachable?).",
    );
}

fn verify(version: Version, dir: &Path, log: &Path) {
    run_logged(
        py_cmd(dir.join("bin/python")).args([
            "-c",
            &format!(
                "from supervisor.options import VERSION; import sys; print(VERSION); \
                 sys.exit(0 if VERSION == '{}' else 1)",
                version.pin()
            ),
        ]),
        log,
        Duration::from_secs(60),
        "the venv's supervisor does not import or has the wrong version.",
    );
    for s in ["supervisord", "supervisorctl"] {
        assert!(
            dir.join("bin").join(s).is_file(),
            "venv {} has no bin/{s} after install; see {}",
            dir.display(),
            log.display()
        );
    }
}
