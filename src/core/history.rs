//! The history of every function and deployment across the reports stored for the commits of
//! main (`baseline --store`): one value per stored report, oldest first. Pure: the git adapter
//! reads the reports, this module lines their numbers up for the HTML charts.

use std::collections::BTreeMap;

use crate::core::entries::{EntryKind, Measure};
use crate::core::report::GasReport;

/// One stored report: the commit it was stored for, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCommit {
    /// The full commit id.
    pub commit: String,
    /// When the report was stored (ISO 8601, as git prints it).
    pub date: String,
}

/// Values of each entry across the stored reports, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub commits: Vec<HistoryCommit>,
    /// Entry id → one value per commit (`None` where that report has no such entry).
    pub series: BTreeMap<String, Vec<Option<u64>>>,
}

impl History {
    /// Lines up the functions and deployments of `reports` (oldest first).
    pub fn from_reports(reports: Vec<(HistoryCommit, GasReport)>) -> Self {
        let count = reports.len();
        let mut history = Self::default();
        for (index, (commit, report)) in reports.into_iter().enumerate() {
            history.commits.push(commit);
            for (id, entry) in report.entries() {
                if !matches!(entry.kind, EntryKind::Function | EntryKind::Deployment) {
                    continue;
                }
                if let Measure::Number(value) = entry.value {
                    history.series.entry(id).or_insert_with(|| vec![None; count])[index] = Some(value);
                }
            }
        }
        history
    }

    /// The stored values of `id`, or `None` when no report has it.
    pub fn values(&self, id: &str) -> Option<&[Option<u64>]> {
        self.series.get(id).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::report::{ContractGas, Deployment};

    fn report(deploy: Option<u64>) -> GasReport {
        let mut report = GasReport::new("test");
        report.contracts.insert(
            "A.sol:A".into(),
            ContractGas {
                deployment: deploy.map(|gas| Deployment { gas, size: 10, initcode_size: 0 }),
                deployments: None,
                functions: BTreeMap::new(),
            },
        );
        report
    }

    #[test]
    fn values_line_up_by_commit_and_gaps_stay_empty() {
        let commit = |name: &str| HistoryCommit { commit: name.into(), date: String::new() };
        let history = History::from_reports(vec![
            (commit("a"), report(Some(5))),
            (commit("b"), report(None)),
            (commit("c"), report(Some(7))),
        ]);
        assert_eq!(history.values("deploy:A.sol:A"), Some(&[Some(5), None, Some(7)][..]));
        // Sizes are not charted.
        assert_eq!(history.values("size:A.sol:A"), None);
        assert_eq!(history.commits.len(), 3);
    }
}
