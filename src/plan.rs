//! Turning `gasguard.toml` plus the artifacts into an executable [`Plan`], checking everything
//! that can be checked before the first transaction: contracts exist and are unambiguous,
//! functions are in the ABI, arguments parse as their ABI types, aliases and libraries are
//! defined before use. Pure: no files, no EVM.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use alloy::dyn_abi::{DynSolType, DynSolValue, Specifier};
use alloy::json_abi::{Function, JsonAbi, Param, StateMutability};
use alloy::primitives::{Address, Bytes, I256, U256};

use crate::accounts::{PREDEFINED, PREDEFINED_BALANCE_WEI};
use crate::artifacts::{ArtifactSet, LinkableCode};
use crate::config::{Config, Expect, StepConfig};
use crate::core::number::group_digits;

/// A problem in the config, located by scenario and step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// `scenario `x`, step 3` or a config key.
    pub location: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}

/// The most repetitions one step may ask for. Every transaction is a call record in the report
/// (and in memory until it is written), so this bounds what a typo such as `repeat = 4294967295`
/// can cost; [`MAX_TRANSACTIONS`] bounds the whole run.
pub const MAX_REPEAT: u32 = 10_000;

/// The most transactions one run may execute, over all scenarios and repetitions.
pub const MAX_TRANSACTIONS: u64 = 100_000;

/// Everything needed to execute the scenarios.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenarios: Vec<ScenarioPlan>,
    /// Every named account (predefined and configured).
    pub accounts: BTreeMap<String, Address>,
    /// Configured library addresses by library id.
    pub libraries: BTreeMap<String, Address>,
}

#[derive(Debug, Clone)]
pub struct ScenarioPlan {
    pub name: String,
    /// Balances set before the first step: the predefined accounts plus `fund`.
    pub balances: Vec<(Address, U256)>,
    pub steps: Vec<StepPlan>,
}

#[derive(Debug, Clone)]
pub struct StepPlan {
    /// 1-based.
    pub index: usize,
    pub from: Address,
    pub value: U256,
    pub repeat: u32,
    pub expect: Expect,
    pub gas_limit: Option<u64>,
    /// `label = "via clone"`: the step's calls are measured as `<signature> [via clone]`.
    pub label: Option<String>,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub enum Action {
    Deploy {
        contract: String,
        code: LinkableCode,
        /// Constructor parameter types, if the contract has a constructor.
        constructor: Vec<DynSolType>,
        args: Vec<Arg>,
        alias: Option<String>,
    },
    Call {
        target: Target,
        /// Contract id for the report (or the address when only a JSON ABI is known, or the
        /// account's address for a plain transfer).
        contract: String,
        payload: Payload,
    },
}

/// What a call sends.
#[derive(Debug, Clone)]
pub enum Payload {
    /// An ABI function with its arguments; `capture` names the address it returns.
    Function { function: Function, args: Vec<Arg>, capture: Option<Capture> },
    /// Raw calldata (empty for a plain transfer), measured under `name`: `receive()`,
    /// `fallback()`, the signature of the function its selector picks, or the raw selector.
    Raw {
        data: Bytes,
        name: String,
        /// Whether the target is a contract by the config (a name, or an address with `abi`),
        /// so that no code there is an error; a plain transfer to an account is not.
        expects_code: bool,
    },
}

/// `as = "clone"` on a call: the address among the function's return values that later steps
/// call by that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub name: String,
    /// Which return value, from 0.
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Alias(String),
    Address(Address),
}

/// An argument: a parsed value, an address that is only known once a step deployed or captured
/// it, or an array or tuple holding such addresses at any depth.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Value(DynSolValue),
    Alias(String),
    Array(Vec<Arg>),
    FixedArray(Vec<Arg>),
    Tuple(Vec<Arg>),
}

/// Resolves an ABI file path for `abi = "path.json"`: the caller reads files, the plan does not.
pub type AbiFiles = BTreeMap<String, JsonAbi>;

/// Builds the plan. `abi_files` holds the JSON ABIs named by `abi = "…json"` keys, already read.
pub fn build(config: &Config, artifacts: &ArtifactSet, abi_files: &AbiFiles) -> Result<Plan, PlanError> {
    build_with_jobs(config, artifacts, abi_files, 1)
}

