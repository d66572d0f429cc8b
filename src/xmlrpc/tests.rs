//! Codec tests: golden layouts from CPython's `xmlrpc.client`, decoding of every type, round
//! trips, and malformed input (which must come back as errors, never panics).

use super::{
    DecodeError, Fault, Value, decode_call, decode_response, encode_call, encode_response,
};

// Golden documents, copied from CPython 3.11's `xmlrpc.client.dumps(params, method,
// allow_none=True)` (and `methodresponse=True` for the RESP_ ones).
const CALL_GET_VERSION: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getVersion</methodName>\n<params>\n</params>\n</methodCall>\n";
const CALL_MIXED: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><int>1</int></value>\n</param>\n<param>\n<value><string>a</string></value>\n</param>\n<param>\n<value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n</data></array></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>k</name>\n<value><boolean>1</boolean></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_START_PROCESS: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n<params>\n<param>\n<value><string>foo:bar_01</string></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_STRINGS: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><string>a&lt;&amp;&gt;\"'\r\n\t</string></value>\n</param>\n<param>\n<value><string>h\u{e9}llo \u{2603}</string></value>\n</param>\n<param>\n<value><string></string></value>\n</param>\n<param>\n<value><string>  lead and trail  </string></value>\n</param>\n<param>\n<value><string>&amp;amp;</string></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_INTS: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><int>-1600</int></value>\n</param>\n<param>\n<value><int>0</int></value>\n</param>\n<param>\n<value><int>2147483647</int></value>\n</param>\n<param>\n<value><int>-2147483648</int></value>\n</param>\n<param>\n<value><boolean>0</boolean></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_DOUBLES: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><double>1.5</double></value>\n</param>\n<param>\n<value><double>1e+300</double></value>\n</param>\n<param>\n<value><double>-0.0</double></value>\n</param>\n<param>\n<value><double>0.0</double></value>\n</param>\n<param>\n<value><double>0.1</double></value>\n</param>\n<param>\n<value><double>1e-07</double></value>\n</param>\n<param>\n<value><double>1e+16</double></value>\n</param>\n<param>\n<value><double>123456789012.0</double></value>\n</param>\n<param>\n<value><double>0.0001</double></value>\n</param>\n<param>\n<value><double>1e-05</double></value>\n</param>\n<param>\n<value><double>1000000000000000.0</double></value>\n</param>\n<param>\n<value><double>12345.678</double></value>\n</param>\n<param>\n<value><double>-2.5e-300</double></value>\n</param>\n<param>\n<value><double>5e-324</double></value>\n</param>\n<param>\n<value><double>1.7976931348623157e+308</double></value>\n</param>\n<param>\n<value><double>9007199254740992.0</double></value>\n</param>\n<param>\n<value><double>0.3333333333333333</double></value>\n</param>\n<param>\n<value><double>-1020459894256335.2</double></value>\n</param>\n<param>\n<value><double>1371010358211522.2</double></value>\n</param>\n<param>\n<value><double>inf</double></value>\n</param>\n<param>\n<value><double>-inf</double></value>\n</param>\n<param>\n<value><double>nan</double></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_NIL_EMPTY: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><nil/></value></param>\n<param>\n<value><array><data>\n</data></array></value>\n</param>\n<param>\n<value><struct>\n</struct></value>\n</param>\n<param>\n<value><array><data>\n<value><nil/></value><value><int>1</int></value>\n</data></array></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>n</name>\n<value><nil/></value></member>\n</struct></value>\n</param>\n<param>\n<value><string></string></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_BASE64: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><base64>\n</base64></value>\n</param>\n<param>\n<value><base64>\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\n</base64></value>\n</param>\n<param>\n<value><base64>\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\nOQ==\n</base64></value>\n</param>\n<param>\n<value><base64>\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\nOTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx\ncnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq\nq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj\n5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==\n</base64></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_DATETIME: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><dateTime.iso8601>20240101T12:00:00</dateTime.iso8601></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_MULTICALL: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>system.multicall</methodName>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>methodName</name>\n<value><string>supervisor.stopProcess</string></value>\n</member>\n<member>\n<name>params</name>\n<value><array><data>\n<value><string>a</string></value>\n<value><boolean>1</boolean></value>\n</data></array></value>\n</member>\n</struct></value>\n<value><struct>\n<member>\n<name>methodName</name>\n<value><string>supervisor.getProcessInfo</string></value>\n</member>\n<member>\n<name>params</name>\n<value><array><data>\n<value><string>b&lt;&amp;&gt;</string></value>\n</data></array></value>\n</member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodCall>\n";
const CALL_NESTED: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><array><data>\n<value><array><data>\n<value><array><data>\n</data></array></value>\n</data></array></value>\n<value><struct>\n<member>\n<name>a</name>\n<value><struct>\n<member>\n<name>b</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><struct>\n<member>\n<name>c</name>\n<value><string>d</string></value>\n</member>\n</struct></value>\n</data></array></value>\n</member>\n</struct></value>\n</member>\n</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodCall>\n";
const RESP_STRUCT: &str = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>a</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>b</name>\n<value><string>x&lt;y</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n";
const RESP_FAULT: &str = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>30</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>FAILED: &lt;x&gt; &amp; y</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
const RESP_NIL: &str = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><nil/></value></param>\n</params>\n</methodResponse>\n";

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn st(members: &[(&str, Value)]) -> Value {
    Value::Struct(
        members
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn resp(body: &str) -> Result<Result<Value, Fault>, DecodeError> {
    decode_response(body.as_bytes())
}

/// The value of a `methodResponse` whose single param is `inner` (a `<value>` element).
fn value_of(inner: &str) -> Result<Value, DecodeError> {
    let body = format!(
        "<?xml version='1.0'?>\n<methodResponse><params><param>{inner}</param></params></methodResponse>"
    );
    match decode_response(body.as_bytes())? {
        Ok(v) => Ok(v),
        Err(f) => panic!("unexpected fault {f}"),
    }
}

fn ok_value(inner: &str) -> Value {
    match value_of(inner) {
        Ok(v) => v,
        Err(e) => panic!("{inner:?} failed to decode: {e}"),
    }
}

fn golden_calls() -> Vec<(&'static str, &'static str, Vec<Value>)> {
    let bytes = |n: usize| Value::Base64((0..n).map(|i| i as u8).collect());
    vec![
        (CALL_GET_VERSION, "supervisor.getVersion", vec![]),
        (
            CALL_MIXED,
            "m",
            vec![
                Value::Int(1),
                s("a"),
                Value::Array(vec![Value::Int(1), Value::Int(2)]),
                st(&[("k", Value::Bool(true))]),
            ],
        ),
        (
            CALL_START_PROCESS,
            "supervisor.startProcess",
            vec![s("foo:bar_01"), Value::Bool(true)],
        ),
        (
            CALL_STRINGS,
            "m",
            vec![
                s("a<&>\"'\r\n\t"),
                s("h\u{e9}llo \u{2603}"),
                s(""),
                s("  lead and trail  "),
                s("&amp;"),
            ],
        ),
        (
            CALL_INTS,
            "m",
            vec![
                Value::Int(-1600),
                Value::Int(0),
                Value::Int(2147483647),
                Value::Int(-2147483648),
                Value::Bool(false),
            ],
        ),
        (
            CALL_DOUBLES,
            "m",
            [
                1.5,
                1e300,
                -0.0,
                0.0,
                0.1,
                1e-07,
                1e16,
                123456789012.0,
                0.0001,
                1e-05,
                1e15,
                12345.678,
                -2.5e-300,
                5e-324,
                1.7976931348623157e308,
                9007199254740992.0,
                1.0 / 3.0,
                // Equally short candidates (…5.2 and …5.3): Python takes the nearer one.
                -1020459894256335.2,
                1371010358211522.2,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
            ]
            .into_iter()
            .map(Value::Double)
            .collect(),
        ),
        (
            CALL_NIL_EMPTY,
            "m",
            vec![
                Value::Nil,
                Value::Array(vec![]),
                Value::Struct(vec![]),
                Value::Array(vec![Value::Nil, Value::Int(1)]),
                st(&[("n", Value::Nil)]),
                s(""),
            ],
        ),
        (
            CALL_BASE64,
            "m",
            vec![bytes(0), bytes(57), bytes(58), bytes(256)],
        ),
        (
            CALL_DATETIME,
            "m",
            vec![Value::DateTime("20240101T12:00:00".into())],
        ),
        (
            CALL_MULTICALL,
            "system.multicall",
            vec![Value::Array(vec![
                st(&[
                    ("methodName", s("supervisor.stopProcess")),
                    ("params", Value::Array(vec![s("a"), Value::Bool(true)])),
                ]),
                st(&[
                    ("methodName", s("supervisor.getProcessInfo")),
                    ("params", Value::Array(vec![s("b<&>")])),
                ]),
            ])],
        ),
        (
            CALL_NESTED,
            "m",
            vec![Value::Array(vec![
                Value::Array(vec![Value::Array(vec![])]),
                st(&[(
                    "a",
                    st(&[("b", Value::Array(vec![Value::Int(1), st(&[("c", s("d"))])]))]),
                )]),
            ])],
        ),
    ]
}

/// Equality that treats NaN as equal to itself.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, a), (kb, b))| ka == kb && same(a, b))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

#[test]
fn encode_call_matches_python_exactly() {
    for (golden, method, params) in golden_calls() {
        assert_eq!(
            encode_call(method, &params),
            golden,
            "method {method} params {params:?}"
        );
    }
}

#[test]
fn encode_response_matches_python_exactly() {
    let v = st(&[("a", Value::Int(1)), ("b", s("x<y"))]);
    assert_eq!(encode_response(&Ok(v)), RESP_STRUCT);
    assert_eq!(
        encode_response(&Err(Fault::new(30, "FAILED: <x> & y"))),
        RESP_FAULT
    );
    assert_eq!(encode_response(&Ok(Value::Nil)), RESP_NIL);
}

#[test]
fn encode_escapes_only_amp_lt_gt() {
    let doc = encode_call("m", &[s("<a href=\"x\">'&'</a>")]);
    assert!(
        doc.contains("<value><string>&lt;a href=\"x\"&gt;'&amp;'&lt;/a&gt;</string></value>\n"),
        "{doc}"
    );
    let doc = encode_call("m", &[st(&[("a&b", Value::Int(1))])]);
    assert!(doc.contains("<name>a&amp;b</name>"), "{doc}");
}

#[test]
fn encode_keeps_a_carriage_return() {
    // Written raw it would come back as a newline; as a reference it comes back as itself.
    let value = s("a\rb\r\nc");
    let doc = encode_response(&Ok(value.clone()));
    assert!(doc.contains("<string>a&#13;b&#13;\nc</string>"), "{doc}");
    assert_eq!(decode_response(doc.as_bytes()), Ok(Ok(value)));
}

#[test]
fn encode_large_ints_as_int() {
    let doc = encode_call("m", &[Value::Int(i64::MAX), Value::Int(i64::MIN)]);
    assert!(doc.contains("<value><int>9223372036854775807</int></value>\n"));
    assert!(doc.contains("<value><int>-9223372036854775808</int></value>\n"));
}

// ---------------------------------------------------------------------------------------------
// Decoding

#[test]
fn decode_golden_calls() {
    for (golden, method, params) in golden_calls() {
        let (m, p) = decode_call(golden.as_bytes()).unwrap_or_else(|e| panic!("{golden:?}: {e}"));
        assert_eq!(m, method);
        assert_eq!(p.len(), params.len());
        for (a, b) in p.iter().zip(&params) {
            let b = &xml_newlines(b);
            assert!(same(a, b), "{a:?} != {b:?}");
        }
    }
}

#[test]
fn decode_golden_responses() {
    assert_eq!(
        resp(RESP_STRUCT),
        Ok(Ok(st(&[("a", Value::Int(1)), ("b", s("x<y"))])))
    );
    assert_eq!(resp(RESP_FAULT), Ok(Err(Fault::new(30, "FAILED: <x> & y"))));
    assert_eq!(resp(RESP_NIL), Ok(Ok(Value::Nil)));
}

#[test]
fn decode_scalars() {
    let cases: Vec<(&str, Value)> = vec![
        ("<value><int>42</int></value>", Value::Int(42)),
        ("<value><int>-7</int></value>", Value::Int(-7)),
        ("<value><int>+7</int></value>", Value::Int(7)),
        ("<value><int> 12 </int></value>", Value::Int(12)),
        (
            "<value><i4>-2147483648</i4></value>",
            Value::Int(-2147483648),
        ),
        (
            "<value><i8>9223372036854775807</i8></value>",
            Value::Int(i64::MAX),
        ),
        (
            "<value><i8>-9223372036854775808</i8></value>",
            Value::Int(i64::MIN),
        ),
        ("<value><ex:i8>5</ex:i8></value>", Value::Int(5)),
        ("<value><boolean>1</boolean></value>", Value::Bool(true)),
        ("<value><boolean>0</boolean></value>", Value::Bool(false)),
        ("<value><string>foo bar</string></value>", s("foo bar")),
        ("<value>bare text</value>", s("bare text")),
        ("<value>  spaced  </value>", s("  spaced  ")),
        ("<value></value>", s("")),
        ("<value/>", s("")),
        ("<value><string/></value>", s("")),
        ("<value><string></string></value>", s("")),
        ("<value><double>1.5</double></value>", Value::Double(1.5)),
        (
            "<value><double>-0.25</double></value>",
            Value::Double(-0.25),
        ),
        (
            "<value><double>1e+300</double></value>",
            Value::Double(1e300),
        ),
        ("<value><double>12</double></value>", Value::Double(12.0)),
        (
            "<value><double>inf</double></value>",
            Value::Double(f64::INFINITY),
        ),
        (
            "<value><dateTime.iso8601>20240101T12:00:00</dateTime.iso8601></value>",
            Value::DateTime("20240101T12:00:00".into()),
        ),
        (
            "<value><base64>aGVsbG8=</base64></value>",
            Value::Base64(b"hello".to_vec()),
        ),
        (
            "<value><base64>\n aGVs\r\n bG8g\td29y bGQ=\n</base64></value>",
            Value::Base64(b"hello world".to_vec()),
        ),
        (
            "<value><base64>aGVsbG8</base64></value>",
            Value::Base64(b"hello".to_vec()),
        ),
        ("<value><base64></base64></value>", Value::Base64(vec![])),
        ("<value><base64/></value>", Value::Base64(vec![])),
        ("<value><nil/></value>", Value::Nil),
        ("<value><nil></nil></value>", Value::Nil),
        ("<value><ex:nil/></value>", Value::Nil),
        (
            "<value><ex:nil xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\"/></value>",
            Value::Nil,
        ),
    ];
    for (inner, want) in cases {
        let got = ok_value(inner);
        assert!(same(&got, &want), "{inner}: got {got:?}, want {want:?}");
    }
    match ok_value("<value><double>nan</double></value>") {
        Value::Double(d) => assert!(d.is_nan()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn decode_containers() {
    assert_eq!(
        ok_value("<value><array><data></data></array></value>"),
        Value::Array(vec![])
    );
    assert_eq!(
        ok_value("<value><array><data/></array></value>"),
        Value::Array(vec![])
    );
    assert_eq!(ok_value("<value><array/></value>"), Value::Array(vec![]));
    assert_eq!(
        ok_value("<value><struct></struct></value>"),
        Value::Struct(vec![])
    );
    assert_eq!(ok_value("<value><struct/></value>"), Value::Struct(vec![]));
    assert_eq!(
        ok_value(
            "<value><array><data><value>a</value><value/><value><int>1</int></value></data></array></value>"
        ),
        Value::Array(vec![s("a"), s(""), Value::Int(1)])
    );
    // Member order and duplicate names are kept; `get` sees the last one, as a dict would.
    let v = ok_value(
        "<value><struct><member><name>b</name><value>1</value></member>\
         <member><name>a</name><value><i4>2</i4></value></member>\
         <member><name>b</name><value>3</value></member>\
         <member><name/><value/></member></struct></value>",
    );
    assert_eq!(
        v,
        st(&[
            ("b", s("1")),
            ("a", Value::Int(2)),
            ("b", s("3")),
            ("", s(""))
        ])
    );
    assert_eq!(v.get("b"), Some(&s("3")));
    // Nesting both ways, closing several containers in a row.
    let v = ok_value(
        "<value><array><data><value><struct><member><name>x</name><value><array><data>\
         <value><array><data><value><nil/></value></data></array></value>\
         </data></array></value></member></struct></value><value>end</value></data></array></value>",
    );
    assert_eq!(
        v,
        Value::Array(vec![
            st(&[("x", Value::Array(vec![Value::Array(vec![Value::Nil])]))]),
            s("end")
        ])
    );
}

#[test]
fn decode_entities_and_cdata() {
    assert_eq!(
        ok_value(
            "<value><string>&lt;&gt;&amp;&quot;&apos;&#10;&#x41;&#65;&#x2603;</string></value>"
        ),
        s("<>&\"'\nAA\u{2603}")
    );
    assert_eq!(ok_value("<value>a&amp;b</value>"), s("a&b"));
    assert_eq!(ok_value("<value>&amp;</value>"), s("&"));
    assert_eq!(
        ok_value("<value><string>x<![CDATA[<raw> & stuff]]>y</string></value>"),
        s("x<raw> & stuffy")
    );
    // Line ends are normalised inside CDATA sections too, as expat does.
    assert_eq!(
        ok_value("<value><string><![CDATA[a\r\nb\rc]]></string></value>"),
        s("a\nb\nc")
    );
    assert_eq!(
        ok_value("<value><string>a<!-- note -->b</string></value>"),
        s("ab")
    );
    assert_eq!(ok_value("<value><i4>&#49;2</i4></value>"), Value::Int(12));
    assert_eq!(
        ok_value(
            "<value><struct><member><name>a&lt;b</name><value>1</value></member></struct></value>"
        ),
        st(&[("a<b", s("1"))])
    );
}

#[test]
fn decode_preserves_whitespace_in_strings() {
    for text in [
        "  lead",
        "trail  ",
        "\r\n",
        "a\r\nb\rc\nd",
        "\t \t",
        " ",
        "\n\n",
    ] {
        // XML parsers (expat too) turn CR LF and a lone CR into LF.
        let want = s(&text.replace("\r\n", "\n").replace('\r', "\n"));
        let inner = format!("<value><string>{text}</string></value>");
        assert_eq!(ok_value(&inner), want, "{text:?}");
        let inner = format!("<value>{text}</value>");
        assert_eq!(ok_value(&inner), want, "{text:?}");
        // A CR sent as a character reference is kept.
        let inner = "<value><string>a&#13;b</string></value>";
        assert_eq!(ok_value(inner), s("a\rb"));
    }
}

#[test]
fn decode_ignores_whitespace_between_elements() {
    let body = "\u{feff}<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n<!-- hello -->\r\n\
        <methodResponse>\r\n  <params>\r\n    <param>\r\n      <value>\r\n        <struct>\r\n\
        <member>\r\n <name>k</name>\r\n <value> <array> <data> <value> <int>1</int> </value>\r\n\
        </data> </array> </value>\r\n </member>\r\n </struct>\r\n </value>\r\n </param>\r\n\
        </params>\r\n</methodResponse>\r\n\r\n<!-- bye -->\n";
    assert_eq!(
        resp(body),
        Ok(Ok(st(&[("k", Value::Array(vec![Value::Int(1)]))])))
    );
}

#[test]
fn decode_without_declaration() {
    assert_eq!(
        resp(
            "<methodResponse><params><param><value><boolean>1</boolean></value></param></params></methodResponse>"
        ),
        Ok(Ok(Value::Bool(true)))
    );
}

#[test]
fn decode_faults() {
    let fault = |code: &str, string: &str| {
        resp(&format!(
            "<methodResponse><fault><value><struct>\
             <member><name>faultCode</name><value>{code}</value></member>\
             <member><name>faultString</name><value>{string}</value></member>\
             </struct></value></fault></methodResponse>"
        ))
    };
    assert_eq!(
        fault("<int>10</int>", "<string>BAD_NAME: foo</string>"),
        Ok(Err(Fault::new(10, "BAD_NAME: foo")))
    );
    assert_eq!(
        fault("<i4>1</i4>", "UNKNOWN_METHOD"),
        Ok(Err(Fault::new(1, "UNKNOWN_METHOD")))
    );
    assert_eq!(fault("<int>70</int>", ""), Ok(Err(Fault::new(70, ""))));
    for (code, string) in [
        ("<string>10</string>", "<string>x</string>"),
        ("10", "<string>x</string>"),
        ("<boolean>1</boolean>", "x"),
        ("<int>10</int>", "<int>5</int>"),
        ("<int>10</int>", "<array><data/></array>"),
    ] {
        let e = fault(code, string).expect_err(code);
        assert!(e.0.contains("malformed fault"), "{e}");
    }
    for body in [
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value>\
         </member></struct></value></fault></methodResponse>",
        "<methodResponse><fault><value><struct><member><name>faultString</name><value>x</value>\
         </member></struct></value></fault></methodResponse>",
        "<methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
        "<methodResponse><fault><value><string>oops</string></value></fault></methodResponse>",
        "<methodResponse><fault><value><array><data/></array></value></fault></methodResponse>",
    ] {
        let e = resp(body).expect_err(body);
        assert!(e.0.contains("malformed fault"), "{e}");
    }
}

#[test]
fn decode_call_shapes() {
    assert_eq!(
        decode_call(b"<methodCall><methodName>a.b</methodName></methodCall>"),
        Ok(("a.b".into(), vec![]))
    );
    assert_eq!(
        decode_call(b"<methodCall><methodName>a.b</methodName><params/></methodCall>"),
        Ok(("a.b".into(), vec![]))
    );
    assert_eq!(
        decode_call(b"<methodCall><methodName>x</methodName><params><param><value>1</value></param><param><value><int>2</int></value></param></params></methodCall>"),
        Ok(("x".into(), vec![s("1"), Value::Int(2)]))
    );
    assert!(decode_call(b"<methodResponse><params/></methodResponse>").is_err());
    assert!(decode_call(b"<methodCall><params/></methodCall>").is_err());
    assert!(
        decode_call(
            b"<methodCall><methodName>x</methodName><params><param/></params></methodCall>"
        )
        .is_err()
    );
}

#[test]
fn nesting_depth_is_capped_at_256() {
    let nested = |depth: usize, open: &str, close: &str| {
        let mut body = String::from("<methodResponse><params><param><value>");
        for _ in 0..depth {
            body.push_str(open);
        }
        body.push_str("<int>1</int>");
        for _ in 0..depth {
            body.push_str(close);
        }
        body.push_str("</value></param></params></methodResponse>");
        body
    };
    let arr = ("<array><data><value>", "</value></data></array>");
    let strct = (
        "<struct><member><name>k</name><value>",
        "</value></member></struct>",
    );
    for (open, close) in [arr, strct] {
        let v = resp(&nested(256, open, close))
            .expect("256 levels are fine")
            .expect("no fault");
        let mut depth = 0;
        let mut cur = &v;
        loop {
            cur = match cur {
                Value::Array(a) => &a[0],
                Value::Struct(m) => &m[0].1,
                _ => break,
            };
            depth += 1;
        }
        assert_eq!(depth, 256);
        assert_eq!(cur, &Value::Int(1));
        let e = resp(&nested(257, open, close)).expect_err("257 levels are too many");
        assert!(e.0.contains("too deeply nested"), "{e}");
    }
}

#[test]
fn hostile_deep_nesting_fails_fast() {
    for (open, close) in [
        ("<array><data><value>", "</value></data></array>"),
        (
            "<struct><member><name>k</name><value>",
            "</value></member></struct>",
        ),
    ] {
        let mut body = String::from("<methodResponse><params><param><value>");
        body.push_str(&open.repeat(100_000));
        body.push_str(&close.repeat(100_000));
        body.push_str("</value></param></params></methodResponse>");
        let started = std::time::Instant::now();
        let e = resp(&body).expect_err("deep nesting");
        assert!(e.0.contains("too deeply nested"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // Unclosed, as an attacker would more likely send it.
        let body = format!(
            "<methodResponse><params><param><value>{}",
            open.repeat(100_000)
        );
        assert!(resp(&body).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips

fn sample_value() -> Value {
    st(&[
        ("name", s("cat:cat_00")),
        ("empty", s("")),
        ("spaces", s("  a \n b\t ")),
        ("markup", s("<tag attr=\"v\">&amp; 'q'</tag> ]]>")),
        ("unicode", s("h\u{e9}llo \u{2603} \u{1f600}")),
        ("pid", Value::Int(4242)),
        ("big", Value::Int(i64::MAX)),
        ("small", Value::Int(i64::MIN)),
        ("yes", Value::Bool(true)),
        ("no", Value::Bool(false)),
        ("ratio", Value::Double(0.1)),
        ("tiny", Value::Double(5e-324)),
        ("huge", Value::Double(-1.7976931348623157e308)),
        ("when", Value::DateTime("20240229T23:59:60".into())),
        ("blob", Value::Base64((0..=255).chain(0..=255).collect())),
        ("nothing", Value::Nil),
        (
            "list",
            Value::Array(vec![
                Value::Int(1),
                Value::Nil,
                Value::Array(vec![]),
                Value::Struct(vec![]),
                s("x"),
            ]),
        ),
        (
            "nested",
            st(&[(
                "a",
                st(&[("b", Value::Array(vec![st(&[("c", Value::Nil)])]))]),
            )]),
        ),
        ("dup", s("first")),
        ("dup", s("second")),
    ])
}

#[test]
fn round_trip_responses() {
    let values = [
        sample_value(),
        Value::Nil,
        s(""),
        s("plain"),
        Value::Int(0),
        Value::Array(vec![sample_value(), sample_value()]),
        Value::Base64(vec![]),
    ];
    for v in values {
        let doc = encode_response(&Ok(v.clone()));
        assert_eq!(resp(&doc), Ok(Ok(v)), "{doc}");
    }
    for f in [
        Fault::new(30, "FAILED: <x> & 'y'"),
        Fault::new(-1, ""),
        Fault::new(i64::MAX, " \n "),
    ] {
        assert_eq!(resp(&encode_response(&Err(f.clone()))), Ok(Err(f)));
    }
}

#[test]
fn round_trip_calls() {
    let calls: Vec<(&str, Vec<Value>)> = vec![
        ("supervisor.getVersion", vec![]),
        (
            "supervisor.startProcess",
            vec![s("group:name"), Value::Bool(true)],
        ),
        (
            "supervisor.sendProcessStdin",
            vec![s("x"), s("line one\nline two\n")],
        ),
        ("system.multicall", vec![Value::Array(vec![sample_value()])]),
        (
            "m",
            vec![Value::Nil, Value::Nil, sample_value(), Value::Double(-0.0)],
        ),
    ];
    for (method, params) in calls {
        let doc = encode_call(method, &params);
        assert_eq!(
            decode_call(doc.as_bytes()),
            Ok((method.to_owned(), params)),
            "{doc}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed input

#[test]
fn malformed_documents_are_errors() {
    let ok_resp =
        "<methodResponse><params><param><value>x</value></param></params></methodResponse>";
    let billion_laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n\
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n\
        <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n\
        <methodResponse><params><param><value>&lol3;</value></param></params></methodResponse>";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty body", b"".to_vec()),
        ("whitespace only", b"  \r\n ".to_vec()),
        ("declaration only", b"<?xml version='1.0'?>\n".to_vec()),
        ("garbage bytes", b"\x00\x01\x02\xff garbage \x7f".to_vec()),
        ("plain text", b"Internal Server Error".to_vec()),
        ("json", br#"{"jsonrpc": "2.0", "result": 1}"#.to_vec()),
        (
            "html error page",
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>".to_vec(),
        ),
        ("html with doctype", b"<!DOCTYPE html>\n<html><body>Unauthorized</body></html>".to_vec()),
        ("billion laughs", billion_laughs.as_bytes().to_vec()),
        (
            "external entity",
            b"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><methodResponse><params><param><value>&x;</value></param></params></methodResponse>".to_vec(),
        ),
        ("unknown entity", b"<methodResponse><params><param><value>&nbsp;</value></param></params></methodResponse>".to_vec()),
        ("dangling ampersand", b"<methodResponse><params><param><value>a & b</value></param></params></methodResponse>".to_vec()),
        ("nul char ref", b"<methodResponse><params><param><value>&#0;</value></param></params></methodResponse>".to_vec()),
        ("control char ref", b"<methodResponse><params><param><value>&#1;</value></param></params></methodResponse>".to_vec()),
        ("surrogate char ref", b"<methodResponse><params><param><value>&#xD800;</value></param></params></methodResponse>".to_vec()),
        ("bad char ref", b"<methodResponse><params><param><value>&#xZZ;</value></param></params></methodResponse>".to_vec()),
        ("huge char ref", b"<methodResponse><params><param><value>&#99999999999999999999;</value></param></params></methodResponse>".to_vec()),
        (
            "invalid utf-8 in string",
            b"<methodResponse><params><param><value><string>caf\xe9</string></value></param></params></methodResponse>".to_vec(),
        ),
        (
            "invalid utf-8 in tag",
            b"<methodResponse><params><param><value><str\xffing>x</str\xffing></value></param></params></methodResponse>".to_vec(),
        ),
        ("utf-16 document", "<methodResponse/>".encode_utf16().flat_map(|u| u.to_le_bytes()).collect()),
        ("truncated", ok_resp.as_bytes()[..ok_resp.len() - 5].to_vec()),
        ("truncated in tag", b"<methodResponse><params><param><value><int>1</int></val".to_vec()),
        ("unclosed comment", b"<methodResponse><!-- ".to_vec()),
        ("unclosed cdata", b"<methodResponse><params><param><value><![CDATA[abc".to_vec()),
        ("trailing element", format!("{ok_resp}<methodResponse/>").into_bytes()),
        ("trailing text", format!("{ok_resp}\ngarbage").into_bytes()),
        ("leading text", format!("junk{ok_resp}").into_bytes()),
        ("declaration after whitespace", format!("\n<?xml version='1.0'?>{ok_resp}").into_bytes()),
        ("wrong root", b"<methodCall><methodName>x</methodName><params/></methodCall>".to_vec()),
        ("empty root", b"<methodResponse/>".to_vec()),
        ("missing params", b"<methodResponse></methodResponse>".to_vec()),
        ("value without params", b"<methodResponse><param><value>x</value></param></methodResponse>".to_vec()),
        ("zero params", b"<methodResponse><params></params></methodResponse>".to_vec()),
        ("empty params", b"<methodResponse><params/></methodResponse>".to_vec()),
        ("empty param", b"<methodResponse><params><param/></params></methodResponse>".to_vec()),
        ("param without value", b"<methodResponse><params><param></param></params></methodResponse>".to_vec()),
        (
            "two params",
            b"<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params></methodResponse>".to_vec(),
        ),
        (
            "two values in a param",
            b"<methodResponse><params><param><value>a</value><value>b</value></param></params></methodResponse>".to_vec(),
        ),
        (
            "params and fault",
            b"<methodResponse><params><param><value>a</value></param></params><fault/></methodResponse>".to_vec(),
        ),
        ("unexpected element", b"<methodResponse><params><param><value><foo>1</foo></value></param></params></methodResponse>".to_vec()),
        ("unexpected element in params", b"<methodResponse><params><br/></params></methodResponse>".to_vec()),
        ("mismatched tags", b"<methodResponse><params><param><value><int>1</i4></value></param></params></methodResponse>".to_vec()),
        ("mismatched prefix", b"<methodResponse><params><param><value><ex:nil></nil></value></param></params></methodResponse>".to_vec()),
        ("unclosed value", b"<methodResponse><params><param><value><int>1</int></param></params></methodResponse>".to_vec()),
        ("text beside typed", b"<methodResponse><params><param><value>x<int>1</int></value></param></params></methodResponse>".to_vec()),
        ("two typed", b"<methodResponse><params><param><value><int>1</int><int>2</int></value></param></params></methodResponse>".to_vec()),
        ("element in int", b"<methodResponse><params><param><value><int><b>1</b></int></value></param></params></methodResponse>".to_vec()),
        ("int overflow", b"<methodResponse><params><param><value><int>9223372036854775808</int></value></param></params></methodResponse>".to_vec()),
        ("int underflow", b"<methodResponse><params><param><value><i8>-9223372036854775809</i8></value></param></params></methodResponse>".to_vec()),
        ("non-numeric int", b"<methodResponse><params><param><value><int>12a</int></value></param></params></methodResponse>".to_vec()),
        ("empty int", b"<methodResponse><params><param><value><int></int></value></param></params></methodResponse>".to_vec()),
        ("self-closed int", b"<methodResponse><params><param><value><i4/></value></param></params></methodResponse>".to_vec()),
        ("float int", b"<methodResponse><params><param><value><int>1.0</int></value></param></params></methodResponse>".to_vec()),
        ("bad boolean 2", b"<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>".to_vec()),
        ("bad boolean true", b"<methodResponse><params><param><value><boolean>true</boolean></value></param></params></methodResponse>".to_vec()),
        ("empty boolean", b"<methodResponse><params><param><value><boolean/></value></param></params></methodResponse>".to_vec()),
        ("bad double", b"<methodResponse><params><param><value><double>1.2.3</double></value></param></params></methodResponse>".to_vec()),
        ("bad base64", b"<methodResponse><params><param><value><base64>!!!!</base64></value></param></params></methodResponse>".to_vec()),
        ("text in nil", b"<methodResponse><params><param><value><nil>x</nil></value></param></params></methodResponse>".to_vec()),
        ("array without data", b"<methodResponse><params><param><value><array><value>1</value></array></value></param></params></methodResponse>".to_vec()),
        ("array with text", b"<methodResponse><params><param><value><array><data>x</data></array></value></param></params></methodResponse>".to_vec()),
        ("unclosed array", b"<methodResponse><params><param><value><array><data><value>1</value></array></value></param></params></methodResponse>".to_vec()),
        (
            "member without name",
            b"<methodResponse><params><param><value><struct><member><value>1</value></member></struct></value></param></params></methodResponse>".to_vec(),
        ),
        (
            "member without value",
            b"<methodResponse><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodResponse>".to_vec(),
        ),
        (
            "member with two values",
            b"<methodResponse><params><param><value><struct><member><name>a</name><value>1</value><value>2</value></member></struct></value></param></params></methodResponse>".to_vec(),
        ),
        (
            "element in name",
            b"<methodResponse><params><param><value><struct><member><name><b>a</b></name><value>1</value></member></struct></value></param></params></methodResponse>".to_vec(),
        ),
        ("value directly in struct", b"<methodResponse><params><param><value><struct><value>1</value></struct></value></param></params></methodResponse>".to_vec()),
        ("processing garbage", b"<methodResponse><params><param><value><?".to_vec()),
        ("lone lt", b"<methodResponse><params><param><value>a < b</value></param></params></methodResponse>".to_vec()),
    ];
    assert!(cases.len() >= 20);
    for (what, body) in &cases {
        match decode_response(body) {
            Err(e) => assert!(
                e.0.starts_with("malformed XML-RPC response: "),
                "{what}: {e}"
            ),
            Ok(v) => panic!("{what}: decoded to {v:?}"),
        }
    }
    // Nor are they calls (except the one that is).
    for (what, body) in cases.iter().filter(|(what, _)| *what != "wrong root") {
        assert!(decode_call(body).is_err(), "{what}");
    }
}

#[test]
fn error_messages_say_what_was_wrong() {
    let msg = |body: &str| resp(body).expect_err(body).0;
    assert_eq!(msg(""), "malformed XML-RPC response: empty document");
    assert_eq!(
        msg("<methodResponse></methodResponse>"),
        "malformed XML-RPC response: expected <params>, found </methodResponse>"
    );
    assert_eq!(
        msg("<html><body>x</body></html>"),
        "malformed XML-RPC response: expected <methodResponse>, found <html>"
    );
    assert_eq!(
        msg("<!DOCTYPE html><html/>"),
        "malformed XML-RPC response: DOCTYPE is not allowed"
    );
    assert_eq!(
        msg(
            "<methodResponse><params><param><value><int>99999999999999999999</int></value></param></params></methodResponse>"
        ),
        "malformed XML-RPC response: integer out of range: \"99999999999999999999\""
    );
    assert_eq!(
        msg(
            "<methodResponse><params><param><value><boolean>yes</boolean></value></param></params></methodResponse>"
        ),
        "malformed XML-RPC response: bad boolean value \"yes\""
    );
    assert!(msg("<methodResponse><params><param><value>").contains("truncated document"));
    assert!(
        msg("<methodResponse><params><param><value>&foo;</value>").contains("unknown entity &foo;")
    );
    let e =
        decode_call(b"<methodCall><methodName>x</methodName><params><x/></params></methodCall>")
            .expect_err("x");
    assert_eq!(
        e.0,
        "malformed XML-RPC call: expected <param> or </params>, found <x/>"
    );
}

#[test]
fn every_truncation_is_an_error() {
    for doc in [encode_response(&Ok(sample_value())), RESP_FAULT.to_owned()] {
        let end = doc.rfind('>').expect("closing tag") + 1;
        for cut in 0..end {
            assert!(
                decode_response(&doc.as_bytes()[..cut]).is_err(),
                "accepted a cut at {cut}: {:?}",
                &doc[..cut]
            );
        }
        assert!(decode_response(&doc.as_bytes()[..end]).is_ok());
    }
    let doc = encode_call("system.multicall", &[sample_value()]);
    let end = doc.rfind('>').expect("closing tag") + 1;
    for cut in 0..end {
        assert!(
            decode_call(&doc.as_bytes()[..cut]).is_err(),
            "accepted a cut at {cut}"
        );
    }
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn fuzzed_documents_never_panic() {
    const PIECES: &[&[u8]] = &[
        b"<",
        b">",
        b"/",
        b"&",
        b";",
        b"&amp;",
        b"&#",
        b"&#x",
        b"&#1114112;",
        b"&lol;",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"]]>",
        b"<?",
        b"?>",
        b"<!DOCTYPE x>",
        b"<value>",
        b"</value>",
        b"<value/>",
        b"<array><data>",
        b"</data></array>",
        b"<struct><member><name>n</name>",
        b"</member></struct>",
        b"<int>",
        b"</int>",
        b"<i8>99999999999999999999</i8>",
        b"<boolean>2</boolean>",
        b"<base64>",
        b"</base64>",
        b"<nil/>",
        b"<double>",
        b"</double>",
        b"<param>",
        b"</param>",
        b"<params>",
        b"</params>",
        b"<fault>",
        b"\xff",
        b"\xc3",
        b"\x00",
        b" ",
        b"\r\n",
        b"\"",
        b"'",
        b"=",
        b":",
        b"<ex:nil/>",
    ];
    let seeds: Vec<Vec<u8>> = vec![
        encode_response(&Ok(sample_value())).into_bytes(),
        encode_response(&Err(Fault::new(30, "FAILED: x"))).into_bytes(),
        encode_call("system.multicall", &[Value::Array(vec![sample_value()])]).into_bytes(),
        RESP_NIL.as_bytes().to_vec(),
        CALL_NESTED.as_bytes().to_vec(),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let mut doc = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(4) {
            let len = doc.len();
            let at = rng.below(len + 1);
            match rng.below(7) {
                0 if len > 0 => doc[at.min(len - 1)] = rng.next() as u8,
                1 => {
                    let end = (at + 1 + rng.below(16)).min(len);
                    doc.drain(at..end);
                }
                2 | 3 => {
                    let piece = PIECES[rng.below(PIECES.len())];
                    doc.splice(at..at, piece.iter().copied());
                }
                4 => doc.truncate(at),
                5 => {
                    let end = (at + 1 + rng.below(64)).min(len);
                    let copy = doc[at..end].to_vec();
                    let to = rng.below(doc.len() + 1);
                    doc.splice(to..to, copy);
                }
                _ => {
                    if len > 1 {
                        let other = rng.below(len);
                        doc.swap(at.min(len - 1), other);
                    }
                }
            }
        }
        if decode_response(&doc).is_ok() {
            accepted += 1;
        }
        let _ = decode_call(&doc);
    }
    // Mostly rejected, but some mutations (inside text) are harmless.
    assert!(accepted > 0 && accepted < 20_000, "accepted {accepted}");
}

/// What an XML parser hands back for a value that was sent with raw CRs.
fn xml_newlines(v: &Value) -> Value {
    match v {
        Value::String(t) => Value::String(t.replace("\r\n", "\n").replace('\r', "\n")),
        Value::Array(a) => Value::Array(a.iter().map(xml_newlines).collect()),
        Value::Struct(m) => Value::Struct(
            m.iter()
                .map(|(k, v)| (k.clone(), xml_newlines(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
