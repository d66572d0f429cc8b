//! Finding and reading `supervisord.conf` exactly as supervisor's `ClientOptions` does.
//!
//! [`realize`] is `ClientOptions.realize` after the command line has been parsed: the config file
//! search (or `-c`), `read_config` (a `RawConfigParser` read, `%` expansion of every value with
//! `ENV_*` and `here`, `unix://` and `history_file` path normalisation, `[ctlplugin:*]` checks), then
//! command line over file over defaults. [`realize_in`] does the same with the process environment
//! passed in explicitly.

mod ini;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::cli::Invocation;
use crate::pyrepr::repr_str;

/// The default server URL.
pub const DEFAULT_SERVERURL: &str = "http://localhost:9001";
/// The default prompt.
pub const DEFAULT_PROMPT: &str = "supervisor";

/// The options every command runs with.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientOptions {
    pub progname: String,
    /// The config file that was read, as given or as found; `None` if none was read.
    pub configfile: Option<PathBuf>,
    pub serverurl: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub prompt: String,
    pub history_file: Option<PathBuf>,
    /// `-i` was given, or there is no command on the command line.
    pub interactive: bool,
    pub args: Vec<String>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("configfile", &self.configfile)
            .field("serverurl", &self.serverurl)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(redacted)"))
            .field("prompt", &self.prompt)
            .field("history_file", &self.history_file)
            .field("interactive", &self.interactive)
            .field("args", &self.args)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Printed like a usage error (`Error: <msg>` / `For help, use <progname> -h`), exit 2.
    #[error("{0}")]
    Usage(String),
    /// A file stock's parser chokes on (Python traceback there): printed to stderr, exit 1.
    /// The text is the traceback's last line, e.g.
    /// `configparser.MissingSectionHeaderError: File contains no section headers.\nfile: 'x', line: 1\n'k=v\n'`.
    #[error("{0}")]
    Syntax(String),
}

/// What `realize` takes from the process, made explicit for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Python's `os.environ`, in order: the source of the `ENV_<NAME>` expansions, and of `HOME`
    /// for `~` expansion.
    pub environ: Vec<(String, String)>,
    /// `Options.searchpaths`, tried in order when `-c` is not given (see [`search_paths`]).
    pub search_paths: Vec<String>,
    /// `os.getcwd()`: relative paths (search paths, `-c`, `unix://rel`) are resolved against it.
    /// `None` if the working directory is gone.
    pub cwd: Option<String>,
}

impl Context {
    /// The real process: [`python_environ`], the search paths for `progname`, the current directory.
    pub fn from_process(progname: &str) -> Context {
        let environ = python_environ();
        let path = env_get(&environ, "PATH").map(str::to_string);
        Context {
            search_paths: search_paths(progname, path.as_deref()),
            environ,
            cwd: std::env::current_dir()
                .ok()
                .map(|p| p.to_string_lossy().into_owned()),
        }
    }
}

/// Applies the config file (searched for, or `-c`) under the command line's options.
pub fn realize(inv: Invocation) -> Result<ClientOptions, ConfigError> {
    let ctx = Context::from_process(&inv.progname);
    realize_in(inv, &ctx)
}

/// [`realize`] with the environment, search paths and working directory given explicitly.
pub fn realize_in(inv: Invocation, ctx: &Context) -> Result<ClientOptions, ConfigError> {
    let configfile = match &inv.configuration {
        Some(path) => Some(path.clone()),
        None => ctx.search_paths.iter().find(|p| exists(ctx, p)).cloned(),
    };
    // Stock: `if self.configfile:` -- so `-c ''` reads nothing.
    let (file, configfile) = match configfile.filter(|p| !p.is_empty()) {
        Some(path) => (read_config(&path, ctx)?, Some(PathBuf::from(path))),
        None => (FileValues::default(), None),
    };

    let history_file = match inv.history_file.as_deref() {
        // Stock ignores -r (a bug, spec 1.2.5); we honour it, normalised like the config value.
        Some("") => None,
        Some(path) => Some(PathBuf::from(normalize_path(path, ctx)?)),
        None => file.history_file.map(PathBuf::from),
    };
    Ok(ClientOptions {
        progname: inv.progname,
        configfile,
        serverurl: inv
            .serverurl
            .or(file.serverurl)
            .unwrap_or_else(|| DEFAULT_SERVERURL.to_string()),
        username: inv.username.or(file.username),
        password: inv.password.or(file.password),
        prompt: file.prompt.unwrap_or_else(|| DEFAULT_PROMPT.to_string()),
        history_file,
        interactive: inv.interactive || inv.args.is_empty(),
        args: inv.args,
    })
}

/// The `[supervisorctl]` values from the file, after expansion and normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FileValues {
    serverurl: Option<String>,
    prompt: Option<String>,
    username: Option<String>,
    password: Option<String>,
    history_file: Option<String>,
}

const SECTION: &str = "supervisorctl";
const CTL_FACTORY: &str = "supervisor.ctl_factory";

/// `ClientOptions.read_config(path)`.
fn read_config(path: &str, ctx: &Context) -> Result<FileValues, ConfigError> {
    let here = dirname(&normalize_path(path, ctx)?);
    if !exists(ctx, path) {
        return Err(ConfigError::Usage(format!(
            "could not find config file {path}"
        )));
    }
    let bytes = std::fs::read(resolve(ctx, path))
        .map_err(|_| ConfigError::Usage(format!("could not read config file {path}")))?;
    values_from_bytes(&bytes, path, here, ctx)
}

