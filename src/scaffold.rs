//! What `gasguard init` writes, as text: the starter `gasguard.toml` (one scenario per deployable
//! contract, typed placeholder arguments) and the GitHub workflows (the examples in
//! `examples/workflows/`, pointed at the pinned gasguard release and given a build step). Pure:
//! artifacts and choices in, text out; running the config and writing files is the command's job.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use alloy::dyn_abi::{DynSolType, Specifier};
use alloy::json_abi::{Param, StateMutability};

use crate::accounts::PREDEFINED;
use crate::artifacts::{Artifact, ArtifactSet};

/// One scenario `init` proposes: deploy a contract (after the libraries it links), then its
/// state-changing functions as commented-out calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Fully qualified contract id.
    pub id: String,
    /// The scenario's name: the contract's name, or its id when the name is not unique.
    pub scenario: String,
    /// How the deploy step names the contract (bare name when unique).
    pub deploy: String,
    pub alias: String,
    /// Library ids deployed first, so the contract can be linked.
    pub libraries: Vec<String>,
    /// Placeholder constructor arguments, or why none can be written.
    pub constructor_args: Result<Vec<String>, String>,
    /// State-changing functions: signature and placeholder arguments (`None`: no placeholder for
    /// one of its types; the step is still listed).
    pub calls: Vec<(String, Option<Vec<String>>)>,
}

/// Why a contract gets no scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    Library,
    /// An interface or abstract contract: no bytecode.
    NoBytecode,
    /// A Foundry test (`*.t.sol`, `IS_TEST()`) or script (`*.s.sol`).
    TestOrScript,
}

impl Skip {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Library => "libraries",
            Self::NoBytecode => "interfaces and abstract contracts",
            Self::TestOrScript => "tests and scripts",
        }
    }
}

/// Decides which contracts are deployable and proposes a scenario for each, sorted by id.
pub fn propose(artifacts: &ArtifactSet) -> (Vec<Proposal>, Vec<(String, Skip)>) {
    let mut skipped = Vec::new();
    let mut deployable: Vec<&Artifact> = Vec::new();
    for artifact in artifacts.contracts.values() {
        match skip_reason(artifact) {
            Some(reason) => skipped.push((artifact.id.clone(), reason)),
            None => deployable.push(artifact),
        }
    }
    let mut proposals = Vec::with_capacity(deployable.len());
    for artifact in &deployable {
        let unique_among_deployable = deployable.iter().filter(|a| a.name == artifact.name).count() == 1;
        let scenario = if unique_among_deployable { artifact.name.clone() } else { artifact.id.clone() };
        let deploy = match artifacts.lookup(&artifact.name) {
            Ok(found) if found.id == artifact.id => artifact.name.clone(),
            _ => artifact.id.clone(),
        };
        let constructor_args = artifact
            .abi
            .constructor
            .as_ref()
            .map(|constructor| placeholders(&constructor.inputs))
            .unwrap_or(Ok(Vec::new()))
            .map_err(|ty| format!("no placeholder can be written for a constructor argument of type `{ty}`"));
        let mut calls = Vec::new();
        for function in artifact.abi.functions() {
            if matches!(function.state_mutability, StateMutability::Pure | StateMutability::View) {
                continue;
            }
            calls.push((function.signature(), placeholders(&function.inputs).ok()));
        }
        calls.sort();
        calls.dedup();
        proposals.push(Proposal {
            id: artifact.id.clone(),
            scenario,
            deploy,
            alias: alias_for(&artifact.name),
            libraries: artifact.bytecode.libraries().into_iter().map(str::to_owned).collect(),
            constructor_args,
            calls,
        });
    }
    (proposals, skipped)
}

fn skip_reason(artifact: &Artifact) -> Option<Skip> {
    let file = artifact.id.rsplit_once(':').map_or(artifact.id.as_str(), |(file, _)| file);
    if file.ends_with(".t.sol") || file.ends_with(".s.sol") || artifact.abi.function("IS_TEST").is_some() {
        return Some(Skip::TestOrScript);
    }
    if artifact.bytecode.is_empty() {
        return Some(Skip::NoBytecode);
    }
    if artifact.is_library {
        return Some(Skip::Library);
    }
    None
}

