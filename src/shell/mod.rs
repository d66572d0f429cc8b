//! The interactive shell: what `supervisor-quick` opens when given no command.
//!
//! On a terminal it is a line editor (reedline): the prompt is `[supervisorctl] prompt` and
//! `> `, history lives in `history_file` (or `-r`) when one is set and in memory otherwise, with
//! Ctrl-R search, hints from history and context-aware Tab completion fed by a cache that a
//! thread of its own keeps fresh (see [`cache`], [`completer`]). Every line runs through the
//! same `Controller::onecmd` as one-shot mode. Ctrl-C at the prompt clears the line; during a
//! command it returns to the prompt; Ctrl-D, `exit` and `quit` leave.
//!
//! When standard input or output is not a terminal it behaves exactly as stock's shell does
//! then: the prompt is written to stdout without a newline, lines are read from stdin without
//! echo, and Ctrl-C ends the shell after an empty line.

pub mod cache;
pub mod completer;

use std::borrow::Cow;
use std::io::{BufRead, IsTerminal};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use nu_ansi_term::{Color, Style};
use reedline::{
    ColumnarMenu, DefaultHinter, Emacs, FileBackedHistory, Highlighter, History, KeyCode,
    KeyModifiers, MenuBuilder, Prompt, PromptEditMode, PromptHistorySearch,
    PromptHistorySearchStatus, Reedline, ReedlineEvent, ReedlineMenu, Signal, StyledText,
    default_emacs_keybindings,
};
use tokio::signal::unix::{SignalKind, signal};

use crate::commands::{Controller, parseline, registry};
use cache::{Cache, Endpoint, Snapshot};
use completer::ShellCompleter;

/// How long a command that handles Ctrl-C itself (a quick verb, `tail -f`, `maintail -f`, `fg`)
/// is given to wind up and report before the shell abandons it.
const WIND_UP: Duration = Duration::from_secs(3);
/// Lines kept in the history file.
const HISTORY_CAPACITY: usize = 50_000;

/// Runs the shell: an implicit `status` first (as stock; not echoed, not in history), then one
/// command per line until `exit`, `quit` or end of input.
pub async fn run(ctl: &mut Controller) {
    if use_line_editor() {
        interactive(ctl).await;
    } else {
        plain(ctl).await;
    }
}