/// [`build`], the scenarios planned on up to `jobs` threads: the same plan, and the same error
/// (the first in the config's order).
pub fn build_with_jobs(
    config: &Config,
    artifacts: &ArtifactSet,
    abi_files: &AbiFiles,
    jobs: usize,
) -> Result<Plan, PlanError> {
    let mut accounts: BTreeMap<String, Address> =
        PREDEFINED.iter().map(|(name, address)| ((*name).to_owned(), *address)).collect();
    for (name, text) in &config.accounts {
        let address = text.parse::<Address>().map_err(|_| PlanError {
            location: format!("[accounts] `{name}`"),
            message: format!("`{text}` is not an address"),
            hint: Some("addresses are 0x followed by 40 hex digits".into()),
        })?;
        accounts.insert(name.clone(), address);
    }
    let mut libraries = BTreeMap::new();
    for (name, text) in &config.libraries {
        let address = text.parse::<Address>().map_err(|_| PlanError {
            location: format!("[libraries] `{name}`"),
            message: format!("`{text}` is not an address"),
            hint: None,
        })?;
        let id = artifacts.lookup(name).map(|a| a.id.clone()).unwrap_or_else(|_| name.clone());
        libraries.insert(id, address);
    }
    let mut names = BTreeSet::new();
    let mut scenarios = Vec::with_capacity(config.scenarios.len());
    // Each scenario is planned on its own; in order, a duplicate name comes before the
    // scenario's own error, as when they are planned one after another.
    let mut planned = plan_scenarios(&config.scenarios, jobs, &|scenario| {
        plan_scenario(scenario, artifacts, &accounts, &libraries, abi_files)
    })
    .into_iter();
    for (position, scenario) in config.scenarios.iter().enumerate() {
        if !names.insert(scenario.name.as_str()) {
            return Err(PlanError {
                location: format!("scenario {} (`{}`)", position + 1, scenario.name),
                message: "a scenario with this name already exists".into(),
                hint: Some("scenario names must be unique: they label every call in the report".into()),
            });
        }
        let Some(plan) = planned.next() else { break };
        scenarios.push(plan?);
    }
    let transactions: u64 =
        scenarios.iter().flat_map(|scenario| &scenario.steps).map(|step| u64::from(step.repeat)).sum();
    if transactions > MAX_TRANSACTIONS {
        return Err(PlanError {
            location: "scenarios".into(),
            message: format!(
                "the steps add up to {} transactions with their `repeat`, more than the {} a run may execute",
                group_digits(transactions),
                group_digits(MAX_TRANSACTIONS)
            ),
            hint: Some("every transaction is kept in the report; lower the largest `repeat` values".into()),
        });
    }
    Ok(Plan { scenarios, accounts, libraries })
}

/// `plan` of every scenario, in order, on up to `jobs` threads (contiguous runs of scenarios).
fn plan_scenarios(
    scenarios: &[crate::config::ScenarioConfig],
    jobs: usize,
    plan: &(dyn Fn(&crate::config::ScenarioConfig) -> Result<ScenarioPlan, PlanError> + Sync),
) -> Vec<Result<ScenarioPlan, PlanError>> {
    let jobs = jobs.clamp(1, scenarios.len().max(1));
    if jobs == 1 {
        return scenarios.iter().map(plan).collect();
    }
    let run = scenarios.len().div_ceil(jobs);
    std::thread::scope(|scope| {
        let mut runs = scenarios.chunks(run);
        let first = runs.next().unwrap_or_default();
        let handles: Vec<_> =
            runs.map(|run| scope.spawn(move || run.iter().map(plan).collect::<Vec<_>>())).collect();
        let mut planned: Vec<_> = first.iter().map(plan).collect();
        for handle in handles {
            // A planning thread panics only where planning on this one would have.
            planned.extend(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        planned
    })
}

fn plan_scenario(
    scenario: &crate::config::ScenarioConfig,
    artifacts: &ArtifactSet,
    accounts: &BTreeMap<String, Address>,
    libraries: &BTreeMap<String, Address>,
    abi_files: &AbiFiles,
) -> Result<ScenarioPlan, PlanError> {
    let mut balances: BTreeMap<Address, U256> =
        PREDEFINED.iter().map(|(_, address)| (*address, U256::from(PREDEFINED_BALANCE_WEI))).collect();
    for (name, amount) in &scenario.fund {
        let location = || format!("scenario `{}`, fund `{name}`", scenario.name);
        let address = resolve_account(name, accounts).ok_or_else(|| PlanError {
            location: location(),
            message: unknown_account(name),
            hint: None,
        })?;
        let wei =
            parse_wei(amount).map_err(|message| PlanError { location: location(), message, hint: None })?;
        balances.insert(address, wei);
    }
    // Names known so far in this scenario (deployed or captured); deployed library ids.
    let mut aliases: BTreeMap<String, Named> = BTreeMap::new();
    let mut deployed: BTreeSet<String> = BTreeSet::new();
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for (position, step) in scenario.steps.iter().enumerate() {
        let context =
            StepContext { scenario: &scenario.name, index: position + 1, accounts, aliases: &aliases };
        let planned = plan_step(step, &context, artifacts, libraries, &deployed, abi_files)?;
        let named = match &planned.action {
            Action::Deploy { contract, alias, .. } => {
                deployed.insert(contract.clone());
                alias
                    .clone()
                    .map(|alias| (alias, Named { contract: contract.clone(), abi: contract.clone() }))
            }
            Action::Call { payload: Payload::Function { capture: Some(capture), .. }, .. } => {
                // Checked by `plan_step`: a capture has an `abi`.
                let abi = step.abi.clone().unwrap_or_default();
                let contract = artifacts.lookup(&abi).map(|a| a.id.clone()).unwrap_or_else(|_| abi.clone());
                Some((capture.name.clone(), Named { contract, abi }))
            }
            Action::Call { .. } => None,
        };
        if let Some((alias, named)) = named {
            if accounts.contains_key(&alias) {
                return Err(context.error(format!("alias `{alias}` is already an account name"), None));
            }
            aliases.insert(alias, named);
        }
        steps.push(planned);
    }
    Ok(ScenarioPlan { name: scenario.name.clone(), balances: balances.into_iter().collect(), steps })
}

/// A name a step gave an address (`as`): the contract for the report, and where its ABI is.
#[derive(Debug, Clone)]
struct Named {
    contract: String,
    /// A contract id or an ABI file, as [`abi_of`] takes it.
    abi: String,
}

struct StepContext<'a> {
    scenario: &'a str,
    index: usize,
    accounts: &'a BTreeMap<String, Address>,
    aliases: &'a BTreeMap<String, Named>,
}

impl StepContext<'_> {
    fn error(&self, message: impl Into<String>, hint: Option<String>) -> PlanError {
        PlanError {
            location: format!("scenario `{}`, step {}", self.scenario, self.index),
            message: message.into(),
            hint,
        }
    }
}

