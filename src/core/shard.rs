//! Shards: splitting a run's scenarios across machines (`gasguard run --shard K/N`) and merging
//! the shard reports back into the report one full run writes (`gasguard merge`). Pure: values
//! in, values out.
//!
//! A scenario belongs to shard `1 + h mod N`, where `h` is the first eight bytes (big-endian) of
//! the Keccak-256 of its name. The assignment depends on the name and N only: adding, removing
//! or reordering scenarios moves no other scenario to another shard.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::keccak256;

use crate::core::build::BuildInfo;
use crate::core::report::{CallStatus, EntrySums, GasReport, SHARD_FORMAT};

/// `K/N`: the K-th of N shards, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || format!("`{text}` is not a shard: expected K/N with 1 <= K <= N, e.g. `2/4`");
        let (index, count) = text.split_once('/').ok_or_else(invalid)?;
        let index: u32 = index.trim().parse().map_err(|_| invalid())?;
        let count: u32 = count.trim().parse().map_err(|_| invalid())?;
        if index == 0 || index > count {
            return Err(invalid());
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the scenario named `name` runs in this shard.
    pub fn holds(&self, name: &str) -> bool {
        shard_of(name, self.count) == self.index
    }
}

/// The shard (1-based) of `count` that runs the scenario named `name`.
pub fn shard_of(name: &str, count: u32) -> u32 {
    let hash = keccak256(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
}

/// Defined beside the report that carries it (a report names no module that reads reports).
pub use crate::core::report::ShardInfo;

/// Why shard reports cannot be merged. `label` names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("there is nothing to merge: give the shard reports of one run")]
    Empty,
    #[error(
        "`{label}` is not a shard report (it has no `shard`): only reports of `gasguard run --shard K/N` merge"
    )]
    NotShard { label: String },
    #[error("`{first}` and `{second}` are both shard {shard}: a shard was given twice")]
    Duplicate { shard: String, first: String, second: String },
    #[error(
        "`{first}` is a shard of {first_count} and `{second}` a shard of {second_count}: shards of one run share N"
    )]
    Count { first: String, first_count: u32, second: String, second_count: u32 },
    #[error("`{first}` and `{second}` come from different configs: the config files differ")]
    Config { first: String, second: String },
    #[error("`{first}` and `{second}` come from different builds: {what} differs")]
    Build { first: String, second: String, what: String },
    #[error("scenario `{scenario}` is in both `{first}` and `{second}`")]
    Overlap { scenario: String, first: String, second: String },
    #[error("the set is incomplete: {} {} missing\n\nhint: give every shard 1/{count} to {count}/{count} of the run, each once", if .missing.len() == 1 { "shard" } else { "shards" }, .missing.iter().map(|index| format!("{index}/{count}")).collect::<Vec<_>>().join(", ") + if .missing.len() == 1 { " is" } else { " are" })]
    Missing { missing: Vec<u32>, count: u32 },
    #[error("`{label}` is inconsistent: {reason}")]
    Inconsistent { label: String, reason: String },
    #[error(
        "`{label}` is a shard of format {format}, written by an older gasguard: this version merges format {expected} only\n\nhint: run every shard again with this version of gasguard"
    )]
    OldFormat { label: String, format: u32, expected: u32 },
}

