//! Process patterns of the quick verbs: `name`, `group:name`, `group:` / `group:*`, `all` / `*`,
//! and globs with `*` and `?` over the name as `status` shows it.

use wildmatch::WildMatch;

use crate::api::{ProcessInfo, split_namespec};

/// Why a pattern matched nothing, in the words stock uses for the same mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMatch {
    pub pattern: String,
    pub message: String,
}

fn is_glob(p: &str) -> bool {
    p.contains(['*', '?'])
}

/// Is `pattern` one of stock's whole-group forms: `all`, `*`, `group:` or `group:*` (with a
/// group name that is not itself a glob)? Stock's group calls answer only for the processes
/// they acted on.
pub fn is_whole_group(pattern: &str) -> bool {
    if pattern == "all" || pattern == "*" {
        return true;
    }
    match split_namespec(pattern) {
        (group, None) => !group.is_empty() && !is_glob(group),
        _ => false,
    }
}

/// Does `pattern` select `info`?
pub fn matches(pattern: &str, info: &ProcessInfo) -> bool {
    if pattern == "all" || pattern == "*" {
        return true;
    }
    let (group, process) = split_namespec(pattern);
    // `group:` and `group:*` name the whole group, even when the group name itself is a glob.
    if process.is_none() {
        return if is_glob(group) {
            WildMatch::new(group).matches(&info.group)
        } else {
            info.group == group
        };
    }
    if is_glob(pattern) {
        return WildMatch::new(pattern).matches(&info.namespec())
            || WildMatch::new(pattern).matches(&format!("{}:{}", info.group, info.name));
    }
    (info.group == group && Some(info.name.as_str()) == process) || info.namespec() == pattern
}

/// The union of every pattern's matches, each process once, in `status` order (the order of
/// `infos`). Every pattern that matches nothing is an error.
pub fn resolve<'a>(
    patterns: &[&str],
    infos: &'a [ProcessInfo],
) -> Result<Vec<&'a ProcessInfo>, Vec<NoMatch>> {
    let mut selected = vec![false; infos.len()];
    let mut errors = Vec::new();
    for pattern in patterns {
        let mut any = false;
        for (i, info) in infos.iter().enumerate() {
            if matches(pattern, info) {
                selected[i] = true;
                any = true;
            }
        }
        if !any {
            let (group, process) = split_namespec(pattern);
            let message = if is_glob(pattern) && process.is_some() {
                format!("{pattern}: ERROR (no process matches)")
            } else if process.is_none() {
                format!("{group}: ERROR (no such group)")
            } else {
                format!("{pattern}: ERROR (no such process)")
            };
            errors.push(NoMatch {
                pattern: pattern.to_string(),
                message,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(infos
        .iter()
        .zip(selected)
        .filter(|(_, s)| *s)
        .map(|(i, _)| i)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str) -> ProcessInfo {
        ProcessInfo::bare(group, name, 0, "STOPPED")
    }

    fn names(patterns: &[&str], infos: &[ProcessInfo]) -> Result<Vec<String>, Vec<String>> {
        resolve(patterns, infos)
            .map(|v| v.iter().map(|i| i.namespec()).collect())
            .map_err(|e| e.into_iter().map(|e| e.message).collect())
    }

    #[test]
    fn stocks_whole_group_forms() {
        for p in ["all", "*", "app:", "app:*"] {
            assert!(is_whole_group(p), "{p}");
        }
        for p in [
            "app",
            "app:app_01",
            "ap*:",
            "app:app_*",
            "*worker*",
            ":",
            "a?p:",
        ] {
            assert!(!is_whole_group(p), "{p}");
        }
    }

    #[test]
    fn every_pattern_form() {
        let infos = vec![
            info("app", "app_00"),
            info("app", "app_01"),
            info("app", "app_10"),
            info("web", "web"),
            info("workers", "w1"),
        ];
        assert_eq!(names(&["web"], &infos).unwrap(), ["web"]);
        assert_eq!(names(&["web:web"], &infos).unwrap(), ["web"]);
        assert_eq!(names(&["app:app_01"], &infos).unwrap(), ["app:app_01"]);
        assert_eq!(
            names(&["app:"], &infos).unwrap(),
            ["app:app_00", "app:app_01", "app:app_10"]
        );
        assert_eq!(
            names(&["app:*"], &infos).unwrap(),
            ["app:app_00", "app:app_01", "app:app_10"]
        );
        assert_eq!(names(&["all"], &infos).unwrap().len(), 5);
        assert_eq!(names(&["*"], &infos).unwrap().len(), 5);
        assert_eq!(
            names(&["app:app_0?"], &infos).unwrap(),
            ["app:app_00", "app:app_01"]
        );
        assert_eq!(
            names(&["ap*"], &infos).unwrap(),
            ["app:app_00", "app:app_01", "app:app_10"]
        );
        assert_eq!(names(&["*w*"], &infos).unwrap(), ["web", "workers:w1"]);
        // The union, each once, in status order.
        assert_eq!(
            names(&["web", "app:app_01", "app:app_0?", "web"], &infos).unwrap(),
            ["app:app_00", "app:app_01", "web"]
        );
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_named() {
        let infos = vec![info("app", "app_00"), info("web", "web")];
        assert_eq!(
            names(&["nosuch"], &infos).unwrap_err(),
            ["nosuch: ERROR (no such process)"]
        );
        assert_eq!(
            names(&["nosuch:"], &infos).unwrap_err(),
            ["nosuch: ERROR (no such group)"]
        );
        assert_eq!(
            names(&["app_00"], &infos).unwrap_err(),
            ["app_00: ERROR (no such process)"]
        );
        assert_eq!(
            names(&["web", "x*"], &infos).unwrap_err(),
            ["x*: ERROR (no process matches)"]
        );
        assert_eq!(
            names(&["app:nope"], &infos).unwrap_err(),
            ["app:nope: ERROR (no such process)"]
        );
    }
}
