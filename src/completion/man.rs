//! `man/supervisor-quick.1`: clap_mangen's sections for what the clap model knows (name,
//! synopsis, description, options, version), and sections written here for what it cannot say:
//! every action with its arguments (from the registry's help texts), the quick verbs, JSON
//! output, colour, the config file, the environment, exit statuses, completion and examples.

use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

use super::model;
use crate::commands::registry::{self, CommandSpec};

/// The whole page.
pub fn render() -> Result<String, String> {
    let man = Man::new(model::model()).date("").manual("User Commands");
    // Each clap_mangen section starts with the same roff preamble; only the first keeps it.
    let preamble = Roff::new().render();
    let clap_section =
        |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| -> Result<String, String> {
            let mut buf = Vec::new();
            render(&mut buf).map_err(|e| e.to_string())?;
            let text = String::from_utf8(buf).map_err(|e| e.to_string())?;
            Ok(text
                .strip_prefix(&preamble)
                .map(str::to_owned)
                .unwrap_or(text))
        };
    let mut out = preamble.clone();
    out.push_str(&clap_section(&|w| man.render_title(w))?);
    out.push_str(&clap_section(&|w| man.render_name_section(w))?);
    out.push_str(&clap_section(&|w| man.render_synopsis_section(w))?);
    out.push_str(&clap_section(&|w| man.render_description_section(w))?);
    let own = |write: &dyn Fn(&mut Roff)| {
        let mut r = Roff::new();
        write(&mut r);
        let text = r.render();
        text.strip_prefix(&preamble)
            .map(str::to_owned)
            .unwrap_or(text)
    };
    out.push_str(&own(&description));
    out.push_str(&clap_section(&|w| man.render_options_section(w))?);
    out.push_str(&own(&|r| {
        commands(r);
        quick_verbs(r);
        json_output(r);
        colour(r);
        configuration(r);
        environment(r);
        exit_status(r);
        completion(r);
        examples(r);
        see_also(r);
    }));
    out.push_str(&clap_section(&|w| man.render_version_section(w))?);
    Ok(out)
}

fn para(r: &mut Roff, inlines: impl Into<Vec<Inline>>) {
    r.control("PP", []);
    r.text(inlines);
}

fn item(r: &mut Roff, term: impl Into<Vec<Inline>>, text: impl Into<Vec<Inline>>) {
    r.control("TP", []);
    r.text(term);
    r.text(text);
}

/// Text whose lines are kept apart.
fn lines(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push(clap_mangen::roff::line_break());
        }
        out.push(roman(line));
    }
    out
}

fn example(r: &mut Roff, lines: &[&str]) {
    r.control("PP", []);
    r.control("RS", ["4"]);
    r.control("nf", []);
    for l in lines {
        r.text([roman(*l)]);
    }
    r.control("fi", []);
    r.control("RE", []);
}

fn description(r: &mut Roff) {
    para(
        r,
        [roman(
            "supervisor-quick is a drop-in replacement for Supervisor's supervisorctl: it reads the same \
             configuration, takes the same options and actions, and prints the same output with the same \
             exit statuses, so that it can stand in for supervisorctl (alias supervisorctl=supervisor-quick). \
             It adds the quick verbs (quickstart, quickstop, quickrestart), which act on many processes at \
             once and wait until each has really reached its state; JSON output for status and the quick \
             verbs; and colour on a terminal.",
        )],
    );
    para(
        r,
        [roman(
            "Options are read as Python's getopt reads them: they end at the first word that is not an \
             option, a long option may be abbreviated to any unique prefix, and each may be given once. \
             Everything after the options is one command line, the words joined with single spaces.",
        )],
    );
}

/// One usage line of a help text and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Usage { usage: String, text: String },
    Note(String),
}

