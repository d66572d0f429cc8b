//! A port of what stock's config reading does with the bytes of `supervisord.conf`: Python's text
//! file decoding (UTF-8 in 8192-byte chunks, universal newlines) feeding
//! `configparser.RawConfigParser._read` as configured by supervisor's `UnhosedConfigParser`
//! (`inline_comment_prefixes=(';', '#')`, `strict=False`, everything else default).

use std::collections::HashMap;

use crate::pyrepr::repr_str;

/// Python's `str.isspace()`: Rust's `char::is_whitespace` plus the four C0 separators.
pub(super) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

pub(super) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

pub(super) fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// Why reading the file failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ReadError {
    /// A `UnicodeDecodeError`, which is a `ValueError`: stock turns it into a usage error.
    Decode(String),
    /// A `configparser` exception, uncaught by stock: a traceback ending in this line, exit 1.
    Syntax(String),
}

/// A line quoted in an error message, as stock quotes it; but a line that may hold a password
/// is not shown (stock would print it).
fn shown_line(raw: &str) -> String {
    if raw.to_lowercase().contains("password") {
        "'<a line that may hold a password; not shown>'".to_string()
    } else {
        repr_str(raw)
    }
}

/// Insertion-ordered map with later assignments keeping the original position (a Python dict).
#[derive(Debug, Clone, Default)]
pub(super) struct OrderedMap<V> {
    entries: Vec<(String, V)>,
    index: HashMap<String, usize>,
}

impl<V> OrderedMap<V> {
    fn position(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    pub(super) fn get(&self, key: &str) -> Option<&V> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    fn insert(&mut self, key: String, value: V) -> usize {
        match self.position(&key) {
            Some(i) => {
                self.entries[i].1 = value;
                i
            }
            None => {
                let i = self.entries.len();
                self.index.insert(key.clone(), i);
                self.entries.push((key, value));
                i
            }
        }
    }

    pub(super) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

/// The parsed file: `[DEFAULT]` plus the other sections in first-appearance order.
#[derive(Debug, Clone, Default)]
pub(super) struct Ini {
    defaults: OrderedMap<String>,
    sections: OrderedMap<OrderedMap<String>>,
}

impl Ini {
    /// `parser.sections()` (without `DEFAULT`).
    pub(super) fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.keys()
    }

    pub(super) fn has_section(&self, name: &str) -> bool {
        self.sections.get(name).is_some()
    }

    /// `parser.get(section, option)` with raw (no) interpolation: the section, then `[DEFAULT]`.
    /// `option` must already be lower-case.
    pub(super) fn get(&self, section: &str, option: &str) -> Option<&str> {
        self.sections
            .get(section)
            .and_then(|s| s.get(option))
            .or_else(|| self.defaults.get(option))
            .map(String::as_str)
    }

    /// `parser.options(section)`: the section's keys, then the defaults' keys it lacks.
    pub(super) fn options(&self, section: &str) -> Vec<&str> {
        let Some(own) = self.sections.get(section) else {
            return Vec::new();
        };
        let mut keys: Vec<&str> = own.keys().collect();
        keys.extend(self.defaults.keys().filter(|k| own.get(k).is_none()));
        keys
    }
}

/// One line as Python's text file iteration yields it (newlines translated to `\n`).
struct Line {
    text: String,
    /// Whether Python has decoded this line before hitting the decode error (if any).
    available: bool,
}

/// Decodes like `open(path, 'r')` with a UTF-8 locale: returns the lines and, if the file is not
/// valid UTF-8, the `UnicodeDecodeError` text (lines past the failing chunk are unavailable).
fn decode_lines(bytes: &[u8]) -> (Vec<Line>, Option<String>) {
    const CHUNK: usize = 8192;
    let (text, error, cutoff) = match std::str::from_utf8(bytes) {
        Ok(text) => (text, None, bytes.len()),
        Err(e) => {
            let bad = e.valid_up_to();
            // Safe: the prefix up to valid_up_to() is valid UTF-8.
            let text = std::str::from_utf8(&bytes[..bad]).unwrap_or_default();
            let lead = bytes[bad];
            let lead_valid = (0xc2..=0xf4).contains(&lead);
            // (byte that makes the decoder fail, span of the error, reason)
            let (trigger, span, reason) = match e.error_len() {
                Some(n) if lead_valid => (bad + n, n, "invalid continuation byte"),
                Some(n) => (bad, n, "invalid start byte"),
                None => (bytes.len(), bytes.len() - bad, "unexpected end of data"),
            };
            // The chunk whose decoding raises (the final, empty read for a truncated tail).
            let chunk_start = if e.error_len().is_some() {
                trigger / CHUNK * CHUNK
            } else {
                bytes.len()
            };
            // The decoder's input starts at the chunk, or earlier at a character it held back.
            let mut input_start = chunk_start.min(bad);
            while !text.is_char_boundary(input_start) {
                input_start -= 1;
            }
            let position = bad - input_start;
            let msg = if span == 1 {
                format!(
                    "'utf-8' codec can't decode byte 0x{lead:02x} in position {position}: {reason}"
                )
            } else {
                format!(
                    "'utf-8' codec can't decode bytes in position {position}-{}: {reason}",
                    position + span - 1
                )
            };
            (text, Some(msg), input_start)
        }
    };

    let mut lines = Vec::new();
    let mut start = 0;
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let (term_len, bare_cr) = match raw[i] {
            b'\n' => (1, false),
            b'\r' if raw.get(i + 1) == Some(&b'\n') => (2, false),
            b'\r' => (1, true),
            _ => {
                i += 1;
                continue;
            }
        };
        let end = i + term_len;
        // A bare CR that ends the decoded text is held back until the next chunk is decoded.
        let available = end < cutoff || (end == cutoff && !(bare_cr && error.is_some()));
        let mut line = text[start..i].to_string();
        line.push('\n');
        lines.push(Line {
            text: line,
            available: available || error.is_none(),
        });
        start = end;
        i = end;
    }
    if start < text.len() {
        lines.push(Line {
            text: text[start..].to_string(),
            available: error.is_none(),
        });
    }
    (lines, error)
}