fn unknown_account(name: &str) -> String {
    format!("`{name}` is neither a known account nor an address")
}

fn resolve_account(name: &str, accounts: &BTreeMap<String, Address>) -> Option<Address> {
    accounts.get(name).copied().or_else(|| name.parse().ok())
}

fn plan_step(
    step: &StepConfig,
    context: &StepContext<'_>,
    artifacts: &ArtifactSet,
    libraries: &BTreeMap<String, Address>,
    deployed: &BTreeSet<String>,
    abi_files: &AbiFiles,
) -> Result<StepPlan, PlanError> {
    let from_name = step.from.as_deref().unwrap_or("alice");
    let from = resolve_account(from_name, context.accounts).ok_or_else(|| {
        context.error(
            format!("`from`: {}", unknown_account(from_name)),
            Some("predefined accounts are alice, bob, carol and dave; add others under [accounts]".into()),
        )
    })?;
    let value = match &step.value {
        None => U256::ZERO,
        Some(value) => {
            let text = match value {
                toml::Value::String(text) => text.clone(),
                toml::Value::Integer(number) => number.to_string(),
                other => {
                    return Err(context.error(
                        format!("`value` must be a string such as \"1 ether\", not `{other}`"),
                        None,
                    ));
                }
            };
            parse_wei(&text).map_err(|message| context.error(format!("`value`: {message}"), None))?
        }
    };
    let repeat = step.repeat.unwrap_or(1);
    if repeat == 0 {
        return Err(context.error("`repeat` must be at least 1", None));
    }
    if repeat > MAX_REPEAT {
        return Err(context.error(
            format!(
                "`repeat = {repeat}` is more than the {} repetitions a step may have",
                group_digits(u64::from(MAX_REPEAT))
            ),
            Some(format!(
                "every transaction is kept in the report; gas only changes between repetitions when state does, so a few are enough (or split the series into steps of at most {})",
                group_digits(u64::from(MAX_REPEAT))
            )),
        ));
    }
    let action = match (&step.deploy, &step.call) {
        (Some(_), Some(_)) => {
            return Err(context.error("a step has either `deploy` or `call`, not both", None));
        }
        (None, None) => {
            return Err(context.error(
                "a step needs `deploy` (a contract to create) or `call` (an alias or address)",
                None,
            ));
        }
        (Some(name), None) => {
            if step.returns.is_some() || step.data.is_some() || step.label.is_some() {
                return Err(context.error(
                    "`returns`, `data` and `label` belong to `call` steps",
                    Some("every deployment of a contract counts in its `deployments` statistics".into()),
                ));
            }
            if step.function.is_some() {
                return Err(
                    context.error("`function` belongs to `call` steps; a deploy runs the constructor", None)
                );
            }
            let artifact = artifacts.lookup(name).map_err(|error| context.error(error.to_string(), None))?;
            if artifact.bytecode.is_empty() {
                return Err(context.error(
                    format!(
                        "`{}` has no bytecode (an interface or abstract contract) and cannot be deployed",
                        artifact.id
                    ),
                    None,
                ));
            }
            for library in artifact.bytecode.libraries() {
                if !deployed.contains(library) && !libraries.contains_key(library) {
                    return Err(context.error(
                        format!("`{}` must be linked to library `{library}`, which is not deployed", artifact.id),
                        Some(format!(
                            "deploy it in an earlier step of this scenario (`deploy = \"{library}\"`) or give its address under [libraries]"
                        )),
                    ));
                }
            }
            let inputs: &[Param] =
                artifact.abi.constructor.as_ref().map(|c| c.inputs.as_slice()).unwrap_or(&[]);
            let what = format!("constructor of `{}`", artifact.id);
            let (types, args) = parse_args(&step.args, inputs, &what, context)?;
            if let Some(alias) = &step.alias
                && (alias.is_empty() || alias.starts_with("0x"))
            {
                return Err(context.error(format!("`as = \"{alias}\"` is not a usable alias"), None));
            }
            Action::Deploy {
                contract: artifact.id.clone(),
                code: artifact.bytecode.clone(),
                constructor: types,
                args,
                alias: step.alias.clone(),
            }
        }
        (None, Some(target_name)) => plan_call(target_name, step, value, context, artifacts, abi_files)?,
    };
    let label = match &step.label {
        None => None,
        Some(label) if label.trim().is_empty() || label.contains(['[', ']']) || label.trim() != label => {
            return Err(context.error(
                format!("`label = {label:?}` is not a usable label"),
                Some("a label is a few words such as \"via clone\", without brackets".into()),
            ));
        }
        Some(label) => Some(label.clone()),
    };
    Ok(StepPlan {
        index: context.index,
        from,
        value,
        repeat,
        expect: step.expect.unwrap_or_default(),
        gas_limit: step.gas_limit,
        label,
        action,
    })
}

