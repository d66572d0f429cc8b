//! Pass-through: a line whose first word is an RPC method name (`supervisor.getState`,
//! `system.methodHelp supervisor.startProcess`, `twiddler.addProgramToGroup ...`) calls that
//! method with the remaining words as arguments and prints the result readably.
//!
//! Words are split as a shell does (quotes, backslashes). A bare word that is an integer is
//! sent as an int, `true`/`false` (any case) as a boolean, anything else, and any word that was
//! quoted, as a string. Results print as scalars on one line (strings raw), arrays one item a
//! line, structs as aligned `key: value` lines, an array of structs as blocks separated by a
//! blank line; a fault as `ERROR: <faultString> (fault <code>)` with exit status 1.

use super::{CmdResult, Controller, exit, registry};
use crate::error::RpcError;
use crate::pyrepr::repr_str;
use crate::xmlrpc::Value;

/// The method and the rest of the line, when the first word looks like `namespace.method`
/// (identifiers joined by dots) and the namespace is not a command (stock runs `status.x` as
/// `status .x`).
pub fn split(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let (first, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let (ns, method) = first.split_once('.')?;
    let ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let is_command = ns == "help" || ns == "EOF" || registry::find(ns).is_some();
    (ident(ns) && !is_command && method.split('.').all(ident)).then_some((first, rest.trim()))
}

/// The line one-shot mode runs for its arguments. For a pass-through call each argument is one
/// word, so words the shell would split or unquote are quoted; other lines are joined with
/// spaces, as stock does.
pub fn oneshot_line(args: &[String]) -> String {
    match args.split_first() {
        Some((first, rest)) if split(first).is_some_and(|(_, r)| r.is_empty()) => {
            std::iter::once(first.clone())
                .chain(rest.iter().map(|a| quote(a)))
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => args.join(" "),
    }
}

/// `shlex.quote`: the word as is when it needs no quoting, else single-quoted.
pub fn quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\"'\"'"))
    }
}

/// One word of a line: its text, and whether any of it was quoted or escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub quoted: bool,
}

/// Splits a line into words as a POSIX shell does: whitespace separates; `'...'` is literal;
/// in `"..."` a backslash escapes only `\`, `"`, `$`, `` ` `` and newline; elsewhere a backslash
/// escapes any character. Err on an unterminated quote.
pub fn split_words(s: &str) -> Result<Vec<Word>, &'static str> {
    let mut words = Vec::new();
    let mut cur: Option<Word> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = cur.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = cur.get_or_insert_with(|| Word {
                    text: String::new(),
                    quoted: true,
                });
                w.quoted = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.text.push(c),
                        None => return Err("No closing quotation"),
                    }
                }
            }
            '"' => {
                let w = cur.get_or_insert_with(|| Word {
                    text: String::new(),
                    quoted: true,
                });
                w.quoted = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\n') => {}
                            Some(c @ ('\\' | '"' | '$' | '`')) => w.text.push(c),
                            Some(c) => {
                                w.text.push('\\');
                                w.text.push(c);
                            }
                            None => return Err("No closing quotation"),
                        },
                        Some(c) => w.text.push(c),
                        None => return Err("No closing quotation"),
                    }
                }
            }
            '\\' => {
                let w = cur.get_or_insert_with(|| Word {
                    text: String::new(),
                    quoted: true,
                });
                w.quoted = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => w.text.push(c),
                    None => return Err("No escaped character"),
                }
            }
            c => cur
                .get_or_insert_with(|| Word {
                    text: String::new(),
                    quoted: false,
                })
                .text
                .push(c),
        }
    }
    if let Some(w) = cur {
        words.push(w);
    }
    Ok(words)
}

/// A word as an XML-RPC parameter: int, boolean or string.
pub fn typed(w: &Word) -> Value {
    if w.quoted {
        return Value::String(w.text.clone());
    }
    if let Ok(i) = w.text.parse::<i64>() {
        return Value::Int(i);
    }
    match w.text.to_ascii_lowercase().as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(w.text.clone()),
    }
}

