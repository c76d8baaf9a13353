//! `gasguard.toml`: the model, and reading it. Paths inside are relative to the file's folder;
//! [`Config::load`] makes them absolute so nothing later depends on the working directory.
//! Default paths (the baseline `.gasguard/baseline.json`, the fork cache `.gasguard/cache`) are
//! relative to the same folder: see [`config_dir`].
//!
//! Every table rejects unknown keys, `[policy]` included, whichever command reads the file: a
//! typo must never silently change what runs or what passes. A parse error names the line and
//! column, and, inside an array of tables, which element (`policy.rule[1]`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::artifacts::ArtifactFormat;
use crate::core::policy::Policy;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The project's name when several configs are profiled together (`check --config A
    /// --config B`): it prefixes the project's scenario and contract ids. Default: the config's
    /// folder name.
    #[serde(default)]
    pub project: Option<String>,
    /// Compiled contracts: a Foundry `out/`, a Hardhat `artifacts/` or a solc standard-json file.
    /// Needed only to profile: a config that only holds `[policy]` (for `diff` and
    /// `check --report`) may leave it out.
    #[serde(default)]
    pub artifacts: Option<PathBuf>,
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
    /// The regression policy, read by `gasguard check` and `gasguard diff`.
    #[serde(default)]
    pub policy: Option<Policy>,
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
    /// Alias for the deployed contract; on a `call` step, the name of the address the call
    /// returns (with `abi` saying what is there).
    #[serde(rename = "as")]
    pub alias: Option<String>,
    /// Which return value `as` captures, counted from 0; default the first.
    pub returns: Option<usize>,
    /// Measures this step's calls apart: `<signature> [<label>]`.
    pub label: Option<String>,
    /// Raw calldata, `0x…`, instead of `function` and `args`.
    pub data: Option<String>,
    /// Function signature (`transfer(address,uint256)`) or a unique name.
    pub function: Option<String>,
    /// Where the ABI of a `call = "0x…"` target comes from: a contract id or a JSON ABI file. On a
    /// step with `as`, the ABI of the captured address instead.
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
    /// `location` is the array element the error is in, such as `policy.rule[1]`.
    #[error("failed to parse `{path}`{}: {message}", .location.as_ref().map(|at| format!(", in `{at}`")).unwrap_or_default())]
    Parse { path: PathBuf, location: Option<String>, message: String },
    #[error("invalid `[policy]` in `{path}`: {source}")]
    Policy { path: PathBuf, source: crate::core::policy::PolicyError },
}

/// The folder default paths are resolved in: the config's own folder (empty, the working
/// directory, for a bare file name).
pub fn config_dir(config_path: &Path) -> &Path {
    config_path.parent().unwrap_or(Path::new(""))
}

impl Config {
    /// Parses TOML text. `path` is used in messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            location: error.span().and_then(|span| array_element_at(text, span.start)),
            message: error.to_string().trim_end().to_owned(),
        })?;
        if let Some(policy) = &config.policy {
            policy.compile().map_err(|source| ConfigError::Policy { path: path.to_owned(), source })?;
        }
        Ok(config)
    }

    /// Reads and parses `path`, resolving relative paths against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
        let mut config = Self::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new(""));
        config.artifacts = config.artifacts.map(|artifacts| base.join(artifacts));
        if let Some(cache) = &config.evm.cache_dir {
            config.evm.cache_dir = Some(base.join(cache));
        }
        Ok(config)
    }
}

