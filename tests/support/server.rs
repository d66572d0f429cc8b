//! The [`Supervisord`] fixture: a real supervisord in a fresh temp dir.

use super::proc::wait_until;
use super::run::{Client, Invocation, Output};
use super::venv::Version;
use super::{free_port, pid_alive, send_signal, send_signal_group, unique_temp_dir, xml};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures and starts a [`Supervisord`]. Defaults: 4.3.0, unix socket
/// only, no credentials, `[supervisorctl]` pointing at the unix socket, and
/// wait until autostarted programs have settled.
#[derive(Clone, Debug)]
pub struct Builder {
    version: Version,
    programs: String,
    tcp: bool,
    creds: Option<(String, String)>,
    unix_auth: bool,
    ctl_creds: bool,
    ctl_tcp: bool,
    supervisord_extra: String,
    extra: String,
    settle: bool,
    stop_timeout: Duration,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            version: Version::V43,
            programs: String::new(),
            tcp: false,
            creds: None,
            unix_auth: false,
            ctl_creds: true,
            ctl_tcp: false,
            supervisord_extra: String::new(),
            extra: String::new(),
            settle: true,
            stop_timeout: STOP_TIMEOUT,
        }
    }
}

impl Builder {
    pub fn version(mut self, v: Version) -> Self {
        self.version = v;
        self
    }

    /// Raw ini appended to the config (`[program:x]`, `[group:g]`, ...).
    /// `%(here)s` expands to the test dir.
    pub fn programs(mut self, ini: &str) -> Self {
        self.programs = ini.to_string();
        self
    }

    /// Also listen on TCP, `127.0.0.1:<free port>` (see [`Supervisord::tcp_url`]).
    pub fn tcp(mut self) -> Self {
        self.tcp = true;
        self
    }

