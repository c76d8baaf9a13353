//! Playing a history on a real anvil from the committed solc artifacts (what the fork tests fork):
//! init code, calldata, transactions from unlocked accounts, the block number.

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::{Address, keccak256};
use serde_json::{Value, json};

use super::{fixture, rpc_call, send_transaction};

/// anvil's first development account, unlocked on every dev node.
pub const ALICE: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// The init code of a contract from the committed solc artifacts.
pub fn init_code(name: &str) -> Vec<u8> {
    let output: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("artifacts/solc/output.json")).unwrap())
            .unwrap();
    let contract = output["contracts"]
        .as_object()
        .unwrap()
        .values()
        .find_map(|file| file.get(name))
        .unwrap_or_else(|| panic!("no contract {name} in the artifacts"));
    alloy::primitives::hex::decode(contract["evm"]["bytecode"]["object"].as_str().unwrap()).unwrap()
}

/// A call's calldata: the selector of `signature`, then `args` ABI-encoded.
pub fn calldata(signature: &str, args: Vec<DynSolValue>) -> Vec<u8> {
    let mut data = keccak256(signature)[..4].to_vec();
    data.extend(DynSolValue::Tuple(args).abi_encode_params());
    data
}

/// Sends a transaction from an unlocked account and returns its receipt (anvil mines at once),
/// asserting that it succeeded.
pub fn send(node: &str, from: &str, to: Option<Address>, data: &[u8], value: u128) -> Value {
    let mut request = json!({"from": from, "input": format!("0x{}", alloy::primitives::hex::encode(data)), "value": format!("{value:#x}")});
    if let Some(to) = to {
        request["to"] = json!(to);
    }
    let receipt = send_transaction(node, request);
    assert_eq!(receipt["status"], "0x1", "history transaction failed: {receipt}");
    receipt
}

/// The node's latest block number.
pub fn block_number(node: &str) -> u64 {
    let number = rpc_call(node, "eth_blockNumber", "[]").unwrap();
    u64::from_str_radix(number.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}
