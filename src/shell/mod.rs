//! The interactive shell.

use std::io::{BufRead, Write};

use crate::commands::Controller;

/// Runs the shell: an implicit `status` first (as stock), then one command per line.
pub async fn run(ctl: &mut Controller) {
    ctl.onecmd("status").await;
    let prompt = format!("{}> ", ctl.options.prompt);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock();
    loop {
        ctl.write_raw(prompt.as_bytes());
        let mut line = String::new();
        match lines.read_line(&mut line) {
            Ok(0) | Err(_) => {
                ctl.onecmd("EOF").await;
                break;
            }
            Ok(_) => {}
        }
        if ctl.onecmd(&line).await {
            break;
        }
        let _ = std::io::stdout().flush();
    }
}
