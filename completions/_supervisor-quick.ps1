
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

$global:SupervisorQuickStaticCompleter = {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'supervisor-quick'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'supervisor-quick' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'configuration file path (searches if not given)')
            [CompletionResult]::new('--configuration', '--configuration', [CompletionResultType]::ParameterName, 'configuration file path (searches if not given)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'URL on which supervisord server is listening (default "http://localhost:9001")')
            [CompletionResult]::new('--serverurl', '--serverurl', [CompletionResultType]::ParameterName, 'URL on which supervisord server is listening (default "http://localhost:9001")')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'username to use for authentication with server')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'username to use for authentication with server')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'password to use for authentication with server')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'password to use for authentication with server')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'keep a readline history (if readline is available)')
            [CompletionResult]::new('--history_file', '--history_file', [CompletionResultType]::ParameterName, 'keep a readline history (if readline is available)')
            [CompletionResult]::new('--history-file', '--history-file', [CompletionResultType]::ParameterName, 'keep a readline history (if readline is available)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'colour states and results: auto (on a terminal, unless NO_COLOR is set), always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'print usage message and exit')
            [CompletionResult]::new('-?', '-?', [CompletionResultType]::ParameterName, 'print usage message and exit')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'print usage message and exit')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'start an interactive shell after executing commands')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'start an interactive shell after executing commands')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'print the version and exit')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'print the version and exit')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print a list of available actions, or help for one')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Activate updates in config for processes or groups')
            [CompletionResult]::new('avail', 'avail', [CompletionResultType]::ParameterValue, 'Display all configured processes')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Clear process log files')
            [CompletionResult]::new('exit', 'exit', [CompletionResultType]::ParameterValue, 'Exit the supervisor shell')
            [CompletionResult]::new('fg', 'fg', [CompletionResultType]::ParameterValue, 'Connect to a process in foreground mode')
            [CompletionResult]::new('maintail', 'maintail', [CompletionResultType]::ParameterValue, 'Tail the supervisord main log')
            [CompletionResult]::new('open', 'open', [CompletionResultType]::ParameterValue, 'Connect to a remote supervisord')
            [CompletionResult]::new('pid', 'pid', [CompletionResultType]::ParameterValue, 'Get the PID of supervisord or of processes')
            [CompletionResult]::new('quickrestart', 'quickrestart', [CompletionResultType]::ParameterValue, 'Restart processes concurrently and wait until they run')
            [CompletionResult]::new('quickstart', 'quickstart', [CompletionResultType]::ParameterValue, 'Start processes concurrently and wait until they run')
            [CompletionResult]::new('quickstop', 'quickstop', [CompletionResultType]::ParameterValue, 'Stop processes concurrently and wait until they stop')
            [CompletionResult]::new('quit', 'quit', [CompletionResultType]::ParameterValue, 'Exit the supervisor shell')
            [CompletionResult]::new('reload', 'reload', [CompletionResultType]::ParameterValue, 'Restart the remote supervisord')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove processes or groups from the active config')
            [CompletionResult]::new('reread', 'reread', [CompletionResultType]::ParameterValue, 'Reload the daemon''s configuration files without add/remove')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart processes')
            [CompletionResult]::new('shutdown', 'shutdown', [CompletionResultType]::ParameterValue, 'Shut the remote supervisord down')
            [CompletionResult]::new('signal', 'signal', [CompletionResultType]::ParameterValue, 'Send a signal to processes')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start processes')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Get process status')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop processes')
            [CompletionResult]::new('tail', 'tail', [CompletionResultType]::ParameterValue, 'Show the tail of a process log')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Reload config and add/remove groups as necessary')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Show the version of the remote supervisord')
            break
        }
        'supervisor-quick;help' {
            break
        }
        'supervisor-quick;add' {
            break
        }
        'supervisor-quick;avail' {
            break
        }
        'supervisor-quick;clear' {
            break
        }
        'supervisor-quick;exit' {
            break
        }
        'supervisor-quick;fg' {
            break
        }
        'supervisor-quick;maintail' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'follow the log (Ctrl-C to exit)')
            break
        }
        'supervisor-quick;open' {
            break
        }
        'supervisor-quick;pid' {
            break
        }
        'supervisor-quick;quickrestart' {
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'at most K processes in flight at once (a rolling restart)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'give up waiting after SECS seconds (default 60)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'print one JSON document instead of lines')
            break
        }
        'supervisor-quick;quickstart' {
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'at most K processes in flight at once (a rolling restart)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'give up waiting after SECS seconds (default 60)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'print one JSON document instead of lines')
            break
        }
        'supervisor-quick;quickstop' {
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'at most K processes in flight at once (a rolling restart)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'give up waiting after SECS seconds (default 60)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'print one JSON document instead of lines')
            break
        }
        'supervisor-quick;quit' {
            break
        }
        'supervisor-quick;reload' {
            break
        }
        'supervisor-quick;remove' {
            break
        }
        'supervisor-quick;reread' {
            break
        }
        'supervisor-quick;restart' {
            break
        }
        'supervisor-quick;shutdown' {
            break
        }
        'supervisor-quick;signal' {
            break
        }
        'supervisor-quick;start' {
            break
        }
        'supervisor-quick;status' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'print one JSON document instead of lines')
            break
        }
        'supervisor-quick;stop' {
            break
        }
        'supervisor-quick;tail' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'follow the log (Ctrl-C to exit)')
            break
        }
        'supervisor-quick;update' {
            break
        }
        'supervisor-quick;version' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