pub async fn run(ctl: &mut Controller, method: &str, rest: &str) -> CmdResult {
    let words = match split_words(rest) {
        Ok(w) => w,
        Err(why) => {
            ctl.output(&format!("ERROR: {why}"));
            ctl.exitstatus = exit::INVALID_ARGS;
            return Ok(());
        }
    };
    let params: Vec<Value> = words.iter().map(typed).collect();
    match ctl.sv.call(method, &params).await {
        Ok(v) => {
            for line in render(&v) {
                ctl.output(&line);
            }
            Ok(())
        }
        Err(RpcError::Fault { fault, .. }) => {
            ctl.output(&format!("ERROR: {} (fault {})", fault.string, fault.code));
            ctl.exitstatus = exit::GENERIC;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Nested values shorter than this print inline, as Python's `repr()`.
const INLINE_WIDTH: usize = 60;

/// The result as output lines.
pub fn render(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    render_into(&mut out, v, 0);
    out
}

fn render_into(out: &mut Vec<String>, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Array(items) if items.is_empty() => out.push(format!("{pad}[]")),
        Value::Struct(members) if members.is_empty() => out.push(format!("{pad}{{}}")),
        Value::Array(items)
            if items
                .iter()
                .all(|i| matches!(i, Value::Struct(m) if !m.is_empty())) =>
        {
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(String::new());
                }
                render_into(out, item, indent);
            }
        }
        Value::Array(items) => {
            for item in items {
                match inline(item) {
                    Some(text) => out.push(format!("{pad}{text}")),
                    None if is_container(item) => {
                        out.push(format!("{pad}-"));
                        render_into(out, item, indent + 2);
                    }
                    None => push_text(out, &pad, &scalar(item)),
                }
            }
        }
        Value::Struct(members) => {
            let width = members
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0)
                + 1;
            for (k, val) in members {
                let key = format!("{pad}{:<width$} ", format!("{k}:"));
                if let Some(text) = inline(val) {
                    out.push(format!("{key}{text}").trim_end().to_owned());
                } else if is_container(val) {
                    out.push(key.trim_end().to_owned());
                    render_into(out, val, indent + 2);
                } else {
                    // A multi-line string: continuation lines under the value column.
                    let text = scalar(val);
                    let cont = " ".repeat(key.chars().count());
                    let mut lines = text.strip_suffix('\n').unwrap_or(&text).split('\n');
                    out.push(format!("{key}{}", lines.next().unwrap_or("")));
                    out.extend(lines.map(|l| format!("{cont}{l}")));
                }
            }
        }
        other => push_text(out, &pad, &scalar(other)),
    }
}

fn push_text(out: &mut Vec<String>, pad: &str, text: &str) {
    let text = text.strip_suffix('\n').unwrap_or(text);
    out.extend(text.split('\n').map(|l| format!("{pad}{l}")));
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::Struct(_))
}

/// A one-line rendering: scalars as `scalar()` (strings without a newline), containers as
/// Python's `repr()` when short.
fn inline(v: &Value) -> Option<String> {
    match v {
        Value::Array(_) | Value::Struct(_) => {
            Some(repr(v)).filter(|r| r.chars().count() <= INLINE_WIDTH && !r.contains('\n'))
        }
        other => Some(scalar(other)).filter(|s| !s.contains('\n')),
    }
}

/// A scalar as Python's `str()` shows it.
fn scalar(v: &Value) -> String {
    match v {
        Value::Base64(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => format!("<{} bytes>", bytes.len()),
        },
        other => other.to_string(),
    }
}

