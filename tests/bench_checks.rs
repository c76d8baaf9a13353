//! The benchmark's correctness checks (`bench/suites.rs`) in a quick size, so that `cargo test`
//! runs them: `cargo bench` is never part of the test command, and a `harness = false` bench is
//! not run by `cargo test`. The same functions check the full-size runs in the benchmark; only
//! the timing figures are left to it.

#[path = "../bench/suites.rs"]
mod suites;

use std::path::Path;
use std::time::Duration;

use suites::{Anvil, FORK_QUICK, QUICK};

/// Every receipt of the suite, sent one at a time by the `rpc` executor and in batches mined in
/// one block, costs what the embedded EVM measured, in order, with none missing.
#[test]
fn receipts_equal_the_embedded_gas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = suites::suite(&root.join("fixtures/artifacts/foundry/out"), QUICK);
    let embedded = suites::embedded(&text);
    // 2 scenarios × (10 deployments + 20 calls).
    assert_eq!(embedded.transactions(), 60);
    assert_eq!(embedded.gas.len(), 60);
    let sequential = suites::sequential_anvil(&text, &embedded.gas);
    assert_eq!(sequential.transactions, 60);
    let batched = suites::batched_anvil(&embedded.recorded, &embedded.gas);
    assert_eq!(batched.transactions, 60);
}

/// The fork suite: exactly 5 requests cold, none warm, equal reports, and anvil forking the same
/// node at the same block charges what the fork measured.
#[test]
fn fork_request_counts_and_anvil_receipts() {
    let client = suites::reqwest_blocking();
    let node = Anvil::start(&[]);
    let (contracts, block) = suites::fork_history(&client, &node.1);
    let runs = suites::fork_runs(&node.1, &contracts, block, Duration::ZERO, FORK_QUICK, 2);
    assert_eq!(runs.transactions, 2 * 27);
    assert_eq!((runs.cold_requests, runs.warm_requests), (suites::COLD_FORK_REQUESTS, 0));
    assert!(runs.accounts > 0 && runs.slots > 0, "the cache holds the state touched");
    // Fetched in batches: far fewer requests than accounts and slots.
    assert!(
        runs.cold_requests * 4 <= (runs.accounts + runs.slots) as u64,
        "{} + {}",
        runs.accounts,
        runs.slots
    );
}