fn plan_call(
    target_name: &str,
    step: &StepConfig,
    value: U256,
    context: &StepContext<'_>,
    artifacts: &ArtifactSet,
    abi_files: &AbiFiles,
) -> Result<Action, PlanError> {
    let capture = match &step.alias {
        None => {
            if step.returns.is_some() {
                return Err(context.error("`returns` says which return value `as` names; add `as`", None));
            }
            None
        }
        Some(name) => {
            if name.is_empty() || name.starts_with("0x") {
                return Err(context.error(format!("`as = \"{name}\"` is not a usable name"), None));
            }
            if step.abi.is_none() {
                return Err(context.error(
                    format!("`as = \"{name}\"` on a call needs `abi`: what is at the address it returns"),
                    Some(
                        "name a contract id from the artifacts or a JSON ABI file, e.g. `abi = \"Counter\"`"
                            .into(),
                    ),
                ));
            }
            if step.function.is_none() {
                return Err(
                    context.error("`as` on a call names what `function` returns; add `function`", None)
                );
            }
            if target_name.parse::<Address>().is_ok() {
                return Err(context.error(
                    format!("`as` on a call to `{target_name}`: its `abi` would describe both the called contract and the returned one"),
                    Some("give the called contract a name first (`as` on its deployment or on the call that returned it)".into()),
                ));
            }
            Some(Capture { name: name.clone(), index: step.returns.unwrap_or(0) })
        }
    };
    // With `as`, `abi` describes the returned address, not the called one.
    let target_abi = if capture.is_some() { None } else { step.abi.as_deref() };
    let (target, contract, abi) = resolve_target(target_name, target_abi, context, artifacts, abi_files)?;
    let payload = match (&step.function, &step.data) {
        (Some(_), Some(_)) => {
            return Err(
                context.error("a step has either `function` or `data` (raw calldata), not both", None)
            );
        }
        (Some(signature), None) => {
            let Some(abi) = abi else {
                if !context.accounts.contains_key(target_name) {
                    return Err(context.error(
                        format!("calling `{target_name}` needs `abi`: a contract id from the artifacts or a JSON ABI file"),
                        None,
                    ));
                }
                return Err(context.error(
                    format!("`{target_name}` is an account, not a contract: it has no `function` to call"),
                    Some("drop `function` to send it ether with `value`".into()),
                ));
            };
            let function = find_function(abi, signature, &contract)
                .map_err(|(message, hint)| context.error(message, hint))?;
            let what = format!("`{}`", function.signature());
            let (_, args) = parse_args(&step.args, &function.inputs, &what, context)?;
            if !value.is_zero()
                && function.state_mutability != StateMutability::Payable
                && step.expect != Some(Expect::Revert)
            {
                return Err(not_payable(&what, context));
            }
            if let Some(capture) = &capture {
                let output = function.outputs.get(capture.index).ok_or_else(|| {
                    context.error(
                        format!(
                            "`returns = {}`: {what} has {} return value(s), counted from 0",
                            capture.index,
                            function.outputs.len()
                        ),
                        None,
                    )
                })?;
                if output.resolve().ok() != Some(DynSolType::Address) {
                    return Err(context.error(
                        format!(
                            "`as = \"{}\"` names an address, but return value {} of {what} is `{}`",
                            capture.name, capture.index, output.ty
                        ),
                        Some(
                            "set `returns = N` to the address among the return values, counted from 0".into(),
                        ),
                    ));
                }
                if let Some(abi_name) = &step.abi {
                    abi_of(abi_name, context, artifacts, abi_files)?;
                }
            }
            Payload::Function { function: function.clone(), args, capture }
        }
        (None, data) => {
            if !step.args.is_empty() {
                return Err(
                    context.error("`args` need `function`; raw calldata goes in `data = \"0x…\"`", None)
                );
            }
            let data: Bytes = match data {
                None => Bytes::new(),
                Some(text) => {
                    text.parse::<Bytes>().ok().filter(|_| text.starts_with("0x")).ok_or_else(|| {
                        context.error(
                            format!("`data = \"{text}\"` is not calldata"),
                            Some("calldata is 0x-prefixed hex, e.g. `data = \"0xd09de08a\"`".into()),
                        )
                    })?
                }
            };
            if step.data.is_none() && value.is_zero() {
                return Err(context.error(
                    "`call` needs `function` (e.g. `transfer(address,uint256)`), `value` for a plain transfer, or `data` for raw calldata",
                    None,
                ));
            }
            let name = raw_name(abi, &data, value, &contract, step.expect == Some(Expect::Revert), context)?;
            Payload::Raw { data, name, expects_code: abi.is_some() }
        }
    };
    Ok(Action::Call { target, contract, payload })
}

fn not_payable(what: &str, context: &StepContext<'_>) -> PlanError {
    context.error(
        format!("{what} is not payable: sending it `value` reverts"),
        Some("drop `value`, or set `expect = \"revert\"` to measure the revert".into()),
    )
}

