//! Importers over the project's own fixtures (`fixtures/import/`): every format, every variant
//! real files have, and every kind of bad input, whose message must name the file and the line
//! or key.

use std::path::Path;

use gasguard::core::report::{GasReport, SectionValue, TestGas};
use gasguard::import::{Format, ImportError, load, load_as};
use insta::assert_snapshot;

fn fixture(path: &str) -> String {
    format!("fixtures/import/{path}")
}

fn import(path: &str) -> GasReport {
    load(Path::new(&fixture(path))).unwrap_or_else(|error| panic!("{error}"))
}

fn error(path: &str) -> String {
    match load(Path::new(&fixture(path))) {
        Ok(report) => panic!("{path} imported: {report:?}"),
        Err(error) => error.to_string(),
    }
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
    section:PoolManagerTest/poolManager bytecode size [section] 24100
    section:PoolManagerTest/poolManager initcode hash (without constructor params, as uint256) [info] 88020115813326578213098357716453271046574733432213451412358316545613541223090
    section:PoolManagerTest/simple swap [section] 123144
    section:PoolManagerTest/simple swap with native [section] 108434
    section:PoolManagerTest/swap with hooks [section] 131000
    section:ProtocolFeesTest/set protocol fee [section] 31800
    ");
}

#[test]
fn one_section_file() {
    let report = import("sections/v1/ClearTest.json");
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
    section:swap against liquidity [section] 116527
    ");
    assert_snapshot!(entries(&import("snap-files/v2")), @r"
    source: snap-files
    section:ERC6909Claims approve [section] 46323
    section:ERC6909Claims transfer [section] 51800
    section:clear [section] 1700
    section:hooks/before swap [section] 2450
    section:pool code size [info] n/a
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
    let report = load_as(Path::new(&path), Some(Format::GasSnapshot)).unwrap();
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
fn duplicate_test() {
    assert_eq!(
        error("bad/duplicate-test.gas-snapshot"),
        "duplicate entry `test:A:testTwo()`: in `fixtures/import/bad/duplicate-test.gas-snapshot` line 2 and \
         again in `fixtures/import/bad/duplicate-test.gas-snapshot` line 4"
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
    assert_eq!(
        error("bad/unknown.txt"),
        "could not recognise the format of `fixtures/import/bad/unknown.txt`; tried a gasguard report, a \
         `.gas-snapshot` file, `forge test --gas-report --json` output, a `snapshots/` folder of `<Group>.json` \
         files, a `.forge-snapshots/` folder of `.snap` files, hardhat-gas-reporter JSON\n\n\
         hint: name the format with `--input-format`"
    );
    let missing = load(Path::new("fixtures/import/no-such-file")).unwrap_err();
    assert!(matches!(missing, ImportError::Read { .. }));
    assert_eq!(missing.to_string(), "failed to read `fixtures/import/no-such-file`");
}
