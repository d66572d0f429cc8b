//! XML-RPC documents to values, on quick-xml's streaming reader.
//!
//! The parser is iterative: containers live on an explicit stack capped at [`MAX_DEPTH`], so
//! hostile nesting cannot overflow the call stack. DOCTYPEs are refused outright, which rules
//! out entity-expansion attacks; only the five predefined entities and character references
//! are understood.

use std::borrow::Cow;
use std::num::IntErrorKind;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use quick_xml::events::{BytesRef, Event};
use quick_xml::reader::Reader;

use super::{Fault, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// Most arrays/structs that may be open at once.
const MAX_DEPTH: usize = 256;

/// Like Python's `base64.decodebytes`, tolerant of missing padding and stray trailing bits.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes a `methodResponse`: the value, or the fault the server sent.
pub fn decode_response(body: &[u8]) -> Result<Result<Value, Fault>, DecodeError> {
    Parser::new(body)
        .response()
        .map_err(|e| DecodeError(format!("malformed XML-RPC response: {e}")))
}

/// Decodes a `methodCall` (for test servers).
pub fn decode_call(body: &[u8]) -> Result<(String, Vec<Value>), DecodeError> {
    Parser::new(body)
        .call()
        .map_err(|e| DecodeError(format!("malformed XML-RPC call: {e}")))
}

/// Internal errors are bare messages; the public functions say what was being decoded.
type PResult<T> = Result<T, String>;

/// The elements XML-RPC knows, by local name (namespace prefixes such as `ex:` are dropped, as
/// Python's unmarshaller drops them: it keeps what follows the last colon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    MethodResponse,
    MethodCall,
    MethodName,
    Params,
    Param,
    Fault,
    Value,
    Int,
    I4,
    I8,
    Boolean,
    String,
    Double,
    DateTime,
    Base64,
    Nil,
    Array,
    Data,
    Struct,
    Member,
    Name,
    Other,
}

impl Tag {
    fn classify(local: &str) -> Tag {
        match local {
            "methodResponse" => Tag::MethodResponse,
            "methodCall" => Tag::MethodCall,
            "methodName" => Tag::MethodName,
            "params" => Tag::Params,
            "param" => Tag::Param,
            "fault" => Tag::Fault,
            "value" => Tag::Value,
            "int" => Tag::Int,
            "i4" => Tag::I4,
            "i8" => Tag::I8,
            "boolean" => Tag::Boolean,
            "string" => Tag::String,
            "double" => Tag::Double,
            "dateTime.iso8601" => Tag::DateTime,
            "base64" => Tag::Base64,
            "nil" => Tag::Nil,
            "array" => Tag::Array,
            "data" => Tag::Data,
            "struct" => Tag::Struct,
            "member" => Tag::Member,
            "name" => Tag::Name,
            _ => Tag::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Tag::MethodResponse => "methodResponse",
            Tag::MethodCall => "methodCall",
            Tag::MethodName => "methodName",
            Tag::Params => "params",
            Tag::Param => "param",
            Tag::Fault => "fault",
            Tag::Value => "value",
            Tag::Int => "int",
            Tag::I4 => "i4",
            Tag::I8 => "i8",
            Tag::Boolean => "boolean",
            Tag::String => "string",
            Tag::Double => "double",
            Tag::DateTime => "dateTime.iso8601",
            Tag::Base64 => "base64",
            Tag::Nil => "nil",
            Tag::Array => "array",
            Tag::Data => "data",
            Tag::Struct => "struct",
            Tag::Member => "member",
            Tag::Name => "name",
            Tag::Other => "?",
        }
    }
}

/// A reader event reduced to what the grammar needs. Comments and processing instructions
/// never appear; entity references arrive resolved.
#[derive(Debug)]
enum Tok<'a> {
    Start(Tag),
    Empty(Tag),
    End(Tag),
    Text(Cow<'a, str>),
    Char(char),
    Decl,
    Eof,
}

/// What follows a `<value>` start tag.
enum Head {
    Done(Value),
    Array,
    Struct,
}

/// An open container on the explicit stack.
enum Frame {
    Array(Vec<Value>),
    /// The members so far, and the name of the member whose value is being read.
    Struct(Vec<(String, Value)>, String),
}

