//! A sample project for tests that compare two builds: the demo contracts copied into a folder
//! (with `Counter.sol` edited or not), compiled with the pinned solc, and a config profiling a
//! direct call and one through `Router` (a change inside a called contract).

use std::path::Path;
use std::process::Command;

use super::{root, stderr};

/// Profiles `Counter.increment()` directly and through `Router.bump(uint256)`.
pub const CONFIG: &str = r#"artifacts = "artifacts/foundry/out"
[evm]
spec = "prague"

[policy]
max_increase_pct = 1.0

[[scenario]]
name = "direct"

[[scenario.step]]
deploy = "Counter"
as = "counter"

[[scenario.step]]
call = "counter"
function = "increment()"

[[scenario]]
name = "routed"

[[scenario.step]]
deploy = "Counter"
as = "counter"

[[scenario.step]]
deploy = "Router"
as = "router"
args = ["counter"]

[[scenario.step]]
call = "router"
function = "bump(uint256)"
args = ["1"]
"#;

/// The statement the changed build adds to `Counter.increment()`: a write to a slot never written.
pub const ADDED: &str = "extra = next;";

/// Copies `contracts/` into `dir` (`Counter.sol` passed through `edit`) and compiles it with the
/// pinned solc into `dir/artifacts`.
pub fn compile(dir: &Path, edit: impl Fn(String) -> String) {
    let contracts = dir.join("contracts");
    std::fs::create_dir_all(&contracts).unwrap();
    for entry in std::fs::read_dir(root().join("contracts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "sol") {
            let mut text = std::fs::read_to_string(&path).unwrap();
            if path.file_name().is_some_and(|name| name == "Counter.sol") {
                text = edit(text);
            }
            std::fs::write(contracts.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    let output = Command::new("node")
        .args(["scripts/compile-contracts.mjs", "--project", dir.to_str().unwrap()])
        .current_dir(root())
        .output()
        .expect("failed to start `node`; it is needed to compile the contracts");
    assert!(output.status.success(), "compiling failed:\n{}", stderr(&output));
}

/// `Counter` with one more state variable (declared last, so no line above the change moves
/// and it takes the fresh slot 1) and one more statement writing it in `increment()`.
pub fn with_extra_write(source: String) -> String {
    let with_write =
        source.replacen("        count = next;\n", &format!("        count = next;\n        {ADDED}\n"), 1);
    assert_ne!(with_write, source, "Counter.sol changed: update this test");
    let end = with_write.rfind('}').unwrap();
    format!("{}\n    uint256 public extra;\n}}\n", with_write[..end].trim_end())
}