/// What [`realize`] makes of config text, as if read from the file `path` (which need not
/// exist) with nothing on the command line: the same parsing, expansion and checks. For the
/// fuzz target and tests.
pub fn realize_bytes(
    bytes: &[u8],
    path: &str,
    ctx: &Context,
) -> Result<ClientOptions, ConfigError> {
    let here = dirname(&normalize_path(path, ctx)?);
    let file = values_from_bytes(bytes, path, here, ctx)?;
    Ok(ClientOptions {
        progname: crate::cli::DEFAULT_PROGNAME.to_string(),
        configfile: Some(PathBuf::from(path)),
        serverurl: file
            .serverurl
            .unwrap_or_else(|| DEFAULT_SERVERURL.to_string()),
        username: file.username,
        password: file.password,
        prompt: file.prompt.unwrap_or_else(|| DEFAULT_PROMPT.to_string()),
        history_file: file.history_file.map(PathBuf::from),
        interactive: true,
        args: Vec::new(),
    })
}

/// `read_config` once the file's bytes are in.
fn values_from_bytes(
    bytes: &[u8],
    path: &str,
    here: String,
    ctx: &Context,
) -> Result<FileValues, ConfigError> {
    let parser = ini::parse(bytes, path).map_err(|e| match e {
        ini::ReadError::Decode(msg) => ConfigError::Usage(msg),
        ini::ReadError::Syntax(msg) => ConfigError::Syntax(msg),
    })?;
    if !parser.has_section(SECTION) {
        return Err(ConfigError::Usage(
            ".ini file does not include supervisorctl section".to_string(),
        ));
    }

    let env: Vec<(String, String)> = ctx
        .environ
        .iter()
        .map(|(k, v)| (format!("ENV_{k}"), v.clone()))
        .collect();
    let mut with_here = env.clone();
    with_here.push(("here".to_string(), here));
    let get = |section: &str, option: &str, default: Option<&str>, exp: &[(String, String)]| {
        saneget(&parser, section, option, default, exp)
    };

    let mut serverurl =
        get(SECTION, "serverurl", Some(DEFAULT_SERVERURL), &with_here)?.unwrap_or_default();
    if let Some(rest) = serverurl.strip_prefix("unix://") {
        serverurl = format!("unix://{}", normalize_path(rest, ctx)?);
    }
    let prompt = get(SECTION, "prompt", Some(DEFAULT_PROMPT), &env)?;
    let username = get(SECTION, "username", None, &env)?;
    // Stock quotes a value it cannot expand in its message; never the password.
    let password = get(SECTION, "password", None, &env).map_err(|_| {
        ConfigError::Usage(format!(
            "Format string for {} cannot be expanded (its value is not shown); \
             write a literal % as %%",
            repr_str(&format!("{SECTION}.password"))
        ))
    })?;
    let history_file = match get(SECTION, "history_file", None, &with_here)? {
        Some(h) if !h.is_empty() => Some(normalize_path(&h, ctx)?),
        _ => None,
    };

    // get_plugins: we cannot load Python plugins, but a section without a factory is an error, and
    // every value is still expanded (so expansion errors still surface).
    for section in parser.sections().filter(|s| s.starts_with("ctlplugin:")) {
        let Some(factory) = get(section, CTL_FACTORY, None, &env)? else {
            return Err(ConfigError::Usage(format!(
                "section [{section}] does not specify a {CTL_FACTORY}"
            )));
        };
        // A spec that importlib's EntryPoint cannot even parse never resolves; a well-formed one
        // is assumed to resolve (stock would import it).
        if !entry_point_syntax_ok(&factory) {
            return Err(ConfigError::Usage(format!(
                "{factory} cannot be resolved within [{section}]"
            )));
        }
        for option in parser.options(section) {
            if option != CTL_FACTORY {
                get(section, option, None, &env)?;
            }
        }
    }

    Ok(FileValues {
        serverurl: Some(serverurl),
        prompt,
        username,
        password,
        history_file,
    })
}

/// Whether `importlib.metadata.EntryPoint.pattern` matches the spec:
/// `(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$`.
fn entry_point_syntax_ok(spec: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let skip_space = |s: &str| s.trim_start_matches(ini::is_py_space).len();
    let mut rest = spec;
    let module = rest.len() - rest.trim_start_matches(word).len();
    if module == 0 {
        return false;
    }
    rest = &rest[module..];
    rest = &rest[rest.len() - skip_space(rest)..];
    if let Some(after_colon) = rest.strip_prefix(':') {
        let after_space = &after_colon[after_colon.len() - skip_space(after_colon)..];
        let attr = after_space.len() - after_space.trim_start_matches(word).len();
        if attr > 0 {
            rest = &after_space[attr..];
            rest = &rest[rest.len() - skip_space(rest)..];
        }
    }
    if rest.starts_with('[') {
        let trimmed = rest.trim_end_matches(ini::is_py_space);
        if trimmed.len() >= 2 && trimmed.ends_with(']') && !trimmed.contains('\n') {
            rest = "";
        }
    }
    // `$` also matches just before a final newline.
    rest.is_empty() || rest == "\n"
}

/// `UnhosedConfigParser.saneget`: the raw value (or the default), `%`-expanded if it is a string.
fn saneget(
    parser: &ini::Ini,
    section: &str,
    option: &str,
    default: Option<&str>,
    expansions: &[(String, String)],
) -> Result<Option<String>, ConfigError> {
    match parser.get(section, option).or(default) {
        Some(value) => expand(value, expansions, &format!("{section}.{option}"))
            .map(Some)
            .map_err(ConfigError::Usage),
        None => Ok(None),
    }
}

