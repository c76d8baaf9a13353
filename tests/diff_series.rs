//! Diffs consecutive versions of the project's fixtures (the shape of a real commit series:
//! solmate-like `.gas-snapshot`s, v4-core-like section folders and `.snap` folders, two
//! hardhat-gas-reporter runs) and checks the exact counts of each status.

use std::path::Path;

use gasguard::core::diff::{DiffLabels, Summary, diff};
use gasguard::core::policy::Policy;
use gasguard::import::load;

fn summary(base: &str, head: &str) -> Summary {
    let read = |path: &str| {
        let path = format!("fixtures/import/{path}");
        load(Path::new(&path)).unwrap_or_else(|error| panic!("{error}")).report
    };
    let policy = Policy::default().compile().unwrap();
    let labels = DiffLabels { base: base.into(), head: head.into() };
    diff(&read(base), &read(head), &policy, labels).summary
}

/// `(regressions, improvements, added, removed, unchanged, changed)`
fn counts(summary: Summary) -> (usize, usize, usize, usize, usize, usize) {
    (
        summary.regressions,
        summary.improvements,
        summary.added,
        summary.removed,
        summary.unchanged,
        summary.changed,
    )
}

#[test]
fn gas_snapshot_series() {
    assert_eq!(
        counts(summary("gas-snapshot/v1.gas-snapshot", "gas-snapshot/v2.gas-snapshot")),
        (1, 1, 2, 1, 3, 1)
    );
    assert_eq!(
        counts(summary("gas-snapshot/v2.gas-snapshot", "gas-snapshot/v3.gas-snapshot")),
        (3, 1, 0, 0, 4, 0)
    );
}

#[test]
fn section_snapshot_series() {
    assert_eq!(counts(summary("sections/v1", "sections/v2")), (2, 2, 2, 0, 4, 1));
    assert_eq!(counts(summary("sections/v2", "sections/v3")), (1, 1, 1, 1, 8, 0));
}

#[test]
fn snap_folder_series() {
    // One of the two regressions is `poolManager bytecode size`: a size, listed but judged only
    // by the size budget.
    assert_eq!(counts(summary("snap-files/v1", "snap-files/v2")), (2, 1, 3, 1, 2, 0));
}

#[test]
fn hardhat_gas_reporter_runs() {
    assert_eq!(
        counts(summary("hardhat-gas-reporter/run-0.json", "hardhat-gas-reporter/run-1.json")),
        (4, 1, 2, 1, 2, 0)
    );
}
