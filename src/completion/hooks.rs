//! The hand-written part of each completion script: after an action, ask the binary
//! (`supervisor-quick --complete SHELL WORD...`, see `live.rs`) for live names, and fall back on
//! the part clap_complete generated when it answers "not mine" (exit status 1).
//!
//! Each hook is attached at a fixed place of the generated script; [`attach`] fails when that
//! place is gone (a new clap_complete), so a changed generator is noticed at generation time.

use clap_complete::Shell;

/// The generated script with its hook attached.
pub fn attach(shell: Shell, generated: &str) -> Result<String, String> {
    match shell {
        Shell::Bash => {
            require(generated, "_supervisor__quick() {")?;
            // clap_complete 4.6 names the per-action cases of a program whose name has a `-`
            // differently from the value it gives `cmd` (`supervisor__subcmd__quick__subcmd__x`
            // against `supervisor__quick__subcmd__x`), so no action's options were completed.
            let fixed = generated.replace(
                "supervisor__subcmd__quick__subcmd__",
                "supervisor__quick__subcmd__",
            );
            Ok(format!("{fixed}{BASH}"))
        }
        Shell::Zsh => insert_before(generated, ZSH_ANCHOR, ZSH),
        Shell::Fish => {
            require(generated, "function __fish_supervisor_quick_needs_command")?;
            // `-?` (stock's other spelling of -h) is a glob in fish and elvish: quote it.
            let fixed = generated.replace(" -s ? ", " -s '?' ");
            Ok(format!("{fixed}{FISH}"))
        }
        Shell::Elvish => {
            require(
                generated,
                "set edit:completion:arg-completer[supervisor-quick] = {|@words|",
            )?;
            let fixed = generated.replace("cand -? ", "cand '-?' ");
            Ok(format!("{fixed}{ELVISH}"))
        }
        Shell::PowerShell => {
            let anchor =
                "Register-ArgumentCompleter -Native -CommandName 'supervisor-quick' -ScriptBlock {";
            require(generated, anchor)?;
            let renamed =
                generated.replacen(anchor, "$global:SupervisorQuickStaticCompleter = {", 1);
            Ok(format!("{renamed}{POWERSHELL}"))
        }
        _ => Err(format!("no completion hook for {shell}")),
    }
}

fn require(generated: &str, anchor: &str) -> Result<(), String> {
    if generated.contains(anchor) {
        Ok(())
    } else {
        Err(format!(
            "the generated script no longer contains {anchor:?}; update src/completion/hooks.rs"
        ))
    }
}

fn insert_before(generated: &str, anchor: &str, text: &str) -> Result<String, String> {
    require(generated, anchor)?;
    let at = generated.rfind(anchor).unwrap_or(generated.len());
    Ok(format!("{}{text}\n{}", &generated[..at], &generated[at..]))
}

const BASH: &str = r#"
# ---------------------------------------------------------------------------------------------
# Live names (hand-written; appended by `supervisor-quick --generate bash`).
#
# After an action, the words typed so far go to `supervisor-quick --complete bash WORD...`,
# which reads the same config (and any -c/-s/-u/-p on the line), asks supervisord (for at most
# half a second) and prints what may come next: process names, `group:`, `all`, group names,
# signal names, ... For an option or the action itself it answers "not mine" (exit status 1)
# and the completion generated above answers instead. Nothing on the line is ever run.
#
# Install: copy this file to /usr/share/bash-completion/completions/supervisor-quick
# (or ~/.local/share/bash-completion/completions/supervisor-quick), or source it from ~/.bashrc.
#
# With `alias supervisorctl=supervisor-quick`, complete the alias the same way (in ~/.bashrc,
# after this file is sourced):
#     complete -F _supervisor_quick_live -o nosort -o bashdefault -o default supervisorctl
# SUPERVISOR_QUICK_BIN names the binary when it is not `supervisor-quick` on PATH.
_supervisor_quick_live() {
    local full=${COMP_LINE-}
    local line=${full:0:${COMP_POINT:-${#full}}}
    if [[ -z $line ]]; then
        line="${COMP_WORDS[*]:0:COMP_CWORD+1}"
    fi
    local -a words
    read -r -a words <<< "$line"
    if [[ ${#words[@]} -eq 0 || $line == *[[:space:]] ]]; then
        words+=("")
    fi
    local bin=${SUPERVISOR_QUICK_BIN:-supervisor-quick}
    if [[ -z ${SUPERVISOR_QUICK_BIN-} && ${words[0]} == */supervisor-quick ]]; then
        bin=${words[0]}
    fi
    local out
    if ! out=$("$bin" --complete bash "${words[@]:1}" 2>/dev/null); then
        _supervisor__quick "$@"
        return
    fi
    COMPREPLY=()
    compopt +o default +o bashdefault 2>/dev/null
    local cur=${words[${#words[@]}-1]} prefix= cand
    # Bash splits words at ':', and replaces only what follows the last one.
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        prefix=${cur%"${cur##*:}"}
    fi
    while IFS= read -r cand; do
        cand=${cand#"$prefix"}
        if [[ -n $cand ]]; then
            COMPREPLY+=("$cand")
        fi
    done <<< "$out"
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *. ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _supervisor_quick_live -o nosort -o bashdefault -o default supervisor-quick
else
    complete -F _supervisor_quick_live -o bashdefault -o default supervisor-quick
fi
"#;

const ZSH_ANCHOR: &str = "if [ \"$funcstack[1]\" = \"_supervisor-quick\" ]; then";

const ZSH: &str = r#"# ---------------------------------------------------------------------------------------------
# Live names (hand-written; inserted by `supervisor-quick --generate zsh`).
#
# After an action, the words typed so far go to `supervisor-quick --complete zsh WORD...`,
# which reads the same config (and any -c/-s/-u/-p on the line), asks supervisord (for at most
# half a second) and prints what may come next: process names, `group:`, `all`, group names,
# signal names, ... For an option or the action itself it answers "not mine" (exit status 1)
# and the completion generated above answers instead. Nothing on the line is ever run.
#
# Install: put this file, named _supervisor-quick, in a directory of $fpath before compinit
# runs (e.g. /usr/local/share/zsh/site-functions).
#
# With `alias supervisorctl=supervisor-quick`, zsh completes the alias as the command it stands
# for, unless `setopt complete_aliases` is on; then also run:
#     compdef _supervisor-quick supervisorctl
# SUPERVISOR_QUICK_BIN names the binary when it is not `supervisor-quick` on PATH.
functions[_supervisor-quick-static]=$functions[_supervisor-quick]
_supervisor-quick() {
    local bin=${SUPERVISOR_QUICK_BIN:-supervisor-quick}
    if [[ -z ${SUPERVISOR_QUICK_BIN-} && ${(Q)words[1]} == */supervisor-quick ]]; then
        bin=${(Q)words[1]}
    fi
    local out
    if ! out=$("$bin" --complete zsh "${(@Q)words[2,CURRENT-1]}" "${(Q)PREFIX}" 2>/dev/null); then
        _supervisor-quick-static "$@"
        return
    fi
    local -a cands=("${(@f)out}")
    cands=(${cands:#})
    local -a dotted=(${(M)cands:#*.}) plain=(${cands:#*.})
    local ret=1
    if (( ${#plain} )); then
        compadd -- "${plain[@]}" && ret=0
    fi
    if (( ${#dotted} )); then
        compadd -S '' -- "${dotted[@]}" && ret=0
    fi
    return $ret
}
"#;

const FISH: &str = r#"
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
"#;

const ELVISH: &str = r#"
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
"#;

const POWERSHELL: &str = r#"
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
"#;
