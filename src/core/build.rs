//! Build fingerprints: how a report's contracts were compiled (per contract, from the artifacts'
//! metadata) and how they were run (gasguard version, spec, chain, fork block, gas schedule),
//! and the differences between two of them ([`build_changes`]). Pure data and a pure function:
//! the artifacts loader fills [`CompilerSettings`], `gasguard run` fills [`RunFingerprint`].
//!
//! A difference here explains a diff that is not the code's: when the optimizer runs changed
//! between base and head, every number moves, and the renderers say so first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The default gas schedule: Ethereum mainnet's, as revm implements it (`[evm] gas_schedule`
/// picks another, `"somnia"`).
pub const GAS_SCHEDULE: &str = "ethereum";

/// How a report was built and run. Absent from imported reports and from `gasguard/report/v1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildInfo {
    pub run: RunFingerprint,
    /// Per contract id (`path/File.sol:Name`); contracts whose artifact has no metadata are left
    /// out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contracts: BTreeMap<String, CompilerSettings>,
}

/// How the scenarios were run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFingerprint {
    /// The gasguard version that profiled.
    pub gasguard: String,
    /// Hardfork name, lower case.
    pub spec: String,
    pub chain_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork_block: Option<u64>,
    /// Whose gas prices: [`GAS_SCHEDULE`] unless `[evm] gas_schedule` said otherwise.
    pub gas_schedule: String,
}

/// How one contract was compiled, as its metadata says; a field the metadata lacks is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompilerSettings {
    /// `0.8.30+commit.73712a01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiler: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_ir: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evm_version: Option<String>,
}

/// One difference between the base's build and the head's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildChange {
    /// What changed: `solc optimizer runs`, `solc version`, `EVM spec`, `gasguard version`, …
    pub what: String,
    pub base: String,
    pub head: String,
    /// The contracts concerned, sorted; empty for a change of how everything was run.
    #[serde(default)]
    pub contracts: Vec<String>,
}

/// Every difference between the two builds, run-level first, then per-contract settings grouped
/// by (what, base, head). Unknown on either side (an imported or v1 report) gives none: there
/// is nothing to compare, not a change. Contracts on one side only are the diff's business.
pub fn build_changes(base: Option<&BuildInfo>, head: Option<&BuildInfo>) -> Vec<BuildChange> {
    let (Some(base), Some(head)) = (base, head) else { return Vec::new() };
    let mut changes = Vec::new();
    let run = |what: &str, old: String, new: String, changes: &mut Vec<BuildChange>| {
        if old != new {
            changes.push(BuildChange { what: what.to_owned(), base: old, head: new, contracts: Vec::new() });
        }
    };
    let (old, new) = (&base.run, &head.run);
    run("gasguard version", old.gasguard.clone(), new.gasguard.clone(), &mut changes);
    run("EVM spec", old.spec.clone(), new.spec.clone(), &mut changes);
    run("chain id", old.chain_id.to_string(), new.chain_id.to_string(), &mut changes);
    run("fork block", text(&old.fork_block), text(&new.fork_block), &mut changes);
    run("gas schedule", old.gas_schedule.clone(), new.gas_schedule.clone(), &mut changes);

    let mut grouped: BTreeMap<(usize, String, String), Vec<String>> = BTreeMap::new();
    for (id, old) in &base.contracts {
        let Some(new) = head.contracts.get(id) else { continue };
        let fields = [
            (text(&old.compiler), text(&new.compiler)),
            (text(&old.optimizer.map(on_off)), text(&new.optimizer.map(on_off))),
            (text(&old.runs), text(&new.runs)),
            (text(&old.via_ir), text(&new.via_ir)),
            (text(&old.evm_version), text(&new.evm_version)),
        ];
        for (index, (old, new)) in fields.into_iter().enumerate() {
            if old != new {
                grouped.entry((index, old, new)).or_default().push(id.clone());
            }
        }
    }
    for ((index, old, new), contracts) in grouped {
        changes.push(BuildChange {
            what: COMPILER_FIELDS[index].to_owned(),
            base: old,
            head: new,
            contracts,
        });
    }
    changes
}

/// The names of [`CompilerSettings`]' fields in a [`BuildChange`], in field order.
const COMPILER_FIELDS: [&str; 5] =
    ["solc version", "solc optimizer", "solc optimizer runs", "solc viaIR", "solc EVM version"];

fn on_off(enabled: bool) -> &'static str {
    if enabled { "on" } else { "off" }
}

fn text<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "unknown".to_owned(), ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(runs: &[(&str, u64)]) -> BuildInfo {
        BuildInfo {
            run: RunFingerprint {
                gasguard: "0.1.0".into(),
                spec: "prague".into(),
                chain_id: 31337,
                fork_block: None,
                gas_schedule: GAS_SCHEDULE.into(),
            },
            contracts: runs
                .iter()
                .map(|(id, runs)| {
                    let settings = CompilerSettings {
                        compiler: Some("0.8.30+commit.73712a01".into()),
                        optimizer: Some(true),
                        runs: Some(*runs),
                        via_ir: Some(false),
                        evm_version: Some("prague".into()),
                    };
                    ((*id).to_owned(), settings)
                })
                .collect(),
        }
    }

    #[test]
    fn same_build_has_no_changes_and_unknown_is_not_a_change() {
        let a = build(&[("a.sol:A", 200)]);
        assert_eq!(build_changes(Some(&a), Some(&a)), []);
        assert_eq!(build_changes(None, Some(&a)), []);
        assert_eq!(build_changes(Some(&a), None), []);
    }

    #[test]
    fn changes_are_grouped_by_value_and_run_level_first() {
        let base = build(&[("a.sol:A", 200), ("b.sol:B", 200), ("c.sol:C", 10), ("d.sol:D", 200)]);
        let mut head = build(&[("a.sol:A", 1), ("b.sol:B", 1), ("c.sol:C", 10), ("e.sol:E", 1)]);
        head.run.spec = "osaka".into();
        head.run.fork_block = Some(7);
        let changes = build_changes(Some(&base), Some(&head));
        let rows: Vec<_> = changes
            .iter()
            .map(|c| (c.what.as_str(), c.base.as_str(), c.head.as_str(), c.contracts.len()))
            .collect();
        assert_eq!(
            rows,
            [
                ("EVM spec", "prague", "osaka", 0),
                ("fork block", "unknown", "7", 0),
                ("solc optimizer runs", "200", "1", 2),
            ]
        );
        assert_eq!(changes[2].contracts, ["a.sol:A", "b.sol:B"]);
    }

    #[test]
    fn every_compiler_field_is_named() {
        let base = build(&[("a.sol:A", 200)]);
        let mut head = base.clone();
        let settings = head.contracts.get_mut("a.sol:A").unwrap();
        settings.compiler = Some("0.8.29+commit.ab55807c".into());
        settings.optimizer = Some(false);
        settings.via_ir = Some(true);
        settings.evm_version = None;
        let whats: Vec<_> =
            build_changes(Some(&base), Some(&head)).into_iter().map(|c| (c.what, c.base, c.head)).collect();
        assert_eq!(
            whats,
            [
                ("solc version".into(), "0.8.30+commit.73712a01".into(), "0.8.29+commit.ab55807c".into()),
                ("solc optimizer".into(), "on".into(), "off".into()),
                ("solc viaIR".into(), "false".into(), "true".into()),
                ("solc EVM version".into(), "prague".into(), "unknown".into()),
            ]
        );
    }
}