/// `Token` → `token`; never a predefined account's name or something that looks like an address.
fn alias_for(name: &str) -> String {
    let mut chars = name.chars();
    let mut alias: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "contract".to_owned(),
    };
    if PREDEFINED.iter().any(|(account, _)| *account == alias) || alias.starts_with("0x") {
        alias.push_str("_contract");
    }
    alias
}

/// A placeholder argument for each parameter, or the type that has none.
fn placeholders(params: &[Param]) -> Result<Vec<String>, String> {
    params
        .iter()
        .map(|param| {
            let ty = param.resolve().map_err(|_| param.ty.clone())?;
            placeholder(&ty, true).ok_or_else(|| param.ty.clone())
        })
        .collect()
}

/// A value of `ty` that the config's argument parser accepts: `0`, `""`, `alice`, `false`, empty
/// arrays. `alice` only stands at the top level: inside arrays and tuples the parser takes hex
/// addresses only, so alice's address is written out.
pub fn placeholder(ty: &DynSolType, top_level: bool) -> Option<String> {
    Some(match ty {
        DynSolType::Bool => "false".to_owned(),
        DynSolType::Int(_) | DynSolType::Uint(_) => "0".to_owned(),
        DynSolType::Address if top_level => "alice".to_owned(),
        DynSolType::Address => PREDEFINED[0].1.to_checksum(None),
        DynSolType::String => String::new(),
        DynSolType::Bytes => "0x".to_owned(),
        DynSolType::FixedBytes(size) => format!("0x{}", "00".repeat(*size)),
        DynSolType::Array(_) => "[]".to_owned(),
        DynSolType::FixedArray(inner, size) => {
            let item = placeholder(inner, false)?;
            let item = if **inner == DynSolType::String { "\"\"".to_owned() } else { item };
            format!("[{}]", vec![item; *size].join(", "))
        }
        DynSolType::Tuple(items) => {
            let items: Option<Vec<String>> = items
                .iter()
                .map(|item| {
                    let text = placeholder(item, false)?;
                    Some(if *item == DynSolType::String { "\"\"".to_owned() } else { text })
                })
                .collect();
            format!("({})", items?.join(", "))
        }
        _ => return None,
    })
}

/// What running a proposal's deployment with its placeholders gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trial {
    Deploys,
    /// It reverted, or could not be planned: the reason, on one line.
    Fails(String),
}

/// The scenario of one proposal as TOML; a failed trial writes it commented out, reason first.
pub fn scenario_toml(proposal: &Proposal, trial: &Trial) -> String {
    let mut text = String::new();
    let args = proposal.constructor_args.as_ref().ok();
    let _ = writeln!(text, "[[scenario]]");
    let _ = writeln!(text, "name = {}", quote(&proposal.scenario));
    for library in &proposal.libraries {
        let _ = writeln!(text, "\n# `{}` calls this library: deploy it first to link it.", proposal.deploy);
        let _ = writeln!(text, "[[scenario.step]]");
        let _ = writeln!(text, "deploy = {}", quote(library));
    }
    let _ = writeln!(text, "\n[[scenario.step]]");
    let _ = writeln!(text, "deploy = {}", quote(&proposal.deploy));
    let _ = writeln!(text, "as = {}", quote(&proposal.alias));
    match args {
        Some(args) if !args.is_empty() => {
            let _ = writeln!(text, "args = {}", toml_list(args));
        }
        _ => {}
    }
    let mut calls = String::new();
    for (signature, args) in &proposal.calls {
        let _ = writeln!(calls, "\n[[scenario.step]]");
        let _ = writeln!(calls, "call = {}", quote(&proposal.alias));
        let _ = writeln!(calls, "function = {}", quote(signature));
        match args {
            Some(args) if !args.is_empty() => {
                let _ = writeln!(calls, "args = {}", toml_list(args));
            }
            Some(_) => {}
            None => {
                let _ =
                    writeln!(calls, "args = []  # write the arguments: no placeholder for one of the types");
            }
        }
    }
    match trial {
        Trial::Deploys => {
            if !calls.is_empty() {
                text.push_str(
                    "\n# The calls to measure: uncomment them and replace the placeholder arguments.\n",
                );
                text.push_str(&comment_out(&calls));
            }
            text
        }
        Trial::Fails(reason) => {
            let mut out = format!(
                "# `{}` is commented out: {reason}.\n# Set real constructor arguments, then uncomment it.\n",
                proposal.id
            );
            out.push_str(&comment_out(&text));
            out.push_str(&comment_out(&calls));
            out
        }
    }
}

