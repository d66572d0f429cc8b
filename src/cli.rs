//! The command-line options, defined once with clap (so they can generate help, completions and
//! the man page), and parsed with Python `getopt` semantics so that every usage error matches stock.
//!
//! [`command`] is the single source of truth for the option table: [`parse`] walks its arguments to
//! learn every short and long spelling and whether it takes a value, then runs a faithful port of
//! Python's `getopt.getopt` over argv and applies the options left to right exactly as
//! `supervisor.options.Options.realize` does.

use std::ffi::OsString;

use clap::{Arg, ArgAction, Command, ValueHint};

use crate::output::ColorChoice;
use crate::pyrepr::repr_str;

/// What the command line asked for, before the config file is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    /// argv[0] exactly as given (stock prints it in usage errors and `-h`).
    pub progname: String,
    /// `-c`: the config file path as given. `Some("")` means "read no config file" (stock quirk).
    pub configuration: Option<String>,
    /// `-s`, validated like `datatypes.url` but otherwise untouched.
    pub serverurl: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `-r`/`--history_file`/`--history-file` (stock accepts it and then ignores it).
    pub history_file: Option<String>,
    /// `-i` was given. (The effective mode also depends on `args`, see `config::realize`.)
    pub interactive: bool,
    /// `--color WHEN` (not in stock); `None` when not given, which means `auto`.
    pub color: Option<ColorChoice>,
    /// Positional arguments: the one-shot command line (joined with single spaces by the caller).
    pub args: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliOutcome {
    Run(Invocation),
    /// `-h`: the text to print on stdout, exit 0.
    Help(String),
    /// `-V`: the text to print on stdout, exit 0.
    Version(String),
}

/// A usage error: stock prints `Error: <msg>` and `For help, use <progname> -h` on stderr, exit 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg}")]
pub struct UsageError {
    pub msg: String,
    pub progname: String,
}

/// The progname used when argv is empty.
pub const DEFAULT_PROGNAME: &str = "supervisor-quick";

/// Stock `supervisorctl.__doc__`, byte for byte (`%s` is the progname).
const STOCK_DOC: &str =
    "supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default \"http://localhost:9001\").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is
specified on the command line, a \"shell\" interpreting actions typed
interactively is started.  Use the action \"help\" to find out about available
actions.
";

// Argument ids; `parse` dispatches on these.
const ID_CONFIGURATION: &str = "configuration";
const ID_HELP: &str = "help";
const ID_INTERACTIVE: &str = "interactive";
const ID_SERVERURL: &str = "serverurl";
const ID_USERNAME: &str = "username";
const ID_PASSWORD: &str = "password";
const ID_HISTORY_FILE: &str = "history_file";
const ID_VERSION: &str = "version";
const ID_COLOR: &str = "color";
const ID_COMMAND: &str = "command";

/// Options stock supervisorctl does not have. An abbreviation that stock took for one of its own
/// options keeps meaning that option even when it is also a prefix of one of these (`--c` and
/// `--co` are still `--configuration`, although `--color` exists).
const EXTENSIONS: &[&str] = &[ID_VERSION, ID_COLOR];

/// The command-line interface, declared once. Used by [`parse`] (as the getopt option table) and
/// by the completion and man-page generators.
pub fn command() -> Command {
    Command::new("supervisor-quick")
        .version(env!("CARGO_PKG_VERSION"))
        .about("control applications run by supervisord from the cmd line")
        .long_about(
            "control applications run by supervisord from the cmd line.\n\n\
             Actions are commands like \"tail\" or \"stop\". If no action is specified on the \
             command line, a \"shell\" interpreting actions typed interactively is started. Use \
             the action \"help\" to find out about available actions.",
        )
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new(ID_CONFIGURATION)
                .short('c')
                .long("configuration")
                .value_name("FILENAME")
                .value_hint(ValueHint::FilePath)
                .action(ArgAction::Set)
                .help("configuration file path (searches if not given)"),
        )
        .arg(
            Arg::new(ID_HELP)
                .short('h')
                .visible_short_alias('?')
                .long("help")
                .action(ArgAction::Help)
                .help("print usage message and exit"),
        )
        .arg(
            Arg::new(ID_INTERACTIVE)
                .short('i')
                .long("interactive")
                .action(ArgAction::SetTrue)
                .help("start an interactive shell after executing commands"),
        )
        .arg(
            Arg::new(ID_SERVERURL)
                .short('s')
                .long("serverurl")
                .value_name("URL")
                .value_hint(ValueHint::Url)
                .action(ArgAction::Set)
                .help("URL on which supervisord server is listening (default \"http://localhost:9001\")"),
        )
        .arg(
            Arg::new(ID_USERNAME)
                .short('u')
                .long("username")
                .value_name("USERNAME")
                .value_hint(ValueHint::Username)
                .action(ArgAction::Set)
                .help("username to use for authentication with server"),
        )
        .arg(
            Arg::new(ID_PASSWORD)
                .short('p')
                .long("password")
                .value_name("PASSWORD")
                .value_hint(ValueHint::Other)
                .action(ArgAction::Set)
                .help("password to use for authentication with server"),
        )
        .arg(
            Arg::new(ID_HISTORY_FILE)
                .short('r')
                .long("history_file")
                .visible_alias("history-file")
                .value_name("FILE")
                .value_hint(ValueHint::FilePath)
                .action(ArgAction::Set)
                .help("keep a readline history (if readline is available)"),
        )
        .arg(
            Arg::new(ID_VERSION)
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("print the version and exit"),
        )
        .arg(
            Arg::new(ID_COLOR)
                .long("color")
                .value_name("WHEN")
                .value_parser(ColorChoice::VALUES)
                .action(ArgAction::Set)
                .help("colour states and results: auto (on a terminal, unless NO_COLOR is set), always or never"),
        )
        .arg(
            Arg::new(ID_COMMAND)
                .value_names(["action", "arguments"])
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .action(ArgAction::Append)
                .help("the action to run, with its arguments; without one, an interactive shell is started"),
        )
}

