//! Questions asked on the terminal: stock's y/N confirmations and the credentials prompt after
//! a 401. Answers are read from standard input; the password without echo when it is a terminal.

use std::io::{BufRead, IsTerminal, Write};

/// Python's `input(prompt)`: None at end of input.
pub fn input(prompt: &str) -> Option<String> {
    let mut out = std::io::stdout();
    let _ = out.write_all(prompt.as_bytes());
    let _ = out.flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
    }
}

/// Python's `getpass(prompt)`: from the terminal without echo, else a line of standard input.
pub fn password(prompt: &str) -> Option<String> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).ok();
    }
    input(prompt)
}

/// The Username/Password pair stock asks for after a 401 in the shell.
pub fn credentials() -> Option<(String, String)> {
    let username = input("Username:")?;
    let password = password("Password:")?;
    Some((username, password))
}

/// A y/N question: yes when the answer starts with `y` or `Y`; None at end of input.
pub fn confirm(question: &str) -> Option<bool> {
    input(question).map(|a| a.to_lowercase().starts_with('y'))
}
