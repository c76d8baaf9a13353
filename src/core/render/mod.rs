//! Renderers: a [`GasDiff`] turned into text for a terminal ([`terminal()`]), a pull-request
//! comment ([`markdown()`]) or a machine ([`json()`], read back with [`from_json`]).
//!
//! Each is a pure function of the diff and its options that returns a `String`; none prints,
//! reads the environment or decides anything: the verdict is already in the diff, and whether
//! to colour is the caller's call (`NO_COLOR`, a tty), passed in [`TerminalOptions`].
//!
//! People-facing tables name entries as people say them ([`crate::core::names`]) and group them
//! by contract ([`grouped`]); ids stay in the JSON and in the Markdown's collapsed full table.
//! Both people-facing renderers lead with the same verdict sentence ([`verdict_sentence`]).
//!
//! Names come from the pull request and are hostile: every renderer strips control and
//! bidirectional-override characters and caps names at [`MAX_NAME_CHARS`]; the Markdown
//! renderer escapes everything GitHub would interpret.

pub mod base;
pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod registry;
pub mod terminal;
pub mod why;

pub use base::{describe_base, describe_build_changes};
pub use json::{DIFF_SCHEMA, DiffJsonError, from_json, json};
pub use markdown::{COMMENT_LIMIT, COMMENT_MARKER, MarkdownOptions, markdown};
pub use terminal::{TerminalOptions, terminal};

use std::collections::BTreeMap;

use crate::core::diff::{DiffEntry, GasDiff, Status};
use crate::core::entries::{Bounds, EntryKind, Measure};
use crate::core::names::{Group, Names};
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

/// A message for the terminal (an error, a warning) with the characters [`sanitize`] replaces
/// replaced the same way, line breaks and tabs excepted: a name quoted in an error must not
/// reorder the line it is shown on (bidi overrides) or rewrite the screen (escape sequences).
pub fn sanitize_message(text: &str) -> String {
    text.chars().map(|c| if c != '\n' && c != '\t' && is_unsafe(c) { '\u{FFFD}' } else { c }).collect()
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

/// One side of an entry for people: [`format_measure`], or under Somnia's schedule both bounds
/// where they differ, `52,011 – 1,052,011` (lower – upper; the judged one is among them).
pub(crate) fn format_side(measure: Option<&Measure>, bounds: Option<Bounds>, kind: EntryKind) -> String {
    match (measure, bounds) {
        (None, _) => String::new(),
        (Some(_), Some(bounds)) => format_bounds(bounds.lower, bounds.upper),
        (Some(measure), None) => format_measure(measure, kind),
    }
}

/// `lower – upper`, digits grouped.
pub(crate) fn format_bounds(lower: u64, upper: u64) -> String {
    format!("{} – {}", group_digits(lower), group_digits(upper))
}

/// The base side of `entry`, with its bounds ([`format_side`]).
pub(crate) fn format_base(entry: &DiffEntry) -> String {
    format_side(entry.base.as_ref(), entry.base_bounds, entry.kind)
}

/// The head side of `entry`, with its bounds ([`format_side`]).
pub(crate) fn format_head(entry: &DiffEntry) -> String {
    format_side(entry.head.as_ref(), entry.head_bounds, entry.kind)
}

/// Under Somnia's schedule, which bound Δ and the policy used (`"lower"` or `"upper"`, as
/// `[policy] somnia_bound` says); `None` when no entry has bounds (every Ethereum diff).
pub(crate) fn judged_bound(diff: &GasDiff) -> Option<&'static str> {
    let value = |measure: &Option<Measure>| measure.as_ref().and_then(Measure::number);
    let (bounds, value) = diff.entries.iter().find_map(|entry| {
        entry.head_bounds.zip(value(&entry.head)).or_else(|| entry.base_bounds.zip(value(&entry.base)))
    })?;
    Some(if value == bounds.upper { "upper" } else { "lower" })
}