/// What a raw call is measured as: `receive()` or `fallback()` as Solidity dispatches it, the
/// signature of the ABI function its selector picks, or the raw selector. With an ABI, a call the
/// contract would refuse for certain (value to code that cannot take it) is an error, unless the
/// step expects the revert.
fn raw_name(
    abi: Option<&JsonAbi>,
    data: &[u8],
    value: U256,
    contract: &str,
    expect_revert: bool,
    context: &StepContext<'_>,
) -> Result<String, PlanError> {
    let selector = |data: &[u8]| format!("0x{}", alloy::primitives::hex::encode(&data[..4]));
    let Some(abi) = abi else {
        return Ok(if data.len() >= 4 {
            selector(data)
        } else if data.is_empty() {
            "receive()".into()
        } else {
            "fallback()".into()
        });
    };
    if data.len() >= 4
        && let Some(function) = abi.functions().find(|function| function.selector().as_slice() == &data[..4])
    {
        let what = format!("`{}`", function.signature());
        if !value.is_zero() && function.state_mutability != StateMutability::Payable && !expect_revert {
            return Err(not_payable(&what, context));
        }
        return Ok(function.signature());
    }
    if data.is_empty() && abi.receive.is_some() {
        return Ok("receive()".into());
    }
    match &abi.fallback {
        Some(fallback) => {
            if !value.is_zero() && fallback.state_mutability != StateMutability::Payable && !expect_revert {
                return Err(not_payable(&format!("the `fallback` of `{contract}`"), context));
            }
            Ok("fallback()".into())
        }
        None if expect_revert => Ok(if data.len() >= 4 { selector(data) } else { "fallback()".into() }),
        None if data.len() >= 4 => Ok(selector(data)),
        None => Err(context.error(
            format!("`{contract}` has no `receive` or `fallback` function: this call reverts"),
            Some("set `expect = \"revert\"` to measure the revert, or call one of its functions".into()),
        )),
    }
}

/// The called address, the contract it is reported as, and its ABI (`None` for an account:
/// only plain transfers and raw calls go there).
fn resolve_target<'a>(
    name: &str,
    abi_name: Option<&str>,
    context: &StepContext<'_>,
    artifacts: &'a ArtifactSet,
    abi_files: &'a AbiFiles,
) -> Result<(Target, String, Option<&'a JsonAbi>), PlanError> {
    if let Some(named) = context.aliases.get(name) {
        let abi = abi_of(abi_name.unwrap_or(&named.abi), context, artifacts, abi_files)?;
        return Ok((Target::Alias(name.to_owned()), named.contract.clone(), Some(abi)));
    }
    if let Some(address) = context.accounts.get(name) {
        let abi = abi_name.map(|abi_name| abi_of(abi_name, context, artifacts, abi_files)).transpose()?;
        let contract = abi_name
            .and_then(|abi_name| artifacts.lookup(abi_name).ok())
            .map_or_else(|| address.to_checksum(None), |artifact| artifact.id.clone());
        return Ok((Target::Address(*address), contract, abi));
    }
    if let Ok(address) = name.parse::<Address>() {
        let abi = abi_name.map(|abi_name| abi_of(abi_name, context, artifacts, abi_files)).transpose()?;
        let contract = abi_name
            .and_then(|abi_name| artifacts.lookup(abi_name).ok())
            .map_or_else(|| address.to_checksum(None), |artifact| artifact.id.clone());
        return Ok((Target::Address(address), contract, abi));
    }
    let known: Vec<String> = context.aliases.keys().map(|a| format!("`{a}`")).collect();
    Err(context.error(
        format!("`call = \"{name}\"` is neither a name given by an earlier step, an account, nor an address"),
        Some(if known.is_empty() {
            "no step before this one has `as = \"…\"`".into()
        } else {
            format!("names defined so far: {}", known.join(", "))
        }),
    ))
}

fn abi_of<'a>(
    name: &str,
    context: &StepContext<'_>,
    artifacts: &'a ArtifactSet,
    abi_files: &'a AbiFiles,
) -> Result<&'a JsonAbi, PlanError> {
    if let Some(abi) = abi_files.get(name) {
        return Ok(abi);
    }
    artifacts
        .lookup(name)
        .map(|artifact| &artifact.abi)
        .map_err(|error| context.error(format!("`abi`: {error}"), None))
}

/// Finds a function by full signature, or by name when the name has one overload.
fn find_function<'a>(
    abi: &'a JsonAbi,
    wanted: &str,
    contract: &str,
) -> Result<&'a Function, (String, Option<String>)> {
    let wanted: String = wanted.chars().filter(|c| !c.is_whitespace()).collect();
    let all: Vec<&Function> = abi.functions().collect();
    // A signature starts with its name and `(`: only functions of that name can match it, and
    // building the others' signatures would cost a string each.
    let wanted_name = wanted.split('(').next().unwrap_or_default();
    if let Some(function) = all.iter().find(|f| f.name == wanted_name && f.signature() == wanted) {
        return Ok(function);
    }
    let by_name: Vec<&&Function> = all.iter().filter(|f| f.name == wanted).collect();
    match by_name.as_slice() {
        [one] => Ok(one),
        [] => {
            let mut signatures: Vec<String> = all.iter().map(|f| format!("`{}`", f.signature())).collect();
            signatures.sort();
            signatures.dedup();
            Err((
                format!("function `{wanted}` is not in the ABI of `{contract}`"),
                Some(if signatures.is_empty() {
                    "the contract has no functions".into()
                } else {
                    format!("its functions are {}", signatures.join(", "))
                }),
            ))
        }
        many => Err((
            format!("function name `{wanted}` is overloaded in `{contract}`"),
            Some(format!(
                "use a full signature: {}",
                many.iter().map(|f| format!("`{}`", f.signature())).collect::<Vec<_>>().join(", ")
            )),
        )),
    }
}

