use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::fmt::Write as _;

use super::{Fault, Value};

const XML_HEADER: &str = "<?xml version='1.0'?>\n";

/// A `methodCall` document, laid out as Python's `xmlrpc.client.dumps` lays it out.
pub fn encode_call(method: &str, params: &[Value]) -> String {
    let mut out = String::with_capacity(128 + 64 * params.len());
    out.push_str(XML_HEADER);
    out.push_str("<methodCall>\n<methodName>");
    // Python writes the method name unescaped; escaping changes nothing for valid names.
    escape_into(&mut out, method, Cr::Raw);
    out.push_str("</methodName>\n<params>\n");
    for p in params {
        out.push_str("<param>\n");
        dump(&mut out, p, Cr::Raw);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

/// A `methodResponse` document (for test servers and fault injection). Unlike a call, it keeps
/// a carriage return in a string as `&#13;`, so that what it encodes decodes to itself.
pub fn encode_response(result: &Result<Value, Fault>) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(XML_HEADER);
    out.push_str("<methodResponse>\n");
    match result {
        Ok(v) => {
            out.push_str("<params>\n<param>\n");
            dump(&mut out, v, Cr::Reference);
            out.push_str("</param>\n</params>\n");
        }
        Err(f) => {
            out.push_str("<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n");
            dump(&mut out, &Value::Int(f.code), Cr::Reference);
            out.push_str("</member>\n<member>\n<name>faultString</name>\n<value><string>");
            escape_into(&mut out, &f.string, Cr::Reference);
            out.push_str("</string></value>\n</member>\n</struct></value>\n</fault>\n");
        }
    }
    out.push_str("</methodResponse>\n");
    out
}

/// One `<value>`, as `xmlrpc.client.Marshaller.dump` writes it. Recursive: values are built by
/// this program (decoded ones are at most 256 levels deep), never straight from untrusted input.
fn dump(out: &mut String, value: &Value, cr: Cr) {
    match value {
        // Python raises OverflowError outside the i32 range; we write <int> regardless.
        Value::Int(i) => {
            let _ = writeln!(out, "<value><int>{i}</int></value>");
        }
        Value::Bool(b) => {
            out.push_str(if *b {
                "<value><boolean>1</boolean></value>\n"
            } else {
                "<value><boolean>0</boolean></value>\n"
            });
        }
        Value::String(s) => {
            out.push_str("<value><string>");
            escape_into(out, s, cr);
            out.push_str("</string></value>\n");
        }
        Value::Double(d) => {
            out.push_str("<value><double>");
            push_py_float_repr(out, *d);
            out.push_str("</double></value>\n");
        }
        Value::DateTime(s) => {
            // Python writes the text unescaped; escaping changes nothing for real timestamps.
            out.push_str("<value><dateTime.iso8601>");
            escape_into(out, s, cr);
            out.push_str("</dateTime.iso8601></value>\n");
        }
        Value::Base64(bytes) => {
            out.push_str("<value><base64>\n");
            push_base64_lines(out, bytes);
            out.push_str("</base64></value>\n");
        }
        Value::Array(items) => {
            out.push_str("<value><array><data>\n");
            for v in items {
                dump(out, v, cr);
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (k, v) in members {
                out.push_str("<member>\n<name>");
                escape_into(out, k, cr);
                out.push_str("</name>\n");
                dump(out, v, cr);
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
        // Python's dump_nil really writes no newline after this one.
        Value::Nil => out.push_str("<value><nil/></value>"),
    }
}

/// How a carriage return in a string is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cr {
    /// As Python's `xmlrpc.client` writes it: raw, so the reader's line-end normalisation
    /// turns it into a newline.
    Raw,
    /// As `&#13;`, which the reader keeps.
    Reference,
}

/// `xml.sax.saxutils`-style escaping as `xmlrpc.client.escape` does it (`&`, `<` and `>`),
/// and a carriage return as `cr` says.
fn escape_into(out: &mut String, s: &str, cr: Cr) {
    let special: &[char] = match cr {
        Cr::Raw => &['&', '<', '>'],
        Cr::Reference => &['&', '<', '>', '\r'],
    };
    let mut rest = s;
    while let Some(pos) = rest.find(special) {
        out.push_str(&rest[..pos]);
        out.push_str(match rest.as_bytes()[pos] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&#13;",
        });
        rest = &rest[pos + 1..];
    }
    out.push_str(rest);
}

/// `base64.encodebytes`: lines of at most 76 characters, each ending in a newline.
fn push_base64_lines(out: &mut String, bytes: &[u8]) {
    // 57 input bytes make one 76-character line.
    for chunk in bytes.chunks(57) {
        STANDARD.encode_string(chunk, out);
        out.push('\n');
    }
}

/// Python's `repr(float)`: the shortest round-tripping digits, in positional notation when the
/// decimal exponent is in -4..16 (always with a fractional part), else as `1.5e+300` / `1e-07`.
fn push_py_float_repr(out: &mut String, d: f64) {
    if d.is_nan() {
        out.push_str("nan");
        return;
    }
    if d.is_infinite() {
        out.push_str(if d < 0.0 { "-inf" } else { "inf" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-tripping digits: `-1.2345e-7`, `1e300`, `0e0`.
    // When two candidates are equally short Rust may pick either, where Python picks the one
    // nearest the exact binary value: so round the exact value to that many digits, and take
    // that if it still reads back as `d`.
    let mut sci = format!("{d:e}");
    let n_digits = sci
        .bytes()
        .take_while(|b| *b != b'e')
        .filter(u8::is_ascii_digit)
        .count();
    let nearest = format!("{:.*e}", n_digits.saturating_sub(1), d);
    if nearest != sci && nearest.parse::<f64>() == Ok(d) {
        sci = nearest;
    }
    let (negative, sci) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci.as_str()),
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();

    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() > int_len {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            } else {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.unsigned_abs());
    }
}
