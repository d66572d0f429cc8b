//! The XML-RPC response decoder on arbitrary bytes: a value, a fault or an error, without
//! panicking, overflowing the stack or running away with memory. What decodes re-encodes to a
//! document that decodes to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supervisor_quick::xmlrpc::{Value, decode_response, encode_response};

fuzz_target!(|data: &[u8]| {
    let Ok(result) = decode_response(data) else {
        return;
    };
    let again = encode_response(&result);
    match (decode_response(again.as_bytes()), &result) {
        (Ok(Ok(v)), Ok(value)) => assert!(same(&v, value), "re-encoding changed the value"),
        (Ok(Err(f)), Err(fault)) => assert_eq!(&f, fault, "re-encoding changed the fault"),
        (other, _) => panic!("a decoded response did not survive re-encoding: {other:?}"),
    }
});

/// Equality, with a NaN equal to itself (`<double>nan</double>` is a value like any other).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => a == b,
    }
}