fn parse_args(
    values: &[toml::Value],
    params: &[Param],
    what: &str,
    context: &StepContext<'_>,
) -> Result<(Vec<DynSolType>, Vec<Arg>), PlanError> {
    if values.len() != params.len() {
        let expected: Vec<String> = params.iter().map(|p| p.ty.clone()).collect();
        return Err(context.error(
            format!("{what} takes {} argument(s), {} given", params.len(), values.len()),
            Some(format!("expected ({})", expected.join(", "))),
        ));
    }
    let mut types = Vec::with_capacity(params.len());
    let mut args = Vec::with_capacity(params.len());
    for (position, (value, param)) in values.iter().zip(params).enumerate() {
        let ty = param.resolve().map_err(|error| {
            context.error(format!("{what}: cannot use parameter type `{}`: {error}", param.ty), None)
        })?;
        let text = match value {
            toml::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if !matches!(
            value,
            toml::Value::String(_)
                | toml::Value::Integer(_)
                | toml::Value::Boolean(_)
                | toml::Value::Array(_)
        ) {
            return Err(context.error(
                format!("argument {} of {what} must be a string, not `{value}`", position + 1),
                Some("write every argument as a string, e.g. \"100\" or \"[1,2,3]\"".into()),
            ));
        }
        let arg = parse_value(value, &ty, context).map_err(|bad| {
            let whole = format!(
                "argument {} of {what} is not {}: `{text}`",
                position + 1,
                with_article(&ty.sol_type_name())
            );
            if bad.ty == ty {
                return context.error(whole, hint_for(&ty));
            }
            // Inside an array or a tuple: say which element, as written.
            context.error(
                format!("{whole}: `{}` is not {}", unquote(&bad.text), with_article(&bad.ty.sol_type_name())),
                hint_for(&bad.ty),
            )
        })?;
        types.push(ty);
        args.push(arg);
    }
    Ok((types, args))
}

/// One argument written as TOML: a string (the Solidity-like form, `"[alice, bob]"`), a number or
/// boolean, or a TOML array for an array or a tuple, nested at any depth.
fn parse_value(value: &toml::Value, ty: &DynSolType, context: &StepContext<'_>) -> Result<Arg, Bad> {
    match (value, ty) {
        (toml::Value::Array(items), DynSolType::Array(inner)) => items
            .iter()
            .map(|item| parse_value(item, inner, context))
            .collect::<Result<_, _>>()
            .map(Arg::Array),
        (toml::Value::Array(items), DynSolType::FixedArray(inner, length)) if items.len() == *length => items
            .iter()
            .map(|item| parse_value(item, inner, context))
            .collect::<Result<_, _>>()
            .map(Arg::FixedArray),
        (toml::Value::Array(items), DynSolType::Tuple(types)) if items.len() == types.len() => items
            .iter()
            .zip(types)
            .map(|(item, ty)| parse_value(item, ty, context))
            .collect::<Result<_, _>>()
            .map(Arg::Tuple),
        (toml::Value::String(text), _) => parse_arg(text, ty, context),
        (toml::Value::Integer(number), _) => parse_arg(&number.to_string(), ty, context),
        (toml::Value::Boolean(flag), _) => parse_arg(&flag.to_string(), ty, context),
        _ => Err(Bad::new(&value.to_string(), ty)),
    }
}

/// One argument in the string form. Arrays and tuples are split here, so that names (accounts,
/// aliases, captured addresses), `"max"`/`"min"` and amounts with a unit work at any depth;
/// the leaves go to dyn-abi's parser.
fn parse_arg(text: &str, ty: &DynSolType, context: &StepContext<'_>) -> Result<Arg, Bad> {
    let text = text.trim();
    let bad = || Bad::new(text, ty);
    match ty {
        DynSolType::Array(inner) => {
            let items = split_list(text, '[', ']').map_err(|()| bad())?;
            items.iter().map(|item| parse_arg(item, inner, context)).collect::<Result<_, _>>().map(Arg::Array)
        }
        DynSolType::FixedArray(inner, length) => {
            let items = split_list(text, '[', ']').map_err(|()| bad())?;
            if items.len() != *length {
                return Err(bad());
            }
            items
                .iter()
                .map(|item| parse_arg(item, inner, context))
                .collect::<Result<_, _>>()
                .map(Arg::FixedArray)
        }
        DynSolType::Tuple(types) => {
            let items =
                split_list(text, '(', ')').or_else(|()| split_list(text, '[', ']')).map_err(|()| bad())?;
            if items.len() != types.len() {
                return Err(bad());
            }
            items
                .iter()
                .zip(types)
                .map(|(item, ty)| parse_arg(item, ty, context))
                .collect::<Result<_, _>>()
                .map(Arg::Tuple)
        }
        DynSolType::Address => {
            let name = unquote(text);
            if let Some(address) = context.accounts.get(name) {
                return Ok(Arg::Value(DynSolValue::Address(*address)));
            }
            if context.aliases.contains_key(name) {
                return Ok(Arg::Alias(name.to_owned()));
            }
            ty.coerce_str(name).map(Arg::Value).map_err(|_| bad())
        }
        DynSolType::Uint(bits) => {
            let text = unquote(text);
            let max = U256::MAX >> (256 - bits);
            let number = match text {
                "max" => max,
                "min" => U256::ZERO,
                _ if text.contains(char::is_whitespace) => parse_wei(text).map_err(|_| bad())?,
                _ => return ty.coerce_str(text).map(Arg::Value).map_err(|_| bad()),
            };
            if number > max {
                return Err(bad());
            }
            Ok(Arg::Value(DynSolValue::Uint(number, *bits)))
        }
        DynSolType::Int(bits) => {
            let text = unquote(text);
            let max = I256::MAX >> (256 - bits);
            let number = match text {
                "max" => max,
                "min" => -max - I256::ONE,
                _ if text.contains(char::is_whitespace) => {
                    I256::try_from(parse_wei(text).map_err(|_| bad())?).map_err(|_| bad())?
                }
                _ => return ty.coerce_str(text).map(Arg::Value).map_err(|_| bad()),
            };
            if number > max {
                return Err(bad());
            }
            Ok(Arg::Value(DynSolValue::Int(number, *bits)))
        }
        DynSolType::String => Ok(Arg::Value(DynSolValue::String(unquote(text).to_owned()))),
        // dyn-abi's parser messages point into the string with a caret; the hint says more.
        _ => ty.coerce_str(unquote(text)).map(Arg::Value).map_err(|_| bad()),
    }
}

/// The innermost part of an argument that does not parse, and the type it should have been.
struct Bad {
    text: String,
    ty: DynSolType,
}

impl Bad {
    fn new(text: &str, ty: &DynSolType) -> Self {
        Self { text: text.to_owned(), ty: ty.clone() }
    }
}

/// `"alice"` → `alice`: elements of the string form may be quoted, as in JSON.
fn unquote(text: &str) -> &str {
    let text = text.trim();
    text.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).unwrap_or(text)
}

