//! Just enough XML-RPC for the harness: build method calls and responses,
//! and pull `<struct>`s out of a response. Not a general parser.

/// Escapes text for XML content.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Reverses [`escape`] (plus the usual quote entities).
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `<value><string>..</string></value>`
pub fn string(s: &str) -> String {
    format!("<value><string>{}</string></value>", escape(s))
}

/// `<value><int>..</int></value>`
pub fn int(i: i64) -> String {
    format!("<value><int>{i}</int></value>")
}

/// `<value><boolean>0|1</boolean></value>`
pub fn boolean(b: bool) -> String {
    format!("<value><boolean>{}</boolean></value>", u8::from(b))
}

/// `<value><array>..</array></value>` from already-built values.
pub fn array(values: &[String]) -> String {
    format!(
        "<value><array><data>{}</data></array></value>",
        values.concat()
    )
}

/// `<value><struct>..</struct></value>` from (name, built value) pairs.
pub fn structure(members: &[(&str, String)]) -> String {
    let mut s = String::from("<value><struct>");
    for (k, v) in members {
        s.push_str(&format!("<member><name>{}</name>{v}</member>", escape(k)));
    }
    s.push_str("</struct></value>");
    s
}

/// A `methodCall` document; `params` are built values (see [`string`] etc).
pub fn method_call(method: &str, params: &[String]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<methodCall><methodName>{}</methodName><params>",
        escape(method)
    );
    for p in params {
        s.push_str(&format!("<param>{p}</param>"));
    }
    s.push_str("</params></methodCall>");
    s
}

/// A successful `methodResponse` document carrying one built value.
pub fn method_response(value: &str) -> String {
    format!(
        "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n{value}\n</param>\n</params>\n</methodResponse>\n"
    )
}

/// A fault `methodResponse` document.
pub fn fault_response(code: i64, message: &str) -> String {
    format!(
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n{}\n</fault>\n</methodResponse>\n",
        structure(&[("faultCode", int(code)), ("faultString", string(message))])
    )
}

/// Text between the first `open` and the following `close`, if any.
pub fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

/// Scalar text of a `<value>` body: strips one type tag (`<int>`, `<string>`,
/// ...) if present and unescapes. Empty tags like `<string/>` give "".
pub fn scalar(value_body: &str) -> String {
    let v = value_body.trim();
    if let Some(rest) = v.strip_prefix('<')
        && let Some(gt) = rest.find('>')
    {
        let tag = &rest[..gt];
        if tag.ends_with('/') {
            return String::new();
        }
        let close = format!("</{tag}>");
        if let Some(inner) = rest[gt + 1..].strip_suffix(close.as_str()) {
            return unescape(inner);
        }
    }
    unescape(v)
}

/// All flat `<struct>`s in the document, as (member name, scalar value)
/// lists, in order. Nested structs/arrays inside members are not supported
/// (supervisor's process info and state structs are flat).
pub fn structs(doc: &str) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in doc.split("<struct>").skip(1) {
        let body = chunk.split("</struct>").next().unwrap_or("");
        let mut members = Vec::new();
        for m in body.split("<member>").skip(1) {
            let name = between(m, "<name>", "</name>").unwrap_or("");
            let value = between(m, "<value>", "</value>").unwrap_or("");
            members.push((unescape(name), scalar(value)));
        }
        out.push(members);
    }
    out
}

/// The `faultString` of a fault response, if it is one.
pub fn fault(doc: &str) -> Option<String> {
    if !doc.contains("<fault>") {
        return None;
    }
    let s = structs(doc).into_iter().next().unwrap_or_default();
    let get = |k: &str| s.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    Some(format!(
        "{}: {}",
        get("faultCode").unwrap_or_default(),
        get("faultString").unwrap_or_default()
    ))
}

/// Text between `<methodName>` and `</methodName>` in a raw request.
pub fn method_name(raw: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(raw);
    between(&s, "<methodName>", "</methodName>").map(|m| unescape(m.trim()))
}