/// The line editor needs a terminal on both ends (reedline paints on stderr).
fn use_line_editor() -> bool {
    std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// SIGINT, as seen by the shell. Commands that handle Ctrl-C listen for it themselves too
/// (every listener hears each signal).
struct Interrupts {
    sig: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn new() -> Interrupts {
        Interrupts {
            sig: signal(SignalKind::interrupt()).ok(),
        }
    }

    /// Forgets a Ctrl-C that arrived while no command ran.
    fn drain(&mut self) {
        if let Some(sig) = &mut self.sig {
            let mut cx = Context::from_waker(Waker::noop());
            while let Poll::Ready(Some(())) = sig.poll_recv(&mut cx) {}
        }
    }

    async fn next(&mut self) {
        match &mut self.sig {
            Some(sig) => {
                if sig.recv().await.is_none() {
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending().await,
        }
    }
}

/// How a command ended.
#[derive(Debug, PartialEq, Eq)]
enum Ran {
    /// It finished; true when it asks the shell to end (`exit`, `quit`).
    Done(bool),
    /// Ctrl-C stopped it.
    Interrupted,
}

/// Whether the command on this line handles Ctrl-C itself and reports before it returns.
fn handles_interrupt(line: &str) -> bool {
    let Some((cmd, arg, _)) = parseline(line) else {
        return false;
    };
    match cmd.as_str() {
        "quickstart" | "quickstop" | "quickrestart" | "fg" => true,
        "tail" | "maintail" => arg.split_whitespace().any(|a| a == "-f"),
        _ => false,
    }
}

/// Whether the line may change the configured groups or the server's methods, so that
/// completion should fetch those again.
fn changes_config(line: &str) -> bool {
    // A pass-through call (`ns.method ...`) may do anything.
    if line
        .split_whitespace()
        .next()
        .is_some_and(|w| w.contains('.'))
    {
        return true;
    }
    parseline(line).is_some_and(|(cmd, _, _)| {
        matches!(
            cmd.as_str(),
            "reread" | "update" | "add" | "remove" | "reload" | "open" | "avail" | "shutdown"
        )
    })
}

/// Runs one line as one-shot mode does, until it ends or Ctrl-C stops it. A command that
/// handles Ctrl-C itself gets a moment to wind up (a second Ctrl-C cuts that short).
async fn run_command(ctl: &mut Controller, interrupts: &mut Interrupts, line: &str) -> Ran {
    interrupts.drain();
    // Connections kept from the previous command may have died with the server meanwhile
    // (nothing watched them while the shell waited for a line): start afresh, as stock does for
    // every command, so that a lost server reads as stock's error and a new one just works.
    ctl.reconnect();
    let own = handles_interrupt(line);
    let ran = {
        let cmd = ctl.onecmd(line);
        tokio::pin!(cmd);
        tokio::select! {
            biased;
            done = &mut cmd => Ran::Done(done),
            () = interrupts.next() => {
                if own {
                    tokio::select! {
                        biased;
                        done = &mut cmd => Ran::Done(done),
                        () = tokio::time::sleep(WIND_UP) => Ran::Interrupted,
                        () = interrupts.next() => Ran::Interrupted,
                    }
                } else {
                    Ran::Interrupted
                }
            }
        }
    };
    if ran == Ran::Interrupted {
        // Whatever the command had printed, then the line the ^C is on ends.
        ctl.output("");
    }
    ctl.flush();
    ran
}

/// Stock's shell without readline: prompt on stdout, lines from stdin, Ctrl-C ends the shell.
async fn plain(ctl: &mut Controller) {
    let mut interrupts = Interrupts::new();
    if run_command(ctl, &mut interrupts, "status").await == Ran::Interrupted {
        return;
    }
    plain_loop(ctl, &mut interrupts).await;
}

async fn plain_loop(ctl: &mut Controller, interrupts: &mut Interrupts) {
    let prompt = format!("{}> ", ctl.options.prompt);
    loop {
        ctl.write_raw(prompt.as_bytes());
        interrupts.drain();
        let line = tokio::select! {
            biased;
            line = read_stdin_line() => line,
            () = interrupts.next() => {
                ctl.output("");
                ctl.flush();
                return;
            }
        };
        let Some(line) = line else {
            ctl.onecmd("EOF").await;
            return;
        };
        match run_command(ctl, interrupts, &line).await {
            Ran::Done(false) => {}
            Ran::Done(true) | Ran::Interrupted => return,
        }
        if ctl.stdout_closed {
            return;
        }
    }
}

/// One line of standard input (None at its end), read on a thread so that Ctrl-C is heard
/// meanwhile. Only one line is read, so that a y/N question later reads its own answer.
async fn read_stdin_line() -> Option<String> {
    fn read() -> Option<String> {
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
        }
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("supervisor-quick-stdin".into())
        .spawn(move || {
            let _ = tx.send(read());
        });
    match spawned {
        Ok(_) => rx.await.ok().flatten(),
        Err(_) => read(),
    }
}

fn endpoint(ctl: &Controller) -> Endpoint {
    Endpoint {
        serverurl: ctl.options.serverurl.clone(),
        username: ctl.options.username.clone(),
        password: ctl.options.password.clone(),
    }
}

/// The line-editor shell.
async fn interactive(ctl: &mut Controller) {
    let cache = Cache::start(endpoint(ctl));
    let mut editor = line_editor(ctl, &cache);
    let prompt = ShellPrompt {
        text: ctl.options.prompt.clone(),
    };
    let mut interrupts = Interrupts::new();
    run_command(ctl, &mut interrupts, "status").await;
    cache.refresh(endpoint(ctl), false);
    'session: loop {
        ctl.flush();
        let signal = editor.read_line(&prompt);
        match signal {
            Ok(Signal::Success(text)) => {
                let _ = editor.sync_history();
                // A pasted block is several lines: each is a command.
                let mut full = false;
                for line in text.lines() {
                    full |= changes_config(line);
                    if run_command(ctl, &mut interrupts, line).await == Ran::Done(true) {
                        break 'session;
                    }
                }
                cache.refresh(endpoint(ctl), full);
            }
            // Ctrl-C at the prompt clears the line.
            Ok(Signal::CtrlC) => {}
            Ok(Signal::CtrlD) => {
                ctl.onecmd("EOF").await;
                break;
            }
            Ok(_) => {}
            Err(e) => {
                // The terminal would not do what a line editor needs: go on without one.
                eprintln!("supervisor-quick: line editing unavailable ({e})");
                drop(editor);
                plain_loop(ctl, &mut interrupts).await;
                return;
            }
        }
        if ctl.stdout_closed {
            break;
        }
    }
    let _ = editor.sync_history();
    ctl.flush();
}

/// History in the file when one is set (created private, as readline does), else in memory.
fn history(path: Option<&std::path::Path>) -> Box<dyn History> {
    if let Some(path) = path {
        use std::os::unix::fs::OpenOptionsExt;
        if !path.exists() {
            let _ = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(path);
        }
        if let Ok(h) = FileBackedHistory::with_file(HISTORY_CAPACITY, path.to_path_buf()) {
            return Box::new(h);
        }
    }
    match FileBackedHistory::new(HISTORY_CAPACITY) {
        Ok(h) => Box::new(h),
        Err(_) => Box::<FileBackedHistory>::default(),
    }
}

fn line_editor(ctl: &Controller, cache: &Cache) -> Reedline {
    let names = cache.shared();
    let color = ctl.color;
    let mut keybindings = default_emacs_keybindings();
    keybindings.add_binding(
        KeyModifiers::NONE,
        KeyCode::Tab,
        ReedlineEvent::UntilFound(vec![
            ReedlineEvent::Menu("completion_menu".into()),
            ReedlineEvent::MenuNext,
        ]),
    );
    keybindings.add_binding(
        KeyModifiers::SHIFT,
        KeyCode::BackTab,
        ReedlineEvent::MenuPrevious,
    );
    let menu = ColumnarMenu::default()
        .with_name("completion_menu")
        .with_marker("> ");
    let mut editor = Reedline::create()
        .with_history(history(ctl.options.history_file.as_deref()))
        // A line typed with a leading space is not kept (as bash's ignorespace).
        .with_history_exclusion_prefix(Some(" ".into()))
        .with_completer(Box::new(ShellCompleter::new(
            Arc::clone(&names),
            cache.nudger(),
        )))
        .with_menu(ReedlineMenu::EngineCompleter(Box::new(menu)))
        .with_edit_mode(Box::new(Emacs::new(keybindings)))
        .with_quick_completions(true)
        .with_partial_completions(true)
        .with_highlighter(Box::new(CommandHighlighter { names }))
        .with_ansi_colors(color)
        .use_bracketed_paste(false);
    if color {
        editor = editor.with_hinter(Box::new(
            DefaultHinter::default().with_style(Style::new().fg(Color::DarkGray)),
        ));
    }
    editor
}

/// Stock's prompt, `<prompt>> `, in the terminal's own colour.
struct ShellPrompt {
    text: String,
}

impl Prompt for ShellPrompt {
    fn render_prompt_left(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.text)
    }

    fn render_prompt_right(&self) -> Cow<'_, str> {
        Cow::Borrowed("")
    }

    fn render_prompt_indicator(&self, _mode: PromptEditMode) -> Cow<'_, str> {
        Cow::Borrowed("> ")
    }

    fn render_prompt_multiline_indicator(&self) -> Cow<'_, str> {
        Cow::Borrowed("... ")
    }

    fn render_prompt_history_search_indicator(&self, search: PromptHistorySearch) -> Cow<'_, str> {
        let failing = match search.status {
            PromptHistorySearchStatus::Passing => "",
            PromptHistorySearchStatus::Failing => "failing ",
        };
        Cow::Owned(format!("> ({failing}reverse-search: {}) ", search.term))
    }

    fn get_prompt_color(&self) -> reedline::Color {
        reedline::Color::Default
    }

    fn get_indicator_color(&self) -> reedline::Color {
        reedline::Color::Default
    }
}

