//! The gas report: what a profiling run (or an importer) produces and what every later stage
//! consumes. Pure data: no I/O, no EVM, no clock.
//!
//! A report is a set of *measurements* keyed by stable ids. The diff never looks at the nested
//! shape directly; it asks [`GasReport::entries`] for the flat list, so a new source of numbers
//! only has to say how it flattens.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::attribution::Attribution;
use crate::core::stats::Stats;

/// The schema identifier of reports this version writes.
pub const REPORT_SCHEMA: &str = "gasguard/report/v2";
/// The schema family; a report whose schema is `gasguard/report/vN` with N greater than the one
/// we know is rejected instead of misread.
pub const REPORT_SCHEMA_PREFIX: &str = "gasguard/report/v";
pub const REPORT_SCHEMA_VERSION: u32 = 2;
/// The oldest schema version still read: v1 reports lack the v2 additions, which are optional.
pub const REPORT_SCHEMA_OLDEST: u32 = 1;

/// A complete gas report. Maps are `BTreeMap`s so serialisation is byte-for-byte deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GasReport {
    pub schema: String,
    pub tool: Tool,
    /// Where the numbers came from: `"gasguard run"`, or the importer's format name.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evm: Option<EvmInfo>,
    #[serde(default)]
    pub contracts: BTreeMap<String, ContractGas>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallRecord>,
    /// Per-test gas from test-runner snapshots (`forge snapshot`, Hardhat 3).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tests: BTreeMap<String, TestGas>,
    /// Named gas sections (`snapshots/<Group>.json`, `.forge-snapshots/*.snap`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sections: BTreeMap<String, SectionValue>,
    /// How the contracts were built and run (v2); absent from imported reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<crate::core::build::BuildInfo>,
    /// Where the gas of each `deploy:` and `fn:` entry went, keyed by entry id (v2; absent in
    /// imported reports and with `--no-attribution`). Each part sums to the entry's value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attribution: BTreeMap<String, Attribution>,
    /// Which shard of a run this report holds (`gasguard run --shard K/N`); `gasguard merge`
    /// removes it. Absent from full runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn gasguard() -> Self {
        Self { name: "gasguard".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

/// The execution environment a run used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvmInfo {
    /// `"revm"` (embedded) or `"rpc"` (a node executed the steps).
    pub executor: String,
    /// Hardfork name, lower case (`"prague"`).
    pub spec: String,
    pub chain_id: u64,
    pub block_gas_limit: u64,
    /// The forked node, credentials redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork_block: Option<u64>,
    /// The node the `rpc` executor used, credentials redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_url: Option<String>,
    /// Whose prices the embedded EVM charged (`[evm] gas_schedule`): absent means
    /// `"ethereum"`, so reports written before the key read the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_schedule: Option<String>,
}

/// Gas of one contract: its deployment and its functions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractGas {
    /// The deployment as one figure (its `gas` is the mean over every deployment, the value the
    /// diff judges), with the code sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
    /// Every successful deployment of the contract, as statistics like a function's. Absent from
    /// reports written before it existed and from importers: see [`ContractGas::deployment_stats`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployments: Option<Stats>,
    /// Keyed by the function signature, e.g. `transfer(address,uint256)`; calls that reverted
    /// (as a step expected) are kept apart as `transfer(address,uint256) [revert]`.
    #[serde(default)]
    pub functions: BTreeMap<String, Stats>,
}