/// The registry's help text (stock's, for stock's commands) read as usage lines: `usage<TAB>text`,
/// a line starting with a tab continuing the text before it, and other lines as notes.
fn entries(spec: &CommandSpec) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for line in spec.help.iter().flat_map(|h| h.split('\n')) {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            match out.last_mut() {
                Some(Entry::Usage { text, .. }) => {
                    text.push('\n');
                    text.push_str(line.trim());
                }
                _ => out.push(Entry::Note(line.trim().to_owned())),
            }
            continue;
        }
        match line.split_once('\t') {
            Some((usage, text)) => out.push(Entry::Usage {
                usage: usage.trim().to_owned(),
                text: text.trim_matches('\t').trim().to_owned(),
            }),
            None if line.starts_with(spec.name) => out.push(Entry::Usage {
                usage: line.trim().to_owned(),
                text: String::new(),
            }),
            None => out.push(Entry::Note(line.trim().to_owned())),
        }
    }
    if model::takes_json(spec.name) {
        let usage = if spec.name == "status" {
            "status --json [<name> ...]".to_owned()
        } else {
            format!("{} --json <pattern> [...]", spec.name)
        };
        out.push(Entry::Usage {
            usage,
            text: "Print one JSON document instead of lines (see JSON OUTPUT)".to_owned(),
        });
    }
    out
}

fn commands(r: &mut Roff) {
    r.control("SH", ["ACTIONS"]);
    para(
        r,
        [roman(
            "Each action below can be given on the command line or typed in the interactive shell. A \
             name is a process name as status shows it (name, or group:name), group: or group:* for a \
             whole group, or all.",
        )],
    );
    let mut specs: Vec<&CommandSpec> = registry::COMMANDS.iter().collect();
    specs.sort_by_key(|s| s.name);
    r.control("SS", ["help"]);
    item(
        r,
        [bold("help")],
        [roman("Print a list of available actions.")],
    );
    item(
        r,
        [bold("help "), italic("action")],
        [roman("Print help for an action.")],
    );
    for spec in specs {
        r.control("SS", [spec.name]);
        r.text([roman(format!("{}.", spec.summary))]);
        for entry in entries(spec) {
            match entry {
                Entry::Usage { usage, text } => item(r, [bold(usage)], lines(&text)),
                Entry::Note(text) => para(r, [roman(text)]),
            }
        }
    }
}

fn quick_verbs(r: &mut Roff) {
    r.control("SH", ["QUICK VERBS"]);
    r.control("nf", []);
    for verb in ["quickstart", "quickstop", "quickrestart"] {
        r.text([
            bold(verb),
            roman(" [--batch K] [--timeout SECS] [--json] PATTERN..."),
        ]);
    }
    r.control("fi", []);
    para(
        r,
        [roman(
            "A pattern is name, group:name, group: or group:* (the whole group), all or *, or a glob with \
             * and ? over the name as status shows it (ap*, app:app_0?, *worker*). All patterns together \
             make one set, each process once; a pattern that matches nothing is an error, and then nothing \
             is started or stopped.",
        )],
    );
    para(
        r,
        [roman(
            "Every start or stop is sent at once without waiting, and the whole set is then watched with \
             one getAllProcessInfo per poll. A process is reported started only once supervisord says \
             RUNNING (it survived startsecs), and a failure as soon as supervisord shows it (BACKOFF, \
             FATAL, EXITED). quickrestart starts each process as soon as it has stopped.",
        )],
    );
    item(
        r,
        [bold("--batch "), italic("K")],
        [roman(
            "Keep at most K processes in flight at once (a rolling restart).",
        )],
    );
    item(
        r,
        [bold("--timeout "), italic("SECS")],
        [roman(
            "Stop waiting after SECS seconds (default 60); what is not done by then is reported with the state it was last seen in.",
        )],
    );
    item(
        r,
        [bold("--json")],
        [roman(
            "Print one JSON document instead of lines (see JSON OUTPUT).",
        )],
    );
    para(
        r,
        [roman(
            "Without a terminal the output is one line per process, in status order, in stock's words \
             (app:app_00: started, app:app_03: ERROR (spawn error), web: ERROR (already started)). As with \
             stock's group calls, a process chosen only by group:, group:* or all that was already in the \
             state asked for is not mentioned; named or matched by a glob, it is. On a \
             terminal a progress line is shown while waiting, failures also say supervisord's reason, and \
             results are coloured. Against Supervisor older than 3.2.0 the calls go out over a small pool \
             of concurrent connections instead of one multicall.",
        )],
    );
}