    /// Username/password for `[inet_http_server]` (implies nothing about the
    /// unix socket: see [`Builder::auth_on_unix`]).
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.creds = Some((user.to_string(), password.to_string()));
        self
    }

    /// Also require the credentials on the unix socket (default false).
    pub fn auth_on_unix(mut self, yes: bool) -> Self {
        self.unix_auth = yes;
        self
    }

    /// Whether `[supervisorctl]` carries `username=`/`password=` (default
    /// true; only matters when credentials are set).
    pub fn ctl_credentials(mut self, yes: bool) -> Self {
        self.ctl_creds = yes;
        self
    }

    /// Point `[supervisorctl] serverurl` at the TCP listener instead of the
    /// unix socket (implies [`Builder::tcp`]).
    pub fn ctl_over_tcp(mut self) -> Self {
        self.tcp = true;
        self.ctl_tcp = true;
        self
    }

    /// Extra raw lines for the `[supervisord]` section.
    pub fn supervisord_lines(mut self, lines: &str) -> Self {
        self.supervisord_extra = lines.to_string();
        self
    }

    /// Extra raw ini placed before the programs (e.g. `[include]`).
    pub fn extra_sections(mut self, ini: &str) -> Self {
        self.extra = ini.to_string();
        self
    }

    /// Wait until no process is STARTING/BACKOFF/STOPPING after startup
    /// (default true).
    pub fn settle(mut self, yes: bool) -> Self {
        self.settle = yes;
        self
    }

    /// How long [`Supervisord::stop`] waits after SIGTERM before SIGKILL
    /// (default 10 s).
    pub fn stop_timeout(mut self, t: Duration) -> Self {
        self.stop_timeout = t;
        self
    }

    fn render_header(&self, dir: &Path, sock: &Path, port: Option<u16>) -> String {
        let d = dir.display();
        let mut s = String::new();
        s.push_str(&format!("[unix_http_server]\nfile={}\n", sock.display()));
        if let (true, Some((u, p))) = (self.unix_auth, &self.creds) {
            s.push_str(&format!("username={u}\npassword={p}\n"));
        }
        if let Some(port) = port {
            s.push_str(&format!("\n[inet_http_server]\nport=127.0.0.1:{port}\n"));
            if let Some((u, p)) = &self.creds {
                s.push_str(&format!("username={u}\npassword={p}\n"));
            }
        }
        s.push_str(&format!(
            "\n[supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
             childlogdir={d}\nnodaemon=true\nloglevel=info\n{}\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n",
            with_nl(&self.supervisord_extra)
        ));
        let url = match (self.ctl_tcp, port) {
            (true, Some(port)) => format!("http://127.0.0.1:{port}"),
            _ => format!("unix://{}", sock.display()),
        };
        s.push_str(&format!("[supervisorctl]\nserverurl={url}\n"));
        if let (true, Some((u, p))) = (self.ctl_creds, &self.creds) {
            s.push_str(&format!("username={u}\npassword={p}\n"));
        }
        s.push('\n');
        if !self.extra.is_empty() {
            s.push_str(&with_nl(&self.extra));
            s.push('\n');
        }
        s
    }

    /// Writes the config, starts supervisord in the foreground and waits
    /// until it answers `getState` with RUNNING (then, unless disabled, until
    /// the programs have settled). Panics with supervisord's output on failure.
    #[track_caller]
    pub fn start(self) -> Supervisord {
        super::reap_stale();
        let exe = self.version.supervisord();
        let dir = unique_temp_dir("sd");
        let sock = dir.join("supervisor.sock");
        assert!(
            sock.as_os_str().len() < 100,
            "unix socket path too long ({}); set TMPDIR to a short dir like /tmp",
            sock.display()
        );
        let conf = dir.join("supervisord.conf");
        let unix_auth = if self.unix_auth {
            self.creds.clone()
        } else {
            None
        };
        let mut attempt = 0;
        let (child, port, header) = loop {
            attempt += 1;
            let port = self.tcp.then(free_port);
            let header = self.render_header(&dir, &sock, port);
            fs::write(&conf, format!("{header}{}", self.programs))
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", conf.display()));
            let out_path = dir.join("supervisord.out");
            let out = fs::File::create(&out_path).expect("create supervisord.out");
            let mut child = python_clean(Command::new(&exe))
                .arg("-c")
                .arg(&conf)
                .current_dir(&dir)
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("dup"))
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
            match wait_ready(&mut child, &sock, unix_auth.as_ref()) {
                Ok(()) => break (child, port, header),
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let output = fs::read_to_string(&out_path).unwrap_or_default();
                    let port_clash = output.contains("already listening")
                        || output.contains("Address already in use");
                    if port.is_some() && port_clash && attempt < 5 {
                        let _ = fs::remove_file(&sock);
                        continue;
                    }
                    let log = fs::read_to_string(dir.join("supervisord.log")).unwrap_or_default();
                    let conf_text = fs::read_to_string(&conf).unwrap_or_default();
                    let _ = fs::remove_dir_all(&dir);
                    panic!(
                        "supervisord {} did not come up: {why}\n--- config ---\n{conf_text}\n\
                         --- supervisord output ---\n{output}\n--- supervisord.log ---\n{log}",
                        self.version.pin()
                    );
                }
            }
        };
        let sv = Supervisord {
            version: self.version,
            conf,
            sock,
            port,
            creds: self.creds.clone(),
            unix_auth,
            header,
            programs: Mutex::new(self.programs.clone()),
            pid: child.id(),
            child: Mutex::new(Some(child)),
            stop_timeout: self.stop_timeout,
            dir,
        };
        if self.settle {
            sv.wait_settled(SETTLE_TIMEOUT);
        }
        sv
    }
}

fn with_nl(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

fn python_clean(mut c: Command) -> Command {
    for v in [
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONWARNINGS",
        "PYTHONSTARTUP",
    ] {
        c.env_remove(v);
    }
    c.env("LANG", "C.UTF-8").env("LC_ALL", "C.UTF-8");
    c
}

/// Polls until supervisord answers getState with RUNNING.
fn wait_ready(
    child: &mut Child,
    sock: &Path,
    auth: Option<&(String, String)>,
) -> Result<(), String> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let body = xml::method_call("supervisor.getState", &[]);
    let mut last = String::from("no answer yet");
    loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("supervisord exited early ({st})"));
        }
        if sock.exists() {
            match post_unix(sock, auth, &body, Duration::from_secs(5)) {
                Ok(doc) if doc.contains("<string>RUNNING</string>") => return Ok(()),
                Ok(doc) => last = format!("getState answered: {doc}"),
                Err(e) => last = e,
            }
        }
        if Instant::now() >= deadline {
            return Err(format!("not RUNNING after {READY_TIMEOUT:?}; last: {last}"));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// One raw XML-RPC POST over a unix socket (HTTP/1.0, connection closed by
/// the server). Returns the response body of a 200, else an error text.
pub fn post_unix(
    sock: &Path,
    auth: Option<&(String, String)>,
    body: &str,
    timeout: Duration,
) -> Result<String, String> {
    let mut s =
        UnixStream::connect(sock).map_err(|e| format!("connect {}: {e}", sock.display()))?;
    s.set_read_timeout(Some(timeout)).ok();
    s.set_write_timeout(Some(timeout)).ok();
    let mut req = format!(
        "POST /RPC2 HTTP/1.0\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some((u, p)) = auth {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(format!("{u}:{p}").as_bytes())
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).map_err(|e| format!("read: {e}"))?;
    let resp = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    let status = head.lines().next().unwrap_or("");
    if !status.contains(" 200 ") {
        return Err(format!("HTTP status {status:?}; response: {resp}"));
    }
    Ok(body.to_string())
}

/// Standard base64 (for Basic auth headers).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One process as reported by `getAllProcessInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcInfo {
    pub name: String,
    pub group: String,
    pub statename: String,
    pub pid: u32,
    pub description: String,
    pub exitstatus: i64,
    pub spawnerr: String,
    /// Every member, as text.
    pub fields: Vec<(String, String)>,
}

