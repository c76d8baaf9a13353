//! Renderers: a [`GasDiff`] turned into text for a terminal ([`terminal()`]), a pull-request
//! comment ([`markdown()`]) or a machine ([`json()`], read back with [`from_json`]).
//!
//! Each is a pure function of the diff and its options that returns a `String`; none prints,
//! reads the environment or decides anything: the verdict is already in the diff, and whether
//! to colour is the caller's call (`NO_COLOR`, a tty), passed in [`TerminalOptions`].
//!
//! Names come from the pull request and are hostile: every renderer strips control and
//! bidirectional-override characters and caps names at [`MAX_NAME_CHARS`]; the Markdown
//! renderer escapes everything GitHub would interpret.

pub mod explain;
pub mod json;
pub mod markdown;
pub mod registry;
pub mod terminal;
pub mod why;

pub use json::{DIFF_SCHEMA, DiffJsonError, from_json, json};
pub use markdown::{COMMENT_LIMIT, COMMENT_MARKER, MarkdownOptions, markdown};
pub use terminal::{TerminalOptions, terminal};

use crate::core::diff::{DiffEntry, GasDiff, Status};
use crate::core::entries::{EntryKind, Measure};
use crate::core::number::{group_digits, signed_gas, signed_pct};

/// Longest name a renderer shows, in characters; longer ones end in `…`.
pub const MAX_NAME_CHARS: usize = 200;

/// `text` capped at `max` characters, control and bidi-override characters replaced by `�` so
/// a name can neither break a line nor reorder what is shown around it.
pub(crate) fn sanitize(text: &str, max: usize) -> String {
    let too_long = text.chars().nth(max).is_some();
    let keep = if too_long { max.saturating_sub(1) } else { max };
    let mut clean: String =
        text.chars().take(keep).map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c }).collect();
    if too_long {
        clean.push('…');
    }
    clean
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A measure for people: grouped digits for numbers (`bytes` for sizes), text sanitised.
pub(crate) fn format_measure(measure: &Measure, kind: EntryKind) -> String {
    match measure {
        Measure::Number(value) if kind == EntryKind::Size => format!("{} B", group_digits(*value)),
        Measure::Number(value) => group_digits(*value),
        Measure::Text(text) => sanitize(text, MAX_NAME_CHARS),
    }
}

pub(crate) fn format_delta(entry: &DiffEntry) -> String {
    entry.delta.map(signed_gas).unwrap_or_default()
}

pub(crate) fn format_pct(entry: &DiffEntry) -> String {
    match (entry.delta_pct, entry.delta) {
        (Some(pct), _) => signed_pct(pct),
        // From 0: no percentage exists.
        (None, Some(delta)) if delta != 0 => "new".to_owned(),
        _ => String::new(),
    }
}

/// The entries with `status`, largest relative change first (changes from 0 before all, then
/// larger absolute changes, then by id), the order both people-facing renderers list them in.
pub(crate) fn by_relative_change(diff: &GasDiff, status: Status) -> Vec<&DiffEntry> {
    let mut entries: Vec<&DiffEntry> = diff.entries.iter().filter(|entry| entry.status == status).collect();
    entries.sort_by(|a, b| {
        let magnitude = |entry: &DiffEntry| entry.delta_pct.map_or(f64::INFINITY, f64::abs);
        magnitude(b)
            .total_cmp(&magnitude(a))
            .then_with(|| b.delta.map(i128::abs).cmp(&a.delta.map(i128::abs)))
            .then_with(|| a.id.cmp(&b.id))
    });
    entries
}

pub(crate) fn with_status(diff: &GasDiff, status: Status) -> Vec<&DiffEntry> {
    diff.entries.iter().filter(|entry| entry.status == status).collect()
}

/// `3 regressions, 12 improvements, 2 added`; empty when nothing changed.
pub(crate) fn counts(diff: &GasDiff) -> String {
    let summary = &diff.summary;
    let plural = |count: usize, one: &str, many: &str| {
        format!("{} {}", group_digits(count as u64), if count == 1 { one } else { many })
    };
    let mut parts = Vec::new();
    if summary.regressions > 0 {
        parts.push(plural(summary.regressions, "regression", "regressions"));
    }
    if summary.improvements > 0 {
        parts.push(plural(summary.improvements, "improvement", "improvements"));
    }
    for (count, word) in
        [(summary.added, "added"), (summary.removed, "removed"), (summary.changed, "changed")]
    {
        if count > 0 {
            parts.push(format!("{} {word}", group_digits(count as u64)));
        }
    }
    parts.join(", ")
}