/// The element of an array of tables that holds byte `offset` of `text`, as a TOML path:
/// `policy.rule[1]`, `scenario[0].step[2]` (indices from 0, as in the policy's rule names).
/// `None` when the offset is not inside such an element, or the text does not parse.
///
/// The parser spans a `[[header]]` table by its header only, so the element a key belongs to is
/// the last header before it; an inline table (`rule = [{ … }]`) is spanned whole.
fn array_element_at(text: &str, offset: usize) -> Option<String> {
    use toml::de::{DeTable, DeValue};

    /// A table that opens with a header: where the header starts, and its array element path.
    struct Header {
        start: usize,
        element: Option<String>,
    }

    fn walk(
        table: &DeTable<'_>,
        text: &str,
        offset: usize,
        path: &str,
        headers: &mut Vec<Header>,
        inline: &mut Option<String>,
    ) {
        let opens_with = |start: usize, c: char| text.get(start..).is_some_and(|rest| rest.starts_with(c));
        for (key, value) in table {
            let key_path =
                if path.is_empty() { key.get_ref().to_string() } else { format!("{path}.{}", key.get_ref()) };
            match value.get_ref() {
                DeValue::Table(inner) => {
                    if opens_with(value.span().start, '[') {
                        headers.push(Header { start: value.span().start, element: None });
                    }
                    walk(inner, text, offset, &key_path, headers, inline);
                }
                DeValue::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        let DeValue::Table(inner) = item.get_ref() else { continue };
                        let element = format!("{key_path}[{index}]");
                        let span = item.span();
                        if opens_with(span.start, '[') {
                            headers.push(Header { start: span.start, element: Some(element.clone()) });
                        } else if span.contains(&offset) {
                            *inline = Some(element.clone());
                        }
                        walk(inner, text, offset, &element, headers, inline);
                    }
                }
                _ => {}
            }
        }
    }

    let document = DeTable::parse(text).ok()?;
    let (mut headers, mut inline) = (Vec::new(), None);
    walk(document.get_ref(), text, offset, "", &mut headers, &mut inline);
    if inline.is_some() {
        return inline;
    }
    headers.into_iter().filter(|header| header.start <= offset).max_by_key(|header| header.start)?.element
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_error(text: &str) -> String {
        Config::parse(text, Path::new("gasguard.toml")).unwrap_err().to_string()
    }

    #[test]
    fn a_policy_alone_is_a_config() {
        // `diff` and `check --report` need no artifacts.
        let config = Config::parse("[policy]\nmax_increase_pct = 1.0\n", Path::new("gasguard.toml")).unwrap();
        assert_eq!(config.artifacts, None);
        assert_eq!(config.policy.unwrap().max_increase_pct, Some(1.0));
    }

    #[test]
    fn unknown_policy_keys_name_line_column_and_rule() {
        let text = "artifacts = \"out\"\n[policy]\n[[policy.rule]]\nmatch = \"fn:*\"\n\n[[policy.rule]]\nmatch = \"deploy:*\"\nmax_increse_gas = 5\n";
        insta::assert_snapshot!(parse_error(text), @r"
        failed to parse `gasguard.toml`, in `policy.rule[1]`: TOML parse error at line 8, column 1
          |
        8 | max_increse_gas = 5
          | ^^^^^^^^^^^^^^^
        unknown field `max_increse_gas`, expected one of `match`, `max_increase_pct`, `max_increase_gas`
        ");
        let text = "[policy]\nmax_increse_pct = 1.0\n[[policy.ceiling]]\nmatch = \"*\"\nmax_gas = 1\n";
        let message = parse_error(text);
        assert!(
            message.starts_with("failed to parse `gasguard.toml`: TOML parse error at line 2, column 1"),
            "{message}"
        );
        let inline =
            "[policy]\nceiling = [{ match = \"*\", max_gas = 1 }, { match = \"*\", max_gass = 1 }]\n";
        assert!(
            parse_error(inline).starts_with("failed to parse `gasguard.toml`, in `policy.ceiling[1]`"),
            "{}",
            parse_error(inline)
        );
    }

    #[test]
    fn steps_are_located_too() {
        let text = "[[scenario]]\nname = \"a\"\n[[scenario.step]]\ndeploy = \"A\"\n[[scenario]]\nname = \"b\"\n[[scenario.step]]\ndeploy = \"B\"\n[[scenario.step]]\ncall = \"b\"\nfuncton = \"f()\"\n";
        assert!(
            parse_error(text).starts_with(
                "failed to parse `gasguard.toml`, in `scenario[1].step[1]`: TOML parse error at line 11"
            ),
            "{}",
            parse_error(text)
        );
    }

    #[test]
    fn an_invalid_policy_is_refused_by_every_reader() {
        let message = parse_error("[policy]\n[[policy.rule]]\nmatch = \"fn:[*\"\n");
        assert_eq!(
            message,
            "invalid `[policy]` in `gasguard.toml`: invalid glob `fn:[*` in `policy.rule[0]`: unclosed character class; missing ']'"
        );
    }
}
