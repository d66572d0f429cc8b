# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_supervisor_quick_global_optspecs
    string join \n c/configuration= h/help i/interactive s/serverurl= u/username= p/password= r/history_file= V/version color=
end

function __fish_supervisor_quick_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_supervisor_quick_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_supervisor_quick_using_subcommand
    set -l cmd (__fish_supervisor_quick_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s c -l configuration -d 'configuration file path (searches if not given)' -r -F
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s s -l serverurl -d 'URL on which supervisord server is listening (default "http://localhost:9001")' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s u -l username -d 'username to use for authentication with server' -r -f -a "(__fish_complete_users)"
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s p -l password -d 'password to use for authentication with server' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s r -l history_file -l history-file -d 'keep a readline history (if readline is available)' -r -F
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -l color -d 'colour states and results: auto (on a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s h -s '?' -l help -d 'print usage message and exit'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s i -l interactive -d 'start an interactive shell after executing commands'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -s V -l version -d 'print the version and exit'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "help" -d 'Print a list of available actions, or help for one'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "add" -d 'Activate updates in config for processes or groups'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "avail" -d 'Display all configured processes'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "clear" -d 'Clear process log files'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "exit" -d 'Exit the supervisor shell'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "fg" -d 'Connect to a process in foreground mode'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "maintail" -d 'Tail the supervisord main log'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "open" -d 'Connect to a remote supervisord'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "pid" -d 'Get the PID of supervisord or of processes'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "quickrestart" -d 'Restart processes concurrently and wait until they run'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "quickstart" -d 'Start processes concurrently and wait until they run'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "quickstop" -d 'Stop processes concurrently and wait until they stop'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "quit" -d 'Exit the supervisor shell'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "reload" -d 'Restart the remote supervisord'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "remove" -d 'Remove processes or groups from the active config'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "reread" -d 'Reload the daemon\'s configuration files without add/remove'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "restart" -d 'Restart processes'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "shutdown" -d 'Shut the remote supervisord down'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "signal" -d 'Send a signal to processes'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "start" -d 'Start processes'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "status" -d 'Get process status'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "stop" -d 'Stop processes'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "tail" -d 'Show the tail of a process log'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "update" -d 'Reload config and add/remove groups as necessary'
complete -c supervisor-quick -n "__fish_supervisor_quick_needs_command" -f -a "version" -d 'Show the version of the remote supervisord'
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand maintail" -s f -d 'follow the log (Ctrl-C to exit)'
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickrestart" -l batch -d 'at most K processes in flight at once (a rolling restart)' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickrestart" -l timeout -d 'give up waiting after SECS seconds (default 60)' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickrestart" -l json -d 'print one JSON document instead of lines'
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickstart" -l batch -d 'at most K processes in flight at once (a rolling restart)' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickstart" -l timeout -d 'give up waiting after SECS seconds (default 60)' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickstart" -l json -d 'print one JSON document instead of lines'
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickstop" -l batch -d 'at most K processes in flight at once (a rolling restart)' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickstop" -l timeout -d 'give up waiting after SECS seconds (default 60)' -r -f
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand quickstop" -l json -d 'print one JSON document instead of lines'
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand status" -l json -d 'print one JSON document instead of lines'
complete -c supervisor-quick -n "__fish_supervisor_quick_using_subcommand tail" -s f -d 'follow the log (Ctrl-C to exit)'

# ---------------------------------------------------------------------------------------------
# Live names (hand-written; appended by `supervisor-quick --generate fish`).
#
# After an action, the words typed so far go to `supervisor-quick --complete fish WORD...`,
# which reads the same config (and any -c/-s/-u/-p on the line), asks supervisord (for at most
# half a second) and prints what may come next, each with its state: process names, `group:`,
# `all`, group names, signal names, ... Options are completed by the lines above. Nothing on the
# line is ever run.
#
# Install: copy this file to ~/.config/fish/completions/supervisor-quick.fish.
#
# With `alias supervisorctl=supervisor-quick` (fish's alias makes a function that wraps the
# command) the alias is completed the same way; for another kind of alias run:
#     complete -c supervisorctl --wraps supervisor-quick
# SUPERVISOR_QUICK_BIN names the binary when it is not `supervisor-quick` on PATH.
function __fish_supervisor_quick_live
    set -l cur (commandline -ct)
    if test -z "$cur"
        set cur ''
    end
    set -l words (commandline -opc) $cur
    set -l bin supervisor-quick
    if set -q SUPERVISOR_QUICK_BIN
        set bin $SUPERVISOR_QUICK_BIN
    else if string match -q -- '*/supervisor-quick' $words[1]
        set bin $words[1]
    end
    $bin --complete fish $words[2..-1] 2>/dev/null
end

complete -c supervisor-quick -n "not __fish_supervisor_quick_needs_command" -f -a "(__fish_supervisor_quick_live)"