/// What Somnia's `lower – upper` figures mean, for a note beside them.
pub(crate) const BOUNDS_MEANING: &str =
    "the upper one adds 1,000,000 for each existing key or account not touched earlier in the scenario";

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

/// The changes as a sentence a reviewer can act on, without the policy part: `6 functions cost
/// more gas (largest +0.72% MockERC20.transfer), 3 cost less, 1 bytecode size grew, 1 added,
/// 1 removed`, or `no gas changes`. Gas comes first and names its largest change; sizes are
/// only counted. `name` renders the largest change's name (a code span in Markdown).
pub(crate) fn verdict_sentence(diff: &GasDiff, names: &Names, name: impl Fn(&str) -> String) -> String {
    let summary = &diff.summary;
    let plural = |count: usize, one: &str, many: &str| {
        format!("{} {}", group_digits(count as u64), if count == 1 { one } else { many })
    };
    let regressions = by_relative_change(diff, Status::Regression);
    let improvements = by_relative_change(diff, Status::Improvement);
    let (gas_up, size_up): (Vec<&DiffEntry>, Vec<&DiffEntry>) =
        regressions.into_iter().partition(|entry| entry.kind.is_gas());
    let (gas_down, size_down): (Vec<&DiffEntry>, Vec<&DiffEntry>) =
        improvements.into_iter().partition(|entry| entry.kind.is_gas());
    let largest = |entry: &DiffEntry| {
        let change = match entry.delta_pct {
            Some(pct) => signed_pct(pct),
            None => format_delta(entry),
        };
        format!("largest {change} {}", name(&names.get(&entry.id).short))
    };
    let mut parts = Vec::new();
    if let Some(first) = gas_up.first() {
        let (one, many) = noun(&gas_up);
        parts.push(format!("{} cost more gas ({})", plural(gas_up.len(), one, many), largest(first)));
    }
    if let Some(first) = gas_down.first() {
        let (one, many) = noun(&gas_down);
        if gas_up.is_empty() {
            parts.push(format!("{} cost less gas ({})", plural(gas_down.len(), one, many), largest(first)));
        } else if noun(&gas_up) == (one, many) {
            // `3 cost less`: the noun of the first part carries over.
            parts.push(format!("{} cost less", group_digits(gas_down.len() as u64)));
        } else {
            parts.push(format!("{} cost less", plural(gas_down.len(), one, many)));
        }
    }
    if !size_up.is_empty() {
        parts.push(format!("{} grew", plural(size_up.len(), "bytecode size", "bytecode sizes")));
    }
    if !size_down.is_empty() {
        parts.push(format!("{} shrank", plural(size_down.len(), "bytecode size", "bytecode sizes")));
    }
    for (count, word) in
        [(summary.added, "added"), (summary.removed, "removed"), (summary.changed, "changed")]
    {
        if count > 0 {
            parts.push(format!("{} {word}", group_digits(count as u64)));
        }
    }
    if parts.is_empty() { "no gas changes".to_owned() } else { parts.join(", ") }
}

/// What `entries` are, singular and plural: `functions` when all are, else `entries`.
fn noun(entries: &[&DiffEntry]) -> (&'static str, &'static str) {
    let all = |kinds: &[EntryKind]| entries.iter().all(|entry| kinds.contains(&entry.kind));
    if all(&[EntryKind::Function]) {
        ("function", "functions")
    } else if all(&[EntryKind::Test, EntryKind::Fuzz]) {
        ("test", "tests")
    } else if all(&[EntryKind::Deployment]) {
        ("deployment", "deployments")
    } else if all(&[EntryKind::Section]) {
        ("section", "sections")
    } else {
        ("entry", "entries")
    }
}

/// How many entries fail the policy (an entry failing two limits counts once).
pub(crate) fn failing_entries(diff: &GasDiff) -> usize {
    diff.entries.iter().filter(|entry| entry.failed).count()
}

