//! Rust bindings of `contracts/AnalysisRegistry.sol`, generated at compile time from the
//! committed Foundry artifact: the ABI and the creation bytecode `registry deploy` sends. The
//! artifact is checked against a fresh compile with the pinned solc (`tests/artifacts.rs`), and
//! the macro tracks the file, so a regenerated artifact rebuilds these bindings.

alloy::sol!(
    #[allow(missing_docs, clippy::too_many_arguments)]
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    AnalysisRegistry,
    "fixtures/artifacts/foundry/out/AnalysisRegistry.sol/AnalysisRegistry.json"
);
