//! hardhat-gas-reporter's JSON output (`outputJSON`; eth-gas-reporter's older
//! `gasReporterOutput.json` has the same `data` shape).
//!
//! ```json
//! {"namespace": "HardhatGasReporter", "data": {
//!   "methods": {"DuplicateA.sol:Duplicate_0dbe671f": {"contract": "DuplicateA.sol:Duplicate",
//!               "fnSig": "a()", "numberOfCalls": 2, "gasData": [21000, 23000]}},
//!   "deployments": [{"name": "Wallet", "gasData": [213658], "deployedBytecode": "0x6080…"}]}}
//! ```
//!
//! Functions are keyed by the reporter's `contract`, which is already qualified with the file
//! (`DuplicateA.sol:Duplicate`) when two files define a contract of the same name, so they do
//! not collide. Statistics come from the `gasData` samples (as [`Stats::from_samples`] computes
//! them); without samples, from the reporter's own `min`/`max`/`executionGasAverage`, the
//! median then being the average. Methods with no calls are skipped. A deployment's gas is
//! its most expensive sample (as [`GasReport::aggregate`] does); its sizes come from
//! `deployedBytecode`/`bytecode` when `includeBytecodeInJSON` put them there, and are otherwise
//! unknown (0).

use serde_json::{Map, Value};

use crate::core::report::{ContractGas, Deployment, GasReport};
use crate::core::stats::Stats;
use crate::import::json::{KeyPath, as_array, as_object, as_str, field, parse_value, to_u64};
use crate::import::{Format, ImportError, Origins, shorten};

const NAMESPACES: [&str; 2] = ["HardhatGasReporter", "ethGasReporter"];

/// Parses hardhat-gas-reporter JSON; `file` names it in errors.
pub fn parse_hardhat_gas_reporter(text: &str, file: &str) -> Result<GasReport, ImportError> {
    let value = parse_value(text, file)?;
    let root = KeyPath::default();
    let object = as_object(&value, file, &root)?;
    if let Some(namespace) = object.get("namespace") {
        let namespace = as_str(namespace, file, &root.key("namespace"))?;
        if !NAMESPACES.contains(&namespace) {
            return Err(ImportError::invalid(
                file,
                root.key("namespace").at(),
                format!(
                    "`{}` is not hardhat-gas-reporter output (expected `HardhatGasReporter`)",
                    shorten(namespace)
                ),
            ));
        }
    }
    let mut report = GasReport::new(Format::HardhatGasReporter.as_str());
    let Some(data) = object.get("data").filter(|data| !data.is_null()) else {
        return Ok(report);
    };
    let data_path = root.key("data");
    let data = as_object(data, file, &data_path)?;
    let mut origins = Origins::default();
    if let Some(methods) = data.get("methods") {
        let methods_path = data_path.key("methods");
        for (key, method) in as_object(methods, file, &methods_path)? {
            let path = methods_path.key(key);
            let method = as_object(method, file, &path)?;
            let Some(stats) = method_stats(method, file, &path)? else { continue };
            let contract = as_str(field(method, "contract", file, &path)?, file, &path.key("contract"))?;
            let signature = match method.get("fnSig") {
                Some(signature) => as_str(signature, file, &path.key("fnSig"))?,
                None => as_str(field(method, "method", file, &path)?, file, &path.key("method"))?,
            };
            origins.claim(&format!("fn:{contract}.{signature}"), file, path.at())?;
            report
                .contracts
                .entry(contract.to_owned())
                .or_default()
                .functions
                .insert(signature.to_owned(), stats);
        }
    }
    if let Some(deployments) = data.get("deployments") {
        let deployments_path = data_path.key("deployments");
        for (index, deployment) in as_array(deployments, file, &deployments_path)?.iter().enumerate() {
            let path = deployments_path.index(index);
            let deployment = as_object(deployment, file, &path)?;
            let name = as_str(field(deployment, "name", file, &path)?, file, &path.key("name"))?;
            let samples = samples(deployment, file, &path)?;
            let Some(&gas) = samples.iter().max() else { continue };
            origins.claim(&format!("deploy:{name}"), file, path.at())?;
            let size = bytecode_length(deployment, "deployedBytecode", file, &path)?;
            let initcode_size = bytecode_length(deployment, "bytecode", file, &path)?;
            let entry: &mut ContractGas = report.contracts.entry(name.to_owned()).or_default();
            entry.deployment = Some(Deployment { gas, size, initcode_size });
        }
    }
    Ok(report)
}

/// `None` for a method never called.
fn method_stats(
    method: &Map<String, Value>,
    file: &str,
    path: &KeyPath,
) -> Result<Option<Stats>, ImportError> {
    let calls = match method.get("numberOfCalls") {
        Some(calls) => to_u64(calls, file, &path.key("numberOfCalls"))?,
        None => 0,
    };
    let samples = samples(method, file, path)?;
    if let Some(stats) = Stats::from_samples(&samples) {
        return Ok(Some(stats));
    }
    if calls == 0 {
        return Ok(None);
    }
    let average =
        to_u64(field(method, "executionGasAverage", file, path)?, file, &path.key("executionGasAverage"))?;
    let bound = |key: &str| -> Result<u64, ImportError> {
        method.get(key).map_or(Ok(average), |value| to_u64(value, file, &path.key(key)))
    };
    Ok(Some(Stats {
        calls,
        min: bound("min")?,
        mean: average,
        median: average,
        max: bound("max")?,
        upper: None,
    }))
}

fn samples(object: &Map<String, Value>, file: &str, path: &KeyPath) -> Result<Vec<u64>, ImportError> {
    let Some(gas_data) = object.get("gasData") else { return Ok(Vec::new()) };
    let gas_path = path.key("gasData");
    as_array(gas_data, file, &gas_path)?
        .iter()
        .enumerate()
        .map(|(index, sample)| to_u64(sample, file, &gas_path.index(index)))
        .collect()
}

/// Bytes of a `0x…` hex string field; 0 when absent.
fn bytecode_length(
    object: &Map<String, Value>,
    key: &str,
    file: &str,
    path: &KeyPath,
) -> Result<u64, ImportError> {
    let Some(value) = object.get(key).filter(|value| !value.is_null()) else { return Ok(0) };
    let hex = as_str(value, file, &path.key(key))?;
    let digits = hex.strip_prefix("0x").unwrap_or(hex);
    Ok((digits.len() / 2) as u64)
}