/// `RawConfigParser._read`'s inline-comment scan, verbatim: each round advances every prefix to
/// its next occurrence and stops at the first round that finds one at the start of the line or
/// after whitespace (which is not always the earliest such occurrence).
fn comment_start(line: &str) -> Option<usize> {
    const PREFIXES: [char; 2] = [';', '#'];
    let mut comment_start = usize::MAX;
    let mut positions: Vec<(char, Option<usize>)> = PREFIXES.iter().map(|&p| (p, None)).collect();
    while comment_start == usize::MAX && !positions.is_empty() {
        let mut next = Vec::new();
        for (prefix, last) in positions {
            let from = last.map_or(0, |i| i + 1);
            let Some(found) = line[from..].find(prefix).map(|j| from + j) else {
                continue;
            };
            next.push((prefix, Some(found)));
            if found == 0 || line[..found].chars().next_back().is_some_and(is_py_space) {
                comment_start = comment_start.min(found);
            }
        }
        positions = next;
    }
    if PREFIXES.iter().any(|&p| py_strip(line).starts_with(p)) {
        comment_start = 0;
    }
    (comment_start != usize::MAX).then_some(comment_start)
}

/// Which map the parser is filling.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cursor {
    Defaults,
    Section(usize),
}

/// Parses the bytes of a config file. `fpname` is the file name as stock's `open()` got it (used in
/// error messages).
pub(super) fn parse(bytes: &[u8], fpname: &str) -> Result<Ini, ReadError> {
    let (lines, decode_error) = decode_lines(bytes);
    let decode_failure = || ReadError::Decode(decode_error.clone().unwrap_or_default());

    // Values are lists of lines until the end, as in configparser.
    let mut defaults: OrderedMap<Vec<String>> = OrderedMap::default();
    let mut sections: OrderedMap<OrderedMap<Vec<String>>> = OrderedMap::default();
    let mut cursect: Option<Cursor> = None;
    let mut optname: Option<String> = None;
    let mut indent_level = 0usize;
    let mut errors: Vec<(usize, String)> = Vec::new();

    fn current<'a>(
        cursor: Cursor,
        defaults: &'a mut OrderedMap<Vec<String>>,
        sections: &'a mut OrderedMap<OrderedMap<Vec<String>>>,
    ) -> &'a mut OrderedMap<Vec<String>> {
        match cursor {
            Cursor::Defaults => defaults,
            Cursor::Section(i) => &mut sections.entries[i].1,
        }
    }

    for (n, line) in lines.iter().enumerate() {
        if !line.available {
            return Err(decode_failure());
        }
        let lineno = n + 1;
        let raw = line.text.as_str();
        let start = comment_start(raw);
        let value = py_strip(&raw[..start.unwrap_or(raw.len())]);
        if value.is_empty() {
            // empty_lines_in_values: a blank line (without a comment) joins the current value.
            if start.is_none()
                && let (Some(cursor), Some(name)) = (cursect, optname.as_deref())
                && let Some(v) = current(cursor, &mut defaults, &mut sections).get_mut(name)
            {
                v.push(String::new());
            }
            continue;
        }
        let cur_indent = raw.chars().take_while(|&c| is_py_space(c)).count();
        if let (Some(cursor), Some(name)) = (cursect, optname.as_deref())
            && cur_indent > indent_level
        {
            if let Some(v) = current(cursor, &mut defaults, &mut sections).get_mut(name) {
                v.push(value.to_string());
            }
            continue;
        }
        indent_level = cur_indent;
        // SECTCRE = r"\[(?P<header>.+)\]" matched at the start (greedy, so the last `]`).
        let header = value
            .strip_prefix('[')
            .and_then(|rest| rest.rfind(']').filter(|&j| j > 0).map(|j| &rest[..j]));
        if let Some(name) = header {
            cursect = Some(if let Some(i) = sections.position(name) {
                Cursor::Section(i)
            } else if name == "DEFAULT" {
                Cursor::Defaults
            } else {
                Cursor::Section(sections.insert(name.to_string(), OrderedMap::default()))
            });
            optname = None;
            continue;
        }
        let Some(cursor) = cursect else {
            return Err(ReadError::Syntax(format!(
                "configparser.MissingSectionHeaderError: File contains no section headers.\n\
                 file: {}, line: {lineno}\n{}",
                repr_str(fpname),
                shown_line(raw)
            )));
        };
        // OPTCRE: lazy option, optional spaces, the first `=` or `:`, then the value.
        match value.find(['=', ':']) {
            Some(delim) => {
                let option = py_rstrip(&value[..delim]);
                if option.is_empty() {
                    errors.push((lineno, shown_line(raw)));
                }
                let name = option.to_lowercase();
                let optval = py_strip(&value[delim + 1..]).to_string();
                current(cursor, &mut defaults, &mut sections).insert(name.clone(), vec![optval]);
                optname = Some(name);
            }
            None => errors.push((lineno, shown_line(raw))),
        }
    }
    if decode_error.is_some() {
        return Err(decode_failure());
    }
    if !errors.is_empty() {
        let mut msg = format!(
            "configparser.ParsingError: Source contains parsing errors: {}",
            repr_str(fpname)
        );
        for (lineno, line) in errors {
            msg.push_str(&format!("\n\t[line {lineno:2}]: {line}"));
        }
        return Err(ReadError::Syntax(msg));
    }

    // _join_multiline_values
    let join = |v: &Vec<String>| py_rstrip(&v.join("\n")).to_string();
    let mut ini = Ini::default();
    for (k, v) in defaults.entries.iter() {
        ini.defaults.insert(k.clone(), join(v));
    }
    for (name, section) in sections.entries.iter() {
        let mut out = OrderedMap::default();
        for (k, v) in section.entries.iter() {
            out.insert(k.clone(), join(v));
        }
        ini.sections.insert(name.clone(), out);
    }
    Ok(ini)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ini(text: &str) -> Ini {
        parse(text.as_bytes(), "t.conf").expect("parses")
    }

    fn err(bytes: &[u8]) -> ReadError {
        parse(bytes, "t.conf").expect_err("fails")
    }

    #[test]
    fn inline_comments_need_whitespace() {
        let i = ini("[s]\na=b ;c\nb=b;c\nc=x;y ;z #w\nd=v\t#c\ne=#x\nf= ;x\n;k=v\n  #k=v\n");
        assert_eq!(i.get("s", "a"), Some("b"));
        assert_eq!(i.get("s", "b"), Some("b;c"));
        // Python's round-based scan: the `#` at 7 wins over the valid `;` at 4.
        assert_eq!(i.get("s", "c"), Some("x;y ;z"));
        assert_eq!(i.get("s", "d"), Some("v"));
        assert_eq!(i.get("s", "e"), Some("#x"));
        assert_eq!(i.get("s", "f"), Some(""));
        assert_eq!(i.options("s"), ["a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn keys_delimiters_and_case() {
        let i = ini("[S]\nKey = v\nother: w x\ncolon:a=b\neq=a:b\n  [S]\n");
        assert_eq!(i.get("S", "key"), Some("v"));
        assert_eq!(i.get("S", "other"), Some("w x"));
        assert_eq!(i.get("S", "colon"), Some("a=b"));
        // The indented `[S]` continues `eq`.
        assert_eq!(i.get("S", "eq"), Some("a:b\n[S]"));
        assert_eq!(i.get("s", "key"), None);
    }

    #[test]
    fn continuation_lines() {
        let i = ini("[s]\nprompt=a\n  b\n\n  c\n\n\nnext=1\n\tx\n # comment\n\ty\n");
        assert_eq!(i.get("s", "prompt"), Some("a\nb\n\nc"));
        assert_eq!(i.get("s", "next"), Some("1\nx\ny"));
    }

    #[test]
    fn section_headers() {
        let i = ini("[a] trailing\nk=1\n[b]]\nk=2\n[]]\nk=3\n");
        assert_eq!(i.get("a", "k"), Some("1"));
        assert_eq!(i.get("b]", "k"), Some("2"));
        assert_eq!(i.get("]", "k"), Some("3"));
        assert_eq!(i.sections().collect::<Vec<_>>(), ["a", "b]", "]"]);
    }

    #[test]
    fn duplicates_and_default() {
        let i = ini("[DEFAULT]\nd=1\nk=0\n[s]\nk=1\nx=1\n[t]\n[s]\nk=2\n[DEFAULT]\ne=2\n");
        assert_eq!(i.get("s", "k"), Some("2"));
        assert_eq!(i.get("s", "d"), Some("1"));
        assert_eq!(i.get("t", "k"), Some("0"));
        assert_eq!(i.get("t", "e"), Some("2"));
        assert_eq!(i.options("s"), ["k", "x", "d", "e"]);
        assert_eq!(i.sections().collect::<Vec<_>>(), ["s", "t"]);
        assert!(!i.has_section("DEFAULT"));
    }

    #[test]
    fn universal_newlines() {
        let i = ini("[s]\r\na=1\rb=2\r\n  c\n");
        assert_eq!(i.get("s", "a"), Some("1"));
        assert_eq!(i.get("s", "b"), Some("2\nc"));
    }

    #[test]
    fn missing_section_header() {
        assert_eq!(
            err(b"foo=bar\n[supervisorctl]\n"),
            ReadError::Syntax(
                "configparser.MissingSectionHeaderError: File contains no section headers.\n\
                 file: 't.conf', line: 1\n'foo=bar\\n'"
                    .into()
            )
        );
        assert_eq!(
            err(b"\n; c\n\xef\xbb\xbf[supervisorctl]"),
            ReadError::Syntax(
                "configparser.MissingSectionHeaderError: File contains no section headers.\n\
                 file: 't.conf', line: 3\n'\u{feff}[supervisorctl]'"
                    .into()
            )
        );
    }

    #[test]
    fn parsing_errors_are_collected() {
        assert_eq!(
            err(b"[supervisorctl]\njunk\nserverurl=unix:///x\n=bad\n  [cont]\nmore junk\n"),
            ReadError::Syntax(
                "configparser.ParsingError: Source contains parsing errors: 't.conf'\n\
                 \t[line  2]: 'junk\\n'\n\t[line  4]: '=bad\\n'\n\t[line  6]: 'more junk\\n'"
                    .into()
            )
        );
    }

    #[test]
    fn decode_errors() {
        let msg = |b: &[u8]| match parse(b, "t.conf") {
            Err(ReadError::Decode(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            msg(b"[supervisorctl]\nprompt=\xff\n"),
            "'utf-8' codec can't decode byte 0xff in position 23: invalid start byte"
        );
        assert_eq!(
            msg(b"[supervisorctl]\nprompt=\xe2\x82A\n"),
            "'utf-8' codec can't decode bytes in position 23-24: invalid continuation byte"
        );
        assert_eq!(
            msg(b"[supervisorctl]\nprompt=a\xe2\x82"),
            "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"
        );
        assert_eq!(
            msg(b"[supervisorctl]\nprompt=\xf0\x80\n"),
            "'utf-8' codec can't decode byte 0xf0 in position 23: invalid continuation byte"
        );
        // A decode error beats parse errors collected for the end, even in earlier lines.
        assert_eq!(
            msg(b"[a]\njunk\nx=\xff"),
            "'utf-8' codec can't decode byte 0xff in position 11: invalid start byte"
        );
        // 8192-byte chunks; a character straddling the boundary is carried over.
        let mut b = b"[supervisorctl]\nprompt=".to_vec();
        b.resize(8191, b'x');
        b.extend_from_slice(b"\xe2\x82\xac\xff\n");
        assert_eq!(
            msg(&b),
            "'utf-8' codec can't decode byte 0xff in position 3: invalid start byte"
        );
        let mut b = b"[a]\njunk\n".to_vec();
        b.resize(9009, b'x');
        b.extend_from_slice(b"\xff\n");
        assert_eq!(
            msg(&b),
            "'utf-8' codec can't decode byte 0xff in position 817: invalid start byte"
        );
        // ...but a missing section header in the first chunk is raised before the decode error.
        let mut b = b"junk\n".to_vec();
        b.resize(9005, b'x');
        b.extend_from_slice(b"\xff\n");
        assert!(matches!(parse(&b, "t.conf"), Err(ReadError::Syntax(_))));
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(py_strip("\u{1c}\u{a0} x \u{3000}\u{85}"), "x");
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x");
        let i = ini("[s]\na=\u{1f}b\u{1f}\n");
        assert_eq!(i.get("s", "a"), Some("b"));
    }
}