/// Merges shard reports (with a label each, for errors) into the report the full run writes.
/// Refuses a set that is not exactly the N shards of one config and build.
pub fn merge(shards: &[(String, GasReport)]) -> Result<GasReport, MergeError> {
    let Some((first_label, first)) = shards.first() else { return Err(MergeError::Empty) };
    let info = |label: &str, report: &GasReport| -> Result<ShardInfo, MergeError> {
        report.shard.clone().ok_or_else(|| MergeError::NotShard { label: label.to_owned() })
    };
    let first_info = info(first_label, first)?;
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    // Each scenario's position, its calls' shard, and that shard's label.
    let mut positions: BTreeMap<usize, (&str, usize)> = BTreeMap::new();
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for (slot, (label, report)) in shards.iter().enumerate() {
        let shard = info(label, report)?;
        if shard.format != SHARD_FORMAT {
            return Err(MergeError::OldFormat {
                label: label.clone(),
                format: shard.format,
                expected: SHARD_FORMAT,
            });
        }
        if shard.count != first_info.count {
            return Err(MergeError::Count {
                first: first_label.clone(),
                first_count: first_info.count,
                second: label.clone(),
                second_count: shard.count,
            });
        }
        if let Some(previous) = seen.insert(shard.index, label) {
            return Err(MergeError::Duplicate {
                shard: format!("{}/{}", shard.index, shard.count),
                first: previous.to_owned(),
                second: label.clone(),
            });
        }
        if shard.config != first_info.config {
            return Err(MergeError::Config { first: first_label.clone(), second: label.clone() });
        }
        let build = |what: &str| MergeError::Build {
            first: first_label.clone(),
            second: label.clone(),
            what: what.to_owned(),
        };
        if shard.build != first_info.build {
            return Err(build("the contracts' code"));
        }
        if shard.total_scenarios != first_info.total_scenarios {
            return Err(build("the number of scenarios"));
        }
        if report.evm != first.evm {
            return Err(build("the EVM (`evm`)"));
        }
        if report.build.as_ref().map(|build| &build.run) != first.build.as_ref().map(|build| &build.run) {
            return Err(build("how it ran (`build.run`)"));
        }
        if report.tool != first.tool || report.source != first.source || report.schema != first.schema {
            return Err(build("the gasguard version"));
        }
        let names = report.shard.iter().flat_map(|shard| &shard.scenarios);
        for (scenario, position) in names {
            if let Some(owner) = owners.insert(scenario.as_str(), label) {
                return Err(MergeError::Overlap {
                    scenario: scenario.clone(),
                    first: owner.to_owned(),
                    second: label.clone(),
                });
            }
            if *position >= shard.total_scenarios || positions.insert(*position, (scenario, slot)).is_some() {
                return Err(MergeError::Inconsistent {
                    label: label.clone(),
                    reason: format!("scenario `{scenario}` has a position another scenario has"),
                });
            }
        }
    }
    let missing: Vec<u32> = (1..=first_info.count).filter(|index| !seen.contains_key(index)).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing, count: first_info.count });
    }
    if positions.len() != first_info.total_scenarios {
        return Err(MergeError::Inconsistent {
            label: first_label.clone(),
            reason: format!(
                "the shards hold {} scenarios, the run {}",
                positions.len(),
                first_info.total_scenarios
            ),
        });
    }

    // Each shard's calls, by scenario, in its order.
    let mut by_scenario: Vec<BTreeMap<&str, Vec<usize>>> = vec![BTreeMap::new(); shards.len()];
    for (slot, (_, report)) in shards.iter().enumerate() {
        for (index, call) in report.calls.iter().enumerate() {
            by_scenario[slot].entry(&*call.scenario).or_default().push(index);
        }
    }
    let mut calls = Vec::new();
    // The runtime and init code sizes of a contract come from its last deployment in the run,
    // as they do in a full run: the shard of the last scenario that deployed it knows them.
    let mut sizes: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (scenario, slot) in positions.values() {
        let (label, report) = &shards[*slot];
        for index in by_scenario[*slot].get(scenario).into_iter().flatten() {
            let call = &report.calls[*index];
            if &*call.function == "constructor" && call.status == CallStatus::Success {
                let deployment =
                    report.contracts.get(&*call.contract).and_then(|gas| gas.deployment.as_ref());
                let Some(deployment) = deployment else {
                    return Err(MergeError::Inconsistent {
                        label: label.clone(),
                        reason: format!("`{}` was deployed but has no deployment", call.contract),
                    });
                };
                sizes.insert(call.contract.to_string(), (deployment.size, deployment.initcode_size));
            }
            calls.push(call.clone());
        }
    }
    // Every shard's sums, in shard order (integer sums: any order gives the same).
    let mut sums = EntrySums::new();
    let mut by_index: Vec<&(String, GasReport)> = shards.iter().collect();
    by_index.sort_by_key(|(_, report)| report.shard.as_ref().map_or(0, |shard| shard.index));
    for (label, report) in by_index {
        for (id, sum) in shard_sums(label, report)? {
            GasReport::add_entry_sum(&mut sums, id, sum);
        }
    }
    let mut merged = GasReport::new(first.source.clone());
    merged.schema = first.schema.clone();
    merged.tool = first.tool.clone();
    merged.evm = first.evm.clone();
    merged.contracts = GasReport::aggregate(&calls, &sizes);
    merged.attribution = GasReport::attribute_sums(&sums, &merged.contracts);
    merged.calls = calls;
    merged.build = match &first.build {
        None => None,
        Some(build) => {
            let mut contracts = BTreeMap::new();
            for (label, report) in shards {
                for (id, settings) in report.build.iter().flat_map(|build| &build.contracts) {
                    if contracts.insert(id.clone(), settings.clone()).is_some_and(|known| known != *settings)
                    {
                        return Err(MergeError::Build {
                            first: first_label.clone(),
                            second: label.clone(),
                            what: format!("how `{id}` was compiled"),
                        });
                    }
                }
            }
            let profiled: BTreeSet<&String> = merged.contracts.keys().collect();
            contracts.retain(|id, _| profiled.contains(id));
            Some(BuildInfo { run: build.run.clone(), contracts })
        }
    };
    Ok(merged)
}