fn json_output(r: &mut Roff) {
    r.control("SH", ["JSON OUTPUT"]);
    para(
        r,
        [
            bold("status --json"),
            roman(
                " (the flag may stand anywhere among the names) prints one JSON array, one object per \
                 process selected, in status order, after one object per name that matched nothing. The \
                 exit status is the one status gives without --json. Fields:",
            ),
        ],
    );
    let status_fields: &[(&str, &str)] = &[
        (
            "name",
            "the name as status shows it (name, or group:name); for a name that matched nothing, the name as given",
        ),
        ("group", "the group"),
        ("process", "the process name within its group"),
        (
            "state",
            "supervisord's state name: STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL, UNKNOWN",
        ),
        ("pid", "the pid, or null when there is none"),
        (
            "uptime",
            "whole seconds since the process started, only while it is RUNNING, else null",
        ),
        (
            "description",
            "supervisord's description, as the status table shows it",
        ),
        ("exitstatus", "the exit status of the last run"),
        ("spawnerr", "why the last spawn failed, or null"),
        (
            "error",
            "null, or no such process / no such group for a name that matched nothing (the other fields are then null)",
        ),
    ];
    for (field, text) in status_fields {
        item(r, [bold(*field)], [roman(*text)]);
    }
    para(
        r,
        [
            roman("The quick verbs with "),
            bold("--json"),
            roman(
                " print one JSON object: verb (the quick verb), ok (true when every target reached its \
                 state: the exit status is then 0), elapsed (seconds, to the millisecond), errors (messages \
                 about no single process: a pattern that matched nothing, the server lost) and results, one \
                 object per process the lines would mention, in status order:",
            ),
        ],
    );
    let quick_fields: &[(&str, &str)] = &[
        ("name, group, process", "as for status"),
        (
            "result",
            "started, stopped, already started, not running (these four count as reached), failed, timed out, interrupted or server lost",
        ),
        ("state", "the state last seen"),
        ("pid", "the pid last seen, or null"),
        (
            "error",
            "null, or stock's words for what went wrong (spawn error, abnormal termination, no such file, timed out, STARTING, ...)",
        ),
        (
            "reason",
            "supervisord's own explanation of a failure when it gave one (Exited too quickly (process log may have details)), or null",
        ),
    ];
    for (field, text) in quick_fields {
        item(r, [bold(*field)], [roman(*text)]);
    }
    para(
        r,
        [roman(
            "Connection and usage errors are reported as without --json: a message and the exit status \
             (see EXIT STATUS).",
        )],
    );
}

fn colour(r: &mut Roff) {
    r.control("SH", ["COLOUR"]);
    para(
        r,
        [roman(
            "On a terminal, the states in status and the results of the quick verbs are coloured: RUNNING \
             and started green, STARTING, STOPPING, already started and not running yellow, FATAL, \
             BACKOFF, EXITED and failures red, STOPPED and stopped dim. Only the state word is painted, so \
             columns stay aligned. Without a terminal nothing is coloured and the output is byte for byte \
             stock supervisorctl's.",
        )],
    );
    item(
        r,
        [bold("--color "), italic("WHEN")],
        [roman(
            "auto (the default: colour on a terminal unless NO_COLOR is set), always, or never.",
        )],
    );
}