/// supervisor's `expand(s, expansions, name)`: `s % expansions`, with its error messages.
pub fn expand(s: &str, expansions: &[(String, String)], name: &str) -> Result<String, String> {
    match percent_format(s, expansions) {
        Ok(out) => Ok(out),
        Err(FormatError::Key(key)) => {
            let mut available: Vec<&str> = expansions.iter().map(|(k, _)| k.as_str()).collect();
            available.sort_unstable();
            available.dedup();
            Err(format!(
                "Format string {} for {} contains names ({}) which cannot be expanded. \
                 Available names: {}",
                repr_str(s),
                repr_str(name),
                repr_str(&key),
                available.join(", ")
            ))
        }
        Err(FormatError::Other(msg)) => Err(format!(
            "Format string {} for {} is badly formatted: {msg}",
            repr_str(s),
            repr_str(name)
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Python's `str % mapping` (CPython 3.11 `PyUnicode_Format`) for a dict of str values.

#[derive(Debug, Clone, PartialEq, Eq)]
enum FormatError {
    /// `KeyError(key)`.
    Key(String),
    /// Any other exception: its `str()`.
    Other(String),
}

/// The argument a conversion consumes: the whole mapping (no `%(key)`), or a looked-up value.
#[derive(Clone, Copy)]
enum FormatArg<'a> {
    Dict,
    Str(&'a str),
}

/// Widths beyond this make Python allocate gigabytes (or raise `MemoryError`); we report the
/// `MemoryError` (whose text is empty) instead of allocating.
const MAX_WIDTH: usize = 1 << 26;

fn percent_format(fmt: &str, mapping: &[(String, String)]) -> Result<String, FormatError> {
    let incomplete = || FormatError::Other("incomplete format".to_string());
    let chars: Vec<char> = fmt.chars().collect();
    let len = chars.len();
    let mut out = String::with_capacity(fmt.len());
    let mut pos = 0;
    // The current argument and whether it has been consumed (CPython's argidx/arglen dance).
    let mut arg = FormatArg::Dict;
    let mut consumed = false;
    let star = || FormatError::Other("* wants int".to_string());

    while pos < len {
        let c = chars[pos];
        pos += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        if pos == len {
            return Err(incomplete());
        }
        if chars[pos] == '%' {
            out.push('%');
            pos += 1;
            continue;
        }
        if chars[pos] == '(' {
            pos += 1;
            let keystart = pos;
            let mut pcount = 1;
            while pcount > 0 && pos < len {
                match chars[pos] {
                    ')' => pcount -= 1,
                    '(' => pcount += 1,
                    _ => {}
                }
                pos += 1;
            }
            if pcount > 0 {
                return Err(FormatError::Other("incomplete format key".to_string()));
            }
            let key: String = chars[keystart..pos - 1].iter().collect();
            let Some((_, value)) = mapping.iter().find(|(k, _)| *k == key) else {
                return Err(FormatError::Key(key));
            };
            arg = FormatArg::Str(value);
            consumed = false;
        }
        // Flags.
        let mut ljust = false;
        let mut ch;
        loop {
            if pos == len {
                return Err(incomplete());
            }
            ch = chars[pos];
            pos += 1;
            match ch {
                '-' => ljust = true,
                '+' | ' ' | '#' | '0' => {}
                _ => break,
            }
        }
        // Width.
        let mut width: usize = 0;
        if ch == '*' {
            next_arg(arg, &mut consumed)?;
            return Err(star());
        } else if let Some(d) = ch.to_digit(10) {
            width = d as usize;
            loop {
                if pos == len {
                    return Err(incomplete());
                }
                ch = chars[pos];
                pos += 1;
                let Some(d) = ch.to_digit(10) else { break };
                if width > (isize::MAX as usize - d as usize) / 10 {
                    return Err(FormatError::Other("width too big".to_string()));
                }
                width = width * 10 + d as usize;
            }
        }
        // Precision.
        let mut prec: Option<usize> = None;
        if ch == '.' {
            prec = Some(0);
            if pos == len {
                return Err(incomplete());
            }
            ch = chars[pos];
            pos += 1;
            if ch == '*' {
                next_arg(arg, &mut consumed)?;
                return Err(star());
            } else if let Some(d) = ch.to_digit(10) {
                let mut p = d as usize;
                loop {
                    if pos == len {
                        return Err(incomplete());
                    }
                    ch = chars[pos];
                    pos += 1;
                    let Some(d) = ch.to_digit(10) else { break };
                    if p > (i32::MAX as usize - d as usize) / 10 {
                        return Err(FormatError::Other("precision too big".to_string()));
                    }
                    p = p * 10 + d as usize;
                }
                prec = Some(p);
            }
        }
        // Length modifiers are ignored.
        if matches!(ch, 'h' | 'l' | 'L') {
            if pos == len {
                return Err(incomplete());
            }
            ch = chars[pos];
            pos += 1;
        }
        // Conversion.
        let value = next_arg(arg, &mut consumed)?;
        let type_name = match value {
            FormatArg::Dict => "dict",
            FormatArg::Str(_) => "str",
        };
        let text = match ch {
            's' | 'r' | 'a' => {
                let text = match (ch, value) {
                    ('s', FormatArg::Str(s)) => s.to_string(),
                    ('s', FormatArg::Dict) | ('r', FormatArg::Dict) => dict_repr(mapping),
                    ('r', FormatArg::Str(s)) => repr_str(s),
                    (_, FormatArg::Str(s)) => ascii_escape(&repr_str(s)),
                    (_, FormatArg::Dict) => ascii_escape(&dict_repr(mapping)),
                };
                match prec {
                    Some(p) => text.chars().take(p).collect(),
                    None => text,
                }
            }
            'd' | 'i' | 'u' => {
                return Err(FormatError::Other(format!(
                    "%{ch} format: a real number is required, not {type_name}"
                )));
            }
            'o' | 'x' | 'X' => {
                return Err(FormatError::Other(format!(
                    "%{ch} format: an integer is required, not {type_name}"
                )));
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                return Err(FormatError::Other(format!(
                    "must be real number, not {type_name}"
                )));
            }
            'c' => match value {
                FormatArg::Str(s) if s.chars().count() == 1 => s.to_string(),
                _ => return Err(FormatError::Other("%c requires int or char".to_string())),
            },
            other => {
                let shown = if (31..=126).contains(&(other as u32)) {
                    other
                } else {
                    '?'
                };
                return Err(FormatError::Other(format!(
                    "unsupported format character '{shown}' (0x{:x}) at index {}",
                    other as u32,
                    pos - 1
                )));
            }
        };
        let n = text.chars().count();
        if width > n {
            if width > MAX_WIDTH {
                return Err(FormatError::Other(String::new()));
            }
            let pad = " ".repeat(width - n);
            if ljust {
                out.push_str(&text);
                out.push_str(&pad);
            } else {
                out.push_str(&pad);
                out.push_str(&text);
            }
        } else {
            out.push_str(&text);
        }
    }
    Ok(out)
}

/// CPython's `getnextarg`: each argument can be consumed once.
fn next_arg<'a>(arg: FormatArg<'a>, consumed: &mut bool) -> Result<FormatArg<'a>, FormatError> {
    if *consumed {
        Err(FormatError::Other(
            "not enough arguments for format string".to_string(),
        ))
    } else {
        *consumed = true;
        Ok(arg)
    }
}

/// `repr(dict)` of the expansion mapping.
fn dict_repr(mapping: &[(String, String)]) -> String {
    let items: Vec<String> = mapping
        .iter()
        .map(|(k, v)| format!("{}: {}", repr_str(k), repr_str(v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// `ascii()` from `repr()`: escapes every non-ASCII character.
fn ascii_escape(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    for c in repr.chars() {
        let n = c as u32;
        match n {
            0..0x80 => out.push(c),
            0x80..0x100 => out.push_str(&format!("\\x{n:02x}")),
            0x100..0x10000 => out.push_str(&format!("\\u{n:04x}")),
            _ => out.push_str(&format!("\\U{n:08x}")),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The environment and the search paths.

fn env_get<'a>(environ: &'a [(String, String)], name: &str) -> Option<&'a str> {
    environ
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// What Python's `os.environ` holds for this process: the UTF-8 variables (others are skipped),
/// the first of duplicates, and `LC_CTYPE=C.UTF-8` added when Python would coerce a C locale
/// (PEP 538: `LC_ALL` unset and `LC_CTYPE`/`LANG` unset, `C` or `POSIX`), so that the
/// `ENV_*` names match stock's.
pub fn python_environ() -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut environ = Vec::new();
    for (k, v) in std::env::vars_os() {
        let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) else {
            continue;
        };
        if seen.insert(k.clone()) {
            environ.push((k, v));
        }
    }
    coerce_c_locale(&mut environ);
    environ
}

fn coerce_c_locale(environ: &mut Vec<(String, String)>) {
    let get = |name: &str| env_get(environ, name).filter(|v| !v.is_empty());
    if get("PYTHONCOERCECLOCALE") == Some("0") || get("LC_ALL").is_some() {
        return;
    }
    if !matches!(
        get("LC_CTYPE").or_else(|| get("LANG")),
        None | Some("C") | Some("POSIX")
    ) {
        return;
    }
    match environ.iter_mut().find(|(k, _)| k == "LC_CTYPE") {
        Some((_, v)) => *v = "C.UTF-8".to_string(),
        None => environ.push(("LC_CTYPE".to_string(), "C.UTF-8".to_string())),
    }
}

/// `Options.searchpaths` for a program started as `progname` with `$PATH` = `path_var`.
/// `here = dirname(dirname(argv[0]))`, where argv[0] is what a Python script would see: the
/// name as given if it contains `/`, otherwise the name resolved through `$PATH` like `execvp`.
pub fn search_paths(progname: &str, path_var: Option<&str>) -> Vec<String> {
    let script = script_path(progname, path_var);
    let here = dirname(&dirname(&script));
    vec![
        join(&join(&here, "etc"), "supervisord.conf"),
        join(&here, "supervisord.conf"),
        "supervisord.conf".to_string(),
        "etc/supervisord.conf".to_string(),
        "/etc/supervisord.conf".to_string(),
        "/etc/supervisor/supervisord.conf".to_string(),
    ]
}

/// The path a Python script started as `progname` sees as `sys.argv[0]`: `progname` itself if it
/// contains a `/`, else the first executable `<dir>/<progname>` along `path_var` (like `execvp`;
/// `None` means the default `/bin:/usr/bin`), else `progname`. Stock also prints this path in
/// `For help, use <path> -h` and in the `-h` usage line.
pub fn script_path(progname: &str, path_var: Option<&str>) -> String {
    if progname.is_empty() || progname.contains('/') {
        return progname.to_string();
    }
    for dir in path_var.unwrap_or("/bin:/usr/bin").split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = join(dir, progname);
        if is_executable_file(Path::new(&candidate)) {
            return candidate;
        }
    }
    progname.to_string()
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

// ---------------------------------------------------------------------------------------------
// posixpath.

/// A path for the file system: relative ones are taken against `ctx.cwd`.
fn resolve(ctx: &Context, path: &str) -> PathBuf {
    match &ctx.cwd {
        Some(cwd) if !path.is_empty() && !path.starts_with('/') => Path::new(cwd).join(path),
        _ => PathBuf::from(path),
    }
}

/// `os.path.exists`.
fn exists(ctx: &Context, path: &str) -> bool {
    !path.is_empty() && std::fs::metadata(resolve(ctx, path)).is_ok()
}

/// `posixpath.dirname`.
fn dirname(p: &str) -> String {
    let i = p.rfind('/').map_or(0, |i| i + 1);
    let head = &p[..i];
    if !head.is_empty() && head.bytes().any(|b| b != b'/') {
        head.trim_end_matches('/').to_string()
    } else {
        head.to_string()
    }
}

/// `posixpath.join(a, b)`.
fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') {
        b.to_string()
    } else if a.is_empty() || a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// `posixpath.normpath`.
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let initial_slashes = if path.starts_with("//") && !path.starts_with("///") {
        2
    } else if path.starts_with('/') {
        1
    } else {
        0
    };
    let mut comps: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial_slashes == 0 && comps.is_empty()) || comps.last() == Some(&"..")
        {
            comps.push(comp);
        } else if !comps.is_empty() {
            comps.pop();
        }
    }
    let joined = format!("{}{}", "/".repeat(initial_slashes), comps.join("/"));
    if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// `posixpath.abspath`.
fn abspath(path: &str, ctx: &Context) -> Result<String, ConfigError> {
    if path.starts_with('/') {
        return Ok(normpath(path));
    }
    match &ctx.cwd {
        Some(cwd) => Ok(normpath(&join(cwd, path))),
        None => Err(ConfigError::Syntax(
            "FileNotFoundError: [Errno 2] No such file or directory".to_string(),
        )),
    }
}

/// `posixpath.expanduser`, with `HOME` from the context and the password database for `~user`.
fn expanduser(path: &str, ctx: &Context) -> String {
    if !path.starts_with('~') {
        return path.to_string();
    }
    let i = path[1..].find('/').map_or(path.len(), |j| j + 1);
    let home = if i == 1 {
        match env_get(&ctx.environ, "HOME") {
            Some(home) => Some(home.to_string()),
            None => current_uid().and_then(|uid| passwd_home(|_, u| u == uid)),
        }
    } else {
        let name = &path[1..i];
        passwd_home(|n, _| n == name)
    };
    let Some(home) = home else {
        return path.to_string();
    };
    let expanded = format!("{}{}", home.trim_end_matches('/'), &path[i..]);
    if expanded.is_empty() {
        "/".to_string()
    } else {
        expanded
    }
}

/// supervisor's `normalize_path`: `normpath(abspath(expanduser(v)))`.
fn normalize_path(path: &str, ctx: &Context) -> Result<String, ConfigError> {
    abspath(&expanduser(path, ctx), ctx)
}

/// The home directory of the first `/etc/passwd` entry matching `(name, uid)`.
fn passwd_home(matches: impl Fn(&str, &str) -> bool) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 7 && matches(fields[0], fields[2])).then(|| fields[5].to_string())
    })
}

