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
    /// `"ethereum"` (default) or `"somnia"`: whose prices the embedded EVM charges.
    pub gas_schedule: Option<String>,
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

/// The `[[scenario]]` tables of a piece of a config (see [`Config::parse_with_jobs`]): anything
/// else in the piece is an error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioTables {
    #[serde(rename = "scenario")]
    scenarios: Vec<ScenarioConfig>,
}

impl Config {
    /// Parses TOML text. `path` is used in messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            location: error.span().and_then(|span| array_element_at(text, span.start)),
            message: error.to_string().trim_end().to_owned(),
        })?;
        config.check_policy(path)?;
        Ok(config)
    }

    fn check_policy(&self, path: &Path) -> Result<(), ConfigError> {
        match &self.policy {
            Some(policy) => {
                policy.compile().map_err(|source| ConfigError::Policy { path: path.to_owned(), source })?;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// [`Config::parse`], a large file parsed in pieces on up to `jobs` threads: the text is cut
    /// before `[[scenario]]` header lines into pieces of about [`Config::PIECE`] bytes, the first
    /// parsed as a config and each other as `[[scenario]]` tables only, whose scenarios follow
    /// the first piece's in order (an array of tables is its elements in order, wherever its
    /// headers are). Each thread parses a contiguous run of pieces one after another, so the
    /// parser's memory (about 30 times the text) is reused from piece to piece instead of
    /// touched afresh: one thread gains from pieces too. If any piece fails to parse, the whole
    /// text is parsed in one piece, so what is accepted and every message are exactly
    /// [`Config::parse`]'s: a piece holding anything but scenarios (a `[policy]` after them) is
    /// refused by [`ScenarioTables`], and a cut inside a multi-line string or array leaves the
    /// piece before it unterminated.
    pub fn parse_with_jobs(text: &str, path: &Path, jobs: usize) -> Result<Self, ConfigError> {
        Self::parse_in_pieces(text, path, Self::PIECE, jobs)
    }

    fn parse_in_pieces(text: &str, path: &Path, piece: usize, jobs: usize) -> Result<Self, ConfigError> {
        match Self::from_pieces(text, &scenario_cuts(text, piece), jobs) {
            Some(config) => {
                config.check_policy(path)?;
                Ok(config)
            }
            None => Self::parse(text, path),
        }
    }

    /// The size of a piece (the demo's config is 3 KB, one piece; a generated suite's hundreds).
    const PIECE: usize = 32 * 1024;

    /// The config of `text` parsed in pieces cut at `cuts` on up to `jobs` threads (see
    /// [`Config::parse_with_jobs`]); `None` when there are no cuts or a piece does not parse.
    fn from_pieces(text: &str, cuts: &[usize], jobs: usize) -> Option<Self> {
        if cuts.is_empty() {
            return None;
        }
        let bounds: Vec<usize> = std::iter::once(0).chain(cuts.iter().copied()).chain([text.len()]).collect();
        let pieces: Vec<&str> = bounds.windows(2).map(|bound| &text[bound[0]..bound[1]]).collect();
        let runs: Vec<&[&str]> =
            runs(&bounds[..pieces.len()], text.len(), jobs).into_iter().map(|run| &pieces[run]).collect();
        let scenarios = |run: &[&str]| -> Option<Vec<ScenarioConfig>> {
            let mut scenarios = Vec::new();
            for piece in run {
                scenarios.extend(toml::from_str::<ScenarioTables>(piece).ok()?.scenarios);
            }
            Some(scenarios)
        };
        std::thread::scope(|scope| {
            let handles: Vec<_> = runs[1..].iter().map(|run| scope.spawn(move || scenarios(run))).collect();
            let first = toml::from_str::<Self>(runs[0][0]).ok().zip(scenarios(&runs[0][1..]));
            let rest: Vec<_> = handles
                .into_iter()
                // A parsing thread panics only where parsing on this one would have.
                .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect();
            let (mut config, more) = first?;
            config.scenarios.extend(more);
            for scenarios in rest {
                config.scenarios.extend(scenarios?);
            }
            Some(config)
        })
    }

    /// Reads and parses `path`, resolving relative paths against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with_jobs(path, 1)
    }

    /// [`Config::load`], parsing on up to `jobs` threads ([`Config::parse_with_jobs`]).
    pub fn load_with_jobs(path: &Path, jobs: usize) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
        let mut config = Self::parse_with_jobs(&text, path, jobs)?;
        let base = path.parent().unwrap_or(Path::new(""));
        config.artifacts = config.artifacts.map(|artifacts| base.join(artifacts));
        if let Some(cache) = &config.evm.cache_dir {
            config.evm.cache_dir = Some(base.join(cache));
        }
        Ok(config)
    }
}

