//! Masking volatile output and comparing stock vs ours.

use super::run::{Client, Invocation, Output, ours_exe};
use super::server::Supervisord;
use super::venv::Version;

/// What to mask beyond the defaults. Always masked:
/// * the clients' own paths (stock `.../bin/supervisorctl`, our binary) → `PROG`,
///   and any `For help, use X -h` → `For help, use PROG -h`;
/// * `pid 12345` → `pid N`;
/// * `uptime 0:00:06` / `uptime 2 days, 0:00:06` → `uptime T`;
/// * `Nov 25 02:49 AM` → `DATE`;
/// * `error: <class 'X'>, MSG: file: PATH line: N` → `error: <class 'X'>, MSG`.
#[derive(Clone, Debug, Default)]
pub struct Mask {
    /// Lines that are just a number (output of `pid`, `pid all`) → `N`.
    pub bare_numbers: bool,
    /// Extra literal replacements, applied first, in order.
    pub replace: Vec<(String, String)>,
}

impl Mask {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn bare_numbers(mut self) -> Self {
        self.bare_numbers = true;
        self
    }

    pub fn replace(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.replace.push((from.into(), to.into()));
        self
    }
}

/// Applies the default masks and `mask` to `s`, line by line.
pub fn normalize(s: &str, mask: &Mask) -> String {
    let mut s = s.to_string();
    for (from, to) in &mask.replace {
        if !from.is_empty() {
            s = s.replace(from.as_str(), to);
        }
    }
    for prog in [
        Version::V43.venv_dir().join("bin/supervisorctl"),
        Version::V31.venv_dir().join("bin/supervisorctl"),
        ours_exe(),
    ] {
        s = s.replace(prog.to_string_lossy().as_ref(), "PROG");
    }
    s.split('\n')
        .map(|line| normalize_line(line, mask))
        .collect::<Vec<_>>()
        .join("\n")
}

fn normalize_line(line: &str, mask: &Mask) -> String {
    if let Some(rest) = line.strip_prefix("For help, use ")
        && rest.ends_with(" -h")
    {
        return "For help, use PROG -h".to_string();
    }
    if mask.bare_numbers
        && !line.trim().is_empty()
        && line.trim().bytes().all(|b| b.is_ascii_digit())
    {
        return "N".to_string();
    }
    let line = loose_error(line);
    let line = replace_matches(&line, "pid N", match_pid);
    let line = replace_matches(&line, "uptime T", match_uptime);
    replace_matches(&line, "DATE", match_date)
}

/// `error: <class 'X'>, MSG: file: PATH line: N` → `error: <class 'X'>, MSG`
/// (also `<type '...'>`, as Python 2 prints builtin exception types). The
/// error may follow text on the same line, e.g. an unanswered prompt:
/// `Really restart the remote supervisord process y/N? error: <class ...`.
fn loose_error(line: &str) -> String {
    let Some(start) = ["error: <class '", "error: <type '"]
        .iter()
        .filter_map(|p| line.find(p).map(|i| (i, p.len())))
        .min()
    else {
        return line.to_string();
    };
    let rest = &line[start.0 + start.1..];
    let Some(q) = rest.find("'>, ") else {
        return line.to_string();
    };
    let Some(f) = rest.rfind(": file: ") else {
        return line.to_string();
    };
    let Some(l) = rest.rfind(" line: ") else {
        return line.to_string();
    };
    let lineno = &rest[l + " line: ".len()..];
    if f < q || l < f || lineno.is_empty() || !lineno.bytes().all(|b| b.is_ascii_digit()) {
        return line.to_string();
    }
    line[..line.len() - rest.len() + f].to_string()
}

/// Replaces every match (a matcher returns the match length at a byte
/// offset) with `repl`.
fn replace_matches(s: &str, repl: &str, m: fn(&[u8], usize) -> Option<usize>) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if s.is_char_boundary(i)
            && let Some(n) = m(b, i)
        {
            out.push_str(&s[copied..i]);
            out.push_str(repl);
            i += n;
            copied = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    out
}

fn digits(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
}

fn lit(b: &[u8], i: usize, l: &str) -> bool {
    b.get(i..i + l.len()) == Some(l.as_bytes())
}