fn comment_out(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    out
}

fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Where the config's scenarios come from, for its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Project {
    Foundry,
    Hardhat,
    /// `--artifacts PATH`, no project file.
    Other,
}

impl Project {
    pub fn name(self) -> &'static str {
        match self {
            Self::Foundry => "Foundry",
            Self::Hardhat => "Hardhat",
            Self::Other => "custom",
        }
    }

    /// The command that builds the artifacts, when gasguard knows it.
    pub fn build_command(self) -> Option<&'static str> {
        match self {
            Self::Foundry => Some("forge build"),
            Self::Hardhat => Some("npx hardhat compile"),
            Self::Other => None,
        }
    }
}

/// The whole `gasguard.toml`. `artifacts` is written as given (relative to the config's folder).
pub fn config_toml(project: Project, artifacts: &str, scenarios: &[String]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# Written by `gasguard init` from the {} project's artifacts.", project.name());
    text.push_str(
        "#\n\
         # Each scenario starts from a fresh chain and deploys what it uses. alice, bob, carol and dave\n\
         # are predefined accounts holding 10,000 ether each. Arguments are placeholders (`0`, `\"\"`,\n\
         # `alice`, `false`, `[]`): replace them with values that exercise your contracts, uncomment the\n\
         # calls you want measured, and run `gasguard run` to see the gas.\n",
    );
    if let Some(build) = project.build_command() {
        let _ = writeln!(
            text,
            "#\n# Rebuild the artifacts (`{build}`) before each run: gasguard reads them, it does not compile."
        );
    }
    let _ = writeln!(text, "\nartifacts = {}", quote(artifacts));
    if scenarios.is_empty() {
        text.push_str("\n# No deployable contract was found in the artifacts: add scenarios here.\n");
    }
    for scenario in scenarios {
        text.push('\n');
        text.push_str(scenario);
    }
    text
}

/// The gasguard action as a workflow refers to it: a full commit SHA once a release records one
/// in `action-version.json`, else the release tag with the one accepted zizmor finding suppressed.
pub fn action_reference(repository: &str, version: &str, commit: Option<&str>) -> String {
    match commit {
        Some(commit) => format!("{repository}@{commit} # v{version}"),
        None => format!(
            "{repository}@v{version} # zizmor: ignore[unpinned-uses] no gasguard release records a commit yet; pin its full SHA once one does"
        ),
    }
}

/// How the example workflows name the action; `init` replaces the whole line's reference.
pub const EXAMPLE_REFERENCE: &str = "OWNER/gasguard@v0";

/// The workflows `init` writes: file name and example text.
pub fn workflow_templates(fork_safe: bool) -> Vec<(&'static str, &'static str)> {
    let mut templates = Vec::new();
    if fork_safe {
        templates.push((
            "gas-check-fork-unprivileged.yml",
            include_str!("../examples/workflows/gas-check-fork-unprivileged.yml"),
        ));
        templates.push((
            "gas-comment-privileged.yml",
            include_str!("../examples/workflows/gas-comment-privileged.yml"),
        ));
    } else {
        templates.push(("gas-check.yml", include_str!("../examples/workflows/gas-check.yml")));
    }
    templates
        .push(("gas-baseline-nightly.yml", include_str!("../examples/workflows/gas-baseline-nightly.yml")));
    templates
}