/// Shows the first word in green when it is a command or a method the server offers.
struct CommandHighlighter {
    names: Arc<Mutex<Snapshot>>,
}

impl Highlighter for CommandHighlighter {
    fn highlight(&self, line: &str, _cursor: usize) -> StyledText {
        let start = line.len() - line.trim_start().len();
        let end = line[start..]
            .find(char::is_whitespace)
            .map_or(line.len(), |i| start + i);
        let word = &line[start..end];
        let known = word == "help"
            || registry::find(word).is_some()
            || (word.contains('.') && cache::lock(&self.names).methods.iter().any(|m| m == word));
        let mut styled = StyledText::new();
        styled.push((Style::new(), line[..start].to_owned()));
        styled.push((
            if known {
                Style::new().fg(Color::Green)
            } else {
                Style::new()
            },
            word.to_owned(),
        ));
        styled.push((Style::new(), line[end..].to_owned()));
        styled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_which_commands_handle_ctrl_c() {
        assert!(handles_interrupt("quickstart app:*"));
        assert!(handles_interrupt("  tail -f foo"));
        assert!(handles_interrupt("tail -f"));
        assert!(handles_interrupt("maintail -f"));
        assert!(handles_interrupt("fg cat"));
        assert!(!handles_interrupt("tail foo"));
        assert!(!handles_interrupt("start foo"));
        assert!(!handles_interrupt("supervisor.startProcess foo"));
        assert!(!handles_interrupt(""));
    }

    #[test]
    fn knows_which_commands_change_the_configuration() {
        assert!(changes_config("reread"));
        assert!(changes_config(" update all"));
        assert!(changes_config("supervisor.addProcessGroup x"));
        assert!(!changes_config("status"));
        assert!(!changes_config("start app:*"));
        assert!(!changes_config(""));
    }

    #[test]
    fn highlights_the_first_word_only() {
        let h = CommandHighlighter {
            names: Arc::new(Mutex::new(Snapshot::default())),
        };
        let styled = h.highlight("  status foo", 0);
        let parts: Vec<&str> = styled.buffer.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(parts, ["  ", "status", " foo"]);
        assert_eq!(styled.buffer[1].0, Style::new().fg(Color::Green));
        let styled = h.highlight("bogus x", 0);
        assert_eq!(styled.buffer[1].0, Style::new());
        let styled = h.highlight("", 0);
        assert_eq!(styled.buffer.len(), 3);
    }

    #[test]
    fn prompt_is_stocks() {
        let p = ShellPrompt {
            text: "supervisor".into(),
        };
        assert_eq!(
            format!(
                "{}{}",
                p.render_prompt_left(),
                p.render_prompt_indicator(PromptEditMode::Emacs)
            ),
            "supervisor> "
        );
    }

    #[test]
    fn history_file_is_private_and_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("svq-shell-hist-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("history");
        let mut h = history(Some(&path));
        h.save(reedline::HistoryItem::from_command_line("status foo"))
            .unwrap();
        h.sync().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "status foo\n");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        drop(h);
        // An unusable path falls back to memory.
        let mut h = history(Some(&path.join("not-a-dir")));
        h.save(reedline::HistoryItem::from_command_line("x"))
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