impl ContractGas {
    /// The deployments' statistics; a report with a single figure (an older report, an
    /// importer) has a one-sample statistic of it.
    pub fn deployment_stats(&self) -> Option<Stats> {
        self.deployments.or_else(|| {
            let gas = self.deployment.as_ref()?.gas;
            Some(Stats { calls: 1, min: gas, mean: gas, median: gas, max: gas, upper: None })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Receipt gas of the deploying transaction; the mean over them when the contract was
    /// deployed several times (reports before `deployments` kept the costliest).
    pub gas: u64,
    /// Deployed (runtime) bytecode size in bytes; 0 when unknown (an importer whose source has no
    /// runtime size), in which case the report has no `size:` entry for the contract.
    pub size: u64,
    /// Init code size in bytes (constructor arguments excluded); 0 when unknown.
    pub initcode_size: u64,
}

/// A call record's scenario, contract, function or address: shared by every call that names
/// it, so that a record costs no allocation of its own (a long run holds one per transaction).
pub type Name = std::sync::Arc<str>;

/// One executed transaction, in execution order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRecord {
    pub scenario: Name,
    /// 1-based index of the step inside its scenario.
    pub step: usize,
    /// 1-based repetition of the step (`repeat`).
    #[serde(default = "one")]
    pub iteration: u32,
    /// Contract id (`path/File.sol:Name`); for a call by bare address with no ABI, the address.
    pub contract: Name,
    /// Function signature, or `"constructor"` for deployments.
    pub function: Name,
    pub from: Name,
    /// The called or created address.
    pub to: Name,
    /// Gas as the receipt reports it: after refunds, intrinsic cost included.
    pub gas_used: u64,
    /// `gas_used` minus the intrinsic cost (base, calldata, access list, create).
    pub execution_gas: u64,
    pub status: CallStatus,
    /// Decoded revert reason or custom error, when the transaction reverted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revert: Option<String>,
    /// How the number was obtained: `"execution"` (revm or a receipt), `"trace"`
    /// (`debug_traceCall`), or `"estimate"` (`eth_estimateGas`, an upper bound).
    pub method: GasMethod,
    /// Under Somnia's schedule, `gas_used` is the lower bound (every existing key and account
    /// recent) and this the upper one (every one the scenario had not touched before is not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_used_upper: Option<u64>,
    /// Under Somnia's schedule, the smallest gas limit that leaves more than 1,000,000 gas at
    /// every access Somnia checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_limit_needed: Option<u64>,
    /// Under Somnia's schedule, the step's gas limit, beside `gas_limit_needed`: the transaction
    /// would fail on Somnia where it is the smaller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_limit: Option<u64>,
}

impl CallRecord {
    /// The id of the entry this call counts towards (see [`GasReport::entries`]).
    pub fn entry_id(&self) -> String {
        match (&*self.function, self.status) {
            ("constructor", _) => format!("deploy:{}", self.contract),
            (function, CallStatus::Success) => format!("fn:{}.{function}", self.contract),
            (function, CallStatus::Revert) => format!("fn:{}.{function} [revert]", self.contract),
        }
    }

    /// Under Somnia's schedule, whether the step's gas limit is below what Somnia needs.
    pub fn fails_on_somnia(&self) -> bool {
        matches!((self.gas_limit_needed, self.gas_limit), (Some(needed), Some(limit)) if needed > limit)
    }
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallStatus {
    Success,
    Revert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GasMethod {
    /// Executed: embedded revm, or a mined transaction's receipt.
    Execution,
    /// `debug_traceCall` with the call tracer.
    Trace,
    /// `eth_estimateGas`: an upper bound, not the charged gas.
    Estimate,
}

/// Gas of one test from a test-runner snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum TestGas {
    /// A plain unit test: `(gas: N)`.
    Gas { gas: u64 },
    /// A fuzz test: `(runs: N, μ: MEAN, ~: MEDIAN)`.
    Fuzz { runs: u64, mean: u64, median: u64 },
    /// An invariant test: `(runs: N, calls: N, reverts: N)`; no gas figure.
    Invariant { runs: u64, calls: u64, reverts: u64 },
    /// A test kind without a gas figure that forge also writes (an invariant in optimisation
    /// mode `(best: V, runs: N, calls: N)`, a symbolic test, a corpus replay): the parenthesised
    /// report, verbatim and without its parentheses.
    Other { report: String },
}

/// A named section value. Gas sections hold a number; some snapshot files also keep values that
/// are not gas: a runtime code size (bytes, judged by the size budget) or anything else (an
/// init-code hash), kept verbatim as information. The importers classify them by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum SectionValue {
    Gas(u64),
    Info(String),
    /// A runtime code size in bytes (`poolManager bytecode size`).
    Size(u64),
}

impl GasReport {
    /// An empty report from `source`.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            schema: REPORT_SCHEMA.into(),
            tool: Tool::gasguard(),
            source: source.into(),
            evm: None,
            contracts: BTreeMap::new(),
            calls: Vec::new(),
            tests: BTreeMap::new(),
            sections: BTreeMap::new(),
            build: None,
            attribution: BTreeMap::new(),
            shard: None,
        }
    }