fn word_start(b: &[u8], i: usize) -> bool {
    i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

fn match_pid(b: &[u8], i: usize) -> Option<usize> {
    if !word_start(b, i) || !lit(b, i, "pid ") {
        return None;
    }
    let n = digits(b, i + 4);
    (n > 0).then_some(4 + n)
}

/// `H:MM:SS` at i (H one or more digits).
fn hms(b: &[u8], i: usize) -> Option<usize> {
    let h = digits(b, i);
    if h == 0 || !lit(b, i + h, ":") || digits(b, i + h + 1) != 2 {
        return None;
    }
    if !lit(b, i + h + 3, ":") || digits(b, i + h + 4) != 2 {
        return None;
    }
    Some(h + 6)
}

fn match_uptime(b: &[u8], i: usize) -> Option<usize> {
    if !word_start(b, i) || !lit(b, i, "uptime ") {
        return None;
    }
    let mut j = i + 7;
    // Optional "N day(s), " as printed by Python's str(timedelta).
    let d = digits(b, j);
    if d > 0 {
        for unit in [" days, ", " day, "] {
            if lit(b, j + d, unit) {
                j += d + unit.len();
                break;
            }
        }
    }
    hms(b, j).map(|n| j + n - i)
}

fn match_date(b: &[u8], i: usize) -> Option<usize> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if !word_start(b, i) || !MONTHS.iter().any(|m| lit(b, i, m)) {
        return None;
    }
    // "Mon DD HH:MM AM"
    let ok = lit(b, i + 3, " ")
        && digits(b, i + 4) == 2
        && lit(b, i + 6, " ")
        && digits(b, i + 7) == 2
        && lit(b, i + 9, ":")
        && digits(b, i + 10) == 2
        && lit(b, i + 12, " ")
        && (lit(b, i + 13, "AM") || lit(b, i + 13, "PM"));
    ok.then_some(15)
}

/// Runs stock and ours with `args` against `sv` and asserts identical
/// (masked) stdout, stderr and exit status.
#[track_caller]
pub fn assert_same(sv: &Supervisord, args: &[&str]) {
    assert_same_with(sv, &[], args, None, &Mask::default());
}

/// [`assert_same`] with extra options (placed after `-c conf`), stdin and
/// masks. Returns both outputs (unmasked) for further checks.
#[track_caller]
pub fn assert_same_with(
    sv: &Supervisord,
    opts: &[&str],
    args: &[&str],
    stdin: Option<&str>,
    mask: &Mask,
) -> (Output, Output) {
    let build = |client: Client| {
        let inv = sv.cmd(client).opts(opts).args(args);
        match stdin {
            Some(s) => inv.stdin(s),
            None => inv,
        }
    };
    assert_same_runs(
        build(Client::Stock(sv.version())),
        build(Client::Ours),
        mask,
    )
}

/// Runs two prepared invocations (normally stock and ours) and compares.
#[track_caller]
pub fn assert_same_runs(stock: Invocation, ours: Invocation, mask: &Mask) -> (Output, Output) {
    let label = format!("{:?}", ours.argv());
    let a = stock.run();
    let b = ours.run();
    assert_outputs_same(&label, &a, &b, mask);
    (a, b)
}

/// Compares two outputs after masking; panics with a diff and both raw
/// outputs when they differ.
#[track_caller]
pub fn assert_outputs_same(label: &str, stock: &Output, ours: &Output, mask: &Mask) {
    let (so, oo) = (
        normalize(&stock.stdout, mask),
        normalize(&ours.stdout, mask),
    );
    let (se, oe) = (
        normalize(&stock.stderr, mask),
        normalize(&ours.stderr, mask),
    );
    if so == oo && se == oe && stock.status == ours.status {
        return;
    }
    let mut msg = format!("stock and ours differ for {label} (after masking)\n");
    if stock.status != ours.status {
        msg.push_str(&format!(
            "exit status: stock {} vs ours {}\n",
            stock.status, ours.status
        ));
    }
    if so != oo {
        msg.push_str("--- stdout diff (-stock +ours) ---\n");
        msg.push_str(&diff(&so, &oo));
    }
    if se != oe {
        msg.push_str("--- stderr diff (-stock +ours) ---\n");
        msg.push_str(&diff(&se, &oe));
    }
    msg.push_str(&format!(
        "=== stock (raw) ===\n{stock}\n=== ours (raw) ===\n{ours}\n"
    ));
    panic!("{msg}");
}

/// Line diff (LCS) with ' ', '-', '+' prefixes; `⏎` marks a missing final
/// newline when only that differs.
pub fn diff(a: &str, b: &str) -> String {
    let al: Vec<&str> = a.split('\n').collect();
    let bl: Vec<&str> = b.split('\n').collect();
    let (n, m) = (al.len(), bl.len());
    let mut out = String::new();
    if n * m > 4_000_000 {
        out.push_str("(too large to diff)\n");
        return out;
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if al[i] == bl[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let show = |s: &str| format!("{s:?}");
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && al[i] == bl[j] {
            out.push_str(&format!("  {}\n", al[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", show(al[i])));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", show(bl[j])));
            j += 1;
        }
    }
    out
}
