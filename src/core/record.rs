//! What `gasguard record` puts in the on-chain registry for a report, and the registry's entries
//! as gasguard reads them back. Pure: a report and the user's address mapping in, the entries to
//! store (or an error naming the contract) out. Nothing here talks to a node or reads a file.
//!
//! One entry per contract of the report (`contracts`, sorted by id). Its figures:
//!
//! - the **address** is the one `--contract ID=0x…` gives, else the address the report's calls
//!   show for the contract's deployment (`function == "constructor"`, field `to`), else the id
//!   itself when it is an address (a contract called by bare address);
//! - **`gasUsed`** is the sum of `gas_used` (receipt gas: intrinsic cost included, refunds
//!   applied) over every successful call of the contract in the report's `calls`, its
//!   deployments included. Calls that reverted are left out: they are what a step expected to
//!   fail, not what the contract costs. The figure therefore covers the whole scenario suite,
//!   and changes whenever a call's gas or the number of calls changes.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::{Address, B256, Bytes, U256};
use serde::Serialize;

use crate::core::report::{CallStatus, GasReport};

/// One entry `record` would store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEntry {
    /// The contract's id in the report.
    pub contract: String,
    /// The analysed contract's address on chain.
    pub address: Address,
    pub address_source: AddressSource,
    /// Sum of the receipt gas of the contract's successful calls, deployment included.
    pub gas_used: u64,
    /// How many calls that sum covers.
    pub calls: usize,
}

/// Where an entry's address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressSource {
    /// `--contract ID=0x…`.
    Mapping,
    /// The report's deployment of the contract.
    Deployment,
    /// The contract id is an address.
    ContractId,
}

/// Why a report cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the report has no contracts to record")]
    NoContracts,
    #[error("`--contract {contract}=…` names a contract that is not in the report (it has: {known})")]
    UnknownContract { contract: String, known: String },
    #[error("`--contract {name}=…` is ambiguous: the report has {candidates}\n\nhint: use the full id")]
    AmbiguousName { name: String, candidates: String },
    #[error("contract `{contract}` is given twice with `--contract`")]
    DuplicateMapping { contract: String },
    #[error(
        "contract `{contract}` has no successful calls in the report, so it has no `gasUsed`\n\nhint: record a report of `gasguard run`; imported reports keep statistics, not calls"
    )]
    NoCalls { contract: String },
    #[error(
        "contract `{contract}` has no deployment in the report, so its address is unknown\n\nhint: pass `--contract {contract}=0x…`"
    )]
    NoAddress { contract: String },
    #[error(
        "contract `{contract}` was deployed at {} addresses in the report ({})\n\nhint: pass `--contract {contract}=0x…` to say which one to record",
        addresses.len(),
        addresses.iter().map(|address| format!("`{address}`")).collect::<Vec<_>>().join(", ")
    )]
    AmbiguousAddress { contract: String, addresses: Vec<Address> },
    #[error(
        "{contracts} would all be recorded at `{address}` (scenarios start from a fresh chain, so their deployments can share an address)\n\nhint: give each its real address with `--contract ID=0x…`"
    )]
    SharedAddress { address: Address, contracts: String },
    #[error("contract `{contract}`: the report's deployment address `{text}` is not an address")]
    BadAddress { contract: String, text: String },
}