impl ProcInfo {
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let get = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        ProcInfo {
            name: get("name"),
            group: get("group"),
            statename: get("statename"),
            pid: get("pid").parse().unwrap_or(0),
            description: get("description"),
            exitstatus: get("exitstatus").parse().unwrap_or(0),
            spawnerr: get("spawnerr"),
            fields,
        }
    }

    /// `group:name`, or just `name` when the group is the program itself
    /// (the way `supervisorctl status` prints it).
    pub fn full_name(&self) -> String {
        if self.group == self.name {
            self.name.clone()
        } else {
            format!("{}:{}", self.group, self.name)
        }
    }

    /// Matches `name`, `group:name` or `group:*`.
    pub fn matches(&self, spec: &str) -> bool {
        spec == self.name
            || spec == self.full_name()
            || spec == format!("{}:{}", self.group, self.name)
            || spec == format!("{}:*", self.group)
    }
}

/// A running supervisord. Dropping it stops supervisord (SIGTERM, then
/// SIGKILL after 10 s), kills any child program left behind and removes the
/// temp dir (kept if `SUPERVISOR_QUICK_KEEP_DIRS` is set).
pub struct Supervisord {
    version: Version,
    dir: PathBuf,
    conf: PathBuf,
    sock: PathBuf,
    port: Option<u16>,
    creds: Option<(String, String)>,
    unix_auth: Option<(String, String)>,
    header: String,
    programs: Mutex<String>,
    child: Mutex<Option<Child>>,
    pid: u32,
    stop_timeout: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Supervisord {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// 4.3.0 with these programs, settled: the common case.
    #[track_caller]
    pub fn start(programs: &str) -> Supervisord {
        Builder::default().programs(programs).start()
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// The temp dir holding config, socket, logs and pidfile.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn socket_path(&self) -> &Path {
        &self.sock
    }

    pub fn conf_path(&self) -> &Path {
        &self.conf
    }

    /// `unix:///.../supervisor.sock`
    pub fn unix_url(&self) -> String {
        format!("unix://{}", self.sock.display())
    }

    /// `http://127.0.0.1:PORT`; panics unless built with `.tcp()`.
    pub fn tcp_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.tcp_port())
    }

    pub fn tcp_port(&self) -> u16 {
        self.port
            .expect("this supervisord has no TCP listener; use Builder::tcp()")
    }

    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.creds.as_ref().map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// supervisord's pid (our child).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The pid written to the pidfile, if any.
    pub fn pidfile_pid(&self) -> Option<u32> {
        fs::read_to_string(self.dir.join("supervisord.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// supervisord's main log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("supervisord.log")).unwrap_or_default()
    }

    /// Whether the supervisord process is still running.
    pub fn is_running(&self) -> bool {
        match lock(&self.child).as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    // ---- clients -------------------------------------------------------

    /// `client -c <conf>` with cwd and HOME set to the test dir.
    pub fn cmd(&self, client: Client) -> Invocation {
        Invocation::new(client)
            .conf(Some(&self.conf))
            .cwd(&self.dir)
            .env("HOME", &self.dir)
    }

    /// Stock supervisorctl of this server's version, `-c <conf>`.
    pub fn stock_cmd(&self) -> Invocation {
        self.cmd(Client::Stock(self.version))
    }

    /// Our binary, `-c <conf>`.
    pub fn ours_cmd(&self) -> Invocation {
        self.cmd(Client::Ours)
    }

    #[track_caller]
    pub fn stock(&self, args: &[&str]) -> Output {
        self.stock_cmd().args(args).run()
    }

    #[track_caller]
    pub fn ours(&self, args: &[&str]) -> Output {
        self.ours_cmd().args(args).run()
    }

    /// `supervisorctl -c <conf> <opts..> <args..>` with optional stdin.
    #[track_caller]
    pub fn stock_with(&self, opts: &[&str], args: &[&str], stdin: Option<&str>) -> Output {
        with_stdin(self.stock_cmd().opts(opts).args(args), stdin).run()
    }

    #[track_caller]
    pub fn ours_with(&self, opts: &[&str], args: &[&str], stdin: Option<&str>) -> Output {
        with_stdin(self.ours_cmd().opts(opts).args(args), stdin).run()
    }

    // ---- raw XML-RPC ---------------------------------------------------

    /// Raw XML-RPC call over the unix socket; `params` are built values
    /// (see [`xml::string`] ...). Returns the response document (faults
    /// included; see [`xml::fault`]) or a transport error.
    pub fn rpc(&self, method: &str, params: &[String]) -> Result<String, String> {
        post_unix(
            &self.sock,
            self.unix_auth.as_ref(),
            &xml::method_call(method, params),
            Duration::from_secs(10),
        )
    }

    /// `getAllProcessInfo`, parsed. Panics on error.
    #[track_caller]
    pub fn processes(&self) -> Vec<ProcInfo> {
        self.try_processes()
            .unwrap_or_else(|e| panic!("getAllProcessInfo failed: {e}"))
    }

    /// `getAllProcessInfo`, parsed; transport errors and faults as text.
    pub fn try_processes(&self) -> Result<Vec<ProcInfo>, String> {
        let doc = self.rpc("supervisor.getAllProcessInfo", &[])?;
        if let Some(f) = xml::fault(&doc) {
            return Err(format!("fault {f}"));
        }
        Ok(xml::structs(&doc)
            .into_iter()
            .map(ProcInfo::from_fields)
            .collect())
    }

    /// Polls `getAllProcessInfo` until `pred` holds; returns that snapshot.
    /// Errors in between (e.g. no socket while supervisord reloads, or
    /// SHUTDOWN_STATE) are retried. Panics with the last snapshot or error
    /// after `timeout`.
    #[track_caller]
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&[ProcInfo]) -> bool,
    ) -> Vec<ProcInfo> {
        let deadline = Instant::now() + timeout;
        loop {
            let res = self.try_processes();
            if let Ok(procs) = &res
                && pred(procs)
            {
                return res.unwrap_or_default();
            }
            if Instant::now() >= deadline {
                let last = match res {
                    Ok(procs) => procs
                        .iter()
                        .map(|p| format!("  {} {} {}", p.full_name(), p.statename, p.description))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    Err(e) => format!("  (getAllProcessInfo failed: {e})"),
                };
                panic!("timed out after {timeout:?} waiting for {what}; processes:\n{last}");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until no process is STARTING, BACKOFF or STOPPING.
    #[track_caller]
    pub fn wait_settled(&self, timeout: Duration) -> Vec<ProcInfo> {
        self.wait_for("processes to settle", timeout, |ps| {
            ps.iter()
                .all(|p| !matches!(p.statename.as_str(), "STARTING" | "BACKOFF" | "STOPPING"))
        })
    }

    /// Waits until every process matching `spec` (`name`, `group:name`,
    /// `group:*`) is in `statename`; at least one must match.
    #[track_caller]
    pub fn wait_for_state(&self, spec: &str, statename: &str, timeout: Duration) -> Vec<ProcInfo> {
        self.wait_for(&format!("{spec} to be {statename}"), timeout, |ps| {
            let m: Vec<_> = ps.iter().filter(|p| p.matches(spec)).collect();
            !m.is_empty() && m.iter().all(|p| p.statename == statename)
        })
    }

    // ---- changing the config ------------------------------------------

    /// Current program sections.
    pub fn programs(&self) -> String {
        lock(&self.programs).clone()
    }

    /// Rewrites the config with new program sections (the rest unchanged).
    /// supervisord only notices after `reread`/`update` (see [`Self::update`]).
    pub fn set_programs(&self, ini: &str) {
        let mut p = lock(&self.programs);
        *p = ini.to_string();
        fs::write(&self.conf, format!("{}{}", self.header, ini))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.conf.display()));
    }

    /// Stock `supervisorctl reread`.
    #[track_caller]
    pub fn reread(&self) -> Output {
        self.stock(&["reread"])
    }

    /// Stock `supervisorctl update`.
    #[track_caller]
    pub fn update(&self) -> Output {
        self.stock(&["update"])
    }

    /// [`Self::set_programs`] then stock `update` (asserting exit 0), then
    /// waits for the processes to settle.
    #[track_caller]
    pub fn apply_programs(&self, ini: &str) -> Output {
        self.set_programs(ini);
        let out = self.update();
        assert_eq!(out.status, 0, "stock `update` failed\n{out}");
        self.wait_settled(SETTLE_TIMEOUT);
        out
    }

    // ---- stopping ------------------------------------------------------

    /// Stops supervisord now (idempotent; Drop calls it): SIGTERM, up to
    /// 10 s grace (see [`Builder::stop_timeout`]), SIGKILL; then SIGKILL to
    /// the process group of any program that survived. Fine to call after supervisord exited on its own.
    pub fn stop(&self) {
        let mut guard = lock(&self.child);
        let Some(child) = guard.as_mut() else {
            return;
        };
        if !matches!(child.try_wait(), Ok(None)) {
            // It exited by itself (e.g. `shutdown`); still sweep.
            *guard = None;
            self.kill_orphans();
            return;
        }
        send_signal(child.id(), "TERM");
        // supervisord (on Python 3) only acts on a signal when its poll()
        // loop wakes up, which is up to 1 s later when idle; a request on the
        // socket wakes it at once. Poke it until it is gone.
        //
        // Two signals can get lost: a SIGTERM that lands while supervisord
        // reloads (`reload`), and supervisord's own SIGTERM to a program it
        // forked a moment ago but that has not exec'd yet (the forked Python
        // child still has supervisord's handler), after which supervisord
        // waits stopwaitsecs (10 s) before SIGKILL. So every second repeat
        // the SIGTERM to supervisord, and send one to its programs too.
        let deadline = Instant::now() + self.stop_timeout;
        let body = xml::method_call("supervisor.getState", &[]);
        let mut exited = false;
        let mut round = 0u32;
        while Instant::now() < deadline {
            round += 1;
            if round.is_multiple_of(5) {
                send_signal(child.id(), "TERM");
            }
            let _ = post_unix(
                &self.sock,
                self.unix_auth.as_ref(),
                &body,
                Duration::from_millis(200),
            );
            if round.is_multiple_of(5) {
                for pid in self.program_processes() {
                    send_signal(pid, "TERM");
                }
            }
            let step = (Instant::now() + Duration::from_millis(200)).min(deadline);
            if wait_until(child, step).is_some() {
                exited = true;
                break;
            }
        }
        if !exited {
            eprintln!(
                "[support] supervisord (pid {}) still running {:?} after SIGTERM; SIGKILL",
                child.id(),
                self.stop_timeout
            );
            let _ = child.kill();
        }
        let _ = child.wait();
        self.kill_orphans();
        *guard = None;
    }
}

impl Supervisord {
    /// SIGKILLs every live process started (directly or not) by this
    /// supervisord that outlived it: supervisord puts
    /// `SUPERVISOR_SERVER_URL=<its first server's URL>` into each program's
    /// environment, and that URL is unique to this fixture while it lives.
    /// Each program also leads its own process group (supervisord calls
    /// setpgrp), which is killed along with it.
    fn kill_orphans(&self) {
        let mut markers = vec![format!("SUPERVISOR_SERVER_URL={}", self.unix_url())];
        if let Some(port) = self.port {
            markers.push(format!("SUPERVISOR_SERVER_URL=http://127.0.0.1:{port}"));
        }
        for pid in super::live_with_env(&markers) {
            eprintln!(
                "[support] program pid {pid} outlived supervisord; SIGKILL to it and its group"
            );
            send_signal_group(pid, "KILL");
            send_signal(pid, "KILL");
        }
    }

    /// Live processes carrying this supervisord's `SUPERVISOR_SERVER_URL`
    /// (its programs and their descendants).
    pub fn program_processes(&self) -> Vec<u32> {
        let mut markers = vec![format!("SUPERVISOR_SERVER_URL={}", self.unix_url())];
        if let Some(port) = self.port {
            markers.push(format!("SUPERVISOR_SERVER_URL=http://127.0.0.1:{port}"));
        }
        super::live_with_env(&markers)
    }
}

fn with_stdin(inv: Invocation, stdin: Option<&str>) -> Invocation {
    match stdin {
        Some(s) => inv.stdin(s),
        None => inv,
    }
}

impl Drop for Supervisord {
    fn drop(&mut self) {
        self.stop();
        if thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            eprintln!(
                "[support] test failed; supervisord dir {}; last lines of supervisord.log:\n{}",
                self.dir.display(),
                tail.join("\n")
            );
        }
        if std::env::var_os("SUPERVISOR_QUICK_KEEP_DIRS").is_some() {
            eprintln!("[support] keeping {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
