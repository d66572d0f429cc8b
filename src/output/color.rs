//! Colour, decided once per run (`--color`, `NO_COLOR`, a terminal) and applied by meaning:
//! callers say what a word is (a state, a success, a failure), never which colour it gets.

use std::ffi::OsStr;

use nu_ansi_term::{Color, Style};

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set to something.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub const VALUES: [&'static str; 3] = ["auto", "always", "never"];

    pub fn parse(s: &str) -> Option<ColorChoice> {
        match s {
            "auto" => Some(ColorChoice::Auto),
            "always" => Some(ColorChoice::Always),
            "never" => Some(ColorChoice::Never),
            _ => None,
        }
    }

    /// Whether to paint, given `NO_COLOR`'s value and whether stdout is a terminal. An explicit
    /// `--color always` wins over `NO_COLOR` (a command-line choice beats the environment).
    pub fn resolve(self, no_color: Option<&OsStr>, stdout_is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => no_color.is_none_or(OsStr::is_empty) && stdout_is_terminal,
        }
    }

    /// [`ColorChoice::resolve`] for this process.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        self.resolve(
            std::env::var_os("NO_COLOR").as_deref(),
            std::io::stdout().is_terminal(),
        )
    }
}

/// Paints by meaning, or leaves text alone when colour is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub enabled: bool,
}

impl Palette {
    pub fn new(enabled: bool) -> Palette {
        Palette { enabled }
    }

    fn paint(self, style: Style, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            style.paint(text).to_string()
        } else {
            text.to_owned()
        }
    }

    /// A process state name as supervisord spells it.
    pub fn state(self, statename: &str) -> String {
        self.paint(state_style(statename), statename)
    }

    /// A state name left-justified in `width` columns; only the word is painted, the padding
    /// stays outside so that columns line up exactly as without colour.
    pub fn state_padded(self, statename: &str, width: usize) -> String {
        let pad = width.saturating_sub(statename.chars().count());
        format!("{}{}", self.state(statename), " ".repeat(pad))
    }

    /// A goal reached (`started`).
    pub fn good(self, text: &str) -> String {
        self.paint(Color::Green.normal(), text)
    }

    /// Nothing to do, not a failure (`already started`, `not running`).
    pub fn notice(self, text: &str) -> String {
        self.paint(Color::Yellow.normal(), text)
    }

    /// A failure.
    pub fn bad(self, text: &str) -> String {
        self.paint(Color::Red.normal(), text)
    }

    /// At rest (`stopped`).
    pub fn quiet(self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
}

fn state_style(statename: &str) -> Style {
    match statename {
        "RUNNING" => Color::Green.normal(),
        "STARTING" | "STOPPING" => Color::Yellow.normal(),
        "FATAL" | "BACKOFF" | "EXITED" | "UNKNOWN" => Color::Red.normal(),
        "STOPPED" => Style::new().dimmed(),
        _ => Style::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_parses_and_resolves() {
        assert_eq!(ColorChoice::parse("always"), Some(ColorChoice::Always));
        assert_eq!(ColorChoice::parse("Always"), None);
        for v in ColorChoice::VALUES {
            assert!(ColorChoice::parse(v).is_some());
        }
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(ColorChoice::Auto.resolve(None, true));
        assert!(ColorChoice::Auto.resolve(empty, true));
        assert!(!ColorChoice::Auto.resolve(set, true));
        assert!(!ColorChoice::Auto.resolve(None, false));
        assert!(ColorChoice::Always.resolve(set, false));
        assert!(!ColorChoice::Never.resolve(None, true));
    }

    #[test]
    fn states_are_painted_by_meaning() {
        let on = Palette::new(true);
        assert_eq!(on.state("RUNNING"), "\x1b[32mRUNNING\x1b[0m");
        assert_eq!(on.state("STARTING"), "\x1b[33mSTARTING\x1b[0m");
        assert_eq!(on.state("STOPPING"), "\x1b[33mSTOPPING\x1b[0m");
        for s in ["FATAL", "BACKOFF", "EXITED"] {
            assert_eq!(on.state(s), format!("\x1b[31m{s}\x1b[0m"));
        }
        assert_eq!(on.state("STOPPED"), "\x1b[2mSTOPPED\x1b[0m");
        assert_eq!(on.state_padded("RUNNING", 10), "\x1b[32mRUNNING\x1b[0m   ");
        assert_eq!(on.state_padded("LONGERTHANTEN", 10), "LONGERTHANTEN");
    }

    #[test]
    fn off_means_the_plain_text() {
        let off = Palette::new(false);
        assert_eq!(off.state_padded("RUNNING", 10), "RUNNING   ");
        assert_eq!(off.good("started"), "started");
        assert_eq!(off.bad("ERROR (spawn error)"), "ERROR (spawn error)");
    }
}