/// The entries to store for `report`, in contract-id order. `mapping` gives on-chain addresses
/// by contract id and wins over the report's deployment addresses.
pub fn plan_entries(
    report: &GasReport,
    mapping: &[(String, Address)],
) -> Result<Vec<PlannedEntry>, PlanError> {
    if report.contracts.is_empty() {
        return Err(PlanError::NoContracts);
    }
    let mut mapped = BTreeMap::new();
    for (name, address) in mapping {
        let contract = resolve_contract(report, name)?;
        if mapped.insert(contract, *address).is_some() {
            return Err(PlanError::DuplicateMapping { contract: contract.to_owned() });
        }
    }
    let entries = report
        .contracts
        .keys()
        .map(|contract| {
            let successful = report
                .calls
                .iter()
                .filter(|call| *call.contract == **contract && call.status == CallStatus::Success);
            let (calls, gas_used) = successful
                .clone()
                .fold((0, 0u64), |(calls, gas), call| (calls + 1, gas.saturating_add(call.gas_used)));
            if calls == 0 {
                return Err(PlanError::NoCalls { contract: contract.clone() });
            }
            let (address, address_source) = match mapped.get(contract.as_str()) {
                Some(address) => (*address, AddressSource::Mapping),
                None => deployment_address(contract, successful)?,
            };
            Ok(PlannedEntry { contract: contract.clone(), address, address_source, gas_used, calls })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Each scenario starts from a fresh chain, so different contracts of one report can have the
    // same address; recorded as they are, they would mix under one on-chain contract.
    let mut by_address: BTreeMap<Address, Vec<&str>> = BTreeMap::new();
    for entry in &entries {
        by_address.entry(entry.address).or_default().push(&entry.contract);
    }
    if let Some((address, contracts)) = by_address.into_iter().find(|(_, contracts)| contracts.len() > 1) {
        return Err(PlanError::SharedAddress {
            address,
            contracts: contracts.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", "),
        });
    }
    Ok(entries)
}

/// The report's id for `name`: the id itself, or a bare contract name that is unique.
fn resolve_contract<'a>(report: &'a GasReport, name: &str) -> Result<&'a str, PlanError> {
    if let Some((id, _)) = report.contracts.get_key_value(name) {
        return Ok(id);
    }
    let list = |ids: &mut dyn Iterator<Item = &String>| {
        ids.map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
    };
    let matches: Vec<&String> = report
        .contracts
        .keys()
        .filter(|id| id.rsplit_once(':').is_some_and(|(_, bare)| bare == name))
        .collect();
    match matches.as_slice() {
        [id] => Ok(id.as_str()),
        [] => Err(PlanError::UnknownContract {
            contract: name.to_owned(),
            known: list(&mut report.contracts.keys()),
        }),
        several => Err(PlanError::AmbiguousName {
            name: name.to_owned(),
            candidates: list(&mut several.iter().copied()),
        }),
    }
}

/// The one address the contract was deployed at, or the contract id when it is an address.
fn deployment_address<'a>(
    contract: &str,
    calls: impl Iterator<Item = &'a crate::core::report::CallRecord>,
) -> Result<(Address, AddressSource), PlanError> {
    let mut addresses = BTreeSet::new();
    for call in calls.filter(|call| &*call.function == "constructor") {
        let address = call.to.parse::<Address>().map_err(|_| PlanError::BadAddress {
            contract: contract.to_owned(),
            text: call.to.to_string(),
        })?;
        addresses.insert(address);
    }
    let mut addresses = addresses.into_iter();
    match (addresses.next(), addresses.next()) {
        (Some(address), None) => Ok((address, AddressSource::Deployment)),
        (Some(first), Some(second)) => {
            let mut all = vec![first, second];
            all.extend(addresses);
            Err(PlanError::AmbiguousAddress { contract: contract.to_owned(), addresses: all })
        }
        (None, _) => match contract.parse::<Address>() {
            Ok(address) if contract.starts_with("0x") => Ok((address, AddressSource::ContractId)),
            _ => Err(PlanError::NoAddress { contract: contract.to_owned() }),
        },
    }
}

/// One registry entry as read back from chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedEntry {
    /// Position in the contract's list, 0 for the oldest.
    pub index: u64,
    #[serde(serialize_with = "checksummed")]
    pub contract_address: Address,
    /// Whatever the analyzer stored: untrusted text.
    pub ipfs_hash: String,
    /// A uint256: written as a decimal string in JSON, so no reader rounds it.
    #[serde(serialize_with = "decimal_string")]
    pub gas_used: U256,
    /// Unix seconds of the entry's last write (store or update).
    pub timestamp: u64,
    #[serde(serialize_with = "checksummed")]
    pub analyzer: Address,
    pub is_public: bool,
}

/// A store `record` would send, as its dry run shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStore {
    pub entry: PlannedEntry,
    pub ipfs_hash: String,
    pub is_public: bool,
    /// The registry.
    pub to: Address,
    /// The signer, when its key is in the environment.
    pub from: Option<Address>,
    pub calldata: Bytes,
    pub estimated_gas: u64,
    /// The node's gas price, wei.
    pub gas_price: u128,
}

/// A store `record` sent and saw mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentStore {
    pub contract: String,
    pub address: Address,
    /// The new entry's index; `None` when it could not be read back.
    pub index: Option<u64>,
    pub transaction: B256,
    /// Receipt gas of the transaction.
    pub gas: u64,
}