/// The real uid (`os.getuid()`), from `/proc/self/status`.
fn current_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A scratch directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "sq-config-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&dir).expect("temp dir");
            TempDir(dir)
        }

        fn path(&self) -> String {
            self.0.to_string_lossy().into_owned()
        }

        fn write(&self, name: &str, content: &str) -> String {
            let p = self.0.join(name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(&p, content).expect("write");
            p.to_string_lossy().into_owned()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ctx(cwd: &str) -> Context {
        Context {
            environ: env(&[
                ("TERM", "xterm"),
                ("LANG", "C.UTF-8"),
                ("PATH", "/bin"),
                ("HOME", "/home/u"),
            ]),
            search_paths: Vec::new(),
            cwd: Some(cwd.to_string()),
        }
    }

    fn inv(config: Option<&str>, args: &[&str]) -> Invocation {
        Invocation {
            progname: "supervisorctl".into(),
            configuration: config.map(str::to_string),
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Invocation::default()
        }
    }

    /// Reads `content` as `-c <tmp>/supervisord.conf`.
    fn with_config(content: &str) -> (TempDir, Result<ClientOptions, ConfigError>) {
        let dir = TempDir::new();
        let path = dir.write("supervisord.conf", content);
        let got = realize_in(inv(Some(&path), &[]), &ctx(&dir.path()));
        (dir, got)
    }

    fn opts(content: &str) -> ClientOptions {
        with_config(content).1.expect("config reads")
    }

    fn usage(content: &str) -> String {
        match with_config(content).1 {
            Err(ConfigError::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_without_a_file() {
        let got = realize_in(inv(None, &[]), &ctx("/")).unwrap();
        assert_eq!(got.serverurl, "http://localhost:9001");
        assert_eq!(got.prompt, "supervisor");
        assert_eq!(
            (got.username, got.password, got.history_file),
            (None, None, None)
        );
        assert_eq!(got.configfile, None);
        assert!(got.interactive);
        let got = realize_in(inv(None, &["status"]), &ctx("/")).unwrap();
        assert!(!got.interactive);
        assert_eq!(got.args, ["status"]);
        let mut i = inv(None, &["status"]);
        i.interactive = true;
        assert!(realize_in(i, &ctx("/")).unwrap().interactive);
    }

    #[test]
    fn keys_and_values() {
        let o = opts(
            "[supervisorctl]\nserverurl = http://h:1 ;c\nUSERNAME: u;x\npassword=p\nprompt=a;b\n\
             history_file=~/hist\n",
        );
        assert_eq!(o.serverurl, "http://h:1");
        assert_eq!(o.username.as_deref(), Some("u;x"));
        assert_eq!(o.password.as_deref(), Some("p"));
        assert_eq!(o.prompt, "a;b");
        assert_eq!(o.history_file, Some(PathBuf::from("/home/u/hist")));
        assert!(o.configfile.unwrap().ends_with("supervisord.conf"));
    }

    #[test]
    fn empty_values() {
        let o = opts("[supervisorctl]\nusername=\npassword=\nprompt=\nhistory_file=\n");
        assert_eq!(o.username.as_deref(), Some(""));
        assert_eq!(o.password.as_deref(), Some(""));
        assert_eq!(o.prompt, "");
        assert_eq!(o.history_file, None);
        assert_eq!(o.serverurl, "http://localhost:9001");
    }

    #[test]
    fn continuation_default_and_duplicates() {
        let o = opts(
            "[DEFAULT]\nserverurl=http://d:1\nprompt=%%x\n[supervisorctl]\nusername=\n\
             prompt=a\n  b\n\n  c\n\n[supervisorctl]\nusername=second\n",
        );
        assert_eq!(o.serverurl, "http://d:1");
        assert_eq!(o.prompt, "a\nb\n\nc");
        assert_eq!(o.username.as_deref(), Some("second"));
        assert_eq!(
            opts("[DEFAULT]\nprompt=%%x\n[supervisorctl]\n").prompt,
            "%x"
        );
    }

    #[test]
    fn here_env_and_percent() {
        let dir = TempDir::new();
        let path = dir.write(
            "sub/x.conf",
            "[supervisorctl]\nserverurl=unix://%(here)s/../run/%(ENV_TERM)s.sock\n\
             prompt=%(ENV_LANG)s 100%%\nhistory_file=%(here)s/h\n",
        );
        let o = realize_in(inv(Some(&path), &[]), &ctx("/")).unwrap();
        assert_eq!(o.serverurl, format!("unix://{}/run/xterm.sock", dir.path()));
        assert_eq!(o.prompt, "C.UTF-8 100%");
        assert_eq!(
            o.history_file,
            Some(PathBuf::from(format!("{}/sub/h", dir.path())))
        );
        // `here` is the config's directory with `..` resolved textually (relative -c path).
        let o = realize_in(inv(Some("sub/../sub/x.conf"), &[]), &ctx(&dir.path())).unwrap();
        assert_eq!(o.serverurl, format!("unix://{}/run/xterm.sock", dir.path()));
    }

    #[test]
    fn unix_paths_are_normalised_against_cwd() {
        let dir = TempDir::new();
        let path = dir.write("a.conf", "[supervisorctl]\nserverurl=unix://rel/./sock\n");
        let o = realize_in(inv(Some(&path), &[]), &ctx("/")).unwrap();
        assert_eq!(o.serverurl, "unix:///rel/sock");
        let o = realize_in(inv(Some(&path), &[]), &ctx("/srv/x")).unwrap();
        assert_eq!(o.serverurl, "unix:///srv/x/rel/sock");
        let path = dir.write("b.conf", "[supervisorctl]\nserverurl=unix://~/x.sock\n");
        let o = realize_in(inv(Some(&path), &[]), &ctx("/")).unwrap();
        assert_eq!(o.serverurl, "unix:///home/u/x.sock");
        // -s is never normalised.
        let mut i = inv(Some(&path), &[]);
        i.serverurl = Some("unix://tmp/x".into());
        assert_eq!(realize_in(i, &ctx("/")).unwrap().serverurl, "unix://tmp/x");
    }

    #[test]
    fn command_line_beats_file() {
        let dir = TempDir::new();
        let path = dir.write(
            "c.conf",
            "[supervisorctl]\nserverurl=http://file:1\nusername=fu\npassword=\nhistory_file=/f\n",
        );
        let mut i = inv(Some(&path), &["status"]);
        i.username = Some("x".into());
        i.serverurl = Some("http://cli:2".into());
        i.history_file = Some("~/cli".into());
        let o = realize_in(i, &ctx("/")).unwrap();
        assert_eq!(o.username.as_deref(), Some("x"));
        assert_eq!(o.password.as_deref(), Some(""));
        assert_eq!(o.serverurl, "http://cli:2");
        assert_eq!(o.history_file, Some(PathBuf::from("/home/u/cli")));
        let mut i = inv(Some(&path), &[]);
        i.history_file = Some(String::new());
        assert_eq!(realize_in(i, &ctx("/")).unwrap().history_file, None);
    }

    #[test]
    fn expansion_errors() {
        assert_eq!(
            usage("[supervisorctl]\nprompt=%(ENV_USER)s-sv\n"),
            "Format string '%(ENV_USER)s-sv' for 'supervisorctl.prompt' contains names \
             ('ENV_USER') which cannot be expanded. Available names: ENV_HOME, ENV_LANG, \
             ENV_PATH, ENV_TERM"
        );
        assert_eq!(
            usage("[supervisorctl]\nserverurl=%(nope)s\n"),
            "Format string '%(nope)s' for 'supervisorctl.serverurl' contains names ('nope') \
             which cannot be expanded. Available names: ENV_HOME, ENV_LANG, ENV_PATH, ENV_TERM, here"
        );
        // The password is never quoted (stock would print it).
        assert_eq!(
            usage("[supervisorctl]\npassword=a%b\n"),
            "Format string for 'supervisorctl.password' cannot be expanded (its value is not \
             shown); write a literal % as %%"
        );
        assert!(!usage("[supervisorctl]\npassword=s3cr%(ENV_NOPE)s\n").contains("s3cr"));
        assert_eq!(
            usage("[supervisorctl]\nusername=50%\n"),
            "Format string '50%' for 'supervisorctl.username' is badly formatted: incomplete format"
        );
        // The first key read fails first: serverurl, prompt, username, password, history_file.
        assert!(
            usage("[supervisorctl]\nhistory_file=%(x)s\nprompt=%\n")
                .contains("'supervisorctl.prompt'")
        );
    }

    #[test]
    fn file_errors() {
        let dir = TempDir::new();
        let missing = format!("{}/nonexistent.conf", dir.path());
        assert_eq!(
            realize_in(inv(Some(&missing), &[]), &ctx("/")),
            Err(ConfigError::Usage(format!(
                "could not find config file {missing}"
            )))
        );
        assert_eq!(
            realize_in(inv(Some("~/x.conf"), &[]), &ctx(&dir.path())),
            Err(ConfigError::Usage(
                "could not find config file ~/x.conf".into()
            ))
        );
        assert_eq!(
            realize_in(inv(Some(&dir.path()), &[]), &ctx("/")),
            Err(ConfigError::Usage(format!(
                "could not read config file {}",
                dir.path()
            )))
        );
        assert_eq!(
            usage("[supervisord]\n[include]\nfiles=x\n"),
            ".ini file does not include supervisorctl section"
        );
    }

    #[test]
    fn syntax_errors() {
        let dir = TempDir::new();
        dir.write("s.conf", "foo=bar\n[supervisorctl]\n");
        assert_eq!(
            realize_in(inv(Some("s.conf"), &[]), &ctx(&dir.path())),
            Err(ConfigError::Syntax(
                "configparser.MissingSectionHeaderError: File contains no section headers.\n\
                 file: 's.conf', line: 1\n'foo=bar\\n'"
                    .into()
            ))
        );
        let path = dir.write("p.conf", "[supervisorctl]\njunk\n");
        assert_eq!(
            realize_in(inv(Some(&path), &[]), &ctx("/")),
            Err(ConfigError::Syntax(format!(
                "configparser.ParsingError: Source contains parsing errors: '{path}'\n\t[line  2]: 'junk\\n'"
            )))
        );
        let path = dir.write("u.conf", "");
        std::fs::write(&path, b"[supervisorctl]\nprompt=\xff\n").unwrap();
        assert_eq!(
            realize_in(inv(Some(&path), &[]), &ctx("/")),
            Err(ConfigError::Usage(
                "'utf-8' codec can't decode byte 0xff in position 23: invalid start byte".into()
            ))
        );
    }

    #[test]
    fn ctlplugins() {
        assert_eq!(
            usage("[ctlplugin:x]\nfoo=1\n[supervisorctl]\n"),
            "section [ctlplugin:x] does not specify a supervisor.ctl_factory"
        );
        let o = opts("[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory = a.b:make\nk=v\n");
        assert_eq!(o.serverurl, "http://localhost:9001");
        assert_eq!(
            usage("[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory = a:b\nk=%(here)s\n"),
            "Format string '%(here)s' for 'ctlplugin:x.k' contains names ('here') which cannot \
             be expanded. Available names: ENV_HOME, ENV_LANG, ENV_PATH, ENV_TERM"
        );
        assert_eq!(
            usage("[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory = %%(\n"),
            "%( cannot be resolved within [ctlplugin:x]"
        );
        for good in [
            "a",
            "a.b:c",
            "a : c.d [x] ",
            "a\n",
            "é:x",
            "m:f [e]",
            "pkg_1.mod:Obj.make",
        ] {
            assert!(entry_point_syntax_ok(good), "{good}");
        }
        for bad in [
            "", ":f", "a:", "a b", "a:[x]", "a [x", "a [x\ny]", "a:b:c", "a-b:c",
        ] {
            assert!(!entry_point_syntax_ok(bad), "{bad}");
        }
        // A factory in [DEFAULT] applies to every plugin section.
        opts("[DEFAULT]\nsupervisor.ctl_factory=a:b\n[supervisorctl]\n[ctlplugin:x]\n");
    }

    #[test]
    fn search_order() {
        let dir = TempDir::new();
        let second = dir.write("second.conf", "[supervisorctl]\nprompt=second\n");
        dir.write("third.conf", "[supervisorctl]\nprompt=third\n");
        let mut c = ctx(&dir.path());
        c.search_paths = vec![
            format!("{}/first.conf", dir.path()),
            second.clone(),
            "third.conf".into(),
        ];
        let o = realize_in(inv(None, &[]), &c).unwrap();
        assert_eq!(o.prompt, "second");
        assert_eq!(o.configfile, Some(PathBuf::from(&second)));
        c.search_paths.remove(1);
        let o = realize_in(inv(None, &[]), &c).unwrap();
        assert_eq!(o.prompt, "third");
        assert_eq!(o.configfile, Some(PathBuf::from("third.conf")));
        // A searched file without the section is still an error.
        dir.write("third.conf", "[supervisord]\n");
        let mut i = inv(None, &[]);
        i.serverurl = Some("http://x:1".into());
        assert_eq!(
            realize_in(i, &c),
            Err(ConfigError::Usage(
                ".ini file does not include supervisorctl section".into()
            ))
        );
        // -c '' reads nothing at all.
        assert_eq!(
            realize_in(inv(Some(""), &[]), &c).unwrap().prompt,
            "supervisor"
        );
    }

    #[test]
    fn search_path_list() {
        assert_eq!(
            search_paths("/usr/local/bin/supervisorctl", None),
            [
                "/usr/local/etc/supervisord.conf",
                "/usr/local/supervisord.conf",
                "supervisord.conf",
                "etc/supervisord.conf",
                "/etc/supervisord.conf",
                "/etc/supervisor/supervisord.conf"
            ]
        );
        assert_eq!(
            search_paths("supervisor-quick-not-on-path", Some("/nonexistent")),
            [
                "etc/supervisord.conf",
                "supervisord.conf",
                "supervisord.conf",
                "etc/supervisord.conf",
                "/etc/supervisord.conf",
                "/etc/supervisor/supervisord.conf"
            ]
        );
        assert_eq!(search_paths("./bin/x", None)[0], "./etc/supervisord.conf");
        // A bare name is resolved through $PATH.
        let dir = TempDir::new();
        let exe = dir.write("prefix/bin/ctl", "");
        dir.write("other/ctl", "");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{0}/other:{0}/prefix/bin", dir.path());
        assert_eq!(
            search_paths("ctl", Some(&path))[0],
            format!("{}/prefix/etc/supervisord.conf", dir.path())
        );
    }

    #[test]
    fn posixpath_helpers() {
        assert_eq!(normpath(""), ".");
        assert_eq!(normpath("/a/./b/../c/"), "/a/c");
        assert_eq!(normpath("//a//b"), "//a/b");
        assert_eq!(normpath("///a"), "/a");
        assert_eq!(normpath("../../a"), "../../a");
        assert_eq!(normpath("/../a"), "/a");
        assert_eq!(normpath("a/.."), ".");
        assert_eq!(dirname("/usr/local/bin/x"), "/usr/local/bin");
        assert_eq!(dirname("x"), "");
        assert_eq!(dirname("/x"), "/");
        assert_eq!(dirname("//x"), "//");
        assert_eq!(dirname("a//b"), "a");
        assert_eq!(join("", "etc"), "etc");
        assert_eq!(join("/", "etc"), "/etc");
        assert_eq!(join("a", "/b"), "/b");
        let c = ctx("/cwd");
        assert_eq!(expanduser("~", &c), "/home/u");
        assert_eq!(expanduser("~/x", &c), "/home/u/x");
        assert_eq!(expanduser("a/~", &c), "a/~");
        assert_eq!(expanduser("~root/x", &c), "/root/x");
        assert_eq!(
            expanduser("~no-such-user-here/x", &c),
            "~no-such-user-here/x"
        );
        let mut slash_home = ctx("/");
        slash_home.environ = env(&[("HOME", "/")]);
        assert_eq!(expanduser("~", &slash_home), "/");
        assert_eq!(normalize_path("x/../y", &c).unwrap(), "/cwd/y");
        let mut gone = ctx("/");
        gone.cwd = None;
        assert!(matches!(
            normalize_path("rel", &gone),
            Err(ConfigError::Syntax(_))
        ));
        assert_eq!(normalize_path("/abs", &gone).unwrap(), "/abs");
    }

    #[test]
    fn locale_coercion() {
        let mut e = env(&[("PATH", "/bin")]);
        coerce_c_locale(&mut e);
        assert_eq!(e, env(&[("PATH", "/bin"), ("LC_CTYPE", "C.UTF-8")]));
        let mut e = env(&[("LC_CTYPE", "C"), ("LANG", "en_US.UTF-8")]);
        coerce_c_locale(&mut e);
        assert_eq!(e, env(&[("LC_CTYPE", "C.UTF-8"), ("LANG", "en_US.UTF-8")]));
        for keep in [
            env(&[("LANG", "en_US.UTF-8")]),
            env(&[("LC_ALL", "C")]),
            env(&[("LANG", "C"), ("PYTHONCOERCECLOCALE", "0")]),
        ] {
            let mut e = keep.clone();
            coerce_c_locale(&mut e);
            assert_eq!(e, keep);
        }
    }

    fn fmt(s: &str) -> Result<String, FormatError> {
        percent_format(s, &env(&[("a", "xyz"), ("b", "q"), ("u", "\u{e9}")]))
    }

    fn other(s: &str) -> FormatError {
        FormatError::Other(s.to_string())
    }

    #[test]
    fn percent_format_like_python() {
        let ok: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("%%", "%"),
            ("%(a)s", "xyz"),
            ("%(a)5s|", "  xyz|"),
            ("%(a)-5s|", "xyz  |"),
            ("%(a).2s", "xy"),
            ("%(a)05s", "  xyz"),
            ("%(a)r", "'xyz'"),
            ("%(a)a", "'xyz'"),
            ("%(u)a", "'\\xe9'"),
            ("%(u)r", "'\u{e9}'"),
            ("%(a)hs", "xyz"),
            ("%(a)Ls", "xyz"),
            ("%(a)ls", "xyz"),
            ("a%(a)5.1s", "a    x"),
            ("%(a)#s", "xyz"),
            ("%(a)-0#+ 3s|", "xyz|"),
            ("%(a)10.3r", "       'xy"),
            ("%(b)c", "q"),
            ("%(b)5.0c|", "    q|"),
            ("%(b)-3c|", "q  |"),
            ("%(a).2147483647s", "xyz"),
            ("%s", "{'a': 'xyz', 'b': 'q', 'u': '\u{e9}'}"),
            ("% s", "{'a': 'xyz', 'b': 'q', 'u': '\u{e9}'}"),
            ("%s%(b)s", "{'a': 'xyz', 'b': 'q', 'u': '\u{e9}'}q"),
        ];
        for (f, want) in ok {
            assert_eq!(fmt(f), Ok(want.to_string()), "{f}");
        }
        let bad: &[(&str, FormatError)] = &[
            (
                "%(a)d",
                other("%d format: a real number is required, not str"),
            ),
            (
                "%(a)i",
                other("%i format: a real number is required, not str"),
            ),
            ("%(a)x", other("%x format: an integer is required, not str")),
            ("%(a)o", other("%o format: an integer is required, not str")),
            ("%(a)f", other("must be real number, not str")),
            (
                "%d",
                other("%d format: a real number is required, not dict"),
            ),
            ("%(a)c", other("%c requires int or char")),
            ("%c", other("%c requires int or char")),
            ("%(nope)s", FormatError::Key("nope".into())),
            ("%()s", FormatError::Key("".into())),
            ("%()", FormatError::Key("".into())),
            ("%(a(b))s", FormatError::Key("a(b)".into())),
            ("%s%s", other("not enough arguments for format string")),
            ("%(a)s%s", other("not enough arguments for format string")),
            ("%s%b", other("not enough arguments for format string")),
            (
                "%b%s",
                other("unsupported format character 'b' (0x62) at index 1"),
            ),
            ("%", other("incomplete format")),
            ("a%", other("incomplete format")),
            ("%(a", other("incomplete format key")),
            ("%(", other("incomplete format key")),
            ("%(a)", other("incomplete format")),
            ("%5", other("incomplete format")),
            ("%.", other("incomplete format")),
            ("%.5", other("incomplete format")),
            ("%-", other("incomplete format")),
            ("%(a)l", other("incomplete format")),
            ("%(a).l", other("incomplete format")),
            (
                "%(a)%",
                other("unsupported format character '%' (0x25) at index 4"),
            ),
            (
                "%5%",
                other("unsupported format character '%' (0x25) at index 2"),
            ),
            (
                "%(a)l%",
                other("unsupported format character '%' (0x25) at index 5"),
            ),
            (
                "%(a)(b)s",
                other("unsupported format character '(' (0x28) at index 4"),
            ),
            ("%*s", other("* wants int")),
            ("%.*", other("* wants int")),
            ("%(a)*s", other("* wants int")),
            (
                "%(a)b",
                other("unsupported format character 'b' (0x62) at index 4"),
            ),
            (
                "%(a)lls",
                other("unsupported format character 'l' (0x6c) at index 5"),
            ),
            (
                "%(a)\u{e9}",
                other("unsupported format character '?' (0xe9) at index 4"),
            ),
            (
                "%(a)\u{1f}",
                other("unsupported format character '\u{1f}' (0x1f) at index 4"),
            ),
            (
                "%(a)\u{1e}",
                other("unsupported format character '?' (0x1e) at index 4"),
            ),
            (
                "%(a)\u{7f}",
                other("unsupported format character '?' (0x7f) at index 4"),
            ),
            ("%(a)9223372036854775808s", other("width too big")),
            ("%(a)9223372036854775807s", other("")),
            ("%(a).2147483648s", other("precision too big")),
        ];
        for (f, want) in bad {
            assert_eq!(&fmt(f), &Err(want.clone()), "{f}");
        }
        assert_eq!(percent_format("%s", &[]), Ok("{}".to_string()));
    }
}