    /// The attribution of each `deploy:` and `fn:` entry that [`GasReport::aggregate`] makes of
    /// `calls`, from each call's attribution (`attributions[i]` belongs to `calls[i]`). An entry
    /// gets one only when every call it summarises has one; its parts sum to the entry's value:
    /// the mean (largest-remainder rounding) for a function and for a contract's deployments.
    /// In one pass: the sums of all the calls ([`GasReport::entry_sums`]), then their means.
    pub fn attribute(
        calls: &[CallRecord],
        attributions: &[Option<Attribution>],
        contracts: &BTreeMap<String, ContractGas>,
    ) -> BTreeMap<String, Attribution> {
        Self::attribute_sums(&Self::entry_sums(calls, attributions), contracts)
    }

    /// Rebuilds `contracts` from `calls`: deployments and per-function statistics.
    ///
    /// `sizes` gives each contract's runtime and init code sizes, keyed by contract id (they come
    /// from the created account and the artifact, not from the call record).
    /// This report with Somnia's upper bounds in place of the lower ones (`[policy]
    /// somnia_bound = "upper"`): every function's and deployment's statistics and every call's
    /// `gas_used`.
    pub fn upper_bound(&self) -> Self {
        let mut report = self.clone();
        for contract in report.contracts.values_mut() {
            for stats in contract.functions.values_mut() {
                *stats = stats.upper_bound();
            }
            if let Some(stats) = &mut contract.deployments {
                *stats = stats.upper_bound();
                if let Some(deployment) = &mut contract.deployment {
                    deployment.gas = stats.mean;
                }
            }
        }
        for call in &mut report.calls {
            if let Some(upper) = call.gas_used_upper {
                call.execution_gas = call.execution_gas.saturating_add(upper.saturating_sub(call.gas_used));
                call.gas_used = upper;
            }
        }
        report
    }

