//! Hardhat 3's gas statistics, `hardhat test --gas-stats-json PATH`.
//!
//! ```json
//! {"contracts": {"contracts/Counter.sol:Counter": {
//!   "sourceName": "contracts/Counter.sol", "contractName": "Counter",
//!   "deployment": {"min": 120000, "max": 120000, "avg": 120000, "median": 120000, "count": 2, "runtimeSize": 512},
//!   "functions": {"inc": {"min": 26000, "max": 43000, "avg": 34500, "median": 34500, "count": 2}}}}}
//! ```
//!
//! The shape is the `GasStatsJson` type of Hardhat's `gas-analytics` plugin (`types.ts`,
//! hardhat 3.2–3.3): `contracts` keyed by the user-facing fully qualified name, each with
//! `deployment` and `functions` (either `null`: a contract deployed by a factory, or one whose
//! functions were never called), statistics `min`, `max`, `avg`, `median`, `count`. Later
//! versions add `proxyChain` to a contract and `runtimeSize` to its deployment; both are read
//! when present, and other fields are ignored, as the format grows.
//!
//! Functions are keyed as Hardhat keys them: the function's name, or its signature when the
//! name is overloaded. A deployment's gas is its most expensive one (`max`, as
//! [`GasReport::aggregate`] takes it); its runtime size is `runtimeSize` when given, unknown (0)
//! otherwise. Entries with a `count` of 0 are skipped.

use serde_json::{Map, Value};

use crate::core::report::{ContractGas, Deployment, GasReport};
use crate::core::stats::Stats;
use crate::import::json::{KeyPath, as_object, field, parse_value, to_u64};
use crate::import::{Format, ImportError};

/// Parses `--gas-stats-json` output; `file` names it in errors.
pub fn parse_hardhat_gas_stats(text: &str, file: &str) -> Result<GasReport, ImportError> {
    let value = parse_value(text, file)?;
    let root = KeyPath::default();
    let object = as_object(&value, file, &root)?;
    let contracts_path = root.key("contracts");
    let contracts = as_object(field(object, "contracts", file, &root)?, file, &contracts_path)?;
    let mut report = GasReport::new(Format::HardhatGasStats.as_str());
    for (name, contract) in contracts {
        let path = contracts_path.key(name);
        let contract = as_object(contract, file, &path)?;
        let mut gas = ContractGas::default();
        if let Some(deployment) = contract.get("deployment").filter(|value| !value.is_null()) {
            let deployment_path = path.key("deployment");
            let deployment = as_object(deployment, file, &deployment_path)?;
            if let Some(stats) = statistics(deployment, file, &deployment_path)? {
                let size = match deployment.get("runtimeSize") {
                    Some(size) => to_u64(size, file, &deployment_path.key("runtimeSize"))?,
                    None => 0,
                };
                gas.deployment = Some(Deployment { gas: stats.max, size, initcode_size: 0 });
            }
        }
        if let Some(functions) = contract.get("functions").filter(|value| !value.is_null()) {
            let functions_path = path.key("functions");
            for (function, stats) in as_object(functions, file, &functions_path)? {
                let stats_path = functions_path.key(function);
                if let Some(stats) = statistics(as_object(stats, file, &stats_path)?, file, &stats_path)? {
                    gas.functions.insert(function.clone(), stats);
                }
            }
        }
        report.contracts.insert(name.clone(), gas);
    }
    Ok(report)
}

/// `min`, `max`, `avg`, `median`, `count` of one entry; `None` when `count` is 0.
fn statistics(object: &Map<String, Value>, file: &str, path: &KeyPath) -> Result<Option<Stats>, ImportError> {
    let number = |key: &str| -> Result<u64, ImportError> {
        to_u64(field(object, key, file, path)?, file, &path.key(key))
    };
    let calls = number("count")?;
    if calls == 0 {
        return Ok(None);
    }
    let stats = Stats {
        calls,
        min: number("min")?,
        mean: number("avg")?,
        median: number("median")?,
        max: number("max")?,
        upper: None,
    };
    Ok(Some(stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_never_measured_are_skipped() {
        let text = r#"{"contracts": {"a.sol:A": {"deployment": {"min": 0, "max": 0, "avg": 0, "median": 0, "count": 0},
            "functions": {"f": {"min": 0, "max": 0, "avg": 0, "median": 0, "count": 0}}}}}"#;
        let report = parse_hardhat_gas_stats(text, "x.json").unwrap();
        assert_eq!(report.contracts["a.sol:A"], ContractGas::default());
    }

    #[test]
    fn errors_name_the_key() {
        let error = parse_hardhat_gas_stats(r#"{"contracts": []}"#, "x.json").unwrap_err();
        assert_eq!(error.to_string(), "`x.json` key `contracts`: expected an object, found an array");
        let error =
            parse_hardhat_gas_stats(r#"{"contracts": {"a.sol:A": {"deployment": {"min": 1}}}}"#, "x.json")
                .unwrap_err();
        assert_eq!(error.to_string(), "`x.json` key `contracts.a.sol:A.deployment`: missing field `count`");
    }
}