/// Python's `repr()` of the unmarshalled value.
fn repr(v: &Value) -> String {
    match v {
        Value::String(s) | Value::DateTime(s) => repr_str(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Struct(members) => format!(
            "{{{}}}",
            members
                .iter()
                .map(|(k, v)| format!("{}: {}", repr_str(k), repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, quoted: bool) -> Word {
        Word {
            text: text.into(),
            quoted,
        }
    }

    #[test]
    fn recognises_method_names() {
        assert_eq!(
            split("supervisor.getState"),
            Some(("supervisor.getState", ""))
        );
        assert_eq!(
            split("  system.methodHelp  supervisor.startProcess "),
            Some(("system.methodHelp", "supervisor.startProcess"))
        );
        assert_eq!(
            split("twiddler.addProgramToGroup g p '{}'"),
            Some(("twiddler.addProgramToGroup", "g p '{}'"))
        );
        assert_eq!(split("a.b.c x"), Some(("a.b.c", "x")));
        assert_eq!(split("status"), None);
        assert_eq!(split("1.5"), None);
        assert_eq!(split("status.foo"), None, "stock runs it as `status .foo`");
        assert_eq!(split("x."), None);
        assert_eq!(split(".x"), None);
        assert_eq!(split("a-b.c"), None);
        assert_eq!(split("tail -f foo.log"), None);
    }

    #[test]
    fn splits_words_like_a_shell() {
        assert_eq!(
            split_words("a  b\tc").unwrap(),
            vec![w("a", false), w("b", false), w("c", false)]
        );
        assert_eq!(
            split_words("'hello world' \"x y\"").unwrap(),
            vec![w("hello world", true), w("x y", true)]
        );
        assert_eq!(
            split_words("it\\'s a\\ b").unwrap(),
            vec![w("it's", true), w("a b", true)]
        );
        assert_eq!(
            split_words(r#""a\"b\n" ''"#).unwrap(),
            vec![w("a\"b\\n", true), w("", true)]
        );
        assert_eq!(
            split_words("pre'fix'post").unwrap(),
            vec![w("prefixpost", true)]
        );
        assert_eq!(split_words("").unwrap(), vec![]);
        assert!(split_words("'open").is_err());
        assert!(split_words("\"open").is_err());
        assert!(split_words("x\\").is_err());
    }

    #[test]
    fn types_words() {
        assert_eq!(typed(&w("42", false)), Value::Int(42));
        assert_eq!(typed(&w("-7", false)), Value::Int(-7));
        assert_eq!(typed(&w("42", true)), Value::String("42".into()));
        assert_eq!(typed(&w("TRUE", false)), Value::Bool(true));
        assert_eq!(typed(&w("false", false)), Value::Bool(false));
        assert_eq!(typed(&w("false", true)), Value::String("false".into()));
        assert_eq!(typed(&w("1.5", false)), Value::String("1.5".into()));
        assert_eq!(
            typed(&w("99999999999999999999", false)),
            Value::String("99999999999999999999".into())
        );
    }

    #[test]
    fn one_shot_arguments_stay_words() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            oneshot_line(&args(&[
                "supervisor.sendProcessStdin",
                "cat",
                "hello world\n"
            ])),
            "supervisor.sendProcessStdin cat 'hello world\n'"
        );
        assert_eq!(
            oneshot_line(&args(&["supervisor.readLog", "-100", "0"])),
            "supervisor.readLog -100 0"
        );
        assert_eq!(
            oneshot_line(&args(&["x.y", "it's", ""])),
            "x.y 'it'\"'\"'s' ''"
        );
        assert_eq!(oneshot_line(&args(&["status", "a b"])), "status a b");
        assert_eq!(
            oneshot_line(&args(&["supervisor.getState x"])),
            "supervisor.getState x"
        );
        let line = oneshot_line(&args(&["x.y", "it's", "a b", "5"]));
        let (_, rest) = split(&line).unwrap();
        let words: Vec<Value> = split_words(rest).unwrap().iter().map(typed).collect();
        assert_eq!(
            words,
            vec![Value::from("it's"), Value::from("a b"), Value::Int(5)]
        );
    }

    fn st(pairs: &[(&str, Value)]) -> Value {
        Value::Struct(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn renders_scalars() {
        assert_eq!(render(&Value::String("4.3.0".into())), ["4.3.0"]);
        assert_eq!(render(&Value::Bool(true)), ["True"]);
        assert_eq!(render(&Value::Int(12)), ["12"]);
        assert_eq!(render(&Value::Nil), ["None"]);
        assert_eq!(render(&Value::String("a\nb\n".into())), ["a", "b"]);
        assert_eq!(render(&Value::String(String::new())), [""]);
    }

    #[test]
    fn renders_structs_aligned() {
        let v = st(&[
            ("statecode", Value::Int(1)),
            ("statename", "RUNNING".into()),
        ]);
        assert_eq!(render(&v), ["statecode: 1", "statename: RUNNING"]);
        let v = st(&[
            ("name", "foo".into()),
            ("description", "pid 12, uptime 0:00:01".into()),
            ("x", Value::Array(vec![])),
        ]);
        assert_eq!(
            render(&v),
            [
                "name:        foo",
                "description: pid 12, uptime 0:00:01",
                "x:           []"
            ]
        );
        let v = st(&[("text", "one\ntwo".into()), ("n", Value::Int(1))]);
        assert_eq!(render(&v), ["text: one", "      two", "n:    1"]);
    }

    #[test]
    fn renders_arrays() {
        let v = Value::Array(vec![
            "system.listMethods".into(),
            "supervisor.getState".into(),
        ]);
        assert_eq!(render(&v), ["system.listMethods", "supervisor.getState"]);
        let v = Value::Array(vec![
            st(&[("name", "a".into()), ("status", Value::Int(80))]),
            st(&[("name", "bb".into())]),
        ]);
        assert_eq!(render(&v), ["name:   a", "status: 80", "", "name: bb"]);
        // reloadConfig: nested short arrays inline, as Python shows them.
        let v = Value::Array(vec![Value::Array(vec![
            Value::Array(vec!["new".into()]),
            Value::Array(vec![]),
            Value::Array(vec![]),
        ])]);
        assert_eq!(render(&v), ["[['new'], [], []]"]);
        // tailProcessStdoutLog: [string, int, bool].
        let v = Value::Array(vec![
            "line1\nline2\n".into(),
            Value::Int(12),
            Value::Bool(false),
        ]);
        assert_eq!(render(&v), ["line1", "line2", "12", "False"]);
        assert_eq!(render(&Value::Array(vec![])), ["[]"]);
        // A long nested value is indented under a marker.
        let long: Vec<Value> = (0..20).map(|i| Value::String(format!("item{i}"))).collect();
        let v = Value::Array(vec![Value::Array(long)]);
        let r = render(&v);
        assert_eq!(r[0], "-");
        assert_eq!(r[1], "  item0");
        assert_eq!(r.len(), 21);
        let v = st(&[("k", Value::Array((0..20).map(Value::Int).collect()))]);
        let r = render(&v);
        assert_eq!(r[0], "k:");
        assert_eq!(r[1], "  0");
    }
}