/// What a container holds next.
enum Step {
    /// A `<value>` start tag was read (`empty` for `<value/>`).
    Value { empty: bool },
    /// The container and its enclosing `</value>` were closed.
    Closed,
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    /// The name of the last unrecognised element, for messages.
    other: String,
}

impl<'a> Parser<'a> {
    fn new(body: &'a [u8]) -> Parser<'a> {
        // Default config: end tags must match, a lone `&` is an error, text is not trimmed.
        Parser {
            reader: Reader::from_reader(body),
            other: String::new(),
        }
    }

    fn response(&mut self) -> PResult<Result<Value, Fault>> {
        self.prolog(Tag::MethodResponse)?;
        let result = match self.next_markup()? {
            Tok::Start(Tag::Params) => {
                let value = match self.next_markup()? {
                    Tok::Start(Tag::Param) => self.param()?,
                    Tok::End(Tag::Params) => return Err("response has no <param>".into()),
                    other => return Err(self.unexpected("<param>", &other)),
                };
                match self.next_markup()? {
                    Tok::End(Tag::Params) => {}
                    Tok::Start(Tag::Param) | Tok::Empty(Tag::Param) => {
                        return Err("response has more than one <param>".into());
                    }
                    other => return Err(self.unexpected("</params>", &other)),
                }
                Ok(value)
            }
            Tok::Empty(Tag::Params) => return Err("response has no <param>".into()),
            Tok::Start(Tag::Fault) => {
                let empty = self.expect_open(Tag::Value)?;
                let value = self.value(empty)?;
                self.expect_close(Tag::Fault)?;
                Err(fault_from(&value).ok_or("malformed fault")?)
            }
            other => return Err(self.unexpected("<params>", &other)),
        };
        self.expect_close(Tag::MethodResponse)?;
        self.epilog()?;
        Ok(result)
    }

    fn call(&mut self) -> PResult<(String, Vec<Value>)> {
        self.prolog(Tag::MethodCall)?;
        let method = match self.expect_open(Tag::MethodName)? {
            true => String::new(),
            false => self.read_text(Tag::MethodName)?.into_owned(),
        };
        let mut params = Vec::new();
        match self.next_markup()? {
            Tok::Start(Tag::Params) => loop {
                match self.next_markup()? {
                    Tok::Start(Tag::Param) => params.push(self.param()?),
                    Tok::End(Tag::Params) => break,
                    other => return Err(self.unexpected("<param> or </params>", &other)),
                }
            },
            Tok::Empty(Tag::Params) => {}
            // `<params>` may be left out of a call without parameters.
            Tok::End(Tag::MethodCall) => {
                self.epilog()?;
                return Ok((method, params));
            }
            other => return Err(self.unexpected("<params>", &other)),
        }
        self.expect_close(Tag::MethodCall)?;
        self.epilog()?;
        Ok((method, params))
    }

    /// The rest of a `<param>` whose start tag was read.
    fn param(&mut self) -> PResult<Value> {
        let empty = self.expect_open(Tag::Value)?;
        let value = self.value(empty)?;
        self.expect_close(Tag::Param)?;
        Ok(value)
    }

    /// Everything before the root element, and the root's start tag.
    fn prolog(&mut self, root: Tag) -> PResult<()> {
        let mut first = true;
        loop {
            match self.next()? {
                Tok::Decl if first => {}
                Tok::Text(t) if is_ws(&t) => {}
                Tok::Start(t) if t == root => return Ok(()),
                Tok::Eof => return Err("empty document".into()),
                other => return Err(self.unexpected(&format!("<{}>", root.name()), &other)),
            }
            first = false;
        }
    }

    /// Nothing but whitespace (and comments) may follow the root element.
    fn epilog(&mut self) -> PResult<()> {
        loop {
            match self.next()? {
                Tok::Eof => return Ok(()),
                Tok::Text(t) if is_ws(&t) => {}
                _ => return Err("trailing content after the root element".into()),
            }
        }
    }

    /// One value, its `<value>` start tag already read. Iterative: containers go on `stack`.
    fn value(&mut self, empty: bool) -> PResult<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut head = self.value_head(empty)?;
        loop {
            let mut done = match head {
                Head::Done(v) => Some(v),
                Head::Array => {
                    push_frame(&mut stack, Frame::Array(Vec::new()))?;
                    None
                }
                Head::Struct => {
                    push_frame(&mut stack, Frame::Struct(Vec::new(), String::new()))?;
                    None
                }
            };
            // Hand finished values to their containers until one of them wants another value.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return done.ok_or_else(|| "internal error: no value".to_string());
                };
                if let Some(v) = done.take() {
                    match frame {
                        Frame::Array(items) => items.push(v),
                        Frame::Struct(members, name) => {
                            members.push((std::mem::take(name), v));
                            self.expect_close(Tag::Member)?;
                        }
                    }
                }
                match self.container_step(frame)? {
                    Step::Value { empty } => {
                        head = self.value_head(empty)?;
                        break;
                    }
                    Step::Closed => {
                        done = stack.pop().map(|frame| match frame {
                            Frame::Array(items) => Value::Array(items),
                            Frame::Struct(members, _) => Value::Struct(members),
                        });
                    }
                }
            }
        }
    }

    /// Reads a value's content up to its `</value>`, or up to the start of its array/struct.
    fn value_head(&mut self, empty: bool) -> PResult<Head> {
        if empty {
            return Ok(Head::Done(Value::String(String::new())));
        }
        // Text straight inside <value> is a string, unless a typed element follows.
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            let (tag, empty) = match self.next()? {
                Tok::Text(t) => {
                    append(&mut text, t);
                    continue;
                }
                Tok::Char(c) => {
                    text.to_mut().push(c);
                    continue;
                }
                Tok::End(Tag::Value) => return Ok(Head::Done(Value::String(text.into_owned()))),
                Tok::Start(tag) => (tag, false),
                Tok::Empty(tag) => (tag, true),
                other => return Err(self.unexpected("a value", &other)),
            };
            if !is_ws(&text) {
                return Err(format!(
                    "text mixed with <{}> in <value>",
                    self.tag_name(tag)
                ));
            }
            return match tag {
                Tag::Int
                | Tag::I4
                | Tag::I8
                | Tag::Boolean
                | Tag::String
                | Tag::Double
                | Tag::DateTime
                | Tag::Base64
                | Tag::Nil => {
                    let v = self.scalar(tag, empty)?;
                    self.expect_close(Tag::Value)?;
                    Ok(Head::Done(v))
                }
                Tag::Array if empty => {
                    self.expect_close(Tag::Value)?;
                    Ok(Head::Done(Value::Array(Vec::new())))
                }
                Tag::Array => {
                    if self.expect_open(Tag::Data)? {
                        self.expect_close(Tag::Array)?;
                        self.expect_close(Tag::Value)?;
                        Ok(Head::Done(Value::Array(Vec::new())))
                    } else {
                        Ok(Head::Array)
                    }
                }
                Tag::Struct if empty => {
                    self.expect_close(Tag::Value)?;
                    Ok(Head::Done(Value::Struct(Vec::new())))
                }
                Tag::Struct => Ok(Head::Struct),
                _ => Err(format!(
                    "unexpected element <{}> in <value>",
                    self.tag_name(tag)
                )),
            };
        }
    }

    /// Within an open array or struct: reads up to the next member's `<value>`, or to the end
    /// of the container (and of the `<value>` around it).
    fn container_step(&mut self, frame: &mut Frame) -> PResult<Step> {
        match frame {
            Frame::Array(_) => match self.next_markup()? {
                Tok::Start(Tag::Value) => Ok(Step::Value { empty: false }),
                Tok::Empty(Tag::Value) => Ok(Step::Value { empty: true }),
                Tok::End(Tag::Data) => {
                    self.expect_close(Tag::Array)?;
                    self.expect_close(Tag::Value)?;
                    Ok(Step::Closed)
                }
                other => Err(self.unexpected("<value> or </data>", &other)),
            },
            Frame::Struct(_, name) => match self.next_markup()? {
                Tok::Start(Tag::Member) => {
                    *name = match self.expect_open(Tag::Name)? {
                        true => String::new(),
                        false => self.read_text(Tag::Name)?.into_owned(),
                    };
                    let empty = self.expect_open(Tag::Value)?;
                    Ok(Step::Value { empty })
                }
                Tok::End(Tag::Struct) => {
                    self.expect_close(Tag::Value)?;
                    Ok(Step::Closed)
                }
                other => Err(self.unexpected("<member> or </struct>", &other)),
            },
        }
    }

    /// A scalar element's content, its start tag already read.
    fn scalar(&mut self, tag: Tag, empty: bool) -> PResult<Value> {
        let text = if empty {
            Cow::Borrowed("")
        } else {
            self.read_text(tag)?
        };
        Ok(match tag {
            Tag::Int | Tag::I4 | Tag::I8 => Value::Int(parse_int(&text)?),
            Tag::Boolean => match &*text {
                "0" => Value::Bool(false),
                "1" => Value::Bool(true),
                _ => return Err(format!("bad boolean value {}", quote(&text))),
            },
            Tag::Double => match trim_ws(&text).parse() {
                Ok(d) => Value::Double(d),
                Err(_) => return Err(format!("bad double value {}", quote(&text))),
            },
            Tag::String => Value::String(text.into_owned()),
            Tag::DateTime => Value::DateTime(text.into_owned()),
            Tag::Base64 => Value::Base64(decode_base64(&text)?),
            Tag::Nil if is_ws(&text) => Value::Nil,
            Tag::Nil => return Err("text inside <nil>".into()),
            _ => return Err(format!("unexpected element <{}>", self.tag_name(tag))),
        })
    }

    /// Character data up to `</tag>`. Borrowed from the input unless references or CDATA
    /// split it into pieces.
    fn read_text(&mut self, tag: Tag) -> PResult<Cow<'a, str>> {
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.next()? {
                Tok::Text(t) => append(&mut text, t),
                Tok::Char(c) => text.to_mut().push(c),
                Tok::End(t) if t == tag => return Ok(text),
                other => return Err(self.unexpected(&format!("text or </{}>", tag.name()), &other)),
            }
        }
    }

    /// `<tag>` or `<tag/>` (returning true for the latter), after optional whitespace.
    fn expect_open(&mut self, tag: Tag) -> PResult<bool> {
        match self.next_markup()? {
            Tok::Start(t) if t == tag => Ok(false),
            Tok::Empty(t) if t == tag => Ok(true),
            other => Err(self.unexpected(&format!("<{}>", tag.name()), &other)),
        }
    }

    /// `</tag>`, after optional whitespace.
    fn expect_close(&mut self, tag: Tag) -> PResult<()> {
        match self.next_markup()? {
            Tok::End(t) if t == tag => Ok(()),
            other => Err(self.unexpected(&format!("</{}>", tag.name()), &other)),
        }
    }

    /// The next token that is not whitespace between elements.
    fn next_markup(&mut self) -> PResult<Tok<'a>> {
        loop {
            match self.next()? {
                Tok::Text(t) if is_ws(&t) => {}
                Tok::Char(' ' | '\t' | '\r' | '\n') => {}
                tok => return Ok(tok),
            }
        }
    }

    fn next(&mut self) -> PResult<Tok<'a>> {
        loop {
            let event = match self.reader.read_event() {
                Ok(event) => event,
                // Its position would be relative to the text event, so leave it out.
                Err(quick_xml::Error::Encoding(_)) => {
                    return Err("invalid UTF-8 in document".into());
                }
                Err(e) => {
                    return Err(format!(
                        "not well-formed XML at byte {}: {e}",
                        self.reader.error_position()
                    ));
                }
            };
            return Ok(match event {
                Event::Start(e) => Tok::Start(self.classify(e.name().into_inner())),
                Event::Empty(e) => Tok::Empty(self.classify(e.name().into_inner())),
                Event::End(e) => Tok::End(self.classify(e.name().into_inner())),
                // XML normalises line ends in all text, CDATA sections included (expat, and
                // so stock, does too).
                Event::Text(t) => Tok::Text(normalize_newlines(t.into_inner())),
                Event::CData(t) => Tok::Text(normalize_newlines(t.into_inner())),
                Event::GeneralRef(r) => Tok::Char(resolve_ref(&r)?),
                Event::Decl(_) => Tok::Decl,
                Event::DocType(_) => return Err("DOCTYPE is not allowed".into()),
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Eof => Tok::Eof,
            });
        }
    }

    /// Classifies an element by its name without any namespace prefix (`ex:nil` is `nil`).
    fn classify(&mut self, name: &str) -> Tag {
        let mut tag = Tag::classify(name);
        if tag == Tag::Other {
            // Prefixed names are rare: only look for a prefix when the full name is unknown.
            let local = name.rsplit(':').next().unwrap_or(name);
            tag = Tag::classify(local);
            if tag == Tag::Other {
                let printable = local
                    .chars()
                    .map(|c| if c.is_control() { '\u{FFFD}' } else { c });
                self.other.clear();
                self.other.extend(printable.take(40));
            }
        }
        tag
    }

    fn tag_name(&self, tag: Tag) -> &str {
        if tag == Tag::Other {
            &self.other
        } else {
            tag.name()
        }
    }

    fn unexpected(&self, expected: &str, found: &Tok) -> String {
        let found = match found {
            Tok::Start(t) => format!("<{}>", self.tag_name(*t)),
            Tok::Empty(t) => format!("<{}/>", self.tag_name(*t)),
            Tok::End(t) => format!("</{}>", self.tag_name(*t)),
            Tok::Text(t) => format!("text {}", quote(t)),
            Tok::Char(c) => format!("text {}", quote(c.encode_utf8(&mut [0; 4]))),
            Tok::Decl => "an XML declaration".into(),
            Tok::Eof => return format!("truncated document: expected {expected}"),
        };
        format!("expected {expected}, found {found}")
    }
}

