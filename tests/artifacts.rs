//! The committed artifacts under `fixtures/artifacts/` (which the registry bindings and every
//! test are built from) are exactly what the pinned solc makes of `contracts/`.

mod support;

use std::process::Command;

#[test]
fn committed_artifacts_equal_a_fresh_compile_with_the_pinned_solc() {
    let output = Command::new("node")
        .args(["scripts/compile-contracts.mjs", "--check"])
        .current_dir(support::root())
        .output()
        .expect("failed to start `node`; it is needed to compile the contracts");
    let stdout = support::stdout(&output);
    let stderr = support::stderr(&output);
    assert!(
        output.status.success(),
        "`node scripts/compile-contracts.mjs --check` failed; regenerate the artifacts with \
         `node scripts/compile-contracts.mjs` and commit them with the contract change\n\
         stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("artifact files match a fresh build"), "{stdout}");
}
