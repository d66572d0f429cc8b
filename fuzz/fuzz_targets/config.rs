//! The config reader (decoding, the ini parser, `%` expansion, path normalisation, the
//! `[supervisorctl]` checks) on arbitrary file contents: options or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supervisor_quick::config::{ConfigError, Context, realize_bytes};

fuzz_target!(|data: &[u8]| {
    let ctx = Context {
        environ: vec![
            ("HOME".to_string(), "/home/fuzz".to_string()),
            ("USER".to_string(), "fuzz".to_string()),
            ("PATH".to_string(), "/usr/bin:/bin".to_string()),
        ],
        search_paths: Vec::new(),
        cwd: Some("/tmp".to_string()),
    };
    match realize_bytes(data, "/etc/supervisor/supervisord.conf", &ctx) {
        Ok(options) => {
            // A password is never shown by the options' Debug.
            let shown = format!("{options:?}");
            assert!(options.password.is_none() || shown.contains("password: Some(\"(redacted)\")"));
        }
        Err(ConfigError::Usage(msg)) | Err(ConfigError::Syntax(msg)) => assert!(!msg.is_empty()),
    }
});