/// Addresses as the table and the other commands show them (EIP-55), not serde's lower case.
fn checksummed<S: serde::Serializer>(address: &Address, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(address)
}

fn decimal_string<S: serde::Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::report::{CallRecord, GasMethod};

    const TOKEN: &str = "contracts/Token.sol:Token";
    const COUNTER: &str = "contracts/Counter.sol:Counter";

    fn call(contract: &str, function: &str, to: &str, gas_used: u64, status: CallStatus) -> CallRecord {
        CallRecord {
            scenario: "s".into(),
            step: 1,
            iteration: 1,
            contract: contract.into(),
            function: function.into(),
            from: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            to: to.into(),
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

    fn report(calls: Vec<CallRecord>) -> GasReport {
        let mut report = GasReport::new("gasguard run");
        report.contracts = GasReport::aggregate(&calls, &BTreeMap::new());
        report.calls = calls;
        report
    }

    const A: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const B: &str = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
    const C: &str = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";

    fn address(text: &str) -> Address {
        text.parse().unwrap()
    }

    #[test]
    fn gas_used_sums_successful_calls_with_the_deployment() {
        let report = report(vec![
            call(TOKEN, "constructor", A, 500_000, CallStatus::Success),
            call(TOKEN, "transfer(address,uint256)", A, 51_000, CallStatus::Success),
            call(TOKEN, "transfer(address,uint256)", A, 34_000, CallStatus::Success),
            // Reverted calls are left out.
            call(TOKEN, "transfer(address,uint256)", A, 25_000, CallStatus::Revert),
            call(COUNTER, "constructor", B, 100_000, CallStatus::Success),
            call(COUNTER, "increment()", B, 43_000, CallStatus::Success),
        ]);
        let entries = plan_entries(&report, &[]).unwrap();
        assert_eq!(
            entries,
            vec![
                PlannedEntry {
                    contract: COUNTER.into(),
                    address: address(B),
                    address_source: AddressSource::Deployment,
                    gas_used: 143_000,
                    calls: 2,
                },
                PlannedEntry {
                    contract: TOKEN.into(),
                    address: address(A),
                    address_source: AddressSource::Deployment,
                    gas_used: 585_000,
                    calls: 3,
                },
            ]
        );
    }

    #[test]
    fn mapping_wins_over_the_deployment_address() {
        let report = report(vec![call(TOKEN, "constructor", A, 1, CallStatus::Success)]);
        let entries = plan_entries(&report, &[(TOKEN.into(), address(B))]).unwrap();
        assert_eq!(entries[0].address, address(B));
        assert_eq!(entries[0].address_source, AddressSource::Mapping);
    }

    #[test]
    fn one_address_deployed_in_two_scenarios_is_not_ambiguous() {
        let report = report(vec![
            call(TOKEN, "constructor", A, 1, CallStatus::Success),
            call(TOKEN, "constructor", &A.to_lowercase(), 1, CallStatus::Success),
        ]);
        assert_eq!(plan_entries(&report, &[]).unwrap()[0].address, address(A));
    }

    #[test]
    fn two_deployment_addresses_need_a_mapping() {
        let report = report(vec![
            call(TOKEN, "constructor", A, 1, CallStatus::Success),
            call(TOKEN, "constructor", B, 1, CallStatus::Success),
        ]);
        let error = plan_entries(&report, &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "contract `{TOKEN}` was deployed at 2 addresses in the report (`{A}`, `{B}`)\n\nhint: pass `--contract {TOKEN}=0x…` to say which one to record"
            )
        );
        assert!(plan_entries(&report, &[(TOKEN.into(), address(A))]).is_ok());
    }

    // Regression: the demo deploys from a fresh chain in every scenario, so Token and Looper both
    // sit at alice's first CREATE address; recording both there mixed them (and the second was
    // skipped as "already on record").
    #[test]
    fn two_contracts_at_one_address_need_mappings() {
        let calls = vec![
            call(TOKEN, "constructor", A, 1, CallStatus::Success),
            call(COUNTER, "constructor", A, 1, CallStatus::Success),
        ];
        let report = report(calls);
        assert_eq!(
            plan_entries(&report, &[]).unwrap_err().to_string(),
            format!(
                "`{COUNTER}`, `{TOKEN}` would all be recorded at `{A}` (scenarios start from a fresh chain, so their deployments can share an address)\n\nhint: give each its real address with `--contract ID=0x…`"
            )
        );
        assert!(plan_entries(&report, &[(TOKEN.into(), address(B))]).is_ok());
        assert!(matches!(
            plan_entries(&report, &[(TOKEN.into(), address(B)), (COUNTER.into(), address(B))]),
            Err(PlanError::SharedAddress { .. })
        ));
    }

    #[test]
    fn a_contract_called_by_bare_address_is_recorded_at_that_address() {
        let report = report(vec![call(B, "0x12345678", B, 30_000, CallStatus::Success)]);
        let entries = plan_entries(&report, &[]).unwrap();
        assert_eq!((entries[0].address, entries[0].address_source), (address(B), AddressSource::ContractId));
    }

    #[test]
    fn no_deployment_and_no_mapping_is_an_error() {
        let report = report(vec![call(TOKEN, "transfer(address,uint256)", A, 1, CallStatus::Success)]);
        assert_eq!(plan_entries(&report, &[]).unwrap_err(), PlanError::NoAddress { contract: TOKEN.into() });
    }

    #[test]
    fn a_contract_without_successful_calls_is_an_error() {
        // An imported report: statistics, no calls.
        let mut imported = GasReport::new("gas-snapshot");
        imported.contracts.insert(TOKEN.into(), Default::default());
        assert_eq!(plan_entries(&imported, &[]).unwrap_err(), PlanError::NoCalls { contract: TOKEN.into() });
        assert_eq!(plan_entries(&GasReport::new("x"), &[]).unwrap_err(), PlanError::NoContracts);
    }

    #[test]
    fn mapping_an_unknown_or_repeated_contract_is_an_error() {
        let report = report(vec![call(TOKEN, "constructor", A, 1, CallStatus::Success)]);
        let error = plan_entries(&report, &[("Tokn".into(), address(A))]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("`--contract Tokn=…` names a contract that is not in the report (it has: `{TOKEN}`)")
        );
        // A bare name stands for the id that ends in it, so this maps Token twice.
        let twice = [(TOKEN.into(), address(A)), ("Token".into(), address(B))];
        assert_eq!(
            plan_entries(&report, &twice).unwrap_err(),
            PlanError::DuplicateMapping { contract: TOKEN.into() }
        );
    }

    #[test]
    fn a_unique_bare_name_maps_its_contract() {
        let report = report(vec![
            call(TOKEN, "constructor", A, 1, CallStatus::Success),
            call("other/Token.sol:Token", "constructor", B, 1, CallStatus::Success),
            call(COUNTER, "constructor", B, 1, CallStatus::Success),
        ]);
        let entries = plan_entries(
            &report,
            &[
                ("Counter".into(), address(A)),
                (TOKEN.into(), address(C)),
                ("other/Token.sol:Token".into(), address(B)),
            ],
        )
        .unwrap();
        assert_eq!(entries[0].contract, COUNTER);
        assert_eq!(entries[0].address, address(A));
        assert_eq!(
            plan_entries(&report, &[("Token".into(), address(A))]).unwrap_err().to_string(),
            format!(
                "`--contract Token=…` is ambiguous: the report has `{TOKEN}`, `other/Token.sol:Token`\n\nhint: use the full id"
            )
        );
    }

    #[test]
    fn a_malformed_deployment_address_is_named() {
        let report = report(vec![call(TOKEN, "constructor", "0xnope", 1, CallStatus::Success)]);
        assert_eq!(
            plan_entries(&report, &[]).unwrap_err().to_string(),
            format!("contract `{TOKEN}`: the report's deployment address `0xnope` is not an address")
        );
    }

    #[test]
    fn entries_serialize_with_camel_case_and_a_decimal_gas_string() {
        let entry = RecordedEntry {
            index: 1,
            contract_address: address(A),
            ipfs_hash: "bafkrei".into(),
            gas_used: U256::from(10).pow(U256::from(30)),
            timestamp: 1_700_000_000,
            analyzer: address(B),
            is_public: false,
        };
        insta::assert_snapshot!(serde_json::to_string_pretty(&entry).unwrap(), @r#"
            {
              "index": 1,
              "contractAddress": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
              "ipfsHash": "bafkrei",
              "gasUsed": "1000000000000000000000000000000",
              "timestamp": 1700000000,
              "analyzer": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
              "isPublic": false
            }
            "#);
    }
}