    pub fn aggregate(
        calls: &[CallRecord],
        sizes: &BTreeMap<String, (u64, u64)>,
    ) -> BTreeMap<String, ContractGas> {
        // Per function: the lower bounds (`gas_used`) and the upper ones (the same where none).
        let mut samples: BTreeMap<(&str, Cow<'_, str>), Bounds> = BTreeMap::new();
        let mut deployments: BTreeMap<&str, Bounds> = BTreeMap::new();
        let mut contracts: BTreeMap<String, ContractGas> = BTreeMap::new();
        // Consecutive calls of one function (a step's repetitions, a scenario's transfers) are
        // one run: one map lookup for the run rather than one per call.
        let same = |a: &CallRecord, b: &CallRecord| {
            a.status == b.status && a.function == b.function && a.contract == b.contract
        };
        for run in calls.chunk_by(same) {
            let call = &run[0];
            let entry = match (&*call.function == "constructor", call.status) {
                // Every deployment counts, as every call of a function does: a regression in a
                // cheaper one moves the mean.
                (true, CallStatus::Success) => deployments.entry(&call.contract).or_default(),
                // A deployment that reverted created nothing to size or call.
                (true, CallStatus::Revert) => continue,
                (false, CallStatus::Success) => {
                    samples.entry((&*call.contract, Cow::Borrowed(&*call.function))).or_default()
                }
                // Reverting paths are profiled too (a cheaper revert is a real change), but kept
                // apart so they never blur the successful calls' statistics.
                (false, CallStatus::Revert) => {
                    let key = format!("{} [revert]", call.function);
                    samples.entry((&call.contract, Cow::Owned(key))).or_default()
                }
            };
            for call in run {
                entry.0.push(call.gas_used);
                entry.1.push(call.gas_used_upper.unwrap_or(call.gas_used));
            }
        }
        for (contract, (gas, upper)) in deployments {
            if let Some(stats) = Stats::from_bounds(&gas, &upper) {
                let (size, initcode_size) = sizes.get(contract).copied().unwrap_or((0, 0));
                let entry = contracts.entry(contract.to_owned()).or_default();
                entry.deployment = Some(Deployment { gas: stats.mean, size, initcode_size });
                entry.deployments = Some(stats);
            }
        }
        for ((contract, function), (gas, upper)) in samples {
            if let Some(stats) = Stats::from_bounds(&gas, &upper) {
                contracts
                    .entry(contract.to_owned())
                    .or_default()
                    .functions
                    .insert(function.into_owned(), stats);
            }
        }
        contracts
    }
}

/// A function's or deployment's samples: the lower bounds (`gas_used`), and the upper ones.
type Bounds = (Vec<u64>, Vec<u64>);

/// What a shard report says about itself, so that `merge` can check the set it is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// The shard format ([`SHARD_FORMAT`]). Absent from shards of gasguard before it (format 1,
    /// which carried every call's attribution), which `merge` refuses.
    #[serde(default = "shard_format_one")]
    pub format: u32,
    /// 1-based.
    pub index: u32,
    pub count: u32,
    /// Keccak-256 of the config files' bytes, in the order they were given.
    pub config: String,
    /// Keccak-256 of the code every scenario of the full run deploys (contract ids and init code).
    pub build: String,
    /// How many scenarios the full run has.
    pub total_scenarios: usize,
    /// This shard's scenarios, with their position (0-based) in the full run.
    pub scenarios: BTreeMap<String, usize>,
    /// Per entry id, the sum of the attributions of this shard's calls of that entry
    /// ([`Attribution::sum`]; `null`: one of them was not attributed); empty without attribution.
    /// An entry's attribution is the mean over all its calls, which may sit in several shards:
    /// `merge` adds the shards' sums up and divides once.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entry_sums: EntrySums,
    /// Format 1's per-call attributions: read only so that such a shard is refused by name,
    /// never kept or written.
    #[serde(default, skip_serializing, rename = "attributions")]
    pub old_attributions: Option<Skipped>,
}

/// The shard format this version writes: 2, per-entry sums of the attributions
/// ([`ShardInfo::entry_sums`]) instead of every call's.
pub const SHARD_FORMAT: u32 = 2;

fn shard_format_one() -> u32 {
    1
}

/// A JSON value read and thrown away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Skipped)
    }
}

#[cfg(test)]
impl CallRecord {
    /// A call for tests: scenario `s`, contract `a.sol:A`, the rest empty or zero.
    pub(crate) fn example(function: &str, status: CallStatus, gas_used: u64) -> Self {
        Self {
            scenario: "s".into(),
            step: 1,
            iteration: 1,
            contract: "a.sol:A".into(),
            function: function.into(),
            from: "".into(),
            to: "".into(),
            gas_used,
            execution_gas: 0,
            status,
            revert: None,
            method: GasMethod::Execution,
            gas_used_upper: None,
            gas_limit_needed: None,
            gas_limit: None,
        }
    }
}

/// Per entry id (`deploy:…`, `fn:…`), the sum of the attributions of its calls
/// ([`Attribution::sum`]), or `None` when one of them was not attributed.
pub type EntrySums = BTreeMap<String, Option<Attribution>>;

