//! XML-RPC codec: values, faults, and the request/response documents supervisord speaks.
//! Knows nothing of HTTP.

mod decode;
mod encode;
mod fault;
mod value;

#[cfg(test)]
mod tests;

pub use decode::{DecodeError, decode_call, decode_response};
pub use encode::{encode_call, encode_response};
pub use fault::{Fault, FaultCode};
pub use value::Value;
