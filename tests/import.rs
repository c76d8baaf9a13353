//! Importers over the project's own fixtures (`fixtures/import/`): every format, every variant
//! real files have, and every kind of bad input, whose message must name the file and the line
//! or key.

use std::path::Path;

use gasguard::core::diff::{DiffLabels, diff};
use gasguard::core::policy::Policy;
use gasguard::core::render::{self, TerminalOptions};
use gasguard::core::report::{GasReport, SectionValue, TestGas};
use gasguard::import::{Format, ImportError, Imported, load, load_as};
use insta::assert_snapshot;

fn fixture(path: &str) -> String {
    format!("fixtures/import/{path}")
}

fn imported(path: &str) -> Imported {
    load(Path::new(&fixture(path))).unwrap_or_else(|error| panic!("{error}"))
}

fn import(path: &str) -> GasReport {
    let imported = imported(path);
    assert_eq!(imported.warnings, [], "{path} imported with warnings");
    imported.report
}

fn error(path: &str) -> String {
    match load(Path::new(&fixture(path))) {
        Ok(imported) => panic!("{path} imported: {imported:?}"),
        Err(error) => error.to_string(),
    }
}

/// What a user sees of an import with warnings: the entries, then each warning.
fn entries_and_warnings(imported: &Imported) -> String {
    let mut text = entries(&imported.report);
    for warning in &imported.warnings {
        text.push_str(&format!("\nwarning: {warning}"));
    }
    text
}

/// The entries the diff will see: `id [kind] value`, one per line.
fn entries(report: &GasReport) -> String {
    let mut lines = vec![format!("source: {}", report.source)];
    for (id, entry) in report.entries() {
        lines.push(format!("{id} [{}] {}", entry.kind, entry.value));
    }
    lines.join("\n")
}