fn push_frame(stack: &mut Vec<Frame>, frame: Frame) -> PResult<()> {
    if stack.len() >= MAX_DEPTH {
        return Err("too deeply nested".into());
    }
    stack.push(frame);
    Ok(())
}

/// A fault's struct: an int `faultCode` and a string `faultString` (other members are ignored).
fn fault_from(v: &Value) -> Option<Fault> {
    let Some(Value::Int(code)) = v.get("faultCode") else {
        return None;
    };
    let Some(Value::String(string)) = v.get("faultString") else {
        return None;
    };
    Some(Fault::new(*code, string.clone()))
}

fn append<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// One of the five predefined entities, or a character reference to a character XML allows.
fn resolve_ref(r: &BytesRef) -> PResult<char> {
    let name: &str = r;
    let c = match r.resolve_char_ref() {
        Ok(Some(c)) => c,
        Ok(None) => match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => return Err(format!("unknown entity &{};", truncate(name))),
        },
        Err(_) => return Err(format!("bad character reference &{};", truncate(name))),
    };
    let allowed = matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if allowed {
        Ok(c)
    } else {
        Err(format!(
            "reference to invalid character &{};",
            truncate(name)
        ))
    }
}

fn normalize_newlines(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        text
    }
}

fn is_ws(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn trim_ws(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

fn parse_int(text: &str) -> PResult<i64> {
    trim_ws(text)
        .parse()
        .map_err(|e: std::num::ParseIntError| match e.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => {
                format!("integer out of range: {}", quote(text))
            }
            _ => format!("bad integer value {}", quote(text)),
        })
}

/// Like `base64.decodebytes`, whitespace (line breaks) allowed anywhere.
fn decode_base64(text: &str) -> PResult<Vec<u8>> {
    let result = if is_ws(text) || !text.contains([' ', '\t', '\r', '\n']) {
        BASE64.decode(trim_ws(text))
    } else {
        let compact: Vec<u8> = text
            .bytes()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        BASE64.decode(compact)
    };
    result.map_err(|e| format!("bad base64 data: {e}"))
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Input text for a message: quoted, and cut short.
fn quote(s: &str) -> String {
    let short = truncate(s);
    if short.len() < s.len() {
        format!("{:?}...", short)
    } else {
        format!("{short:?}")
    }
}
