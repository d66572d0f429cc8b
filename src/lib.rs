//! supervisor-quick: a fast, supervisorctl-compatible client for supervisord.

pub mod api;
pub mod cli;
pub mod commands;
pub mod completion;
pub mod config;
pub mod error;
pub mod output;
pub mod pattern;
pub mod prompt;
pub mod pyrepr;
pub mod shell;
pub mod transport;
pub mod xmlrpc;

pub use commands::run;
