
use builtin;
use str;

set edit:completion:arg-completer[supervisor-quick] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'supervisor-quick'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'supervisor-quick'= {
            cand -c 'configuration file path (searches if not given)'
            cand --configuration 'configuration file path (searches if not given)'
            cand -s 'URL on which supervisord server is listening (default "http://localhost:9001")'
            cand --serverurl 'URL on which supervisord server is listening (default "http://localhost:9001")'
            cand -u 'username to use for authentication with server'
            cand --username 'username to use for authentication with server'
            cand -p 'password to use for authentication with server'
            cand --password 'password to use for authentication with server'
            cand -r 'keep a readline history (if readline is available)'
            cand --history_file 'keep a readline history (if readline is available)'
            cand --history-file 'keep a readline history (if readline is available)'
            cand --color 'colour states and results: auto (on a terminal, unless NO_COLOR is set), always or never'
            cand -h 'print usage message and exit'
            cand '-?' 'print usage message and exit'
            cand --help 'print usage message and exit'
            cand -i 'start an interactive shell after executing commands'
            cand --interactive 'start an interactive shell after executing commands'
            cand -V 'print the version and exit'
            cand --version 'print the version and exit'
            cand help 'Print a list of available actions, or help for one'
            cand add 'Activate updates in config for processes or groups'
            cand avail 'Display all configured processes'
            cand clear 'Clear process log files'
            cand exit 'Exit the supervisor shell'
            cand fg 'Connect to a process in foreground mode'
            cand maintail 'Tail the supervisord main log'
            cand open 'Connect to a remote supervisord'
            cand pid 'Get the PID of supervisord or of processes'
            cand quickrestart 'Restart processes concurrently and wait until they run'
            cand quickstart 'Start processes concurrently and wait until they run'
            cand quickstop 'Stop processes concurrently and wait until they stop'
            cand quit 'Exit the supervisor shell'
            cand reload 'Restart the remote supervisord'
            cand remove 'Remove processes or groups from the active config'
            cand reread 'Reload the daemon''s configuration files without add/remove'
            cand restart 'Restart processes'
            cand shutdown 'Shut the remote supervisord down'
            cand signal 'Send a signal to processes'
            cand start 'Start processes'
            cand status 'Get process status'
            cand stop 'Stop processes'
            cand tail 'Show the tail of a process log'
            cand update 'Reload config and add/remove groups as necessary'
            cand version 'Show the version of the remote supervisord'
        }
        &'supervisor-quick;help'= {
        }
        &'supervisor-quick;add'= {
        }
        &'supervisor-quick;avail'= {
        }
        &'supervisor-quick;clear'= {
        }
        &'supervisor-quick;exit'= {
        }
        &'supervisor-quick;fg'= {
        }
        &'supervisor-quick;maintail'= {
            cand -f 'follow the log (Ctrl-C to exit)'
        }
        &'supervisor-quick;open'= {
        }
        &'supervisor-quick;pid'= {
        }
        &'supervisor-quick;quickrestart'= {
            cand --batch 'at most K processes in flight at once (a rolling restart)'
            cand --timeout 'give up waiting after SECS seconds (default 60)'
            cand --json 'print one JSON document instead of lines'
        }
        &'supervisor-quick;quickstart'= {
            cand --batch 'at most K processes in flight at once (a rolling restart)'
            cand --timeout 'give up waiting after SECS seconds (default 60)'
            cand --json 'print one JSON document instead of lines'
        }
        &'supervisor-quick;quickstop'= {
            cand --batch 'at most K processes in flight at once (a rolling restart)'
            cand --timeout 'give up waiting after SECS seconds (default 60)'
            cand --json 'print one JSON document instead of lines'
        }
        &'supervisor-quick;quit'= {
        }
        &'supervisor-quick;reload'= {
        }
        &'supervisor-quick;remove'= {
        }
        &'supervisor-quick;reread'= {
        }
        &'supervisor-quick;restart'= {
        }
        &'supervisor-quick;shutdown'= {
        }
        &'supervisor-quick;signal'= {
        }
        &'supervisor-quick;start'= {
        }
        &'supervisor-quick;status'= {
            cand --json 'print one JSON document instead of lines'
        }
        &'supervisor-quick;stop'= {
        }
        &'supervisor-quick;tail'= {
            cand -f 'follow the log (Ctrl-C to exit)'
        }
        &'supervisor-quick;update'= {
        }
        &'supervisor-quick;version'= {
        }
    ]
    $completions[$command]
}

# ---------------------------------------------------------------------------------------------
# Live names (hand-written; appended by `supervisor-quick --generate elvish`).
#
# After an action, the words typed so far go to `supervisor-quick --complete elvish WORD...`,
# which reads the same config (and any -c/-s/-u/-p on the line), asks supervisord (for at most
# half a second) and prints what may come next: process names, `group:`, `all`, group names,
# signal names, ... For an option or the action itself it answers "not mine" (exit status 1)
# and the completer generated above answers instead. Nothing on the line is ever run.
#
# Install: copy this file to ~/.config/elvish/lib/supervisor-quick.elv and add
# `use supervisor-quick` to ~/.config/elvish/rc.elv.
#
# With an alias for supervisorctl (`fn supervisorctl {|@a| e:supervisor-quick $@a }`), complete
# it the same way (in rc.elv, after the `use`):
#     set edit:completion:arg-completer[supervisorctl] = $edit:completion:arg-completer[supervisor-quick]
# SUPERVISOR_QUICK_BIN names the binary when it is not `supervisor-quick` on PATH.
var supervisor-quick-static = $edit:completion:arg-completer[supervisor-quick]
set edit:completion:arg-completer[supervisor-quick] = {|@words|
    var bin = supervisor-quick
    if (has-env SUPERVISOR_QUICK_BIN) {
        set bin = $E:SUPERVISOR_QUICK_BIN
    } elif (str:has-suffix $words[0] /supervisor-quick) {
        set bin = $words[0]
    }
    var rest = $words[1..]
    var names = []
    var mine = $true
    try {
        set names = [((external $bin) --complete elvish $@rest 2>/dev/null)]
    } catch {
        set mine = $false
    }
    if $mine {
        all $names
    } else {
        $supervisor-quick-static $@words
    }
}