/// One spelling of an option in the getopt table.
#[derive(Debug, Clone)]
struct Spelling {
    /// The short char or the long name (without dashes).
    name: String,
    /// The clap argument id this spelling belongs to (the "attribute" in stock's terms).
    id: String,
    /// The argument's primary long name, reported when an abbreviation matches it and an alias.
    primary_long: Option<String>,
    takes_value: bool,
    /// Not one of stock's options (see [`EXTENSIONS`]).
    extension: bool,
}

/// The getopt option table, derived from [`command`].
#[derive(Debug, Clone, Default)]
struct OptionTable {
    shorts: Vec<(char, Spelling)>,
    longs: Vec<Spelling>,
}

impl OptionTable {
    fn from_command(cmd: &Command) -> OptionTable {
        let mut table = OptionTable::default();
        for arg in cmd.get_arguments() {
            if arg.is_positional() {
                continue;
            }
            let id = arg.get_id().as_str().to_string();
            let takes_value = arg.get_action().takes_values();
            let primary_long = arg.get_long().map(str::to_string);
            let extension = EXTENSIONS.contains(&id.as_str());
            let mut shorts: Vec<char> = arg.get_short().into_iter().collect();
            shorts.extend(arg.get_all_short_aliases().unwrap_or_default());
            for c in shorts {
                let spelling = Spelling {
                    name: c.to_string(),
                    id: id.clone(),
                    primary_long: primary_long.clone(),
                    takes_value,
                    extension,
                };
                table.shorts.push((c, spelling));
            }
            let mut longs: Vec<&str> = arg.get_long().into_iter().collect();
            longs.extend(arg.get_all_aliases().unwrap_or_default());
            for l in longs {
                table.longs.push(Spelling {
                    name: l.to_string(),
                    id: id.clone(),
                    primary_long: primary_long.clone(),
                    takes_value,
                    extension,
                });
            }
        }
        table
    }

    /// `getopt.short_has_arg`, also returning the option's id.
    fn short(&self, c: char) -> Result<&Spelling, String> {
        self.shorts
            .iter()
            .find(|(s, _)| *s == c)
            .map(|(_, sp)| sp)
            .ok_or_else(|| format!("option -{c} not recognized"))
    }

    /// `getopt.long_has_args`: exact match first, then a unique prefix. Aliases of one argument
    /// count as one option, so adding `--history-file` does not make `--hist` ambiguous, and a
    /// prefix that stock resolved to one of its options still does (see [`EXTENSIONS`]).
    fn long(&self, opt: &str) -> Result<(String, &Spelling), String> {
        let mut possibilities: Vec<&Spelling> = self
            .longs
            .iter()
            .filter(|s| s.name.starts_with(opt))
            .collect();
        if possibilities.is_empty() {
            return Err(format!("option --{opt} not recognized"));
        }
        if let Some(exact) = possibilities.iter().find(|s| s.name == opt) {
            return Ok((opt.to_string(), exact));
        }
        let stock: Vec<&Spelling> = possibilities
            .iter()
            .copied()
            .filter(|s| !s.extension)
            .collect();
        if stock.len() < possibilities.len()
            && stock
                .first()
                .is_some_and(|f| stock.iter().all(|s| s.id == f.id))
        {
            possibilities = stock;
        }
        let first = possibilities[0];
        if possibilities.iter().any(|s| s.id != first.id) {
            return Err(format!("option --{opt} not a unique prefix"));
        }
        let name = if possibilities.len() == 1 {
            first.name.clone()
        } else {
            first
                .primary_long
                .clone()
                .unwrap_or_else(|| first.name.clone())
        };
        Ok((name, first))
    }
}

