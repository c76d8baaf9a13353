//! The lines every renderer adds about the base: which base was compared with
//! ([`describe_base`]) and whether the build changed between base and head
//! ([`describe_build_changes`]). Plain text, sanitised (the values can come from an untrusted
//! diff); the Markdown renderer escapes it like any other text.

use super::{MAX_NAME_CHARS, sanitize};
use crate::core::base::{BaseInfo, BaseSource};
use crate::core::build::BuildChange;

/// Longest value of a build setting shown, in characters.
const MAX_VALUE_CHARS: usize = 80;

/// `text` with its first letter upper case, for a line that starts a sentence.
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// One line: `compared with a1b2c3d, the merge base with main`, or why another commit was used.
pub fn describe_base(base: &BaseInfo) -> String {
    let commit = base.commit.as_deref().map(|sha| sanitize(&sha.chars().take(7).collect::<String>(), 7));
    let merge_base = match &base.reference {
        Some(reference) => format!("the merge base with {}", sanitize(reference, MAX_NAME_CHARS)),
        None => "the merge base".to_owned(),
    };
    let commit = commit.unwrap_or_else(|| "an unknown commit".to_owned());
    match base.source {
        BaseSource::Stored => format!("compared with {commit}, {merge_base}"),
        BaseSource::Ancestor => {
            let commits =
                if base.behind == 1 { "1 commit".to_owned() } else { format!("{} commits", base.behind) };
            format!(
                "compared with {commit}, {commits} before {merge_base}: no report was stored for the merge base"
            )
        }
        BaseSource::Rebuilt => format!(
            "compared with {commit}, {merge_base}, built and profiled for this run: no report was stored for it"
        ),
        BaseSource::File => match &base.path {
            Some(path) => format!("compared with the baseline file {}", sanitize(path, MAX_NAME_CHARS)),
            None => "compared with a baseline file".to_owned(),
        },
    }
}

/// The warning put first when the build changed, e.g. `the build changed (optimizer runs
/// 200 → 1 for 3 contracts): most differences below come from the build, not from the code`;
/// `None` when nothing changed.
pub fn describe_build_changes(changes: &[BuildChange]) -> Option<String> {
    if changes.is_empty() {
        return None;
    }
    let parts: Vec<String> = changes
        .iter()
        .map(|change| {
            let what = change.what.strip_prefix("solc ").unwrap_or(&change.what);
            let scope = match change.contracts.len() {
                0 => String::new(),
                1 => " for 1 contract".to_owned(),
                many => format!(" for {many} contracts"),
            };
            format!(
                "{} {} → {}{scope}",
                sanitize(what, MAX_VALUE_CHARS),
                sanitize(&change.base, MAX_VALUE_CHARS),
                sanitize(&change.head, MAX_VALUE_CHARS)
            )
        })
        .collect();
    Some(format!(
        "the build changed ({}): most differences below come from the build, not from the code",
        parts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(source: BaseSource, behind: u64) -> BaseInfo {
        BaseInfo {
            commit: Some("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678".into()),
            source,
            behind,
            reference: Some("main".into()),
            path: None,
        }
    }

    #[test]
    fn base_lines() {
        assert_eq!(
            describe_base(&base(BaseSource::Stored, 0)),
            "compared with a1b2c3d, the merge base with main"
        );
        assert_eq!(
            describe_base(&base(BaseSource::Ancestor, 3)),
            "compared with a1b2c3d, 3 commits before the merge base with main: no report was stored for the merge base"
        );
        assert_eq!(
            describe_base(&base(BaseSource::Ancestor, 1)),
            "compared with a1b2c3d, 1 commit before the merge base with main: no report was stored for the merge base"
        );
        assert_eq!(
            describe_base(&base(BaseSource::Rebuilt, 0)),
            "compared with a1b2c3d, the merge base with main, built and profiled for this run: no report was stored for it"
        );
        let file = BaseInfo {
            commit: None,
            source: BaseSource::File,
            behind: 0,
            reference: None,
            path: Some(".gasguard/baseline.json".into()),
        };
        assert_eq!(describe_base(&file), "compared with the baseline file .gasguard/baseline.json");
    }

    #[test]
    fn build_change_line() {
        assert_eq!(describe_build_changes(&[]), None);
        let changes = [
            BuildChange {
                what: "EVM spec".into(),
                base: "prague".into(),
                head: "osaka".into(),
                contracts: vec![],
            },
            BuildChange {
                what: "solc optimizer runs".into(),
                base: "200".into(),
                head: "1".into(),
                contracts: vec!["a".into(), "b".into(), "c".into()],
            },
        ];
        assert_eq!(
            describe_build_changes(&changes).unwrap(),
            "the build changed (EVM spec prague → osaka; optimizer runs 200 → 1 for 3 contracts): \
             most differences below come from the build, not from the code"
        );
    }

    /// Values come from an untrusted diff: a newline or bidi override must not reach the output.
    #[test]
    fn hostile_values_are_sanitised() {
        let change = BuildChange {
            what: "solc version".into(),
            base: "0.8.30\n## fake".into(),
            head: "\u{202E}1".into(),
            contracts: vec![],
        };
        let line = describe_build_changes(&[change]).unwrap();
        assert!(!line.contains('\n') && !line.contains('\u{202E}'), "{line}");
    }
}
