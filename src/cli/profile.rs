//! `gasguard run`: config + artifacts → executor → report.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use revm::primitives::hardfork::SpecId;

use super::{ExitStatus, RunArgs};
use crate::artifacts::{self, ArtifactFormat};
use crate::config::Config;
use crate::core::report::{EvmInfo, GasReport};
use crate::exec::revm::{BlockSettings, RevmChain};
use crate::exec::rpc::RpcChain;
use crate::exec::{Chain, RunSettings, run_plan};
use crate::plan::{self, AbiFiles};
use crate::printer::Printer;
use crate::redact::{expand_env, redact_url};

/// Hardforks gasguard accepts, newest last, with the names used in configs and reports.
const SPECS: &[(&str, SpecId)] = &[
    ("frontier", SpecId::FRONTIER),
    ("homestead", SpecId::HOMESTEAD),
    ("tangerine", SpecId::TANGERINE),
    ("spurious_dragon", SpecId::SPURIOUS_DRAGON),
    ("byzantium", SpecId::BYZANTIUM),
    ("petersburg", SpecId::PETERSBURG),
    ("istanbul", SpecId::ISTANBUL),
    ("berlin", SpecId::BERLIN),
    ("london", SpecId::LONDON),
    ("paris", SpecId::MERGE),
    ("shanghai", SpecId::SHANGHAI),
    ("cancun", SpecId::CANCUN),
    ("prague", SpecId::PRAGUE),
    ("osaka", SpecId::OSAKA),
];

/// The newest mainnet hardfork revm supports: the default `spec`.
pub const DEFAULT_SPEC: &str = "osaka";
/// EIP-7825: from Osaka on, no transaction may ask for more gas than this.
const TX_GAS_LIMIT_CAP: u64 = 1 << 24;

fn parse_spec(name: &str) -> Option<(&'static str, SpecId)> {
    let wanted = name.to_ascii_lowercase();
    let wanted = if wanted == "merge" { "paris".to_owned() } else { wanted };
    SPECS.iter().find(|(known, _)| *known == wanted).copied()
}

pub(super) fn run(args: RunArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let overrides = ProfileOverrides {
        artifacts_format: args
            .artifacts_format
            .as_deref()
            .map(str::parse::<ArtifactFormat>)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        executor: args.executor.clone(),
        rpc_url: args.rpc_url.clone(),
    };
    let report = profile(&args.config, &overrides, printer)?;
    let json = report_json(&report);
    if args.out == Path::new("-") {
        printer.data(&json);
    } else {
        crate::fsutil::write_atomic(&args.out, json.as_bytes())?;
        printer.data(&crate::core::summary::report_table(&report, printer.color_stdout));
        printer.status(&format!("wrote `{}`", args.out.display()));
    }
    Ok(ExitStatus::Success)
}

/// The report as written to disk: pretty JSON with a trailing newline.
pub fn report_json(report: &GasReport) -> String {
    let mut json = serde_json::to_string_pretty(report).unwrap_or_default();
    json.push('\n');
    json
}

/// Loads the config and artifacts, runs every scenario and returns the report.
/// Command-line choices that override the config.
#[derive(Debug, Clone, Default)]
pub struct ProfileOverrides {
    pub artifacts_format: Option<ArtifactFormat>,
    pub executor: Option<String>,
    pub rpc_url: Option<String>,
}