/// One parsed option: the spelling used (`-s`, `--serverurl`), its id and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ParsedOpt {
    spelling: String,
    id: String,
    value: String,
}

/// Python's `getopt.getopt(args, shortopts, longopts)` over the table.
fn getopt(table: &OptionTable, args: &[String]) -> Result<(Vec<ParsedOpt>, Vec<String>), String> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-" {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            // do_longs
            let (opt, optarg) = match body.find('=') {
                Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
                None => (body, None),
            };
            let (name, spelling) = table.long(opt)?;
            let value = if spelling.takes_value {
                match optarg {
                    Some(v) => v.to_string(),
                    None => {
                        let Some(next) = args.get(i) else {
                            return Err(format!("option --{name} requires argument"));
                        };
                        i += 1;
                        next.clone()
                    }
                }
            } else {
                if optarg.is_some() {
                    return Err(format!("option --{name} must not have an argument"));
                }
                String::new()
            };
            opts.push(ParsedOpt {
                spelling: format!("--{name}"),
                id: spelling.id.clone(),
                value,
            });
        } else {
            // do_shorts
            let optstring = &arg[1..];
            for (pos, c) in optstring.char_indices() {
                let spelling = table.short(c)?;
                let value = if spelling.takes_value {
                    let rest = &optstring[pos + c.len_utf8()..];
                    if rest.is_empty() {
                        let Some(next) = args.get(i) else {
                            return Err(format!("option -{c} requires argument"));
                        };
                        i += 1;
                        next.clone()
                    } else {
                        rest.to_string()
                    }
                } else {
                    String::new()
                };
                opts.push(ParsedOpt {
                    spelling: format!("-{c}"),
                    id: spelling.id.clone(),
                    value,
                });
                if spelling.takes_value {
                    break;
                }
            }
        }
    }
    Ok((opts, args[i..].to_vec()))
}

/// The `-h` text: stock's docstring plus a newline, `%s` replaced by the progname.
pub fn help_text(progname: &str) -> String {
    let help = format!("{STOCK_DOC}\n");
    // Stock: `if help.find("%s") > 0: help = help.replace("%s", self.progname)`.
    if help.find("%s").is_some_and(|i| i > 0) {
        help.replace("%s", progname)
    } else {
        help
    }
}

/// The `-V` text.
pub fn version_text() -> String {
    format!("supervisor-quick {}\n", env!("CARGO_PKG_VERSION"))
}

/// Parses argv (including argv[0]) exactly as stock `ClientOptions.realize` parses its command
/// line, stopping before the config file is read.
pub fn parse(argv: &[OsString]) -> Result<CliOutcome, UsageError> {
    let mut argv = argv.iter().map(|a| a.to_string_lossy().into_owned());
    let progname = argv.next().unwrap_or_else(|| DEFAULT_PROGNAME.to_string());
    let args: Vec<String> = argv.collect();
    let usage = |msg: String| UsageError {
        msg,
        progname: progname.clone(),
    };

    let table = OptionTable::from_command(&command());
    let (opts, positional) = getopt(&table, &args).map_err(usage)?;

    let mut inv = Invocation {
        progname: progname.clone(),
        args: positional,
        ..Invocation::default()
    };
    for opt in opts {
        // The handler runs first (help exits, url validates), then the conflict check.
        let slot: &mut Option<String> = match opt.id.as_str() {
            ID_HELP => return Ok(CliOutcome::Help(help_text(&progname))),
            ID_VERSION => return Ok(CliOutcome::Version(version_text())),
            ID_CONFIGURATION => &mut inv.configuration,
            ID_SERVERURL => {
                if let Err(why) = check_url(&opt.value) {
                    // A password in the URL is not echoed back (stock would print it).
                    let why = match crate::error::url_password(&opt.value) {
                        Some(p) if !p.is_empty() => why.replace(p, "***"),
                        _ => why,
                    };
                    return Err(usage(format!(
                        "invalid value for {} {}: {why}",
                        opt.spelling,
                        repr_str(&crate::error::mask_url(&opt.value))
                    )));
                }
                &mut inv.serverurl
            }
            ID_USERNAME => &mut inv.username,
            ID_PASSWORD => &mut inv.password,
            ID_HISTORY_FILE => &mut inv.history_file,
            ID_COLOR => {
                let Some(choice) = ColorChoice::parse(&opt.value) else {
                    return Err(usage(format!(
                        "invalid value for {} {}: expected auto, always or never",
                        opt.spelling,
                        repr_str(&opt.value)
                    )));
                };
                if inv.color.is_some() {
                    return Err(usage(conflict(&opt.spelling)));
                }
                inv.color = Some(choice);
                continue;
            }
            ID_INTERACTIVE => {
                if inv.interactive {
                    return Err(usage(conflict(&opt.spelling)));
                }
                inv.interactive = true;
                continue;
            }
            // An option declared in `command()` that this parser does not know: ignore it.
            _ => continue,
        };
        if slot.is_some() {
            return Err(usage(conflict(&opt.spelling)));
        }
        *slot = Some(opt.value);
    }
    Ok(CliOutcome::Run(inv))
}

