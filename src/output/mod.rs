//! How results look: colour on a terminal, JSON for scripts. Nothing here talks to the server.

pub mod color;
pub mod json;

pub use color::{ColorChoice, Palette};