/// Runs of pieces, one per thread (at most `jobs`), of pieces starting at `starts` in a text of
/// `len` bytes: each piece goes to the thread whose share of the text (`len / jobs` bytes) it
/// starts in.
fn runs(starts: &[usize], len: usize, jobs: usize) -> Vec<std::ops::Range<usize>> {
    let jobs = jobs.max(1);
    let thread_of = |start: usize| (start * jobs / len.max(1)).min(jobs - 1);
    let mut runs = Vec::new();
    let mut from = 0;
    for index in 1..=starts.len() {
        if index == starts.len() || thread_of(starts[index]) != thread_of(starts[from]) {
            runs.push(from..index);
            from = index;
        }
    }
    runs
}

/// Where to cut `text` into pieces of at least `piece` bytes: at the start of lines that are a
/// `[[scenario]]` header (nothing after it but spaces and a comment). Empty when the text is one
/// piece.
fn scenario_cuts(text: &str, piece: usize) -> Vec<usize> {
    let headers = text.match_indices("[[scenario]]").map(|(at, _)| at).filter(|&at| {
        let line_start = at == 0 || text.as_bytes()[at - 1] == b'\n';
        let rest = text[at + "[[scenario]]".len()..].split('\n').next().unwrap_or_default().trim();
        line_start && (rest.is_empty() || rest.starts_with('#'))
    });
    let mut cuts = Vec::new();
    let mut next = piece.max(1);
    for at in headers {
        // The last piece is no smaller than the others.
        if at >= next && text.len() - at >= piece {
            cuts.push(at);
            next = at + piece.max(1);
        }
    }
    cuts
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

    /// A config of `scenarios` scenarios (steps, funds, arrays, a label) with `before` and
    /// `after` around them.
    fn suite(scenarios: usize, before: &str, after: &str) -> String {
        let mut text = format!(
            "artifacts = \"out\"\n[evm]\nspec = \"prague\"\n[accounts]\na = \"0x0000000000000000000000000000000000000010\"\n{before}"
        );
        for index in 0..scenarios {
            text += &format!(
                "\n[[scenario]]\nname = \"s{index}\"\nfund = {{ a = \"1 ether\" }}\n[[scenario.step]]\ndeploy = \"T\"\nas = \"t\"\nargs = [\n  \"x\",\n  {index},\n]\n[[scenario.step]]   # the calls\ncall = \"t\"\nfunction = \"f(uint256)\"\nargs = [{index}]\nrepeat = {}\nlabel = \"l{index}\"\n",
                index + 1
            );
        }
        text + after
    }

    #[test]
    fn a_config_parsed_in_pieces_is_the_config_parsed_whole() {
        let path = Path::new("gasguard.toml");
        let policy =
            "[policy]\nmax_increase_pct = 2.0\n[[policy.rule]]\nmatch = \"fn:*\"\nmax_increase_gas = 5\n";
        for text in [suite(7, policy, ""), suite(7, "", ""), suite(1, "", "")] {
            let whole = format!("{:?}", Config::parse(&text, path).unwrap());
            let headers = text.matches("\n[[scenario]]").count();
            for piece in [1, 200, 400, 1000, 100_000] {
                let cuts = scenario_cuts(&text, piece);
                assert!(cuts.iter().all(|&at| text[at..].starts_with("[[scenario]]")), "{cuts:?}");
                // Every piece is at least `piece` bytes.
                let bounds: Vec<usize> =
                    std::iter::once(0).chain(cuts.iter().copied()).chain([text.len()]).collect();
                assert!(cuts.is_empty() || bounds.windows(2).all(|b| b[1] - b[0] >= piece), "{bounds:?}");
                if piece == 1 {
                    assert_eq!(cuts.len(), headers, "a cut before every header");
                }
                for jobs in 1..=8 {
                    if !cuts.is_empty() {
                        // Parsed in pieces indeed, not by falling back to the whole text.
                        let pieced = Config::from_pieces(&text, &cuts, jobs).expect("every piece parses");
                        assert_eq!(format!("{pieced:?}"), whole, "piece {piece}, jobs {jobs}");
                    }
                    let parsed = Config::parse_in_pieces(&text, path, piece, jobs).unwrap();
                    assert_eq!(format!("{parsed:?}"), whole, "piece {piece}, jobs {jobs}");
                }
            }
            assert_eq!(format!("{:?}", Config::parse_with_jobs(&text, path, 2).unwrap()), whole);
        }
        // Small files are one piece.
        assert!(scenario_cuts(&suite(40, "", ""), Config::PIECE).is_empty());
    }

    #[test]
    fn each_thread_parses_a_run_of_pieces_of_about_its_share() {
        // 40 pieces of 100 bytes.
        let starts: Vec<usize> = (0..40).map(|piece| piece * 100).collect();
        for jobs in 1..=8 {
            let runs = runs(&starts, 4000, jobs);
            assert_eq!(runs.len(), jobs.min(40));
            // In order, every piece in exactly one run.
            assert_eq!(
                runs.iter().flat_map(|run| run.clone()).collect::<Vec<_>>(),
                (0..40).collect::<Vec<_>>()
            );
            // Each run within a piece of its share.
            assert!(
                runs.iter().all(|run| (run.len() * 100).abs_diff(4000 / jobs) <= 100),
                "{jobs}: {runs:?}"
            );
        }
        // A piece larger than a share: fewer runs, none empty.
        let runs = runs(&[0, 10, 3000], 4000, 4);
        assert_eq!(runs, [0..2, 2..3]);
        assert_eq!(super::runs(&[0], 10, 3).len(), 1, "one piece, one run");
        assert_eq!(super::runs(&[0], 10, 3)[0], 0..1);
    }

    #[test]
    fn a_piece_that_is_not_scenarios_alone_falls_back_to_the_whole_text() {
        let path = Path::new("gasguard.toml");
        let cases = [
            // A table after the scenarios: in the last piece, which holds scenarios only.
            suite(6, "", "\n[policy]\nmax_increase_pct = 1.0\n"),
            suite(6, "", "\n[baseline]\nmax_behind = 3\n"),
            // A header line inside a multi-line string: the piece before it is unterminated.
            suite(3, "", "\n[[scenario]]\nname = \"\"\"\n[[scenario]]\nname = 1\n\"\"\"\n")
                + &suite(3, "", "").replace("artifacts = \"out\"\n[evm]\nspec = \"prague\"\n[accounts]\na = \"0x0000000000000000000000000000000000000010\"\n", ""),
            // Mistakes anywhere, with the messages of a whole parse.
            suite(6, "", "").replace("function = \"f(uint256)\"\nargs = [4]", "functon = \"f(uint256)\"\nargs = [4]"),
            suite(6, "", "").replace("name = \"s5\"", "name = 5"),
            suite(6, "", "").replace("args = [5]", "args = [5"),
            suite(6, "", "\n[evm]\nspec = \"cancun\"\n"),
            // Pieces that parse, then a policy the check refuses.
            suite(6, "[policy]\n[[policy.rule]]\nmatch = \"fn:[*\"\n", ""),
        ];
        for (case, text) in cases.iter().enumerate() {
            let whole =
                Config::parse(text, path).map(|config| format!("{config:?}")).map_err(|e| e.to_string());
            let cuts = scenario_cuts(text, 1);
            assert!(!cuts.is_empty(), "case {case}");
            for jobs in 1..=6 {
                let pieced = Config::parse_in_pieces(text, path, 1, jobs)
                    .map(|config| format!("{config:?}"))
                    .map_err(|e| e.to_string());
                assert_eq!(pieced, whole, "case {case}, jobs {jobs}");
                // Each case but the last falls back (the string with a header line inside is a
                // valid config, which only the whole parse reads).
                assert_eq!(Config::from_pieces(text, &cuts, jobs).is_none(), case < 7, "case {case}");
            }
        }
        // The located messages are those of the whole text (line, element).
        let message = Config::parse_in_pieces(&cases[3], path, 1, 4).unwrap_err().to_string();
        assert!(
            message.contains("in `scenario[4].step[1]`") && message.contains("unknown field `functon`"),
            "{message}"
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