fn configuration(r: &mut Roff) {
    r.control("SH", ["CONFIGURATION"]);
    para(
        r,
        [roman(
            "The configuration file is the one supervisorctl reads: the file given with -c, or else the \
             first of these that exists, where HERE is the directory above the one holding the program \
             (for /usr/local/bin/supervisor-quick, /usr/local); relative paths are relative to the \
             current directory. When none exists the defaults apply.",
        )],
    );
    example(
        r,
        &[
            "HERE/etc/supervisord.conf",
            "HERE/supervisord.conf",
            "supervisord.conf",
            "etc/supervisord.conf",
            "/etc/supervisord.conf",
            "/etc/supervisor/supervisord.conf",
        ],
    );
    para(
        r,
        [roman(
            "Only the [supervisorctl] section is read (with defaults from [DEFAULT]); [include] is not \
             followed. Values may use %(ENV_NAME)s for environment variables, and serverurl and \
             history_file also %(here)s for the config file's directory; a literal % is written %%. \
             Options on the command line win over the file. Keys:",
        )],
    );
    let keys: &[(&str, &str)] = &[
        (
            "serverurl",
            "where supervisord listens: unix:///path/to/socket or http://host:port (default http://localhost:9001)",
        ),
        ("username", "username for the server's authentication"),
        (
            "password",
            "password for the server's authentication (the plain text, also when the server has a {SHA} hash)",
        ),
        (
            "prompt",
            "the interactive shell's prompt (default supervisor)",
        ),
        (
            "history_file",
            "where the interactive shell keeps its history",
        ),
    ];
    for (key, text) in keys {
        item(r, [bold(*key)], [roman(*text)]);
    }
}

fn environment(r: &mut Roff) {
    r.control("SH", ["ENVIRONMENT"]);
    let vars: &[(&str, &str)] = &[
        (
            "NO_COLOR",
            "when set and not empty, no colour unless --color always",
        ),
        ("HOME", "for ~ in paths"),
        (
            "ENV_*",
            "every environment variable NAME is available to the config file as %(ENV_NAME)s",
        ),
        (
            "SUPERVISOR_QUICK_TIMEOUT",
            "seconds one request to supervisord may take (default 10)",
        ),
        (
            "SUPERVISOR_QUICK_BIN",
            "for the completion scripts: the binary to ask for names, when it is not supervisor-quick on PATH",
        ),
        (
            "SUPERVISOR_QUICK_STATS",
            "when set, a one-shot command reports the number of HTTP requests it made on stderr",
        ),
        (
            "SUPERVISOR_QUICK_TRACE",
            "when set, the quick verbs trace each poll on stderr",
        ),
    ];
    for (var, text) in vars {
        item(r, [bold(*var)], [roman(*text)]);
    }
}

fn exit_status(r: &mut Roff) {
    r.control("SH", ["EXIT STATUS"]);
    para(
        r,
        [roman(
            "As supervisorctl's: the last status set during a one-shot command wins; the interactive \
             shell exits 0.",
        )],
    );
    let codes: &[(&str, &str)] = &[
        (
            "0",
            "success; also start of a running process, stop of a stopped one, and the quick verbs when every target reached its state",
        ),
        (
            "1",
            "a generic error: a bad name or argument, a failed call, an unknown action, an authentication failure; a quick verb that timed out or whose target went away",
        ),
        (
            "2",
            "a command-line usage error; start without a name; a quick verb with bad options or no pattern",
        ),
        (
            "3",
            "the server does not know supervisor's methods; status: a listed process is STOPPED, EXITED, FATAL or UNKNOWN",
        ),
        (
            "4",
            "the server refused the connection; status: a name matched nothing, or the server could not be asked",
        ),
        ("5", "the server speaks another API version"),
        (
            "7",
            "the socket file does not exist; a spawn error or abnormal termination; pid of a process that has none",
        ),
        ("130", "a quick verb interrupted with Ctrl-C"),
    ];
    for (code, text) in codes {
        item(r, [bold(*code)], [roman(*text)]);
    }
}

fn completion(r: &mut Roff) {
    r.control("SH", ["SHELL COMPLETION"]);
    para(
        r,
        [roman(
            "Completion scripts for bash, zsh, fish, elvish and PowerShell complete the options and \
             actions, and, after an action, live process names, group: and all, group names, signal names \
             and so on, asking supervisor-quick itself, which reads the same config and the -c, -s, -u and \
             -p given on the line, and asks supervisord for at most half a second. Each script says where \
             to install it and how to make it apply to supervisorctl when that is an alias of \
             supervisor-quick. They are generated with:",
        )],
    );
    example(
        r,
        &["supervisor-quick --generate bash|zsh|fish|elvish|powershell|man"],
    );
}