/// `[a, [b, c], "d,e"]` → `a`, `[b, c]`, `"d,e"`: the top-level elements between `open` and
/// `close`, split on commas outside brackets, parentheses and quotes.
fn split_list(text: &str, open: char, close: char) -> Result<Vec<&str>, ()> {
    let inner = text.strip_prefix(open).and_then(|rest| rest.strip_suffix(close)).ok_or(())?;
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut items = Vec::new();
    let (mut depth, mut quoted, mut start) = (0usize, false, 0);
    for (position, c) in inner.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '(' if !quoted => depth += 1,
            ']' | ')' if !quoted => depth = depth.checked_sub(1).ok_or(())?,
            ',' if !quoted && depth == 0 => {
                items.push(inner[start..position].trim());
                start = position + 1;
            }
            _ => {}
        }
    }
    if depth != 0 || quoted {
        return Err(());
    }
    items.push(inner[start..].trim());
    Ok(items)
}

/// `an address`, `a uint256`.
fn with_article(name: &str) -> String {
    // `uint` is pronounced "you-int": a uint256, an int256, an address.
    let article = if name.starts_with(['a', 'e', 'i', 'o']) { "an" } else { "a" };
    format!("{article} {name}")
}

fn hint_for(ty: &DynSolType) -> Option<String> {
    match ty {
        DynSolType::Uint(_) | DynSolType::Int(_) => {
            Some("integers are decimal, 0x hex, `max`, `min` or an amount such as `1 ether`, and must fit the type".into())
        }
        DynSolType::Address => {
            Some("use an account name, a name an earlier step gave with `as`, or a 0x address".into())
        }
        DynSolType::Bool => Some("booleans are `true` or `false`".into()),
        DynSolType::Bytes | DynSolType::FixedBytes(_) => Some("bytes are 0x-prefixed hex".into()),
        DynSolType::Array(_) | DynSolType::FixedArray(..) => {
            Some("arrays are written as `[a, b, c]`, in a string or as a TOML array".into())
        }
        DynSolType::Tuple(_) => Some("tuples are written as `(a, b)` in a string, or as a TOML array".into()),
        _ => None,
    }
}

