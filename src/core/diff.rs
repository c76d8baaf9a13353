//! Comparing two reports: every entry of either side, what happened to it, and the policy's
//! verdict. Pure: reports and a compiled policy in, a [`GasDiff`] out; rendering is the
//! renderers' job.
//!
//! Comparison is exact: any change of a number is a regression or an improvement; whether it
//! fails is the policy's decision ([`crate::core::policy`]). Entries are matched by id
//! ([`GasReport::entries`]); added and removed entries are always kept. Entries come out
//! sorted by id, so the same inputs always give the same diff.

use serde::{Deserialize, Serialize};

use crate::core::base::BaseInfo;
use crate::core::build::{BuildChange, build_changes};
use crate::core::entries::{Bounds, EntryKind, Measure};
use crate::core::explain::{Why, explain};
use crate::core::policy::CompiledPolicy;
use crate::core::report::GasReport;

/// What the caller calls each side: a commit, a branch, `baseline`. Shown by the renderers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffLabels {
    pub base: String,
    pub head: String,
}

/// The comparison of a head report with a base report.
#[derive(Debug, Clone, PartialEq)]
pub struct GasDiff {
    pub base_label: String,
    pub head_label: String,
    /// Every entry of either side, sorted by id.
    pub entries: Vec<DiffEntry>,
    pub summary: Summary,
    pub verdict: Verdict,
    /// Every violated limit, in entry order, then rule order.
    pub failures: Vec<Failure>,
    /// Which base was compared with, when the caller knows (set after [`diff`]).
    pub base: Option<BaseInfo>,
    /// How the base's build differs from the head's (compiler settings, how it was run).
    pub build_changes: Vec<BuildChange>,
    /// Said once when changed entries cannot be explained because a side has no attribution.
    pub why_note: Option<String>,
}

/// One entry of the diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffEntry {
    pub id: String,
    /// The head's kind, or the base's for a removed entry.
    pub kind: EntryKind,
    pub base: Option<Measure>,
    pub head: Option<Measure>,
    /// `head − base`, when both are numbers.
    pub delta: Option<i128>,
    /// `delta` in percent of `base`, when both are numbers and `base` is not 0.
    pub delta_pct: Option<f64>,
    pub status: Status,
    /// The policy rule that decided about this entry (see [`crate::core::policy::Judgement`]).
    pub rule: Option<String>,
    pub failed: bool,
    /// Where the change came from, when both sides carry attribution and the value changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
    /// Under Somnia's schedule, the base's lower and upper bounds where they differ; `base` is
    /// the one the policy judged (`[policy] somnia_bound`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_bounds: Option<Bounds>,
    /// The same for the head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_bounds: Option<Bounds>,
}

/// What happened to an entry between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The number went up.
    Regression,
    /// The number went down.
    Improvement,
    Added,
    Removed,
    Unchanged,
    /// An information value changed (not a number on at least one side).
    Changed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regression => "regression",
            Self::Improvement => "improvement",
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Unchanged => "unchanged",
            Self::Changed => "changed",
        }
    }
}

/// How many entries have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub regressions: usize,
    pub improvements: usize,
    pub added: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub changed: usize,
}

impl Summary {
    /// Counts the statuses of `entries`.
    pub fn count(entries: &[DiffEntry]) -> Self {
        let mut summary = Self::default();
        for entry in entries {
            let counter = match entry.status {
                Status::Regression => &mut summary.regressions,
                Status::Improvement => &mut summary.improvements,
                Status::Added => &mut summary.added,
                Status::Removed => &mut summary.removed,
                Status::Unchanged => &mut summary.unchanged,
                Status::Changed => &mut summary.changed,
            };
            *counter += 1;
        }
        summary
    }

    /// Whether anything at all differs between the two sides.
    pub fn has_changes(&self) -> bool {
        self.regressions + self.improvements + self.added + self.removed + self.changed > 0
    }
}

/// Pass or fail: fail when the policy found at least one violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
        }
    }
}