fn conflict(spelling: &str) -> String {
    format!("conflicting command line option {}", repr_str(spelling))
}

// ---------------------------------------------------------------------------------------------
// `supervisor.datatypes.url`, i.e. Python 3.11's `urllib.parse.urlparse` plus the check
// `scheme and (netloc or path)`. Errors are the messages stock puts after `invalid value for -s 'x': `.

const USES_PARAMS: &[&str] = &[
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtspu", "sip", "sips",
    "mms", "sftp", "tel",
];

/// Characters whose NFKC normalisation contains one of `/?#@:` (Unicode 14, as in CPython 3.11).
const NFKC_NETLOC_BREAKERS: &[char] = &[
    '\u{2047}', '\u{2048}', '\u{2049}', '\u{2100}', '\u{2101}', '\u{2105}', '\u{2106}', '\u{2a74}',
    '\u{fe13}', '\u{fe16}', '\u{fe55}', '\u{fe56}', '\u{fe5f}', '\u{fe6b}', '\u{ff03}', '\u{ff0f}',
    '\u{ff1a}', '\u{ff1f}', '\u{ff20}',
];

/// `datatypes.url(value)`: `Ok` if stock accepts the value, else the `ValueError` text.
pub fn check_url(value: &str) -> Result<(), String> {
    // urlsplit: lstrip C0 controls and space, drop tab/CR/LF.
    let url: String = value
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':') {
        let candidate = &rest[..i];
        let first_ok = candidate
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
        if i > 0
            && first_ok
            && candidate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            scheme = candidate.to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        let open = netloc.contains('[');
        let close = netloc.contains(']');
        if open != close {
            return Err("Invalid IPv6 URL".to_string());
        }
        if open && close {
            let after_open = netloc.split_once('[').map_or("", |(_, b)| b);
            let host = after_open.split_once(']').map_or(after_open, |(h, _)| h);
            check_bracketed_host(host)?;
        }
    }
    if let Some((before, _)) = rest.split_once('#') {
        rest = before;
    }
    if let Some((before, _)) = rest.split_once('?') {
        rest = before;
    }
    check_netloc(netloc)?;
    let mut path = rest;
    if USES_PARAMS.contains(&scheme.as_str()) && path.contains(';') {
        // _splitparams
        let cut = match path.rfind('/') {
            Some(slash) => path[slash..].find(';').map(|j| slash + j),
            None => path.find(';'),
        };
        if let Some(cut) = cut {
            path = &path[..cut];
        }
    }
    if !scheme.is_empty() && (!netloc.is_empty() || !path.is_empty()) {
        Ok(())
    } else {
        Err(format!("value {} is not a URL", repr_str(value)))
    }
}

fn check_netloc(netloc: &str) -> Result<(), String> {
    if netloc.is_ascii() {
        return Ok(());
    }
    if netloc
        .chars()
        .filter(|c| !matches!(c, '@' | ':' | '#' | '?'))
        .any(|c| NFKC_NETLOC_BREAKERS.contains(&c))
    {
        return Err(format!(
            "netloc '{netloc}' contains invalid characters under NFKC normalization"
        ));
    }
    Ok(())
}

fn check_bracketed_host(host: &str) -> Result<(), String> {
    if let Some(future) = host.strip_prefix('v') {
        // re.match(r"\Av[a-fA-F0-9]+\..+\Z", hostname)
        let ok = match future.split_once('.') {
            Some((hex, tail)) => {
                !hex.is_empty()
                    && hex.chars().all(|c| c.is_ascii_hexdigit())
                    && !tail.is_empty()
                    && !tail.contains('\n')
            }
            None => false,
        };
        return if ok {
            Ok(())
        } else {
            Err("IPvFuture address is invalid".to_string())
        };
    }
    if parse_ipv4(host).is_some() {
        return Err("An IPv4 address cannot be in brackets".to_string());
    }
    if is_ipv6(host) {
        return Ok(());
    }
    Err(format!(
        "{} does not appear to be an IPv4 or IPv6 address",
        repr_str(host)
    ))
}