/// Parses an amount of wei: `"1000"`, `"1.5 ether"`, `"20 gwei"`.
pub fn parse_wei(text: &str) -> Result<U256, String> {
    let text = text.trim();
    let (number, unit) = match text.split_once(char::is_whitespace) {
        Some((number, unit)) => (number, unit.trim()),
        None => (text, "wei"),
    };
    let decimals = match unit {
        "wei" => 0,
        "gwei" => 9,
        "ether" | "eth" => 18,
        other => return Err(format!("unknown unit `{other}` in `{text}` (use wei, gwei or ether)")),
    };
    alloy::primitives::utils::parse_units(number, decimals)
        .ok()
        .filter(|amount| !amount.is_negative())
        .map(|amount| amount.get_absolute())
        .ok_or_else(|| format!("`{text}` is not an amount (e.g. `1000`, `1.5 ether`, `20 gwei`)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_with<'a>(
        accounts: &'a BTreeMap<String, Address>,
        aliases: &'a BTreeMap<String, Named>,
    ) -> StepContext<'a> {
        StepContext { scenario: "s", index: 1, accounts, aliases }
    }

    fn parse(text: &str, ty: &str) -> Result<Arg, String> {
        let accounts: BTreeMap<String, Address> =
            PREDEFINED.iter().map(|(name, address)| ((*name).to_owned(), *address)).collect();
        let aliases: BTreeMap<String, Named> =
            [("jar".to_owned(), Named { contract: "TipJar".into(), abi: "TipJar".into() })].into();
        let context = context_with(&accounts, &aliases);
        let ty: DynSolType = ty.parse().unwrap();
        parse_arg(text, &ty, &context).map_err(|bad| format!("{} as {}", bad.text, bad.ty.sol_type_name()))
    }

    fn value(arg: Result<Arg, String>) -> DynSolValue {
        match arg.unwrap() {
            Arg::Value(value) => value,
            other => panic!("not a plain value: {other:?}"),
        }
    }

    #[test]
    fn max_and_min_for_every_integer_type() {
        assert_eq!(value(parse("max", "uint256")), DynSolValue::Uint(U256::MAX, 256));
        assert_eq!(value(parse("\"max\"", "uint8")), DynSolValue::Uint(U256::from(255), 8));
        assert_eq!(value(parse("min", "uint64")), DynSolValue::Uint(U256::ZERO, 64));
        assert_eq!(value(parse("max", "int8")), DynSolValue::Int(I256::try_from(127).unwrap(), 8));
        assert_eq!(value(parse("min", "int8")), DynSolValue::Int(I256::try_from(-128).unwrap(), 8));
        assert_eq!(value(parse("min", "int256")), DynSolValue::Int(I256::MIN, 256));
        assert_eq!(value(parse("max", "int256")), DynSolValue::Int(I256::MAX, 256));
        // Amounts with a unit, and what does not fit.
        assert_eq!(
            value(parse("1.5 ether", "uint128")),
            DynSolValue::Uint(U256::from(1_500_000_000_000_000_000u128), 128)
        );
        assert!(parse("1 ether", "uint8").is_err());
        assert!(parse("256", "uint8").is_err());
    }

    #[test]
    fn names_resolve_at_any_depth() {
        let bob = PREDEFINED[1].1;
        let arg = parse("[[alice, \"bob\"], [jar]]", "address[][]").unwrap();
        assert_eq!(
            arg,
            Arg::Array(vec![
                Arg::Array(vec![
                    Arg::Value(DynSolValue::Address(PREDEFINED[0].1)),
                    Arg::Value(DynSolValue::Address(bob))
                ]),
                Arg::Array(vec![Arg::Alias("jar".into())]),
            ])
        );
        let arg = parse("[(bob, max), (jar, 1 gwei)]", "(address,uint256)[]").unwrap();
        assert_eq!(
            arg,
            Arg::Array(vec![
                Arg::Tuple(vec![
                    Arg::Value(DynSolValue::Address(bob)),
                    Arg::Value(DynSolValue::Uint(U256::MAX, 256))
                ]),
                Arg::Tuple(vec![
                    Arg::Alias("jar".into()),
                    Arg::Value(DynSolValue::Uint(U256::from(1_000_000_000u64), 256))
                ]),
            ])
        );
        // Fixed arrays count their elements; the failing element is the one reported.
        assert!(parse("[alice, bob]", "address[3]").is_err());
        assert_eq!(parse("[alice, bobb]", "address[]").unwrap_err(), "bobb as address");
        // Strings keep their commas when quoted.
        assert_eq!(
            parse("[\"a, b\", c]", "string[]").unwrap(),
            Arg::Array(vec![
                Arg::Value(DynSolValue::String("a, b".into())),
                Arg::Value(DynSolValue::String("c".into()))
            ])
        );
        // TOML arrays nest the same way.
        let accounts: BTreeMap<String, Address> =
            PREDEFINED.iter().map(|(name, address)| ((*name).to_owned(), *address)).collect();
        let aliases = BTreeMap::new();
        let context = context_with(&accounts, &aliases);
        let toml: toml::Value =
            toml::from_str::<toml::Table>("v = [[\"carol\", \"max\"], [\"dave\", 7]]").unwrap()["v"].clone();
        let ty: DynSolType = "(address,uint8)[]".parse().unwrap();
        let Ok(Arg::Array(items)) = parse_value(&toml, &ty, &context) else {
            panic!("a TOML array of tuples")
        };
        assert_eq!(
            items[1],
            Arg::Tuple(vec![
                Arg::Value(DynSolValue::Address(PREDEFINED[3].1)),
                Arg::Value(DynSolValue::Uint(U256::from(7), 8))
            ])
        );
    }

    #[test]
    fn wei_amounts() {
        assert_eq!(parse_wei("1000").unwrap(), U256::from(1000));
        assert_eq!(parse_wei("1.5 ether").unwrap(), U256::from(1_500_000_000_000_000_000u128));
        assert_eq!(parse_wei("20 gwei").unwrap(), U256::from(20_000_000_000u64));
        assert!(parse_wei("-5").is_err());
        assert!(parse_wei("1 dollar").unwrap_err().contains("unknown unit"));
    }
}
