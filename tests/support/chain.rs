//! A fresh anvil with the analysis registry deployed by alice through `gasguard registry deploy`,
//! and a folder holding the registry fixture reports: what the registry, IPFS and HTML tests
//! record into. The registry is read back with raw `eth_call`s decoded by an interface written
//! here from `contracts/AnalysisRegistry.sol`, not gasguard's bindings. Every run through
//! [`Chain::run`] asserts that the signing key appears in neither stdout nor stderr.

use std::path::Path;
use std::process::Output;

use alloy::primitives::{Address, Bytes, U256, address};
use alloy::sol;
use alloy::sol_types::SolCall;

use super::{Anvil, fixture, gasguard_with_env, stderr, stdout};

sol! {
    #[derive(Debug, PartialEq, Eq)]
    interface IRegistry {
        struct AnalysisReport {
            address contractAddress;
            string ipfsHash;
            uint256 gasUsed;
            uint256 timestamp;
            address analyzer;
            bool isPublic;
        }
        function storeAnalysis(address contractAddress, string calldata ipfsHash, uint256 gasUsed, bool isPublic) external returns (uint256 index);
        function getAnalysis(address contractAddress, uint256 index) external view returns (AnalysisReport memory);
        function getAnalysisCount(address contractAddress) external view returns (uint256);
        function updateAnalysis(address contractAddress, uint256 index, string calldata ipfsHash, uint256 gasUsed, bool isPublic) external;
        error NotAnalyzer(address caller, address analyzer);
    }
}

/// anvil's first development key (public knowledge); its account is alice.
pub const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const ALICE: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// alice's first CREATE on a fresh anvil: where `registry deploy` puts the registry.
pub const REGISTRY: Address = address!("0x5FbDB2315678afecb367f032d93F642f64180aa3");
/// Where the fixture reports deployed Counter (bob's second CREATE in the profiling run):
/// `record`'s default address for it.
pub const COUNTER: Address = address!("0x71C95911E9a5D330f4D621842EC243EE1343292e");
/// The "real" Token address the tests map with `--contract`.
pub const TOKEN: Address = address!("0xa513E6E4b8f2a923D98304ec87F64353C4D5C853");
pub const TOKEN_MAPPING: &str = "contracts/Token.sol:Token=0xa513E6E4b8f2a923D98304ec87F64353C4D5C853";

/// A fresh anvil with a registry deployed by alice, and a folder holding the fixture reports
/// `report-a.json` and `report-b.json`.
pub struct Chain {
    pub anvil: Anvil,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Chain {
    pub fn start() -> Self {
        let anvil = Anvil::start(&[]);
        let url = anvil.url();
        let dir = tempfile::tempdir().unwrap();
        for name in ["report-a.json", "report-b.json"] {
            std::fs::copy(fixture(&format!("registry/{name}")), dir.path().join(name)).unwrap();
        }
        let chain = Self { anvil, url, dir };
        let output =
            chain.run(&["registry", "deploy", "--rpc-url", &chain.url], &[("GASGUARD_PRIVATE_KEY", KEY)]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        // stdout is the address and nothing else, for `REGISTRY=$(gasguard registry deploy …)`.
        assert_eq!(stdout(&output), format!("{REGISTRY}\n"));
        chain
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs gasguard in the chain's folder with `env`, and checks that the key shows up nowhere
    /// in what it printed.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        without_key(gasguard_with_env(self.dir(), args, env), args)
    }

    /// `gasguard record --report REPORT --registry … --rpc-url … EXTRA`, signed by alice.
    pub fn record(&self, report: &str, extra: &[&str]) -> Output {
        let registry = REGISTRY.to_string();
        let mut args = vec!["record", "--report", report, "--registry", &registry, "--rpc-url", &self.url];
        args.extend_from_slice(extra);
        self.run(&args, &[("GASGUARD_PRIVATE_KEY", KEY)])
    }

    /// A raw `eth_call` of the registry, decoded here.
    pub fn call<C: SolCall>(&self, call: &C) -> C::Return {
        let data = Bytes::from(call.abi_encode());
        let params = format!(r#"[{{"to":"{REGISTRY}","data":"{data}"}},"latest"]"#);
        let result = self.anvil.rpc("eth_call", &params).expect("eth_call failed");
        let bytes: Bytes = result.as_str().unwrap().parse().unwrap();
        C::abi_decode_returns(&bytes).unwrap()
    }

    pub fn count(&self, contract: Address) -> u64 {
        self.call(&IRegistry::getAnalysisCountCall { contractAddress: contract }).to()
    }

    pub fn entry(&self, contract: Address, index: u64) -> IRegistry::AnalysisReport {
        self.call(&IRegistry::getAnalysisCall { contractAddress: contract, index: U256::from(index) })
    }
}

/// `output`, after checking that the signing key appears in neither of its streams.
pub fn without_key(output: Output, args: &[&str]) -> Output {
    let digits = KEY.trim_start_matches("0x");
    for (stream, text) in [("stdout", stdout(&output)), ("stderr", stderr(&output))] {
        assert!(
            !text.to_lowercase().contains(digits),
            "the private key appeared in {stream} of `gasguard {}`",
            args.join(" ")
        );
    }
    output
}