impl GasReport {
    /// The sum of the calls' attributions (`attributions[i]` belongs to `calls[i]`) for each
    /// `deploy:` and `fn:` entry that [`GasReport::aggregate`] makes of `calls`: what
    /// [`GasReport::attribute_sums`] turns into [`GasReport::attribute`]'s means. Sums of parts
    /// of the calls, added up with [`GasReport::add_entry_sums`], give the same means: so each
    /// scenario (or shard) is summed where it ran.
    pub fn entry_sums(calls: &[CallRecord], attributions: &[Option<Attribution>]) -> EntrySums {
        Self::entry_sums_of(
            calls.iter().zip(attributions.iter().map(Option::as_ref).chain(std::iter::repeat(None))),
        )
    }

    /// [`GasReport::entry_sums`] of calls paired with their attributions, from wherever they are
    /// kept (several scenarios' records, say).
    pub fn entry_sums_of<'a>(
        calls: impl Iterator<Item = (&'a CallRecord, Option<&'a Attribution>)>,
    ) -> EntrySums {
        // Grouped by borrowed keys (no string made per call); each group's id is made once,
        // from its first call.
        type Group<'a> = (&'a CallRecord, Vec<Option<&'a Attribution>>);
        let mut groups: BTreeMap<(&str, &str, bool), Group<'_>> = BTreeMap::new();
        for (call, attribution) in calls {
            // A deployment that reverted is no entry's call (see `aggregate`).
            if &*call.function == "constructor" && call.status == CallStatus::Revert {
                continue;
            }
            groups
                .entry((&call.contract, &call.function, call.status == CallStatus::Revert))
                .or_insert_with(|| (call, Vec::new()))
                .1
                .push(attribution);
        }
        let mut sums = EntrySums::new();
        for (call, group) in groups.into_values() {
            let id = call.entry_id();
            let all = group.into_iter().collect::<Option<Vec<&Attribution>>>();
            // Added rather than inserted: a function named `f [revert]` that succeeded and `f`
            // reverting are one entry, as in `aggregate`.
            Self::add_entry_sum(&mut sums, id, all.and_then(|all| Attribution::sum(&all)));
        }
        sums
    }

    /// Adds `more`'s sums into `into`, entry by entry (an entry with an unattributed call in
    /// either stays unattributed).
    pub fn add_entry_sums(into: &mut EntrySums, more: EntrySums) {
        for (id, sum) in more {
            Self::add_entry_sum(into, id, sum);
        }
    }

    /// Adds one entry's sum into `into`.
    pub fn add_entry_sum(into: &mut EntrySums, id: String, sum: Option<Attribution>) {
        match into.entry(id) {
            std::collections::btree_map::Entry::Vacant(vacant) => {
                vacant.insert(sum);
            }
            std::collections::btree_map::Entry::Occupied(mut occupied) => {
                let added = match (occupied.get(), &sum) {
                    (Some(known), Some(sum)) => Attribution::sum(&[known, sum]),
                    _ => None,
                };
                occupied.insert(added);
            }
        }
    }

    /// [`GasReport::attribute`] from the entries' sums: each entry of `contracts` whose calls
    /// were all attributed gets the mean of its sum, rounded to parts that add up to its value.
    pub fn attribute_sums(
        sums: &EntrySums,
        contracts: &BTreeMap<String, ContractGas>,
    ) -> BTreeMap<String, Attribution> {
        let mut out = BTreeMap::new();
        // Without a single attributed call, no entry can have an attribution.
        if sums.values().all(Option::is_none) {
            return out;
        }
        let mut id = String::new();
        for (contract, gas) in contracts {
            if let Some(deployment) = &gas.deployment {
                id.clear();
                id.push_str("deploy:");
                id.push_str(contract);
                if let Some(Some(sum)) = sums.get(&id)
                    && let Ok(mean) = Attribution::mean(&[sum], deployment.gas)
                {
                    out.insert(id.clone(), mean);
                }
            }
            for (function, stats) in &gas.functions {
                id.clear();
                id.push_str("fn:");
                id.push_str(contract);
                id.push('.');
                id.push_str(function);
                if let Some(Some(sum)) = sums.get(&id)
                    && let Ok(mean) = Attribution::mean(&[sum], stats.mean)
                {
                    out.insert(id.clone(), mean);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(function: &str, status: CallStatus, gas_used: u64) -> CallRecord {
        CallRecord::example(function, status, gas_used)
    }

    #[test]
    fn aggregate_keeps_reverts_apart_and_every_deployment() {
        let calls = [
            call("constructor", CallStatus::Success, 100),
            call("constructor", CallStatus::Success, 120),
            call("f()", CallStatus::Success, 10),
            call("f()", CallStatus::Success, 20),
            call("f()", CallStatus::Revert, 5),
        ];
        let sizes = BTreeMap::from([("a.sol:A".to_owned(), (7, 9))]);
        let contracts = GasReport::aggregate(&calls, &sizes);
        let a = &contracts["a.sol:A"];
        assert_eq!(a.deployment, Some(Deployment { gas: 110, size: 7, initcode_size: 9 }));
        assert_eq!(
            a.deployments,
            Some(Stats { calls: 2, min: 100, mean: 110, median: 110, max: 120, upper: None })
        );
        assert_eq!(a.deployment_stats(), a.deployments);
        assert_eq!(
            a.functions["f()"],
            Stats { calls: 2, min: 10, mean: 15, median: 15, max: 20, upper: None }
        );
        assert_eq!(a.functions["f() [revert]"].calls, 1);
        assert_eq!(a.functions.len(), 2);
    }

    #[test]
    fn functions_carry_the_upper_bound_and_the_upper_view_judges_it() {
        let mut first = call("f()", CallStatus::Success, 10);
        first.gas_used_upper = Some(1_000_010);
        let mut second = call("f()", CallStatus::Success, 20);
        second.gas_used_upper = Some(20);
        let mut report = GasReport::new("gasguard run");
        report.contracts = GasReport::aggregate(&[first, second.clone()], &BTreeMap::new());
        report.calls = vec![second];
        let stats = report.contracts["a.sol:A"].functions["f()"];
        assert_eq!((stats.min, stats.max), (10, 20));
        assert_eq!(stats.upper.map(|upper| (upper.min, upper.max)), Some((20, 1_000_010)));
        let upper = report.upper_bound();
        let stats = upper.contracts["a.sol:A"].functions["f()"];
        assert_eq!((stats.min, stats.mean, stats.max, stats.upper), (20, 500_015, 1_000_010, None));
    }

    /// Deployments carry the upper bound as functions do, and the upper view judges it (the
    /// `deploy:` entry is the deployment's mean).
    #[test]
    fn deployments_carry_the_upper_bound_and_the_upper_view_judges_it() {
        let mut first = call("constructor", CallStatus::Success, 100_000);
        first.gas_used_upper = Some(2_100_000);
        let mut second = call("constructor", CallStatus::Success, 100_000);
        second.gas_used_upper = Some(100_000);
        let mut plain = call("g()", CallStatus::Success, 50);
        plain.gas_used_upper = Some(50);
        let mut report = GasReport::new("gasguard run");
        report.contracts = GasReport::aggregate(&[first, second, plain], &BTreeMap::new());
        let contract = &report.contracts["a.sol:A"];
        assert_eq!(contract.deployment.as_ref().map(|deployment| deployment.gas), Some(100_000));
        let stats = contract.deployments.unwrap();
        assert_eq!(
            stats.upper.map(|upper| (upper.min, upper.mean, upper.max)),
            Some((100_000, 1_100_000, 2_100_000))
        );
        let bounds = report.bounds();
        assert_eq!(
            bounds.into_iter().collect::<Vec<_>>(),
            [(
                "deploy:a.sol:A".to_owned(),
                crate::core::entries::Bounds { lower: 100_000, upper: 1_100_000 }
            )]
        );
        let upper = report.upper_bound();
        assert_eq!(upper.entries()["deploy:a.sol:A"].value, crate::core::entries::Measure::Number(1_100_000));
        assert_eq!(upper.contracts["a.sol:A"].deployments.unwrap().upper, None);
    }

    /// A report written before deployments were statistics still loads: its single figure is a
    /// one-sample statistic, and it round-trips unchanged.
    #[test]
    fn a_single_deployment_figure_is_a_one_sample_statistic() {
        let old = r#"{"deployment": {"gas": 500, "size": 10, "initcode_size": 20}, "functions": {}}"#;
        let gas: ContractGas = serde_json::from_str(old).unwrap();
        assert_eq!(gas.deployments, None);
        assert_eq!(
            gas.deployment_stats(),
            Some(Stats { calls: 1, min: 500, mean: 500, median: 500, max: 500, upper: None })
        );
        let again: serde_json::Value = serde_json::to_value(&gas).unwrap();
        assert_eq!(again, serde_json::from_str::<serde_json::Value>(old).unwrap());
    }

    /// Sums grouped by call, by halves or whole give `attribute`'s means, with a reverted
    /// deployment (no entry's call), a revert kept apart and an unattributed call.
    #[test]
    fn entry_sums_give_the_one_pass_means() {
        use crate::core::attribution::{GasKind, LineKey};
        let attributed = |gas: u64, line: &str| {
            Some(Attribution::from_parts(
                1,
                [(GasKind::Intrinsic, 21_000), (GasKind::Compute, gas as i64 - 21_000)],
                [("A.f()".to_owned(), gas as i64)],
                [(LineKey::pseudo("<intrinsic>"), 21_000), (LineKey::pseudo(line), gas as i64 - 21_000)],
                Vec::new(),
            ))
        };
        let mut calls = vec![
            call("constructor", CallStatus::Success, 100_001),
            call("constructor", CallStatus::Revert, 90_000),
            call("constructor", CallStatus::Success, 100_004),
            call("f()", CallStatus::Success, 21_010),
            call("f()", CallStatus::Success, 21_013),
            call("f()", CallStatus::Revert, 21_005),
            call("f()", CallStatus::Success, 21_017),
            call("g()", CallStatus::Success, 21_100),
            call("g()", CallStatus::Success, 21_200),
        ];
        calls[4].scenario = "t".into();
        let mut attributions: Vec<Option<Attribution>> = calls
            .iter()
            .enumerate()
            .map(|(index, call)| attributed(call.gas_used, ["a", "b", "c"][index % 3]))
            .collect();
        attributions[1] = None;
        attributions[8] = None;
        let contracts = GasReport::aggregate(&calls, &BTreeMap::new());
        let one_pass = GasReport::attribute(&calls, &attributions, &contracts);
        assert_eq!(
            one_pass.keys().map(String::as_str).collect::<Vec<_>>(),
            ["deploy:a.sol:A", "fn:a.sol:A.f()", "fn:a.sol:A.f() [revert]"]
        );
        for size in 1..=calls.len() {
            let mut sums = EntrySums::new();
            for (calls, attributions) in calls.chunks(size).zip(attributions.chunks(size)).rev() {
                GasReport::add_entry_sums(&mut sums, GasReport::entry_sums(calls, attributions));
            }
            assert_eq!(sums["fn:a.sol:A.g()"], None, "one of g's calls is not attributed");
            assert_eq!(sums["deploy:a.sol:A"].as_ref().map(|sum| sum.calls), Some(2));
            assert_eq!(GasReport::attribute_sums(&sums, &contracts), one_pass, "chunks of {size}");
        }
        assert!(GasReport::attribute_sums(&GasReport::entry_sums(&calls, &[]), &contracts).is_empty());
    }
}