/// `; 6 break the policy`, `; within the policy` when something regressed but passed, or nothing.
pub(crate) fn policy_clause(diff: &GasDiff) -> String {
    match failing_entries(diff) {
        0 if diff.summary.regressions > 0 => "; within the policy".to_owned(),
        0 => String::new(),
        1 => "; 1 breaks the policy".to_owned(),
        count => format!("; {} break the policy", group_digits(count as u64)),
    }
}

/// One line of a people-facing table.
#[derive(Debug)]
pub(crate) enum Line<'a> {
    /// The contract, suite or section group whose entries follow.
    Group(Group),
    Entry(&'a DiffEntry),
}

/// `entries` (in their order of importance) grouped by contract, suite or section group when
/// at least two share one: groups come in the order of their first entry, each group's entries
/// under one [`Line::Group`] (which gives a contract's path). Otherwise the entries as they are.
pub(crate) fn grouped<'a>(entries: &[&'a DiffEntry], names: &Names) -> Vec<Line<'a>> {
    let groups: Vec<Option<Group>> = entries.iter().map(|entry| names.get(&entry.id).group).collect();
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for group in groups.iter().flatten() {
        *sizes.entry(group.key.as_str()).or_default() += 1;
    }
    if !sizes.values().any(|size| *size > 1) {
        return entries.iter().map(|entry| Line::Entry(entry)).collect();
    }
    let mut slots: Vec<(Option<Group>, Vec<&'a DiffEntry>)> = Vec::new();
    let mut slot_of: BTreeMap<String, usize> = BTreeMap::new();
    for (entry, group) in entries.iter().zip(groups) {
        match group {
            Some(group) => {
                if let Some(index) = slot_of.get(&group.key) {
                    slots[*index].1.push(*entry);
                } else {
                    slot_of.insert(group.key.clone(), slots.len());
                    slots.push((Some(group), vec![*entry]));
                }
            }
            None => slots.push((None, vec![*entry])),
        }
    }
    let mut lines = Vec::with_capacity(entries.len() + slots.len());
    for (group, members) in slots {
        if let Some(group) = group {
            lines.push(Line::Group(group));
        }
        lines.extend(members.into_iter().map(Line::Entry));
    }
    lines
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Diffs the renderer tests share.

    use crate::core::diff::{DiffLabels, GasDiff, diff};
    use crate::core::policy::{Ceiling, Policy, Rule};
    use crate::core::report::{ContractGas, Deployment, GasReport, SectionValue, TestGas};
    use crate::core::stats::Stats;

    /// [`mixed`], compared with the stored report of the merge base with `reference`, and built
    /// with other optimizer runs (`head_runs`) than its base for `contracts`.
    pub fn mixed_with_base(reference: &str, head_runs: &str, contracts: &[&str]) -> GasDiff {
        let mut diff = mixed();
        diff.base = Some(crate::core::base::BaseInfo {
            commit: Some("1a2b3c4d5e6f".into()),
            source: crate::core::base::BaseSource::Stored,
            behind: 0,
            reference: Some(reference.into()),
            path: None,
        });
        diff.build_changes = vec![crate::core::build::BuildChange {
            what: "solc optimizer runs".into(),
            base: "200".into(),
            head: head_runs.into(),
            contracts: contracts.iter().map(|contract| (*contract).to_owned()).collect(),
        }];
        diff
    }

    fn contract(deploy: u64, size: u64, functions: &[(&str, u64)]) -> ContractGas {
        ContractGas {
            deployment: Some(Deployment { gas: deploy, size, initcode_size: 0 }),
            functions: functions
                .iter()
                .map(|(name, gas)| ((*name).to_owned(), Stats::from_samples(&[*gas]).unwrap()))
                .collect(),
            ..Default::default()
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

    /// Statistics of one call whose bounds are `lower` and `upper`.
    fn bounded(lower: u64, upper: u64) -> Stats {
        Stats::from_bounds(&[lower], &[upper]).unwrap()
    }

    /// Two Somnia reports: a function whose lower bound regressed and whose upper
    /// one moved with it, one whose bounds only exist on the head, one unchanged with bounds,
    /// one without bounds (every key it touches was touched earlier), and a cheaper deployment
    /// whose constructor reads an existing account.
    pub(crate) fn somnia_reports() -> (GasReport, GasReport) {
        let report = |transfer: (u64, u64), mint: Stats, deploy: (u64, u64)| {
            let mut report = GasReport::new("test");
            let mut contract = contract(deploy.0, 4_000, &[]);
            contract.deployments = Some(bounded(deploy.0, deploy.1));
            contract.functions = [
                ("transfer(address,uint256)".to_owned(), bounded(transfer.0, transfer.1)),
                ("mint(uint256)".to_owned(), mint),
                ("balanceOf(address)".to_owned(), bounded(2_600, 1_002_600)),
                ("approve(address,uint256)".to_owned(), Stats::from_samples(&[46_000]).unwrap()),
            ]
            .into();
            report.contracts.insert("src/Token.sol:Token".into(), contract);
            report
        };
        let base =
            report((252_011, 1_252_011), Stats::from_samples(&[230_000]).unwrap(), (3_900_000, 4_900_000));
        let head = report((252_311, 1_252_311), bounded(230_000, 2_230_000), (3_850_000, 4_850_000));
        (base, head)
    }

    /// [`somnia_reports`] compared, judged by `bound`.
    pub(crate) fn somnia(bound: Option<crate::core::policy::SomniaBound>) -> GasDiff {
        let (base, head) = somnia_reports();
        let policy = Policy { max_increase_pct: Some(1.0), somnia_bound: bound, ..Policy::default() };
        let labels = DiffLabels { base: "main".into(), head: "pr".into() };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diff::{DiffLabels, diff};
    use crate::core::policy::Policy;
    use crate::core::report::{GasReport, TestGas};

    /// The headline sentence and policy clause for tests with the given gas on each side.
    fn sentence(base: &[(&str, u64)], head: &[(&str, u64)], policy: Policy) -> String {
        let report = |tests: &[(&str, u64)]| {
            let mut report = GasReport::new("test");
            for (name, gas) in tests {
                report.tests.insert((*name).to_owned(), TestGas::Gas { gas: *gas });
            }
            report
        };
        let diff = diff(&report(base), &report(head), &policy.compile().unwrap(), DiffLabels::default());
        let names = Names::new(diff.entries.iter().map(|entry| entry.id.as_str()));
        format!("{}{}", verdict_sentence(&diff, &names, |name| format!("`{name}`")), policy_clause(&diff))
    }

    #[test]
    fn verdict_sentences() {
        let lenient = || Policy { max_increase_pct: Some(50.0), ..Policy::default() };
        assert_eq!(
            sentence(&[("A:up()", 100), ("A:same()", 5)], &[("A:up()", 110), ("A:same()", 5)], lenient()),
            "1 test cost more gas (largest +10.00% `A.up`); within the policy"
        );
        assert_eq!(
            sentence(
                &[("A:half()", 100), ("A:less()", 100), ("A:gone()", 1)],
                &[("A:half()", 50), ("A:less()", 99)],
                lenient()
            ),
            "2 tests cost less gas (largest -50.00% `A.half`), 1 removed"
        );
        assert_eq!(
            sentence(&[("A:up()", 100), ("A:new()", 0)], &[("A:up()", 200), ("A:new()", 7)], lenient()),
            "2 tests cost more gas (largest +7 `A.new`); 2 break the policy"
        );
        assert_eq!(
            sentence(&[("A:t()", 1)], &[("A:t()", 2)], Policy::default()).rsplit("; ").next(),
            Some("1 breaks the policy")
        );
        assert_eq!(sentence(&[("A:t()", 1)], &[("A:t()", 1)], Policy::default()), "no gas changes");
    }
}
