//! Shell completion scripts and the man page, generated from one clap model of the command line
//! (`model.rs`), and the hidden entry point through which the scripts ask for live names
//! (`live.rs`).
//!
//! Two hidden first arguments, which stock supervisorctl rejects as unknown options (so an
//! older binary or stock never runs anything for them):
//! * `--complete SHELL WORD...`: the candidates for the last word (see `live.rs`);
//! * `--generate KIND`: one generated file on stdout (`bash`, `zsh`, `fish`, `elvish`,
//!   `powershell`, `man`), exactly as committed under `completions/` and `man/`.

mod hooks;
pub mod live;
pub mod man;
pub mod model;

use std::ffi::OsString;

use clap_complete::Shell;

use crate::commands::exit;

/// The first argument that asks for completions.
pub const COMPLETE_FLAG: &str = "--complete";
/// The first argument that asks for a generated file.
pub const GENERATE_FLAG: &str = "--generate";

/// A generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    Completion(Shell),
    Man,
}

impl Artifact {
    /// Every generated file, in the order they are listed.
    pub const ALL: [Artifact; 6] = [
        Artifact::Completion(Shell::Bash),
        Artifact::Completion(Shell::Zsh),
        Artifact::Completion(Shell::Fish),
        Artifact::Completion(Shell::Elvish),
        Artifact::Completion(Shell::PowerShell),
        Artifact::Man,
    ];

    /// The name `--generate` takes.
    pub fn kind(self) -> &'static str {
        match self {
            Artifact::Completion(Shell::Bash) => "bash",
            Artifact::Completion(Shell::Zsh) => "zsh",
            Artifact::Completion(Shell::Fish) => "fish",
            Artifact::Completion(Shell::Elvish) => "elvish",
            Artifact::Completion(_) => "powershell",
            Artifact::Man => "man",
        }
    }

    pub fn from_kind(kind: &str) -> Option<Artifact> {
        Artifact::ALL.into_iter().find(|a| a.kind() == kind)
    }

    /// Where the file is committed, relative to the repository.
    pub fn path(self) -> &'static str {
        match self {
            Artifact::Completion(Shell::Bash) => "completions/supervisor-quick.bash",
            Artifact::Completion(Shell::Zsh) => "completions/_supervisor-quick",
            Artifact::Completion(Shell::Fish) => "completions/supervisor-quick.fish",
            Artifact::Completion(Shell::Elvish) => "completions/supervisor-quick.elv",
            Artifact::Completion(_) => "completions/_supervisor-quick.ps1",
            Artifact::Man => "man/supervisor-quick.1",
        }
    }

    /// The file's content. Deterministic: the same binary always writes the same bytes.
    pub fn render(self) -> Result<String, String> {
        match self {
            Artifact::Completion(shell) => script(shell),
            Artifact::Man => man::render(),
        }
    }
}

/// The completion script for `shell`: clap_complete's, with the live-names hook attached.
pub fn script(shell: Shell) -> Result<String, String> {
    let mut cmd = model::model();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, model::BIN, &mut buf);
    let generated =
        String::from_utf8(buf).map_err(|e| format!("the {shell} script is not UTF-8: {e}"))?;
    hooks::attach(shell, &generated)
}

/// Runs a hidden entry point if `argv[1]` names one; returns its exit status.
pub fn hidden_entry(argv: &[OsString]) -> Option<i32> {
    match argv.get(1)?.to_str()? {
        COMPLETE_FLAG => Some(live::main(argv)),
        GENERATE_FLAG => Some(generate_main(argv)),
        _ => None,
    }
}

fn generate_main(argv: &[OsString]) -> i32 {
    let kinds: Vec<&str> = Artifact::ALL.iter().map(|a| a.kind()).collect();
    let artifact = match argv
        .get(2)
        .and_then(|k| k.to_str())
        .and_then(Artifact::from_kind)
    {
        Some(a) if argv.len() == 3 => a,
        _ => {
            eprintln!(
                "usage: supervisor-quick {GENERATE_FLAG} {{{}}}",
                kinds.join("|")
            );
            return exit::INVALID_ARGS;
        }
    };
    match artifact.render() {
        Ok(text) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => exit::SUCCESS,
                Err(_) => exit::GENERIC,
            }
        }
        Err(e) => {
            eprintln!("supervisor-quick: cannot generate {}: {e}", artifact.kind());
            exit::GENERIC
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_is_valid_clap() {
        model::model().debug_assert();
    }

    #[test]
    fn every_registry_command_is_in_the_model() {
        let m = model::model();
        for spec in crate::commands::registry::COMMANDS {
            let sub = m
                .find_subcommand(spec.name)
                .unwrap_or_else(|| panic!("{} missing", spec.name));
            assert_eq!(
                sub.get_about().map(|a| a.to_string()).as_deref(),
                Some(spec.summary)
            );
        }
        assert!(m.find_subcommand("help").is_some());
        // The global options are cli::command()'s, `--color` included.
        let longs: Vec<&str> = m.get_arguments().filter_map(|a| a.get_long()).collect();
        assert!(
            longs.contains(&"configuration") && longs.contains(&"color"),
            "{longs:?}"
        );
    }

    #[test]
    fn every_artifact_renders_and_round_trips_its_kind() {
        for a in Artifact::ALL {
            assert_eq!(Artifact::from_kind(a.kind()), Some(a));
            let text = a.render().unwrap_or_else(|e| panic!("{}: {e}", a.kind()));
            assert!(text.len() > 1000, "{}", a.kind());
            assert_eq!(
                a.render().as_deref(),
                Ok(text.as_str()),
                "{} is not deterministic",
                a.kind()
            );
        }
    }

    #[test]
    fn bash_knows_every_action_it_walks_into() {
        let script = script(Shell::Bash).unwrap();
        for spec in crate::commands::registry::COMMANDS {
            let assigned = format!("cmd=\"supervisor__quick__subcmd__{}\"", spec.name);
            let case = format!("\n        supervisor__quick__subcmd__{})\n", spec.name);
            assert!(
                script.contains(&assigned) && script.contains(&case),
                "{}",
                spec.name
            );
        }
    }

    #[test]
    fn hidden_entries_only_as_the_first_argument() {
        let argv = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(hidden_entry(&argv(&["x", "status", "--complete"])), None);
        assert_eq!(hidden_entry(&argv(&["x", "--comp"])), None);
        assert_eq!(hidden_entry(&argv(&["x"])), None);
        assert_eq!(
            hidden_entry(&argv(&["x", "--generate", "nosuch"])),
            Some(exit::INVALID_ARGS)
        );
        assert_eq!(
            hidden_entry(&argv(&["x", "--complete", "nosuch"])),
            Some(exit::INVALID_ARGS)
        );
        // An option or the action word: the static completion answers.
        assert_eq!(
            hidden_entry(&argv(&["x", "--complete", "bash", "-c"])),
            Some(live::NOT_MINE)
        );
        assert_eq!(
            hidden_entry(&argv(&["x", "--complete", "bash", "sta"])),
            Some(live::NOT_MINE)
        );
    }
}
