//! `forge test --gas-report --json`: an array with one object per contract.
//!
//! ```json
//! [{"contract": "src/Token.sol:Token",
//!   "deployment": {"gas": 512345, "size": 2410},
//!   "functions": {"transfer(address,uint256)": {"calls": 3, "min": 29000, "mean": 40000, "median": 46000, "max": 51000}}}]
//! ```
//!
//! forge's `deployment.size` is the length of the creation data (init code and constructor
//! arguments) of the deploying call, not the runtime size EIP-170 limits, so it is kept as
//! `initcode_size` and the runtime `size` is left unknown (0, no `size:` entry). A
//! `deployment` of `{gas: 0, size: 0}` means forge saw no deployment and is dropped.
//!
//! forge may print the test results (a JSON object) before the report; every array in the
//! text is read and the objects are skipped. Unknown fields are ignored, as forge adds some.
//! An element of the array that is not a contract (no `contract` field, e.g. a leading
//! `{"compilerSettings": …}`) is skipped, with one warning per kind of element; a report in
//! which every element was skipped has nothing usable and is refused.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::core::report::{ContractGas, Deployment, GasReport};
use crate::core::stats::Stats;
use crate::import::json::{KeyPath, as_array, as_object, as_str, field, parse_stream, to_u64};
use crate::import::{Format, ImportError, ImportWarning, Imported, Origins, shorten};

/// Parses the JSON forge prints for `--gas-report --json`; `file` names it in errors.
pub fn parse_gas_report_json(text: &str, file: &str) -> Result<Imported, ImportError> {
    let values = parse_stream(text, file)?;
    let mut report = GasReport::new(Format::GasReportJson.as_str());
    let mut origins = Origins::default();
    let mut arrays = 0;
    // Kind of element → where each one skipped was.
    let mut skipped: BTreeMap<String, Vec<KeyPath>> = BTreeMap::new();
    for (index, value) in values.iter().enumerate() {
        if !value.is_array() {
            continue;
        }
        arrays += 1;
        let root = if values.len() == 1 {
            KeyPath::default()
        } else {
            KeyPath::default().key(&format!("value{index}"))
        };
        for (position, contract) in as_array(value, file, &root)?.iter().enumerate() {
            let path = root.index(position);
            let Some(object) = contract.as_object().filter(|object| object.contains_key("contract")) else {
                skipped.entry(element_kind(contract)).or_default().push(path);
                continue;
            };
            let name = as_str(field(object, "contract", file, &path)?, file, &path.key("contract"))?;
            origins.claim(&format!("contract:{name}"), file, path.key("contract").at())?;
            let mut gas = ContractGas::default();
            if let Some(deployment) = object.get("deployment").filter(|value| !value.is_null()) {
                let deployment_path = path.key("deployment");
                let deployment = as_object(deployment, file, &deployment_path)?;
                let deploy_gas = to_u64(
                    field(deployment, "gas", file, &deployment_path)?,
                    file,
                    &deployment_path.key("gas"),
                )?;
                let size = match deployment.get("size") {
                    Some(size) => to_u64(size, file, &deployment_path.key("size"))?,
                    None => 0,
                };
                if deploy_gas > 0 || size > 0 {
                    gas.deployment = Some(Deployment { gas: deploy_gas, size: 0, initcode_size: size });
                }
            }
            if let Some(functions) = object.get("functions") {
                let functions_path = path.key("functions");
                for (signature, stats) in as_object(functions, file, &functions_path)? {
                    let stats_path = functions_path.key(signature);
                    let stats_object = as_object(stats, file, &stats_path)?;
                    let number = |key: &str| -> Result<u64, ImportError> {
                        to_u64(field(stats_object, key, file, &stats_path)?, file, &stats_path.key(key))
                    };
                    let stats = Stats {
                        calls: number("calls")?,
                        min: number("min")?,
                        mean: number("mean")?,
                        median: number("median")?,
                        max: number("max")?,
                        upper: None,
                    };
                    if stats.calls > 0 {
                        gas.functions.insert(signature.clone(), stats);
                    }
                }
            }
            report.contracts.insert(name.to_owned(), gas);
        }
    }
    if arrays == 0 {
        return Err(ImportError::invalid(
            file,
            KeyPath::default().at(),
            "expected the JSON array `forge test --gas-report --json` prints",
        ));
    }
    if report.contracts.is_empty() && !skipped.is_empty() {
        let kinds = skipped.keys().cloned().collect::<Vec<_>>().join(" and ");
        return Err(ImportError::invalid(
            file,
            KeyPath::default().at(),
            format!("no contract in the gas report, only {kinds}; expected objects with a `contract` field"),
        ));
    }
    let warnings = skipped
        .into_iter()
        .map(|(kind, paths)| {
            let message = match paths.as_slice() {
                [path] => format!("skipped 1 element that is not a contract ({kind}) at `{path}`"),
                _ => format!(
                    "skipped {} elements that are not contracts ({kind}), the first at `{}`",
                    paths.len(),
                    paths[0]
                ),
            };
            ImportWarning { file: file.to_owned(), message }
        })
        .collect();
    Ok(Imported { report, warnings })
}

/// What an array element that is not a contract is, for the warning: its keys for an object
/// (at most three), its JSON type otherwise.
fn element_kind(value: &Value) -> String {
    match value {
        Value::Object(object) if object.is_empty() => "an empty object".to_owned(),
        Value::Object(object) => {
            let mut keys = object.keys().take(3).map(|key| format!("`{}`", shorten(key))).collect::<Vec<_>>();
            if object.len() > 3 {
                keys.push("…".to_owned());
            }
            format!("an object with {}", keys.join(", "))
        }
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "an array".to_owned(),
    }
}