pub(crate) fn plural_failures(count: usize) -> String {
    format!("{} policy {}", group_digits(count as u64), if count == 1 { "failure" } else { "failures" })
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Diffs the renderer tests share.

    use crate::core::diff::{DiffLabels, GasDiff, diff};
    use crate::core::policy::{Ceiling, Policy, Rule};
    use crate::core::report::{ContractGas, Deployment, GasReport, SectionValue, TestGas};
    use crate::core::stats::Stats;

    fn contract(deploy: u64, size: u64, functions: &[(&str, u64)]) -> ContractGas {
        ContractGas {
            deployment: Some(Deployment { gas: deploy, size, initcode_size: 0 }),
            functions: functions
                .iter()
                .map(|(name, gas)| ((*name).to_owned(), Stats::from_samples(&[*gas]).unwrap()))
                .collect(),
        }
    }

    /// A small diff with one entry of every status and a failing policy.
    pub(crate) fn mixed() -> GasDiff {
        let mut base = GasReport::new("test");
        base.contracts.insert(
            "src/Token.sol:Token".into(),
            contract(
                900_000,
                4_000,
                &[("transfer(address,uint256)", 51_000), ("approve(address,uint256)", 46_000)],
            ),
        );
        base.contracts.insert(
            "src/Vault.sol:Vault".into(),
            contract(1_200_000, 9_000, &[("deposit(uint256)", 80_000)]),
        );
        base.tests.insert("TokenTest:testTransfer()".into(), TestGas::Gas { gas: 60_000 });
        base.tests.insert(
            "TokenTest:testFuzz(uint256)".into(),
            TestGas::Fuzz { runs: 256, mean: 30_000, median: 29_000 },
        );
        base.tests.insert("TokenTest:testOld()".into(), TestGas::Gas { gas: 10_000 });
        base.sections.insert("Pool/initcode hash".into(), SectionValue::Info("0xaaaa".into()));
        base.sections.insert("Pool/swap".into(), SectionValue::Gas(120_000));

        let mut head = base.clone();
        head.contracts.insert(
            "src/Token.sol:Token".into(),
            contract(
                905_000,
                4_100,
                &[("transfer(address,uint256)", 51_400), ("approve(address,uint256)", 45_000)],
            ),
        );
        head.contracts.insert(
            "src/Vault.sol:Vault".into(),
            contract(1_600_000, 25_000, &[("deposit(uint256)", 80_000)]),
        );
        // A new contract above the deployment ceiling and the size budget.
        head.contracts.insert("src/Big.sol:Big".into(), contract(2_000_000, 30_000, &[]));
        head.tests.remove("TokenTest:testOld()");
        head.tests.insert("TokenTest:testNew()".into(), TestGas::Gas { gas: 12_345 });
        head.tests.insert(
            "TokenTest:testFuzz(uint256)".into(),
            TestGas::Fuzz { runs: 256, mean: 30_100, median: 29_200 },
        );
        head.sections.insert("Pool/initcode hash".into(), SectionValue::Info("0xbbbb".into()));
        head.sections.insert("Pool/swap".into(), SectionValue::Gas(118_500));

        let policy = Policy {
            noise_tolerance_pct: 1.0,
            rules: vec![Rule {
                pattern: "fn:*Token*".into(),
                max_increase_pct: Some(1.0),
                max_increase_gas: None,
            }],
            ceilings: vec![Ceiling { pattern: "deploy:*".into(), max_gas: 1_500_000 }],
            ..Policy::default()
        };
        let labels = DiffLabels { base: "main (1a2b3c4)".into(), head: "feature/fees (5d6e7f8)".into() };
        diff(&base, &head, &policy.compile().unwrap(), labels)
    }

    /// The same report on both sides.
    pub(crate) fn unchanged() -> GasDiff {
        let mut report = GasReport::new("test");
        report.tests.insert("A:test()".into(), TestGas::Gas { gas: 1 });
        let labels = DiffLabels { base: "main".into(), head: "pr".into() };
        diff(&report, &report, &Policy::default().compile().unwrap(), labels)
    }
}