/// Turns an example workflow into the project's: its `uses:` of gasguard point at `reference`,
/// the "copy to .github/workflows" note goes, and a build step follows each checkout so the
/// artifacts exist on the runner. `None` when the example no longer has the expected shape.
pub fn workflow_text(template: &str, reference: &str, project: Project, artifacts: &str) -> Option<String> {
    let lines: Vec<&str> = template.lines().collect();
    let mut out = String::new();
    let mut replaced = false;
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        index += 1;
        if line.starts_with("# Copy to .github/workflows/") {
            // The note runs on to the end of its comment paragraph.
            while index < lines.len() && lines[index].starts_with("# ") {
                index += 1;
            }
            let _ = writeln!(out, "# Written by `gasguard init`.");
            continue;
        }
        if let Some(position) = line.find(EXAMPLE_REFERENCE) {
            let _ = writeln!(out, "{}{reference}", &line[..position]);
            replaced = true;
            continue;
        }
        let _ = writeln!(out, "{line}");
        let Some(dash) = line.find("- uses: actions/checkout@") else { continue };
        // The rest of the checkout step: its lines indented past the dash.
        let mut has_with = false;
        while index < lines.len() {
            let next = lines[index];
            let indent = next.len() - next.trim_start().len();
            if next.trim().is_empty() || indent <= dash {
                break;
            }
            has_with |= next.trim() == "with:";
            let _ = writeln!(out, "{next}");
            index += 1;
        }
        if project == Project::Foundry {
            if !has_with {
                let _ = writeln!(out, "{}with:", " ".repeat(dash + 2));
            }
            // Foundry projects keep their dependencies (forge-std, …) in git submodules.
            let _ = writeln!(out, "{}submodules: recursive", " ".repeat(dash + 4));
        }
        out.push_str(&build_step(project, artifacts));
    }
    replaced.then_some(out)
}

fn build_step(project: Project, artifacts: &str) -> String {
    match project {
        // The npm package of Foundry: no extra action to pin, and the same forge everywhere.
        Project::Foundry => "\n      - name: Build the contracts\n        run: npx --yes @foundry-rs/forge@1.7.1 build\n".to_owned(),
        Project::Hardhat => "\n      - name: Build the contracts\n        run: |\n          npm ci\n          npx hardhat compile\n".to_owned(),
        Project::Other => format!(
            "\n      # Build the contracts here: gasguard reads them from `{artifacts}`.\n      - name: Check the artifacts exist\n        run: test -d {}\n",
            shell_quote(artifacts)
        ),
    }
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Names used by [`propose`] scenarios must be unique: a checked invariant for the command.
pub fn scenario_names_unique(proposals: &[Proposal]) -> bool {
    let mut seen = BTreeSet::new();
    proposals.iter().all(|p| seen.insert(p.scenario.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_parse_as_their_types() {
        for ty in [
            "bool",
            "uint256",
            "int8",
            "address",
            "string",
            "bytes",
            "bytes32",
            "uint256[]",
            "address[2]",
            "string[2]",
            "(address,uint256,string)",
            "(uint8,bytes4)[]",
            "(bool,address[])",
        ] {
            let parsed = DynSolType::parse(ty).unwrap();
            let text = placeholder(&parsed, false).unwrap();
            parsed.coerce_str(&text).unwrap_or_else(|error| panic!("{ty}: `{text}`: {error}"));
        }
        assert_eq!(placeholder(&DynSolType::Address, true).unwrap(), "alice");
        assert_eq!(placeholder(&DynSolType::String, true).unwrap(), "");
        assert!(placeholder(&DynSolType::Function, true).is_none());
    }

    #[test]
    fn the_action_is_pinned_to_the_recorded_commit() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            action_reference("owner/gasguard", "0.2.0", Some(commit)),
            format!("owner/gasguard@{commit} # v0.2.0")
        );
        // Until a release records a commit, the tag, with zizmor's finding suppressed and why.
        let unpinned = action_reference("owner/gasguard", "0.1.0", None);
        assert!(unpinned.starts_with("owner/gasguard@v0.1.0 # zizmor: ignore[unpinned-uses] "), "{unpinned}");
    }

    #[test]
    fn aliases_avoid_account_names() {
        assert_eq!(alias_for("Token"), "token");
        assert_eq!(alias_for("Alice"), "alice_contract");
    }
}