# ---------------------------------------------------------------------------------------------
# Live names (hand-written; added by `supervisor-quick --generate powershell`).
#
# After an action, the words typed so far go to `supervisor-quick --complete powershell WORD...`,
# which reads the same config (and any -c/-s/-u/-p on the line), asks supervisord (for at most
# half a second) and prints what may come next: process names, `group:`, `all`, group names,
# signal names, ... For an option or the action itself it answers "not mine" (exit status 1)
# and the completer generated above answers instead. Nothing on the line is ever run.
# Needs PowerShell 7.3 or later (which passes empty arguments to native commands).
#
# Install: add `. /path/to/_supervisor-quick.ps1` to $PROFILE.
#
# With `Set-Alias supervisorctl supervisor-quick`, complete the alias the same way (in $PROFILE,
# after the line above):
#     Register-ArgumentCompleter -Native -CommandName 'supervisorctl' -ScriptBlock $global:SupervisorQuickCompleter
# $env:SUPERVISOR_QUICK_BIN names the binary when it is not `supervisor-quick` on PATH.
$global:SupervisorQuickCompleter = {
    param($wordToComplete, $commandAst, $cursorPosition)

    $words = @(foreach ($element in $commandAst.CommandElements) {
        if ($element.Extent.EndOffset -gt $cursorPosition) { break }
        if ($element -is [StringConstantExpressionAst]) { $element.Value } else { $element.Extent.Text }
    })
    if ($wordToComplete -eq '') { $words += '' }
    $bin = if ($env:SUPERVISOR_QUICK_BIN) { $env:SUPERVISOR_QUICK_BIN } else { 'supervisor-quick' }
    $rest = @($words | Select-Object -Skip 1)
    try {
        $names = @(& $bin --complete powershell @rest 2>$null)
        $code = $LASTEXITCODE
    } catch {
        $code = 1
    }
    if ($code -eq 0) {
        foreach ($name in $names) {
            if ($name) { [CompletionResult]::new($name, $name, [CompletionResultType]::ParameterValue, $name) }
        }
        return
    }
    & $global:SupervisorQuickStaticCompleter $wordToComplete $commandAst $cursorPosition
}

Register-ArgumentCompleter -Native -CommandName 'supervisor-quick' -ScriptBlock $global:SupervisorQuickCompleter