fn examples(r: &mut Roff) {
    r.control("SH", ["EXAMPLES"]);
    let cases: &[(&str, &[&str])] = &[
        (
            "The status of every process, and of one group:",
            &["supervisor-quick status", "supervisor-quick status app:"],
        ),
        (
            "Restart a whole group at once, waiting until every process runs again; then a rolling restart, four at a time:",
            &[
                "supervisor-quick quickrestart app:",
                "supervisor-quick quickrestart --batch 4 --timeout 120 'app:*'",
            ],
        ),
        (
            "Another config file, and a server given on the command line:",
            &[
                "supervisor-quick -c /etc/supervisor/supervisord.conf quickstart web",
                "supervisor-quick -s unix:///run/supervisor.sock stop all",
            ],
        ),
        (
            "For scripts and monitoring:",
            &[
                "supervisor-quick status --json | jq -r '.[] | select(.state != \"RUNNING\") | .name'",
                "supervisor-quick quickstart --json all | jq -e .ok",
            ],
        ),
        (
            "Colour through a pager:",
            &["supervisor-quick --color=always status | less -R"],
        ),
        (
            "Use it wherever supervisorctl is typed:",
            &["alias supervisorctl=supervisor-quick"],
        ),
    ];
    for (what, lines) in cases {
        para(r, [roman(*what)]);
        example(r, lines);
    }
}

fn see_also(r: &mut Roff) {
    r.control("SH", ["SEE ALSO"]);
    r.text([
        bold("supervisord"),
        roman("(1), "),
        bold("supervisorctl"),
        roman("(1), "),
        bold("echo_supervisord_conf"),
        roman("(1)"),
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_texts_read_as_usage_lines() {
        let status = registry::find("status").unwrap();
        let e = entries(status);
        assert_eq!(
            e[0],
            Entry::Usage {
                usage: "status <name>".into(),
                text: "Get status for a single process".into()
            }
        );
        assert!(
            matches!(e.last(), Some(Entry::Usage { usage, .. }) if usage.starts_with("status --json"))
        );
        let fg = entries(registry::find("fg").unwrap());
        assert_eq!(
            fg,
            [Entry::Usage {
                usage: "fg <process>".into(),
                text: "Connect to a process in foreground mode\nCtrl-C to exit".into()
            }]
        );
        let restart = entries(registry::find("restart").unwrap());
        assert!(matches!(restart.last(), Some(Entry::Note(n)) if n.starts_with("Note: restart")));
        let tail = entries(registry::find("tail").unwrap());
        assert!(
            matches!(&tail[0], Entry::Usage { usage, .. } if usage == "tail [-f] <name> [stdout|stderr] (default stdout)")
        );
        let quick = entries(registry::find("quickrestart").unwrap());
        assert!(quick.iter().any(|e| matches!(e, Entry::Usage { usage, .. } if usage.starts_with("quickrestart --batch K"))));
    }

    #[test]
    fn the_page_has_every_section_and_action() {
        let page = render().unwrap();
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "ACTIONS",
            "\"QUICK VERBS\"",
            "\"JSON OUTPUT\"",
            "COLOUR",
            "CONFIGURATION",
            "ENVIRONMENT",
            "\"EXIT STATUS\"",
            "\"SHELL COMPLETION\"",
            "EXAMPLES",
            "\"SEE ALSO\"",
            "VERSION",
        ] {
            assert!(
                page.contains(&format!("\n.SH {section}\n")),
                "{section} missing"
            );
        }
        for spec in registry::COMMANDS {
            assert!(
                page.contains(&format!("\n.SS {}\n", spec.name)),
                "{} missing",
                spec.name
            );
        }
        assert_eq!(page.matches(".ie \\n(.g .ds Aq").count(), 1, "one preamble");
        assert!(page.contains("\\-\\-color"));
    }
}