/// One violated policy limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub id: String,
    pub reason: String,
    pub rule: String,
}

/// Compares `head` with `base` and applies `policy`.
pub fn diff(base: &GasReport, head: &GasReport, policy: &CompiledPolicy, labels: DiffLabels) -> GasDiff {
    let (base_bounds, head_bounds) = (base.bounds(), head.bounds());
    let mut diff = if policy.policy().somnia_bound == Some(crate::core::policy::SomniaBound::Upper) {
        // The attribution explains the lower bound: an entry judged by an upper bound that
        // differs from it gets no `why`, and no note blames a missing attribution.
        let unexplainable = |id: &str| base_bounds.contains_key(id) || head_bounds.contains_key(id);
        diff_bound(&base.upper_bound(), &head.upper_bound(), policy, labels, &unexplainable)
    } else {
        diff_bound(base, head, policy, labels, &|_| false)
    };
    // Both bounds ride beside whichever one was judged, so every renderer can show them.
    for entry in &mut diff.entries {
        entry.base_bounds = entry.base.as_ref().and(base_bounds.get(&entry.id).copied());
        entry.head_bounds = entry.head.as_ref().and(head_bounds.get(&entry.id).copied());
    }
    diff
}

/// The diff of `base` and `head` as they are; `unexplainable` entries get no `why`.
fn diff_bound(
    base: &GasReport,
    head: &GasReport,
    policy: &CompiledPolicy,
    labels: DiffLabels,
    unexplainable: &dyn Fn(&str) -> bool,
) -> GasDiff {
    let mut base_entries = base.entries();
    let mut entries = Vec::new();
    let mut failures = Vec::new();
    for (id, head_entry) in head.entries() {
        let base_entry = base_entries.remove(&id);
        let kind = head_entry.kind;
        entries.push(compare(id, kind, base_entry.map(|entry| entry.value), Some(head_entry.value)));
    }
    for (id, base_entry) in base_entries {
        entries.push(compare(id, base_entry.kind, Some(base_entry.value), None));
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    for entry in &mut entries {
        let numbers = |measure: &Option<Measure>| measure.as_ref().and_then(Measure::number);
        // A value that is text on either side is information, whatever its kind says.
        let kind = if entry.status == Status::Changed { EntryKind::Info } else { entry.kind };
        let judgement = policy.judge(&entry.id, kind, numbers(&entry.base), numbers(&entry.head));
        entry.rule = judgement.rule;
        entry.failed = !judgement.failures.is_empty();
        failures.extend(judgement.failures.into_iter().map(|violation| Failure {
            id: entry.id.clone(),
            reason: violation.reason,
            rule: violation.rule,
        }));
    }
    let mut unexplained = (0, 0);
    for entry in &mut entries {
        if !matches!(entry.status, Status::Regression | Status::Improvement) || unexplainable(&entry.id) {
            continue;
        }
        // An attribution explains its side only when it sums to that side's value: a report
        // whose numbers were edited (or merged) after profiling keeps stale parts.
        let number = |measure: &Option<Measure>| measure.as_ref().and_then(Measure::number).map(i128::from);
        let explains = |attribution: &&crate::core::attribution::Attribution, value: Option<i128>| {
            value.is_some_and(|value| attribution.sums() == [value; 3])
        };
        let old = base.attribution.get(&entry.id).filter(|old| explains(old, number(&entry.base)));
        let new = head.attribution.get(&entry.id).filter(|new| explains(new, number(&entry.head)));
        match (old, new) {
            (Some(old), Some(new)) => entry.why = Some(explain(old, new)),
            (None, Some(_)) => unexplained.0 += 1,
            (Some(_), None) => unexplained.1 += 1,
            (None, None) => {}
        }
    }
    let why_note = why_note(base, unexplained);
    let summary = Summary::count(&entries);
    let verdict = if failures.is_empty() { Verdict::Pass } else { Verdict::Fail };
    GasDiff {
        base_label: labels.base,
        head_label: labels.head,
        entries,
        summary,
        verdict,
        failures,
        base: None,
        build_changes: build_changes(base.build.as_ref(), head.build.as_ref()),
        why_note,
    }
}

/// The one line saying why changed entries come without an explanation, and how to get one.
/// Nothing when neither side was attributed at all (imported data on both sides, or
/// `--no-attribution` on both): there is nothing to refresh then.
fn why_note(base: &GasReport, (base_missing, head_missing): (usize, usize)) -> Option<String> {
    let plural = |count: usize| if count == 1 { "entry is" } else { "entries are" };
    if base_missing > 0 {
        let what = if base.attribution.is_empty() {
            "the base report has no gas attribution (imported data, or a report older than `gasguard/report/v2`)"
        } else {
            "the base report has no gas attribution matching their numbers (an edited or merged report)"
        };
        Some(format!(
            "{base_missing} changed {} not explained: {what}; refresh the baseline with `gasguard baseline` to see why gas moved",
            plural(base_missing)
        ))
    } else if head_missing > 0 {
        Some(format!(
            "{head_missing} changed {} not explained: this report has no gas attribution; profile without `--no-attribution` to see why gas moved",
            plural(head_missing)
        ))
    } else {
        None
    }
}

/// An entry's status, delta and percentage from its two values; policy fields left empty.
pub(crate) fn compare(
    id: String,
    kind: EntryKind,
    base: Option<Measure>,
    head: Option<Measure>,
) -> DiffEntry {
    let (status, delta, delta_pct) = match (&base, &head) {
        (None, _) => (Status::Added, None, None),
        (_, None) => (Status::Removed, None, None),
        (Some(Measure::Number(old)), Some(Measure::Number(new))) => {
            let delta = i128::from(*new) - i128::from(*old);
            let pct = (*old != 0).then(|| delta as f64 * 100.0 / *old as f64);
            let status = match delta.signum() {
                1 => Status::Regression,
                -1 => Status::Improvement,
                _ => Status::Unchanged,
            };
            (status, Some(delta), pct)
        }
        (Some(old), Some(new)) => (if old == new { Status::Unchanged } else { Status::Changed }, None, None),
    };
    DiffEntry {
        id,
        kind,
        base,
        head,
        delta,
        delta_pct,
        status,
        rule: None,
        failed: false,
        why: None,
        base_bounds: None,
        head_bounds: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::core::policy::Policy;
    use crate::core::report::{ContractGas, Deployment, SectionValue, TestGas};
    use crate::core::stats::Stats;

    fn report(tests: &[(&str, u64)], sections: &[(&str, SectionValue)]) -> GasReport {
        let mut report = GasReport::new("test");
        for (name, gas) in tests {
            report.tests.insert((*name).to_owned(), TestGas::Gas { gas: *gas });
        }
        for (name, value) in sections {
            report.sections.insert((*name).to_owned(), value.clone());
        }
        report
    }

    fn exact() -> CompiledPolicy {
        Policy::default().compile().unwrap()
    }

    #[test]
    fn statuses_and_deltas() {
        let base = report(
            &[("A:up()", 100), ("A:down()", 100), ("A:same()", 100), ("A:gone()", 1), ("A:zero()", 0)],
            &[("G/hash", SectionValue::Info("0xaa".into())), ("G/flip", SectionValue::Gas(5))],
        );
        let head = report(
            &[("A:up()", 150), ("A:down()", 90), ("A:same()", 100), ("A:new()", 7), ("A:zero()", 3)],
            &[("G/hash", SectionValue::Info("0xbb".into())), ("G/flip", SectionValue::Info("n/a".into()))],
        );
        let labels = DiffLabels { base: "main".into(), head: "pr".into() };
        let diff = diff(&base, &head, &exact(), labels);
        let rows: Vec<_> = diff
            .entries
            .iter()
            .map(|entry| (entry.id.as_str(), entry.status, entry.delta, entry.delta_pct, entry.failed))
            .collect();
        assert_eq!(
            rows,
            [
                ("section:G/flip", Status::Changed, None, None, false),
                ("section:G/hash", Status::Changed, None, None, false),
                ("test:A:down()", Status::Improvement, Some(-10), Some(-10.0), false),
                ("test:A:gone()", Status::Removed, None, None, false),
                ("test:A:new()", Status::Added, None, None, false),
                ("test:A:same()", Status::Unchanged, Some(0), Some(0.0), false),
                ("test:A:up()", Status::Regression, Some(50), Some(50.0), true),
                ("test:A:zero()", Status::Regression, Some(3), None, true),
            ]
        );
        assert_eq!(
            diff.summary,
            Summary { regressions: 2, improvements: 1, added: 1, removed: 1, unchanged: 1, changed: 2 }
        );
        assert_eq!(diff.verdict, Verdict::Fail);
        assert_eq!(diff.failures.len(), 2);
        assert_eq!(diff.failures[0].id, "test:A:up()");
        assert_eq!((diff.base_label.as_str(), diff.head_label.as_str()), ("main", "pr"));
    }

    /// A baseline whose numbers were edited after profiling keeps stale parts: the change is not
    /// explained with parts that do not add up, and the diff says why once.
    #[test]
    fn stale_attribution_explains_nothing() {
        use crate::core::attribution::{Attribution, GasKind, LineKey};
        let attribution = |gas: i64| {
            Attribution::from_parts(
                1,
                [(GasKind::Compute, gas)],
                [("A.f()".to_owned(), gas)],
                [(LineKey::pseudo("<compiler>"), gas)],
                Vec::new(),
            )
        };
        let mut base = GasReport::new("test");
        let contract = |gas: u64| ContractGas {
            deployment: None,
            deployments: None,
            functions: [("f()".to_owned(), Stats::from_samples(&[gas]).unwrap())].into(),
        };
        base.contracts.insert("a.sol:A".into(), contract(90));
        base.attribution.insert("fn:a.sol:A.f()".into(), attribution(100));
        let mut head = GasReport::new("test");
        head.contracts.insert("a.sol:A".into(), contract(120));
        head.attribution.insert("fn:a.sol:A.f()".into(), attribution(120));
        let stale = diff(&base, &head, &exact(), DiffLabels::default());
        assert_eq!(stale.entries[0].why, None);
        assert!(
            stale.why_note.as_deref().is_some_and(|note| note.contains("matching their numbers")),
            "{:?}",
            stale.why_note
        );
        base.attribution.insert("fn:a.sol:A.f()".into(), attribution(90));
        let fresh = diff(&base, &head, &exact(), DiffLabels::default());
        assert_eq!(fresh.entries[0].why.as_ref().map(|why| why.sums()), Some([30; 3]));
        assert_eq!(fresh.why_note, None);
    }

    #[test]
    fn identical_reports_pass_with_no_changes() {
        let report = report(&[("A:t()", 1)], &[]);
        let diff = diff(&report, &report, &exact(), DiffLabels::default());
        assert_eq!(diff.verdict, Verdict::Pass);
        assert!(!diff.summary.has_changes());
    }

    #[test]
    fn contracts_flatten_into_deployments_sizes_and_functions() {
        let mut base = GasReport::new("test");
        let mut gas = ContractGas {
            deployment: Some(Deployment { gas: 1000, size: 24_000, initcode_size: 0 }),
            functions: BTreeMap::new(),
            ..Default::default()
        };
        gas.functions.insert("f()".into(), Stats::from_samples(&[10]).unwrap());
        base.contracts.insert("src/A.sol:A".into(), gas.clone());
        let mut head = base.clone();
        let contract = head.contracts.get_mut("src/A.sol:A").unwrap();
        contract.deployment = Some(Deployment { gas: 900, size: 24_600, initcode_size: 0 });
        let diff = diff(&base, &head, &exact(), DiffLabels::default());
        let rows: Vec<_> = diff
            .entries
            .iter()
            .map(|entry| (entry.id.as_str(), entry.status, entry.rule.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                ("deploy:src/A.sol:A", Status::Improvement, None),
                ("fn:src/A.sol:A.f()", Status::Unchanged, None),
                ("size:src/A.sol:A", Status::Regression, Some("size budget")),
            ]
        );
        assert_eq!(diff.verdict, Verdict::Fail);
    }
}

#[cfg(test)]
mod somnia_bound_tests {
    use super::*;
    use crate::core::policy::{Policy, SomniaBound};
    use crate::core::report::ContractGas;
    use crate::core::stats::{Bound, Stats};

    fn report(upper_mean: u64) -> GasReport {
        let stats = Stats {
            calls: 1,
            min: 100,
            mean: 100,
            median: 100,
            max: 100,
            upper: Some(Bound { min: upper_mean, mean: upper_mean, median: upper_mean, max: upper_mean }),
        };
        let mut report = GasReport::new("gasguard run");
        report.contracts.insert(
            "a.sol:A".into(),
            ContractGas { functions: [("f()".to_owned(), stats)].into(), ..Default::default() },
        );
        report
    }

    fn verdict(bound: Option<SomniaBound>) -> Verdict {
        let policy = Policy { max_increase_gas: Some(0), somnia_bound: bound, ..Policy::default() };
        let labels = DiffLabels { base: "base".into(), head: "head".into() };
        diff(&report(1_000_100), &report(2_000_100), &policy.compile().unwrap(), labels).verdict
    }

    #[test]
    fn the_lower_bound_is_judged_unless_the_policy_asks_for_the_upper_one() {
        // Same lower bound, the upper one a million higher: shown, not judged by default.
        assert_eq!(verdict(None), Verdict::Pass);
        assert_eq!(verdict(Some(SomniaBound::Lower)), Verdict::Pass);
        assert_eq!(verdict(Some(SomniaBound::Upper)), Verdict::Fail);
    }

    /// Both bounds ride beside the entry whichever one is judged; there is no entry of their own
    /// (the `[somnia upper]` info entries they replace counted as sizes in the headline).
    #[test]
    fn both_bounds_ride_beside_the_judged_value() {
        for (bound, judged) in [(None, (100, 100)), (Some(SomniaBound::Upper), (1_000_100, 2_000_100))] {
            let policy = Policy { somnia_bound: bound, ..Policy::default() };
            let diff = diff(
                &report(1_000_100),
                &report(2_000_100),
                &policy.compile().unwrap(),
                DiffLabels::default(),
            );
            assert_eq!(diff.entries.len(), 1, "{:?}", diff.entries);
            let entry = &diff.entries[0];
            assert_eq!(entry.id, "fn:a.sol:A.f()");
            let number = |measure: &Option<Measure>| measure.as_ref().and_then(Measure::number);
            assert_eq!((number(&entry.base), number(&entry.head)), (Some(judged.0), Some(judged.1)));
            assert_eq!(entry.base_bounds, Some(Bounds { lower: 100, upper: 1_000_100 }));
            assert_eq!(entry.head_bounds, Some(Bounds { lower: 100, upper: 2_000_100 }));
        }
        // A side without the entry has no bounds either.
        let diff = diff(
            &GasReport::new("empty"),
            &report(500),
            &Policy::default().compile().unwrap(),
            DiffLabels::default(),
        );
        assert_eq!(
            (diff.entries[0].base_bounds, diff.entries[0].head_bounds.map(|b| b.upper)),
            (None, Some(500))
        );
    }

    #[test]
    fn somnia_bound_is_read_from_the_policy() {
        let policy: Policy = toml::from_str("somnia_bound = \"upper\"").unwrap();
        assert_eq!(policy.somnia_bound, Some(SomniaBound::Upper));
        assert!(toml::from_str::<Policy>("somnia_bound = \"middle\"").is_err());
    }
}