/// `ipaddress.IPv4Address(s)` (strict: four decimal octets, no leading zeros).
fn parse_ipv4(s: &str) -> Option<u32> {
    let octets: Vec<&str> = s.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    let mut out = 0u32;
    for o in octets {
        if o.is_empty() || o.len() > 3 || !o.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if o != "0" && o.starts_with('0') {
            return None;
        }
        let v: u32 = o.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
    }
    Some(out)
}

/// `ipaddress.IPv6Address(s)` accepts `s` (including a `%scope` suffix).
fn is_ipv6(s: &str) -> bool {
    let addr = match s.split_once('%') {
        Some((addr, scope)) => {
            if scope.is_empty() || scope.contains('%') {
                return false;
            }
            addr
        }
        None => s,
    };
    if addr.is_empty() || addr.contains('/') {
        return false;
    }
    let mut parts: Vec<String> = addr.split(':').map(str::to_string).collect();
    if parts.len() < 3 {
        return false;
    }
    if parts.last().is_some_and(|p| p.contains('.')) {
        let Some(v4) = parts.pop().as_deref().and_then(parse_ipv4) else {
            return false;
        };
        parts.push(format!("{:x}", (v4 >> 16) & 0xffff));
        parts.push(format!("{:x}", v4 & 0xffff));
    }
    const HEXTETS: usize = 8;
    if parts.len() > HEXTETS + 1 {
        return false;
    }
    let mut skip_index = None;
    for (i, part) in parts.iter().enumerate().take(parts.len() - 1).skip(1) {
        if part.is_empty() {
            if skip_index.is_some() {
                return false;
            }
            skip_index = Some(i);
        }
    }
    let (parts_hi, parts_lo) = match skip_index {
        Some(skip) => {
            let mut hi = skip;
            let mut lo = parts.len() - skip - 1;
            if parts[0].is_empty() {
                hi -= 1;
                if hi != 0 {
                    return false;
                }
            }
            if parts[parts.len() - 1].is_empty() {
                lo -= 1;
                if lo != 0 {
                    return false;
                }
            }
            if HEXTETS < hi + lo + 1 {
                return false;
            }
            (hi, lo)
        }
        None => {
            if parts.len() != HEXTETS || parts[0].is_empty() || parts[HEXTETS - 1].is_empty() {
                return false;
            }
            (parts.len(), 0)
        }
    };
    let hextet_ok =
        |h: &String| !h.is_empty() && h.len() <= 4 && h.chars().all(|c| c.is_ascii_hexdigit());
    parts[..parts_hi].iter().all(hextet_ok) && parts[parts.len() - parts_lo..].iter().all(hextet_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("/usr/local/bin/supervisorctl")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn run(args: &[&str]) -> Invocation {
        match parse(&argv(args)) {
            Ok(CliOutcome::Run(inv)) => inv,
            other => panic!("expected Run for {args:?}, got {other:?}"),
        }
    }

    fn err(args: &[&str]) -> String {
        match parse(&argv(args)) {
            Err(e) => {
                assert_eq!(e.progname, "/usr/local/bin/supervisorctl");
                e.msg
            }
            other => panic!("expected an error for {args:?}, got {other:?}"),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn command_is_valid_clap() {
        command().debug_assert();
    }

    #[test]
    fn table_comes_from_command() {
        let t = OptionTable::from_command(&command());
        let shorts: String = t.shorts.iter().map(|(c, _)| *c).collect();
        assert_eq!(shorts, "ch?isuprV");
        let longs: Vec<&str> = t.longs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            longs,
            [
                "configuration",
                "help",
                "interactive",
                "serverurl",
                "username",
                "password",
                "history_file",
                "history-file",
                "version",
                "color"
            ]
        );
    }

    #[test]
    fn getopt_error_messages() {
        assert_eq!(err(&["-z"]), "option -z not recognized");
        assert_eq!(err(&["--bogus"]), "option --bogus not recognized");
        assert_eq!(err(&["-foo"]), "option -f not recognized");
        assert_eq!(err(&["-c"]), "option -c requires argument");
        assert_eq!(err(&["-ic"]), "option -c requires argument");
        assert_eq!(
            err(&["--configuration"]),
            "option --configuration requires argument"
        );
        assert_eq!(err(&["--conf"]), "option --configuration requires argument");
        assert_eq!(
            err(&["--help=x"]),
            "option --help must not have an argument"
        );
        assert_eq!(err(&["--he=x"]), "option --help must not have an argument");
        assert_eq!(err(&["--h"]), "option --h not a unique prefix");
        assert_eq!(err(&["--=x"]), "option -- not a unique prefix");
        assert_eq!(err(&["-i-"]), "option -- not recognized");
        assert_eq!(err(&["-:"]), "option -: not recognized");
        assert_eq!(err(&["-é"]), "option -é not recognized");
    }

    #[test]
    fn getopt_errors_beat_help() {
        assert_eq!(err(&["-h", "-z"]), "option -z not recognized");
        assert_eq!(err(&["-h", "-c"]), "option -c requires argument");
        assert_eq!(err(&["-?z"]), "option -z not recognized");
        // ...but getopt stops at the first positional.
        assert!(matches!(
            parse(&argv(&["-h", "status", "-z"])),
            Ok(CliOutcome::Help(_))
        ));
    }

    #[test]
    fn help_is_stock_text_with_progname() {
        let Ok(CliOutcome::Help(text)) = parse(&argv(&["-h"])) else {
            panic!("no help")
        };
        assert!(text.starts_with(
            "supervisorctl -- control applications run by supervisord from the cmd line.\n\n\
             Usage: /usr/local/bin/supervisorctl [options] [action [arguments]]\n\nOptions:\n"
        ));
        assert!(
            text.contains(
                "-r/--history-file -- keep a readline history (if readline is available)\n"
            )
        );
        assert!(
            text.ends_with("Use the action \"help\" to find out about available\nactions.\n\n")
        );
        assert_eq!(
            text.len(),
            STOCK_DOC.len() + 1 - 2 + "/usr/local/bin/supervisorctl".len()
        );
        for spelling in ["-?", "--help", "--he", "-ih", "-?i"] {
            assert_eq!(
                parse(&argv(&[spelling])),
                Ok(CliOutcome::Help(text.clone())),
                "{spelling}"
            );
        }
    }

    #[test]
    fn help_order_against_value_errors() {
        assert!(matches!(
            parse(&argv(&["-s", "http://x", "-h"])),
            Ok(CliOutcome::Help(_))
        ));
        assert!(matches!(
            parse(&argv(&["-h", "-s", "foo"])),
            Ok(CliOutcome::Help(_))
        ));
        assert_eq!(
            err(&["-s", "foo", "-h"]),
            "invalid value for -s 'foo': value 'foo' is not a URL"
        );
        // -h after a conflict: the conflict is reported first (left to right).
        assert_eq!(
            err(&["-u", "a", "-u", "b", "-h"]),
            "conflicting command line option '-u'"
        );
    }

    #[test]
    fn version() {
        let want = CliOutcome::Version(format!("supervisor-quick {}\n", env!("CARGO_PKG_VERSION")));
        assert_eq!(parse(&argv(&["-V"])), Ok(want.clone()));
        assert_eq!(parse(&argv(&["--version"])), Ok(want.clone()));
        assert_eq!(parse(&argv(&["--vers"])), Ok(want));
    }

    #[test]
    fn empty_and_non_utf8_argv() {
        let inv = match parse(&[]) {
            Ok(CliOutcome::Run(inv)) => inv,
            other => panic!("{other:?}"),
        };
        assert_eq!(inv.progname, "supervisor-quick");
        assert!(inv.args.is_empty());

        use std::os::unix::ffi::OsStringExt;
        let bad = vec![
            OsString::from_vec(b"/bin/\xffctl".to_vec()),
            OsString::from("-u"),
            OsString::from_vec(b"a\xfeb".to_vec()),
            OsString::from_vec(b"st\xffatus".to_vec()),
        ];
        let Ok(CliOutcome::Run(inv)) = parse(&bad) else {
            panic!("non-utf8")
        };
        assert_eq!(inv.progname, "/bin/\u{fffd}ctl");
        assert_eq!(inv.username.as_deref(), Some("a\u{fffd}b"));
        assert_eq!(inv.args, strings(&["st\u{fffd}atus"]));
        let bad = vec![OsString::from("x"), OsString::from_vec(b"-\xff".to_vec())];
        assert_eq!(
            parse(&bad).unwrap_err().msg,
            "option -\u{fffd} not recognized"
        );
    }

    #[test]
    fn all_options_long_and_short() {
        let inv = run(&[
            "-c",
            "/etc/x.conf",
            "-s",
            "unix://tmp/x",
            "-u",
            "user",
            "-p",
            "",
            "-r",
            "~/h",
            "-i",
        ]);
        assert_eq!(
            inv,
            Invocation {
                progname: "/usr/local/bin/supervisorctl".into(),
                configuration: Some("/etc/x.conf".into()),
                serverurl: Some("unix://tmp/x".into()),
                username: Some("user".into()),
                password: Some("".into()),
                history_file: Some("~/h".into()),
                interactive: true,
                color: None,
                args: vec![],
            }
        );
        let inv2 = run(&[
            "--configuration=/etc/x.conf",
            "--serverurl",
            "unix://tmp/x",
            "--username=user",
            "--password=",
            "--history_file",
            "~/h",
            "--interactive",
        ]);
        assert_eq!(inv, inv2);
    }

    #[test]
    fn abbreviations() {
        let inv = run(&[
            "--serv=http://a:1",
            "--conf",
            "x",
            "--inter",
            "--user=",
            "--pass=p",
            "--hist=h",
        ]);
        assert_eq!(inv.serverurl.as_deref(), Some("http://a:1"));
        assert_eq!(inv.configuration.as_deref(), Some("x"));
        assert!(inv.interactive);
        assert_eq!(inv.username.as_deref(), Some(""));
        assert_eq!(inv.password.as_deref(), Some("p"));
        assert_eq!(inv.history_file.as_deref(), Some("h"));
        // The dashed alias, full or abbreviated past the point where the spellings diverge.
        assert_eq!(
            run(&["--history-file", "f"]).history_file.as_deref(),
            Some("f")
        );
        assert_eq!(run(&["--history-f=f"]).history_file.as_deref(), Some("f"));
        // `--history` matches both spellings of one option: not ambiguous, reported canonically.
        assert_eq!(
            err(&["--history", "a", "--hist", "b"]),
            "conflicting command line option '--history_file'"
        );
        assert_eq!(
            err(&["-r", "a", "--history-", "b"]),
            "conflicting command line option '--history-file'"
        );
        assert_eq!(
            err(&["--in=1"]),
            "option --interactive must not have an argument"
        );
    }

    #[test]
    fn clustering_and_attached_values() {
        let inv = run(&["-is", "http://x:1", "-uUSER", "-ppass", "status"]);
        assert!(inv.interactive);
        assert_eq!(inv.serverurl.as_deref(), Some("http://x:1"));
        assert_eq!(inv.username.as_deref(), Some("USER"));
        assert_eq!(inv.password.as_deref(), Some("pass"));
        assert_eq!(inv.args, strings(&["status"]));
        // A value option swallows the rest of the cluster, even if it looks like options.
        let inv = run(&["-ic-s", "-u", "-p"]);
        assert_eq!(inv.configuration.as_deref(), Some("-s"));
        assert_eq!(inv.username.as_deref(), Some("-p"));
        // A long option's separate value may start with a dash.
        assert_eq!(run(&["--username", "-x"]).username.as_deref(), Some("-x"));
        assert_eq!(run(&["--password=a=b"]).password.as_deref(), Some("a=b"));
    }

    #[test]
    fn positionals_stop_options() {
        let inv = run(&["status", "-c", "foo"]);
        assert_eq!(inv.args, strings(&["status", "-c", "foo"]));
        assert_eq!(inv.configuration, None);
        assert!(!inv.interactive);
        let inv = run(&["-i", "--", "-foo", "-c"]);
        assert_eq!(inv.args, strings(&["-foo", "-c"]));
        assert!(inv.interactive);
        assert_eq!(run(&["-", "-c"]).args, strings(&["-", "-c"]));
        assert_eq!(run(&["--", "--"]).args, strings(&["--"]));
        assert_eq!(run(&[""]).args, strings(&[""]));
        assert_eq!(run(&["-u", "x", "", "-z"]).args, strings(&["", "-z"]));
        assert!(run(&["--"]).args.is_empty());
    }

    #[test]
    fn conflicting_options() {
        assert_eq!(
            err(&["-s", "http://a:1", "-s", "http://b:2"]),
            "conflicting command line option '-s'"
        );
        assert_eq!(
            err(&["-s", "http://a:1", "--serverurl", "http://b:2"]),
            "conflicting command line option '--serverurl'"
        );
        assert_eq!(err(&["-i", "-i"]), "conflicting command line option '-i'");
        assert_eq!(err(&["-ii"]), "conflicting command line option '-i'");
        assert_eq!(
            err(&["-c", "", "-c", "x"]),
            "conflicting command line option '-c'"
        );
        assert_eq!(
            err(&["-r", "a", "-r", "b"]),
            "conflicting command line option '-r'"
        );
        assert_eq!(
            err(&["-p", "a", "--pass", "b"]),
            "conflicting command line option '--password'"
        );
        // Values are validated before the conflict check.
        assert_eq!(
            err(&["-s", "a", "--serverurl", "b"]),
            "invalid value for -s 'a': value 'a' is not a URL"
        );
        assert_eq!(
            err(&["-s", "http://a", "--serverurl", "b"]),
            "invalid value for --serverurl 'b': value 'b' is not a URL"
        );
    }

    #[test]
    fn serverurl_validation_messages() {
        let cases: &[(&str, &str)] = &[
            (
                "-s foo",
                "invalid value for -s 'foo': value 'foo' is not a URL",
            ),
            (
                "--serv=foo",
                "invalid value for --serverurl 'foo': value 'foo' is not a URL",
            ),
            ("-s [", "invalid value for -s '[': value '[' is not a URL"),
            (
                "-s http://[::1",
                "invalid value for -s 'http://[::1': Invalid IPv6 URL",
            ),
            (
                "-s http://[x]",
                "invalid value for -s 'http://[x]': 'x' does not appear to be an IPv4 or IPv6 address",
            ),
            (
                "-s http://a[b]",
                "invalid value for -s 'http://a[b]': 'b' does not appear to be an IPv4 or IPv6 address",
            ),
            (
                "-s http://[1.2.3.4]",
                "invalid value for -s 'http://[1.2.3.4]': An IPv4 address cannot be in brackets",
            ),
            (
                "-s http://[vz.x]",
                "invalid value for -s 'http://[vz.x]': IPvFuture address is invalid",
            ),
            (
                "-s http://[fe80::1%]",
                "invalid value for -s 'http://[fe80::1%]': 'fe80::1%' does not appear to be an IPv4 or IPv6 address",
            ),
            (
                "-s x:",
                "invalid value for -s 'x:': value 'x:' is not a URL",
            ),
            (
                "-s 1:abc",
                "invalid value for -s '1:abc': value '1:abc' is not a URL",
            ),
            (
                "-s :b",
                "invalid value for -s ':b': value ':b' is not a URL",
            ),
            (
                "-s unix:",
                "invalid value for -s 'unix:': value 'unix:' is not a URL",
            ),
            (
                "-s http://℀",
                "invalid value for -s 'http://℀': netloc '℀' contains invalid characters under NFKC normalization",
            ),
        ];
        for (line, want) in cases {
            let args: Vec<&str> = line.splitn(2, ' ').collect();
            assert_eq!(&err(&args), want, "{line}");
        }
        assert_eq!(
            err(&["-s", ""]),
            "invalid value for -s '': value '' is not a URL"
        );
        assert_eq!(
            err(&["-s", "it's"]),
            "invalid value for -s \"it's\": value \"it's\" is not a URL"
        );
    }

    #[test]
    fn url_acceptance() {
        for ok in [
            "http://localhost:9001",
            "unix:///tmp/supervisor.sock",
            "unix://tmp/x",
            "https://x",
            "a:b",
            "http://[::1]x",
            "http://[v1.x]",
            "http://[fe80::1%eth0]:9001",
            "http://[::ffff:1.2.3.4]",
            "http://[1:2:3:4:5:6:7::]",
            "http://[::]",
            "foo:;x",
            " http://x",
            "ht\ntp://x",
            "http://é",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "foo",
            "http:;x",
            "http:?x",
            "http:#x",
            "http://",
            "1http://x",
            "-x:y",
            "http://[1:2:3:4:5:6:7:8::]",
            "http://[1::2::3]",
            "http://[:1:2:3:4:5:6:7]",
            "http://[::01.2.3.4]",
            "http://[12345::]",
            "http://[1:2:3:4:5:6:7]",
            "http://[v.x]",
            "http://[v1.]",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn color_option() {
        assert_eq!(run(&["--color", "never"]).color, Some(ColorChoice::Never));
        assert_eq!(
            run(&["--color=always", "status"]).color,
            Some(ColorChoice::Always)
        );
        assert_eq!(run(&["--col=auto"]).color, Some(ColorChoice::Auto));
        assert_eq!(run(&["status"]).color, None);
        // After the action it is the action's argument, as every option is.
        assert_eq!(run(&["status", "--color=never"]).color, None);
        assert_eq!(
            err(&["--color=blue"]),
            "invalid value for --color 'blue': expected auto, always or never"
        );
        assert_eq!(err(&["--color"]), "option --color requires argument");
        assert_eq!(
            err(&["--color=never", "--colo", "always"]),
            "conflicting command line option '--color'"
        );
    }

    #[test]
    fn stock_abbreviations_survive_the_extensions() {
        // Stock read `--c` and `--co` as `--configuration`; `--color` does not change that.
        assert_eq!(run(&["--c", "x"]).configuration.as_deref(), Some("x"));
        assert_eq!(run(&["--co=x"]).configuration.as_deref(), Some("x"));
        assert_eq!(run(&["--con", "x"]).configuration.as_deref(), Some("x"));
        assert_eq!(err(&["--co"]), "option --configuration requires argument");
        assert_eq!(err(&["--h"]), "option --h not a unique prefix");
        assert_eq!(err(&["--=x"]), "option -- not a unique prefix");
    }
}