#[test]
fn forge_gas_snapshot() {
    let report = import("gas-snapshot/v1.gas-snapshot");
    assert_eq!(
        report.tests.get("AuthTest:testSetAuthorityAsOwner(address)"),
        Some(&TestGas::Fuzz { runs: 256, mean: 32228, median: 32384 })
    );
    assert_snapshot!(entries(&report), @r"
    source: gas-snapshot
    test:AuthTest:testCallFunctionAsOwner() [test] 29784
    test:AuthTest:testSetAuthorityAsOwner(address) [fuzz] 32384
    test:ERC20Invariants:invariantBalanceSum() [info] runs: 256, calls: 3840, reverts: 2388
    test:ERC20Test:testApprove() [test] 31162
    test:ERC20Test:testBurn() [test] 59875
    test:ERC20Test:testTransfer() [test] 60473
    test:ERC20Test:testTransfer(address,uint256) [fuzz] 59011
    ");
}

#[test]
fn forge_gas_snapshot_rare_variants() {
    let report = import("gas-snapshot/variants.gas-snapshot");
    assert_eq!(report.tests.get("Old:testBare()"), Some(&TestGas::Gas { gas: 31000 }));
    assert_snapshot!(entries(&report), @r"
    source: gas-snapshot
    test:Fuzz:testReplays(uint8) [fuzz] 99
    test:Invariants:invariantReplays() [info] runs: 10, calls: 150, reverts: 3
    test:Old:testBare() [test] 31000
    test:Optimizer:invariantMaximize() [info] best: -42, runs: 64, calls: 3200
    test:Prover:proveAdd(uint8,uint8) [info] paths: 3, queries: 2, smt: 1, sat: 1 (0 cached), models: 1 (0 cached), hard-arith: 0, solver: 4ms
    test:Replay:testCorpus() [info] replay: 12 entries, 3 files, 1 skipped
    test:Table:tableSums(uint256,uint256) [fuzz] 2050
    ");
}

#[test]
fn hardhat3_gas_snapshot() {
    assert_snapshot!(entries(&import("gas-snapshot/hardhat3.gas-snapshot")), @r"
    source: gas-snapshot
    test:CounterTest:testInc() [test] 43482
    test:contracts/a/Token.t.sol:TokenTest:testFuzzMint(uint256) [fuzz] 44050
    test:contracts/b/Token.t.sol:TokenTest:testMint() [test] 43500
    ");
}

#[test]
fn forge_gas_report_json() {
    let report = import("gas-report-json/report.json");
    let token = &report.contracts["src/Token.sol:Token"];
    // forge's size is the creation data's length: kept as init code, runtime size unknown.
    assert_eq!(token.deployment.as_ref().map(|d| (d.gas, d.size, d.initcode_size)), Some((512345, 0, 2410)));
    assert_eq!(
        report.contracts["src/Factory.sol:Child"].deployment, None,
        "{{gas: 0, size: 0}} is no deployment"
    );
    assert_snapshot!(entries(&report), @r"
    source: gas-report-json
    deploy:src/Counter.sol:Counter [deployment] 156813
    deploy:src/Token.sol:Token [deployment] 512345
    fn:src/Counter.sol:Counter.increment() [function] 43482
    fn:src/Counter.sol:Counter.setNumber(uint256) [function] 43582
    fn:src/Factory.sol:Child.ping() [function] 2400
    fn:src/Token.sol:Token.approve(address,uint256) [function] 44300
    fn:src/Token.sol:Token.transfer(address,uint256) [function] 40000
    ");
}

#[test]
fn forge_gas_report_after_test_results() {
    let report = import("gas-report-json/with-test-results.json");
    assert_eq!(report.contracts.keys().collect::<Vec<_>>(), ["src/Counter.sol:Counter"]);
}

#[test]
fn foundry_section_snapshots() {
    let report = import("sections/v3");
    assert_eq!(report.sections["PoolManagerTest/pool code hash"], SectionValue::Info("0x9a3c5b2f1e".into()));
    assert_snapshot!(entries(&report), @r"
    source: snapshot-sections
    section:ClearTest/clear [section] 1700
    section:ERC6909ClaimsTest/ERC6909Claims approve [section] 46323
    section:ERC6909ClaimsTest/ERC6909Claims transfer [section] 51700
    section:PoolManagerTest/donate gas with 1 token [section] 106300
    section:PoolManagerTest/pool code hash [info] 0x9a3c5b2f1e
    section:PoolManagerTest/poolManager bytecode size [size] 24100
    section:PoolManagerTest/poolManager initcode hash (without constructor params, as uint256) [info] 88020115813326578213098357716453271046574733432213451412358316545613541223090
    section:PoolManagerTest/simple swap [section] 123144
    section:PoolManagerTest/simple swap with native [section] 108434
    section:PoolManagerTest/swap with hooks [section] 131000
    section:ProtocolFeesTest/set protocol fee [section] 31800
    ");
}

#[test]
fn one_section_file() {
    // Detected where forge writes it, in a `snapshots/` folder.
    let report = import("sections-single/snapshots/ClearTest.json");
    assert_eq!(report.sections.keys().collect::<Vec<_>>(), ["ClearTest/clear"]);
    // Elsewhere only when the format is named.
    let path = fixture("sections/v1/ClearTest.json");
    let report = load_as(Path::new(&path), Some(Format::SnapshotSections)).unwrap().report;
    assert_eq!(report.sections.keys().collect::<Vec<_>>(), ["ClearTest/clear"]);
}

#[test]
fn forge_gas_snapshot_folder() {
    assert_snapshot!(entries(&import("snap-files/v1")), @r"
    source: snap-files
    section:ERC6909Claims approve [section] 46323
    section:ERC6909Claims transfer [section] 51756
    section:addLiquidity CA fee [section] 170695
    section:clear [section] 1717
    section:poolManager bytecode size [size] 23671
    section:swap against liquidity [section] 116527
    ");
    assert_snapshot!(entries(&import("snap-files/v2")), @r"
    source: snap-files
    section:ERC6909Claims approve [section] 46323
    section:ERC6909Claims transfer [section] 51800
    section:clear [section] 1700
    section:hooks/before swap [section] 2450
    section:pool code size [info] n/a
    section:poolManager bytecode size [size] 24009
    section:removeLiquidity CA fee [section] 141199
    section:swap against liquidity [section] 116527
    ");
}

#[test]
fn one_snap_file() {
    let report = import("snap-files/v1/clear.snap");
    assert_eq!(report.sections.get("clear"), Some(&SectionValue::Gas(1717)));
}

#[test]
fn hardhat_gas_reporter() {
    let report = import("hardhat-gas-reporter/run-0.json");
    // Fully qualified names keep the two `Duplicate` contracts apart.
    assert_eq!(report.contracts["DuplicateA.sol:Duplicate"].functions["a()"].mean, 43210);
    assert_eq!(report.contracts["DuplicateB.sol:Duplicate"].functions["a()"].mean, 45500);
    let variable = &report.contracts["VariableCosts"];
    assert_eq!(
        variable.deployment.as_ref().map(|d| (d.gas, d.size, d.initcode_size)),
        Some((781011, 100, 120))
    );
    assert_snapshot!(entries(&report), @r"
    source: hardhat-gas-reporter
    deploy:VariableCosts [deployment] 781011
    deploy:Wallet [deployment] 213700
    fn:DuplicateA.sol:Duplicate.a() [function] 43210
    fn:DuplicateB.sol:Duplicate.a() [function] 45500
    fn:Legacy.poke() [function] 27000
    fn:VariableCosts.addToMap(uint256[]) [function] 101859
    fn:Wallet.sendPayment(uint256,address) [function] 33875
    size:VariableCosts [size] 100
    ");
}

#[test]
fn gasguard_report() {
    let report = import("gasguard/report.json");
    assert_snapshot!(entries(&report), @r"
    source: gasguard run
    deploy:src/Token.sol:Token [deployment] 512345
    fn:src/Token.sol:Token.transfer(address,uint256) [function] 40000
    section:Pool/hash [info] 0x9a3c
    section:Pool/swap [section] 123144
    size:src/Token.sol:Token [size] 2210
    test:TokenTest:testTransfer() [test] 60473
    ");
}

#[test]
fn project_root() {
    let report = import("project");
    assert_eq!(report.source, "gas-snapshot+snapshot-sections+snap-files");
    assert_eq!((report.tests.len(), report.sections.len()), (7, 2));
    assert!(report.sections.contains_key("ClearTest/clear") && report.sections.contains_key("clear"));
}

#[test]
fn explicit_format() {
    let path = fixture("gas-snapshot/v1.gas-snapshot");
    let report = load_as(Path::new(&path), Some(Format::GasSnapshot)).unwrap().report;
    assert_eq!(report.tests.len(), 7);
    let error = load_as(Path::new(&path), Some(Format::HardhatGasReporter)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`fixtures/import/gas-snapshot/v1.gas-snapshot` line 1 column 1: invalid JSON: expected value"
    );
    let error = load_as(Path::new(&fixture("sections/v1")), Some(Format::GasSnapshot)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`fixtures/import/sections/v1` is a directory, but format `gas-snapshot` reads a file"
    );
}

#[test]
fn malformed_line() {
    assert_eq!(
        error("bad/malformed.gas-snapshot"),
        "`fixtures/import/bad/malformed.gas-snapshot` line 3: expected `Contract:test() (gas: N)`, a fuzz \
         report `(runs: N, μ: N, ~: N)` or an invariant report `(runs: N, calls: N, reverts: N)`: \
         `A:testThree() gas 300`"
    );
}

#[test]
fn number_over_64_bits_in_a_snapshot() {
    assert_eq!(
        error("bad/overflow.gas-snapshot"),
        "`fixtures/import/bad/overflow.gas-snapshot` line 2: number `99999999999999999999` does not fit in 64 \
         bits: `A:testHuge() (gas: 99999999999999999999)`"
    );
}

#[test]
fn number_over_64_bits_in_json() {
    assert_eq!(
        error("bad/overflow-gas-report.json"),
        "`fixtures/import/bad/overflow-gas-report.json` key `[0].functions.f().mean`: number does not fit in \
         64 bits (about 1.8446744073709552e19)"
    );
}

#[test]
fn invalid_utf8() {
    assert_eq!(
        error("bad/not-utf8.gas-snapshot"),
        "`fixtures/import/bad/not-utf8.gas-snapshot` line 2: not valid UTF-8"
    );
}

#[test]
fn truncated_json() {
    assert_eq!(
        error("bad/truncated-report.json"),
        "`fixtures/import/bad/truncated-report.json` line 15 column 20: unexpected end of file, the JSON is \
         truncated (EOF while parsing an object)"
    );
    assert_eq!(
        error("bad/truncated-gas-report.json"),
        "`fixtures/import/bad/truncated-gas-report.json` line 1 column 150: unexpected end of file, the JSON is \
         truncated (EOF while parsing a string)"
    );
}

#[test]
fn duplicate_key_in_a_section_file() {
    assert_eq!(
        error("bad/duplicate-key"),
        "duplicate entry `section:PoolManagerTest/simple swap`: in \
         `fixtures/import/bad/duplicate-key/PoolManagerTest.json` key `simple swap` and again in \
         `fixtures/import/bad/duplicate-key/PoolManagerTest.json` key `simple swap`"
    );
}

#[test]
fn same_section_in_two_files() {
    assert_eq!(
        error("bad/duplicate-across"),
        "duplicate entry `section:PoolManagerTest/simple swap`: in `fixtures/import/bad/duplicate-across/snapshots` \
         (whole file) and again in `fixtures/import/bad/duplicate-across/.forge-snapshots` (whole file)"
    );
}

#[test]
fn bad_values_name_their_key() {
    assert_eq!(
        error("bad/bad-section-value"),
        "`fixtures/import/bad/bad-section-value/PoolManagerTest.json` key `simple swap`: expected a string, found `true`"
    );
    assert_eq!(
        error("bad/bad-hardhat-sample.json"),
        "`fixtures/import/bad/bad-hardhat-sample.json` key `data.methods.A_00000000.gasData[0]`: expected a \
         number, found the string `21000`"
    );
}

#[test]
fn newer_schema() {
    assert_eq!(
        error("gasguard/newer-schema.json"),
        "`fixtures/import/gasguard/newer-schema.json` has schema `gasguard/report/v3`, newer than the \
         `gasguard/report/v2` this gasguard reads\n\nhint: upgrade gasguard, or regenerate the report with this version"
    );
}

#[test]
fn unknown_field_in_a_gasguard_report() {
    // serde reports an internally tagged enum's error at the end of the enclosing map.
    assert_eq!(
        error("gasguard/unknown-field.json"),
        "`fixtures/import/gasguard/unknown-field.json` line 32 column 3: unknown field `note`, expected `gas`"
    );
}

#[test]
fn unknown_format_lists_what_was_tried() {
    assert_snapshot!(error("bad/unknown.txt"), @r"
    could not recognise the format of `fixtures/import/bad/unknown.txt`; tried a gasguard report (`gasguard`), a `.gas-snapshot` file (`gas-snapshot`), `forge test --gas-report --json` output (`gas-report-json`), a `snapshots/` folder of `<Group>.json` files (`snapshot-sections`), a `.forge-snapshots/` folder of `.snap` files (`snap-files`), a Jest snapshot of `@uniswap/snapshot-gas-cost` (`jest-snapshot`), hardhat-gas-reporter JSON (`hardhat-gas-reporter`), Hardhat 3 `--gas-stats-json` output (`hardhat-gas-stats`)

    hint: if it is one of these, name its format: `gasguard import --input-format FORMAT fixtures/import/bad/unknown.txt --out report.json` writes a report every command reads
    ");
    let missing = load(Path::new("fixtures/import/no-such-file")).unwrap_err();
    assert!(matches!(missing, ImportError::Read { .. }));
    assert_eq!(missing.to_string(), "failed to read `fixtures/import/no-such-file`");
}

#[test]
fn return_types_in_signatures() {
    // Regression: one `…:(uint256)` line got the whole file refused.
    assert_snapshot!(entries(&import("gas-snapshot/return-types.gas-snapshot")), @r"
    source: gas-snapshot
    test:MathLibTest:testLog2() [test] 2214
    test:MathLibTest:testMulDivDown(uint256,uint256,uint256):(uint256) [fuzz] 1020
    test:MathLibTest:testSqrt(uint256):(uint256) [fuzz] 1001
    test:PairTest:testQuote((uint112,uint112),uint256):((uint256,bool)) [fuzz] 5098
    ");
}

#[test]
fn names_a_formatter_mangled() {
    // Regression: `**` in names (markdown-formatted `__`) got the whole file refused.
    assert_snapshot!(entries(&import("gas-snapshot/mangled-names.gas-snapshot")), @r"
    source: gas-snapshot
    test:Ledger**settlePending:test**RevertsWhenPaused() [test] 18230
    test:Ledger**settlePending:test**SettlesAll() [test] 242490
    test:Ledger**settlePending:testFuzz**Amount(uint96) [fuzz] 130500
    test:Ledger__settlePending:test__SettlesOne() [test] 120388
    ");
}

#[test]
fn duplicate_test_names_are_kept_in_file_order() {
    // Regression: forge writes a name twice for overloads and same-named contracts; the file was
    // refused as "defined twice", so the project could never be checked.
    let imported = imported("gas-snapshot/duplicate-names.gas-snapshot");
    assert_eq!(imported.warnings.len(), 1, "said once");
    assert_snapshot!(entries_and_warnings(&imported), @r"
    source: gas-snapshot
    test:TokenTest:testMint() [test] 51000
    test:TokenTest:testMint()#2 [test] 52100
    test:VaultTest:testDeposit() [test] 81200
    test:VaultTest:testDeposit()#2 [test] 81950
    test:VaultTest:testDeposit()#3 [test] 79000
    test:VaultTest:testWithdraw(uint256) [fuzz] 60004
    warning: `fixtures/import/gas-snapshot/duplicate-names.gas-snapshot`: 2 test names are written more than once (the first, `VaultTest:testDeposit()`, on lines 1, 2, 5); each repeat is kept with `#2`, `#3`, … after its name, in file order
    ");
}

#[test]
fn gas_report_json_skips_what_is_not_a_contract() {
    // Regression: a leading `{"compilerSettings": …}` element got the whole report refused.
    let imported = imported("gas-report-json/with-compiler-settings.json");
    assert_snapshot!(entries_and_warnings(&imported), @r"
    source: gas-report-json
    deploy:src/Counter.sol:Counter [deployment] 156813
    deploy:src/Vault.sol:Vault [deployment] 901223
    fn:src/Counter.sol:Counter.increment() [function] 43482
    fn:src/Vault.sol:Vault.deposit(uint256) [function] 60100
    warning: `fixtures/import/gas-report-json/with-compiler-settings.json`: skipped 1 element that is not a contract (a string) at `[2]`
    warning: `fixtures/import/gas-report-json/with-compiler-settings.json`: skipped 2 elements that are not contracts (an object with `compilerSettings`), the first at `[0]`
    ");
}

#[test]
fn gas_report_json_with_nothing_usable() {
    assert_snapshot!(error("bad/only-compiler-settings.json"), @"`fixtures/import/bad/only-compiler-settings.json` key `(top level)`: no contract in the gas report, only a string and an object with `compilerSettings`; expected objects with a `contract` field");
}

#[test]
fn jest_gas_snapshots() {
    // Regression: `@uniswap/snapshot-gas-cost` files were read as one forge-gas-snapshot value.
    assert_snapshot!(entries(&import("jest/v1")), @r#"
    source: jest-snapshot
    section:PositionManager.gas.spec.ts/PositionManager #mint gas 1 [section] 624388
    section:PositionManager.gas.spec.ts/PositionManager #mint gas first mint for pool 1 [section] 639532
    section:PositionManager.gas.spec.ts/PositionManager #positions result 1 [info] Object { "fee": 3000, "liquidity": "1000", }
    section:SwapRouter.gas.spec.ts/SwapRouter gas tests #exactInput 0 -> 1 -> 2 1 [section] 175211
    section:SwapRouter.gas.spec.ts/SwapRouter gas tests #exactInput 0 -> 1 1 [section] 107820
    section:SwapRouter.gas.spec.ts/SwapRouter gas tests #exactOutput 0 -> 1 1 [section] 109474
    section:SwapRouter.gas.spec.ts/SwapRouter gas tests `WETH9` unwrap 1 [section] 121006
    section:SwapRouter.gas.spec.ts/SwapRouter gas tests deploy bytecode size 1 [size] 19838
    "#);
    let report = import("jest/v1/SwapRouter.gas.spec.ts.snap");
    assert_eq!(
        report.sections.get("SwapRouter.gas.spec.ts/SwapRouter gas tests `WETH9` unwrap 1"),
        Some(&SectionValue::Gas(121006))
    );
    let named =
        load_as(Path::new(&fixture("jest/v1/PositionManager.gas.spec.ts.snap")), Some(Format::JestSnapshot))
            .unwrap();
    assert_eq!(named.report.sections.len(), 3);
}

#[test]
fn jest_gas_snapshot_diff() {
    let policy = Policy::default().compile().unwrap();
    let labels = DiffLabels { base: "jest/v1".into(), head: "jest/v2".into() };
    let result = diff(&import("jest/v1"), &import("jest/v2"), &policy, labels);
    assert_snapshot!(render::terminal(&result, &TerminalOptions::default()), @r"
    gasguard: jest/v2 compared with jest/v1

    Regressions (2)
      SwapRouter.gas.spec.ts
      ↑ SwapRouter.gas.spec.ts / SwapRouter…as tests #exactInput 0 -> 1 -> 2 1   175,211 →  176,004  +793  +0.45%  ✗ default
      ↑ SwapRouter.gas.spec.ts / SwapRouter gas tests deploy bytecode size 1    19,838 B → 19,902 B   +64  +0.32%

    Improvements (1)
      ↓ SwapRouter.gas.spec.ts / SwapRouter gas tests #exactInput 0 -> 1 1  107,820 → 107,412  -408  -0.38%

    Added (1)
      + SwapRouter.gas.spec.ts / SwapRouter gas tests multicall 1  152,001

    Policy failures (1)
      ✗ SwapRouter.gas.spec.ts / SwapRouter…as tests #exactInput 0 -> 1 -> 2 1: +793 gas (+0.45%) exceeds max_increase_pct 0% and max_increase_gas 0 [default]

    1 section cost more gas (largest +0.45% SwapRouter.gas.spec.ts / SwapRouter…as tests #exactInput 0 -> 1 -> 2 1), 1 cost less, 1 bytecode size grew, 1 added; 5 unchanged
    FAIL: 1 entry breaks the policy
    ");
}

#[test]
fn broken_jest_snapshot() {
    assert_snapshot!(error("bad/broken-jest.snap"), @"`fixtures/import/bad/broken-jest.snap` line 5: expected a template literal (`` ` ``), found `12;`; expected ``exports[`name`] = `value`;`` as Jest writes snapshots");
}

#[test]
fn merge_conflicts_are_refused() {
    // Regression: a committed conflict in a `.snap` file was accepted as an "info" value.
    assert_snapshot!(error("bad/conflict-snap"), @r"
    `fixtures/import/bad/conflict-snap/swap against liquidity.snap` line 1: merge conflict marker `<<<<<<< HEAD`; the file was committed in the middle of a merge, expected gas output

    hint: resolve the conflict, or regenerate the file with the tool that wrote it
    ");
    assert_snapshot!(error("bad/merge-conflict.gas-snapshot"), @r"
    `fixtures/import/bad/merge-conflict.gas-snapshot` line 2: merge conflict marker `<<<<<<< HEAD`; the file was committed in the middle of a merge, expected gas output

    hint: resolve the conflict, or regenerate the file with the tool that wrote it
    ");
}

#[test]
fn a_flat_json_object_outside_snapshots_is_refused() {
    // Regression: `{"name": "x", "version": "1.0.0"}` was read as two sections, and a check passed.
    assert_snapshot!(error("bad/package.json"), @r"
    could not recognise the format of `fixtures/import/bad/package.json`; tried a gasguard report (`gasguard`), a `.gas-snapshot` file (`gas-snapshot`), `forge test --gas-report --json` output (`gas-report-json`), a `snapshots/` folder of `<Group>.json` files (`snapshot-sections`), a `.forge-snapshots/` folder of `.snap` files (`snap-files`), a Jest snapshot of `@uniswap/snapshot-gas-cost` (`jest-snapshot`), hardhat-gas-reporter JSON (`hardhat-gas-reporter`), Hardhat 3 `--gas-stats-json` output (`hardhat-gas-stats`)

    hint: if it is one of these, name its format: `gasguard import --input-format FORMAT fixtures/import/bad/package.json --out report.json` writes a report every command reads
    ");
}

#[test]
fn sizes_and_hashes_are_classified_by_name() {
    let report = import("sections/v3");
    assert_eq!(report.sections["PoolManagerTest/poolManager bytecode size"], SectionValue::Size(24100));
    let report = import("snap-files/v2");
    assert_eq!(report.sections["poolManager bytecode size"], SectionValue::Size(24009));
    assert_eq!(report.sections["pool code size"], SectionValue::Info("n/a".into()));
    let report = import("jest/v2");
    assert_eq!(
        report.sections["SwapRouter.gas.spec.ts/SwapRouter gas tests deploy bytecode size 1"],
        SectionValue::Size(19902)
    );
}

/// Runs the real binary from a scratch folder, without colour.
fn gasguard(args: &[&str]) -> std::process::Output {
    let scratch = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_gasguard"))
        .args(args)
        .current_dir(scratch.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap()
}

fn absolute(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture(path)).display().to_string()
}

/// stderr with the repository's path replaced, so snapshots do not depend on the checkout.
fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).replace(env!("CARGO_MANIFEST_DIR"), "[repo]")
}

#[test]
fn cli_prints_import_warnings_on_stderr() {
    let output = gasguard(&["import", &absolute("gas-snapshot/duplicate-names.gas-snapshot")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["tests"].as_object().map(|tests| tests.len()), Some(6));
    assert_snapshot!(stderr(&output), @"warning: `[repo]/fixtures/import/gas-snapshot/duplicate-names.gas-snapshot`: 2 test names are written more than once (the first, `VaultTest:testDeposit()`, on lines 1, 2, 5); each repeat is kept with `#2`, `#3`, … after its name, in file order");
}

#[test]
fn cli_refuses_a_merge_conflict_with_exit_2() {
    let output = gasguard(&["diff", &absolute("snap-files/v1"), &absolute("bad/conflict-snap")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_snapshot!(stderr(&output), @r"
    error: `[repo]/fixtures/import/bad/conflict-snap/swap against liquidity.snap` line 1: merge conflict marker `<<<<<<< HEAD`; the file was committed in the middle of a merge, expected gas output

    hint: resolve the conflict, or regenerate the file with the tool that wrote it
    ");
}

#[test]
fn cli_check_refuses_a_flat_json_object() {
    // Regression: `check --report flat.json` reported `2 added` and passed.
    let baseline = absolute("gasguard/report.json");
    let output = gasguard(&["check", "--report", &absolute("bad/package.json"), "--baseline", &baseline]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_snapshot!(stderr(&output), @r"
    error: could not recognise the format of `[repo]/fixtures/import/bad/package.json`; tried a gasguard report (`gasguard`), a `.gas-snapshot` file (`gas-snapshot`), `forge test --gas-report --json` output (`gas-report-json`), a `snapshots/` folder of `<Group>.json` files (`snapshot-sections`), a `.forge-snapshots/` folder of `.snap` files (`snap-files`), a Jest snapshot of `@uniswap/snapshot-gas-cost` (`jest-snapshot`), hardhat-gas-reporter JSON (`hardhat-gas-reporter`), Hardhat 3 `--gas-stats-json` output (`hardhat-gas-stats`)

    hint: if it is one of these, name its format: `gasguard import --input-format FORMAT [repo]/fixtures/import/bad/package.json --out report.json` writes a report every command reads
    ");
}

#[test]
fn hardhat3_gas_stats() {
    let report = import("hardhat-gas-stats/run-0.json");
    assert_eq!(report.source, "hardhat-gas-stats");
    let transfer = &report.contracts["contracts/Token.sol:Token"].functions["transfer"];
    assert_eq!(
        (transfer.calls, transfer.min, transfer.mean, transfer.median, transfer.max),
        (6, 29012, 40112, 40112, 51212)
    );
    assert_snapshot!(entries(&report), @r"
    source: hardhat-gas-stats
    deploy:contracts/Counter.sol:Counter [deployment] 141289
    deploy:contracts/Token.sol:Token [deployment] 702311
    deploy:contracts/Vault.sol:Vault [deployment] 390120
    fn:contracts/Counter.sol:Counter.inc [function] 34889
    fn:contracts/Counter.sol:Counter.incBy [function] 37961
    fn:contracts/Factory.sol:Child.ping [function] 2400
    fn:contracts/Token.sol:Token.mint(address) [function] 59784
    fn:contracts/Token.sol:Token.mint(address,uint256) [function] 51500
    fn:contracts/Token.sol:Token.transfer [function] 40112
    size:contracts/Counter.sol:Counter [size] 486
    size:contracts/Token.sol:Token [size] 3054
    size:contracts/Vault.sol:Vault [size] 1710
    ");
    // The 3.3.0 shape: no runtime size (unknown, so no `size:` entry); the costliest deployment.
    assert_snapshot!(entries(&import("hardhat-gas-stats/hardhat-3.3.json")), @r"
    source: hardhat-gas-stats
    deploy:contracts/Counter.sol:Counter [deployment] 143001
    fn:contracts/Counter.sol:Counter.inc [function] 34889
    ");
}

#[test]
fn hardhat3_gas_stats_diff() {
    let policy = Policy::default().compile().unwrap();
    let labels = DiffLabels { base: "run-0".into(), head: "run-1".into() };
    let result = diff(
        &import("hardhat-gas-stats/run-0.json"),
        &import("hardhat-gas-stats/run-1.json"),
        &policy,
        labels,
    );
    assert_snapshot!(render::terminal(&result, &TerminalOptions::default()), @r"
    gasguard: run-1 compared with run-0

    Regressions (3)
      Token · contracts/Token.sol
      ↑ Token · bytecode size  3,054 B → 3,121 B      +67  +2.19%
      ↑ Token · deployment     702,311 → 715,904  +13,593  +1.94%  ✗ default
      ↑ Token.transfer          40,112 →  40,140      +28  +0.07%  ✗ default

    Improvements (3)
      Counter · contracts/Counter.sol
      ↓ Counter · bytecode size    486 B →   479 B      -7  -1.44%
      ↓ Counter · deployment     141,289 → 139,875  -1,414  -1.00%
      ↓ Counter.inc               34,889 →  34,851     -38  -0.11%

    Added (1)
      + Counter.reset  21,400

    Policy failures (2)
      ✗ Token · deployment: +13,593 gas (+1.94%) exceeds max_increase_pct 0% and max_increase_gas 0 [default]
      ✗ Token.transfer: +28 gas (+0.07%) exceeds max_increase_pct 0% and max_increase_gas 0 [default]

    2 entries cost more gas (largest +1.94% Token · deployment), 2 cost less, 1 bytecode size grew, 1 bytecode size shrank, 1 added; 6 unchanged
    FAIL: 2 entries break the policy
    ");
}

#[test]
fn hardhat3_gas_stats_errors_name_the_key() {
    assert_snapshot!(error("bad/bad-hardhat-gas-stats.json"), @"`fixtures/import/bad/bad-hardhat-gas-stats.json` key `contracts.contracts/Counter.sol:Counter.functions.inc.avg`: expected a number, found the string `34889`");
}

#[test]
fn jest_gas_snapshots_of_every_helper_version() {
    // Numbers, `bigint`s (`118902n`, ethers v6) and strings of digits are gas; objects are info.
    assert_snapshot!(entries(&import("jest/ethers-v6")), @r#"
    source: jest-snapshot
    section:Router.gas.test.ts/Router Gas Tests bytecode size 1 [size] 22104
    section:Router.gas.test.ts/Router Gas Tests gas: ERC20 --> ETH 1 [section] 125033
    section:Router.gas.test.ts/Router Gas Tests gas: ETH --> ERC20 1 [section] 118902
    section:Router.gas.test.ts/Router Gas Tests gas: multicall 1 [info] { "calldataByteLength": 1444, "gasUsed": 180231, }
    "#);
}
