//! `gasguard.toml`: the model, and reading it. Paths inside are relative to the file's folder;
//! [`Config::load`] makes them absolute so nothing later depends on the working directory.
//! Default paths (the baseline `.gasguard/baseline.json`, the fork cache `.gasguard/cache`) are
//! relative to the same folder: see [`config_dir`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::artifacts::ArtifactFormat;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Compiled contracts: a Foundry `out/`, a Hardhat `artifacts/` or a solc standard-json file.
    pub artifacts: PathBuf,
    /// Overrides format detection.
    #[serde(default)]
    pub artifacts_format: Option<ArtifactFormat>,
    #[serde(default)]
    pub evm: EvmConfig,
    /// Named addresses, in addition to the predefined alice, bob, carol and dave.
    #[serde(default)]
    pub accounts: BTreeMap<String, String>,
    /// Addresses of already deployed libraries, by library id, used when linking.
    #[serde(default)]
    pub libraries: BTreeMap<String, String>,
    #[serde(default, rename = "scenario")]
    pub scenarios: Vec<ScenarioConfig>,
    /// The regression policy, read by `gasguard check`.
    #[serde(default)]
    pub policy: Option<toml::Table>,
    /// Where baselines are stored and how `check --base-ref` finds one.
    #[serde(default)]
    pub baseline: BaselineConfig,
}

/// `[baseline]`: baselines stored per commit in git (`baseline --store`, `check --base-ref`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineConfig {
    /// The branch reports are stored on; default `gasguard-baseline`.
    pub store_branch: Option<String>,
    /// How many first-parent commits before the merge base a stored report may be; default 50.
    pub max_behind: Option<u64>,
    /// A shell command that builds the artifacts (`forge build`), run in a temporary worktree at
    /// the merge base when no report is stored for it or its near ancestors.
    pub build: Option<String>,
}

impl BaselineConfig {
    /// The default of `max_behind`.
    pub const DEFAULT_MAX_BEHIND: u64 = 50;
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvmConfig {
    /// Hardfork name (`"prague"`); default: the newest mainnet fork revm supports.
    pub spec: Option<String>,
    pub chain_id: Option<u64>,
    pub block_gas_limit: Option<u64>,
    /// `"revm"` (default) or `"rpc"`.
    pub executor: Option<String>,
    /// Fork the state of this node (`${ENV}` is expanded).
    pub fork_url: Option<String>,
    pub fork_block: Option<u64>,
    /// The node the `rpc` executor runs steps on (`${ENV}` is expanded).
    pub rpc_url: Option<String>,
    /// Where fork state is cached; default `.gasguard/cache` beside the config.
    pub cache_dir: Option<PathBuf>,
    pub block_number: Option<u64>,
    pub timestamp: Option<u64>,
    pub base_fee: Option<u64>,
    pub coinbase: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioConfig {
    pub name: String,
    /// Balances to set before the first step, e.g. `{ alice = "10 ether" }`.
    #[serde(default)]
    pub fund: BTreeMap<String, String>,
    #[serde(default, rename = "step")]
    pub steps: Vec<StepConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// Contract id or unique bare name to deploy.
    pub deploy: Option<String>,
    /// Alias or `0x` address to call.
    pub call: Option<String>,
    /// Alias for the deployed contract.
    #[serde(rename = "as")]
    pub alias: Option<String>,
    /// Function signature (`transfer(address,uint256)`) or a unique name.
    pub function: Option<String>,
    /// Where the ABI of a `call = "0x…"` target comes from: a contract id or a JSON ABI file.
    pub abi: Option<String>,
    #[serde(default)]
    pub args: Vec<toml::Value>,
    pub from: Option<String>,
    /// Wei, or a number with a unit: `"1 ether"`, `"5 gwei"`.
    pub value: Option<toml::Value>,
    pub repeat: Option<u32>,
    pub expect: Option<Expect>,
    pub gas_limit: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    #[default]
    Success,
    Revert,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read `{path}`")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("failed to parse `{path}`: {message}")]
    Parse { path: PathBuf, message: String },
}

/// The folder default paths are resolved in: the config's own folder (empty, the working
/// directory, for a bare file name).
pub fn config_dir(config_path: &Path) -> &Path {
    config_path.parent().unwrap_or(Path::new(""))
}

impl Config {
    /// Parses TOML text. `path` is used in messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            message: error.to_string().trim_end().to_owned(),
        })
    }

    /// Reads and parses `path`, resolving relative paths against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
        let mut config = Self::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new(""));
        config.artifacts = base.join(&config.artifacts);
        if let Some(cache) = &config.evm.cache_dir {
            config.evm.cache_dir = Some(base.join(cache));
        }
        Ok(config)
    }
}