pub fn profile(
    config_path: &Path,
    overrides: &ProfileOverrides,
    printer: &Printer,
) -> anyhow::Result<GasReport> {
    let config = Config::load(config_path)?;
    let format = overrides.artifacts_format.or(config.artifacts_format);
    let artifacts = artifacts::load(&config.artifacts, format)
        .with_context(|| format!("failed to load the artifacts of `{}`", config_path.display()))?;
    let abi_files = load_abi_files(&config, config_path)?;
    let plan = plan::build(&config, &artifacts, &abi_files)
        .map_err(|error| anyhow::anyhow!("invalid config `{}`: {error}", config_path.display()))?;

    let (spec_name, spec) = match &config.evm.spec {
        None => parse_spec(DEFAULT_SPEC).unwrap_or(("osaka", SpecId::OSAKA)),
        Some(name) => parse_spec(name).with_context(|| {
            format!(
                "invalid config `{}`: [evm] spec `{name}` is not a known hardfork (known: {})",
                config_path.display(),
                SPECS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )
        })?,
    };
    if config.evm.fork_url.is_some() {
        bail!("invalid config `{}`: forking is not supported yet", config_path.display());
    }
    let executor =
        overrides.executor.clone().or_else(|| config.evm.executor.clone()).unwrap_or_else(|| "revm".into());
    let chain_id = config.evm.chain_id.unwrap_or(31337);
    let block_gas_limit = config.evm.block_gas_limit.unwrap_or(30_000_000);
    let tx_gas_limit = if spec.is_enabled_in(SpecId::OSAKA) {
        block_gas_limit.min(TX_GAS_LIMIT_CAP)
    } else {
        block_gas_limit
    };
    let block = BlockSettings {
        number: config.evm.block_number.unwrap_or(1),
        timestamp: config.evm.timestamp.unwrap_or(1),
        gas_limit: block_gas_limit,
        base_fee: config.evm.base_fee.unwrap_or(0),
        coinbase: match &config.evm.coinbase {
            Some(text) => {
                text.parse().with_context(|| format!("[evm] coinbase `{text}` is not an address"))?
            }
            None => Default::default(),
        },
        prevrandao: Default::default(),
    };
    let (mut chain, rpc_url): (Box<dyn Chain>, Option<String>) = match executor.as_str() {
        "revm" => (Box::new(RevmChain::empty(spec, chain_id, block)), None),
        "rpc" => {
            let raw =
                overrides.rpc_url.clone().or_else(|| config.evm.rpc_url.clone()).with_context(|| {
                    format!(
                        "invalid config `{}`: `executor = \"rpc\"` needs `rpc_url` under [evm]",
                        config_path.display()
                    )
                })?;
            let url = expand_env(&raw, |name| std::env::var(name).ok()).map_err(|message| {
                anyhow::anyhow!("invalid config `{}`: [evm] rpc_url: {message}", config_path.display())
            })?;
            let shown = redact_url(&url);
            let chain = RpcChain::connect(&url, shown.clone())?;
            (Box::new(chain), Some(shown))
        }
        other => bail!(
            "invalid config `{}`: [evm] executor `{other}` is not known (expected `revm` or `rpc`)",
            config_path.display()
        ),
    };
    let errors: Vec<_> = artifacts.errors().cloned().collect();
    let total: u64 = plan.scenarios.iter().flat_map(|s| &s.steps).map(|s| u64::from(s.repeat)).sum();
    let bar = (printer.progress && total >= 500).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} transactions ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let output = run_plan(&plan, chain.as_mut(), RunSettings { spec, tx_gas_limit }, &errors, || {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    })
    .with_context(|| format!("profiling `{}` failed", config_path.display()))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut report = GasReport::new("gasguard run");
    report.evm = Some(EvmInfo {
        executor,
        spec: spec_name.into(),
        chain_id,
        block_gas_limit,
        fork_url: None,
        fork_block: None,
        rpc_url,
    });
    report.contracts = GasReport::aggregate(&output.calls, &output.sizes);
    report.calls = output.calls;
    Ok(report)
}

/// Reads the JSON ABI files named by `abi = "….json"` keys, relative to the config's folder.
fn load_abi_files(config: &Config, config_path: &Path) -> anyhow::Result<AbiFiles> {
    let base = config_path.parent().unwrap_or(Path::new(""));
    let mut files = BTreeMap::new();
    for scenario in &config.scenarios {
        for step in &scenario.steps {
            let Some(name) = step.abi.as_deref().filter(|name| name.ends_with(".json")) else { continue };
            if files.contains_key(name) {
                continue;
            }
            let path = base.join(name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("failed to read the ABI file `{}`", path.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("malformed ABI file `{}`", path.display()))?;
            // Accept a bare ABI array or an artifact with an `abi` key.
            let abi = value.get("abi").cloned().unwrap_or(value);
            let abi = serde_json::from_value(abi)
                .with_context(|| format!("malformed ABI file `{}`", path.display()))?;
            files.insert(name.to_owned(), abi);
        }
    }
    Ok(files)
}
