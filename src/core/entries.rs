//! Flattening a report into measurements with stable ids: the one view the diff and the policy
//! work on.
//!
//! Ids are `<kind>:<name>` so that policy globs read naturally (`deploy:*`, `fn:*Token*`):
//!
//! | id | kind | value |
//! | --- | --- | --- |
//! | `deploy:src/Token.sol:Token` | deployment | receipt gas of the deployment |
//! | `size:src/Token.sol:Token` | size | deployed bytecode size, bytes (absent when unknown) |
//! | `fn:src/Token.sol:Token.transfer(address,uint256)` | function | mean gas over all calls |
//! | `test:TokenTest:testTransfer()` | test | gas of a plain test |
//! | `test:TokenTest:testFuzz(uint256)` | fuzz | median (`~`) gas of a fuzz test |
//! | `section:Group/name` | section | gas of a named section |
//! | `section:Group/bytecode size` | size | a section whose name says it is a code size, bytes |
//! | anything not gas | info | the value verbatim; never judged |
//!
//! Under Somnia's schedule a function or deployment also has bounds ([`GasReport::bounds`]): its
//! value is the lower one, and the upper one rides beside it, never an entry of its own.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::report::{GasReport, SectionValue, TestGas};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Deployment,
    Size,
    Function,
    Test,
    Fuzz,
    Section,
    Info,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "deployment",
            Self::Size => "size",
            Self::Function => "function",
            Self::Test => "test",
            Self::Fuzz => "fuzz",
            Self::Section => "section",
            Self::Info => "info",
        }
    }

    /// Whether the value is gas (and so judged by the regression policy).
    pub fn is_gas(self) -> bool {
        !matches!(self, Self::Size | Self::Info)
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A measured value: a number (gas, or bytes for sizes) or an informational string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Measure {
    Number(u64),
    Text(String),
}

impl Measure {
    pub fn number(&self) -> Option<u64> {
        match self {
            Self::Number(value) => Some(*value),
            Self::Text(_) => None,
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(value) => write!(f, "{value}"),
            Self::Text(text) => f.write_str(text),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub value: Measure,
}

/// Under Somnia's schedule, an entry's two figures where they differ: the mean of its calls'
/// lower bounds (`gas_used`) and of their upper bounds (`gas_used_upper`). Which one the diff
/// judges is `[policy] somnia_bound`'s choice; renderers show both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub lower: u64,
    pub upper: u64,
}

impl GasReport {
    /// The bounds of every function and deployment entry whose upper bound differs from its
    /// lower one, keyed by entry id (the ids of [`GasReport::entries`]).
    pub fn bounds(&self) -> BTreeMap<String, Bounds> {
        let mut bounds = BTreeMap::new();
        let mut put = |id: String, stats: &crate::core::stats::Stats| {
            if let Some(upper) = stats.upper {
                bounds.insert(id, Bounds { lower: stats.mean, upper: upper.mean });
            }
        };
        for (contract, gas) in &self.contracts {
            if let (Some(_), Some(stats)) = (&gas.deployment, &gas.deployments) {
                put(format!("deploy:{contract}"), stats);
            }
            for (function, stats) in &gas.functions {
                put(format!("fn:{contract}.{function}"), stats);
            }
        }
        bounds
    }

    /// Every measurement of the report, keyed by its stable id.
    pub fn entries(&self) -> BTreeMap<String, Entry> {
        let mut entries = BTreeMap::new();
        let mut put = |id: String, kind: EntryKind, value: Measure| {
            entries.insert(id, Entry { kind, value });
        };
        for (contract, gas) in &self.contracts {
            if let Some(deployment) = &gas.deployment {
                put(format!("deploy:{contract}"), EntryKind::Deployment, Measure::Number(deployment.gas));
                // A size of 0 means the source did not say; a missing entry beats a false one.
                if deployment.size > 0 {
                    put(format!("size:{contract}"), EntryKind::Size, Measure::Number(deployment.size));
                }
            }
            for (function, stats) in &gas.functions {
                put(format!("fn:{contract}.{function}"), EntryKind::Function, Measure::Number(stats.mean));
            }
        }
        for (test, gas) in &self.tests {
            let id = format!("test:{test}");
            match gas {
                TestGas::Gas { gas } => put(id, EntryKind::Test, Measure::Number(*gas)),
                TestGas::Fuzz { median, .. } => put(id, EntryKind::Fuzz, Measure::Number(*median)),
                TestGas::Invariant { runs, calls, reverts } => put(
                    id,
                    EntryKind::Info,
                    Measure::Text(format!("runs: {runs}, calls: {calls}, reverts: {reverts}")),
                ),
                TestGas::Other { report } => put(id, EntryKind::Info, Measure::Text(report.clone())),
            }
        }
        for (section, value) in &self.sections {
            let id = format!("section:{section}");
            match value {
                SectionValue::Gas(gas) => put(id, EntryKind::Section, Measure::Number(*gas)),
                SectionValue::Info(text) => put(id, EntryKind::Info, Measure::Text(text.clone())),
                SectionValue::Size(size) => put(id, EntryKind::Size, Measure::Number(*size)),
            }
        }
        entries
    }
}