/// The attribution sums of each entry `report`'s calls make (`None`: not all attributed),
/// checked against the shard's own statistics: a sum covers exactly the entry's calls.
fn shard_sums(label: &str, report: &GasReport) -> Result<EntrySums, MergeError> {
    let empty = EntrySums::new();
    let given = report.shard.as_ref().map_or(&empty, |shard| &shard.entry_sums);
    let mut sums = EntrySums::new();
    for (contract, gas) in &report.contracts {
        let deployment = gas.deployment_stats().filter(|_| gas.deployment.is_some());
        let entries = deployment.map(|stats| (format!("deploy:{contract}"), stats.calls)).into_iter().chain(
            gas.functions.iter().map(|(function, stats)| (format!("fn:{contract}.{function}"), stats.calls)),
        );
        for (id, calls) in entries {
            let sum = given.get(&id).cloned().flatten();
            if let Some(sum) = &sum
                && sum.calls != calls
            {
                return Err(MergeError::Inconsistent {
                    label: label.to_owned(),
                    reason: format!(
                        "the attribution of `{id}` sums {} calls, the entry has {calls}",
                        sum.calls
                    ),
                });
            }
            sums.insert(id, sum);
        }
    }
    if let Some(id) = given.keys().find(|id| !sums.contains_key(*id)) {
        return Err(MergeError::Inconsistent {
            label: label.to_owned(),
            reason: format!("`{id}` has an attribution sum but no calls"),
        });
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_nonsense() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_scenario_is_in_exactly_one_shard_and_stays_there() {
        let names: Vec<String> = (0..200).map(|index| format!("scenario {index}")).collect();
        for count in 1..6 {
            let mut sizes = vec![0; count as usize];
            for name in &names {
                let holders: Vec<u32> =
                    (1..=count).filter(|index| Shard { index: *index, count }.holds(name)).collect();
                assert_eq!(holders.len(), 1);
                sizes[holders[0] as usize - 1] += 1;
            }
            // A hash spreads them: no shard is empty or holds most of them.
            assert!(sizes.iter().all(|size| *size > 200 / count as usize / 2), "{sizes:?}");
        }
        // Pinned: changing the hash would move every team's scenarios between CI jobs.
        assert_eq!(
            (1..=8).map(|count| shard_of("token", count)).collect::<Vec<_>>(),
            [1, 1, 1, 1, 3, 1, 4, 1]
        );
    }
}
