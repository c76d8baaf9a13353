//! Turning `gasguard.toml` plus the artifacts into an executable [`Plan`], checking everything
//! that can be checked before the first transaction: contracts exist and are unambiguous,
//! functions are in the ABI, arguments parse as their ABI types, aliases and libraries are
//! defined before use. Pure: no files, no EVM.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use alloy::dyn_abi::{DynSolType, DynSolValue, Specifier};
use alloy::json_abi::{Function, JsonAbi, Param};
use alloy::primitives::{Address, U256};

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
        /// Contract id for the report (or the address when only a JSON ABI is known).
        contract: String,
        function: Function,
        args: Vec<Arg>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Alias(String),
    Address(Address),
}

/// An argument: a parsed value, or an address that is only known once a step deployed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Value(DynSolValue),
    Alias(String),
}

/// Resolves an ABI file path for `abi = "path.json"`: the caller reads files, the plan does not.
pub type AbiFiles = BTreeMap<String, JsonAbi>;

/// Builds the plan. `abi_files` holds the JSON ABIs named by `abi = "…json"` keys, already read.
pub fn build(config: &Config, artifacts: &ArtifactSet, abi_files: &AbiFiles) -> Result<Plan, PlanError> {
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
    for (position, scenario) in config.scenarios.iter().enumerate() {
        if !names.insert(scenario.name.as_str()) {
            return Err(PlanError {
                location: format!("scenario {} (`{}`)", position + 1, scenario.name),
                message: "a scenario with this name already exists".into(),
                hint: Some("scenario names must be unique: they label every call in the report".into()),
            });
        }
        scenarios.push(plan_scenario(scenario, artifacts, &accounts, &libraries, abi_files)?);
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
    // Alias -> contract id (for calls) known so far in this scenario; deployed library ids.
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    let mut deployed: BTreeSet<String> = BTreeSet::new();
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for (position, step) in scenario.steps.iter().enumerate() {
        let context =
            StepContext { scenario: &scenario.name, index: position + 1, accounts, aliases: &aliases };
        let planned = plan_step(step, &context, artifacts, libraries, &deployed, abi_files)?;
        if let Action::Deploy { contract, alias, .. } = &planned.action {
            deployed.insert(contract.clone());
            if let Some(alias) = alias {
                if accounts.contains_key(alias) {
                    return Err(context.error(format!("alias `{alias}` is already an account name"), None));
                }
                aliases.insert(alias.clone(), contract.clone());
            }
        }
        steps.push(planned);
    }
    Ok(ScenarioPlan { name: scenario.name.clone(), balances: balances.into_iter().collect(), steps })
}

struct StepContext<'a> {
    scenario: &'a str,
    index: usize,
    accounts: &'a BTreeMap<String, Address>,
    aliases: &'a BTreeMap<String, String>,
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
        (None, Some(target_name)) => {
            if step.alias.is_some() {
                return Err(
                    context.error("`as` names a deployed contract; it has no meaning on a `call` step", None)
                );
            }
            let (target, contract, abi) = resolve_target(target_name, step, context, artifacts, abi_files)?;
            let signature = step.function.as_deref().ok_or_else(|| {
                context.error("`call` needs `function`, e.g. `transfer(address,uint256)`", None)
            })?;
            let function = find_function(abi, signature, &contract)
                .map_err(|(message, hint)| context.error(message, hint))?;
            let what = format!("`{}`", function.signature());
            let (_, args) = parse_args(&step.args, &function.inputs, &what, context)?;
            Action::Call { target, contract, function: function.clone(), args }
        }
    };
    Ok(StepPlan {
        index: context.index,
        from,
        value,
        repeat,
        expect: step.expect.unwrap_or_default(),
        gas_limit: step.gas_limit,
        action,
    })
}

fn resolve_target<'a>(
    name: &str,
    step: &StepConfig,
    context: &StepContext<'_>,
    artifacts: &'a ArtifactSet,
    abi_files: &'a AbiFiles,
) -> Result<(Target, String, &'a JsonAbi), PlanError> {
    if let Some(contract) = context.aliases.get(name) {
        let abi = match &step.abi {
            Some(abi_name) => abi_of(abi_name, context, artifacts, abi_files)?,
            None => &artifacts.lookup(contract).map_err(|e| context.error(e.to_string(), None))?.abi,
        };
        return Ok((Target::Alias(name.to_owned()), contract.clone(), abi));
    }
    if let Ok(address) = name.parse::<Address>() {
        let Some(abi_name) = &step.abi else {
            return Err(context.error(
                format!("calling `{name}` needs `abi`: a contract id from the artifacts or a JSON ABI file"),
                None,
            ));
        };
        let abi = abi_of(abi_name, context, artifacts, abi_files)?;
        let contract =
            artifacts.lookup(abi_name).map(|a| a.id.clone()).unwrap_or_else(|_| address.to_checksum(None));
        return Ok((Target::Address(address), contract, abi));
    }
    let known: Vec<String> = context.aliases.keys().map(|a| format!("`{a}`")).collect();
    Err(context.error(
        format!("`call = \"{name}\"` is neither an alias deployed by an earlier step nor an address"),
        Some(if known.is_empty() {
            "no step before this one has `as = \"…\"`".into()
        } else {
            format!("aliases defined so far: {}", known.join(", "))
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
    if let Some(function) = all.iter().find(|f| f.signature() == wanted) {
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
            toml::Value::Integer(number) => number.to_string(),
            toml::Value::Boolean(flag) => flag.to_string(),
            other => {
                return Err(context.error(
                    format!("argument {} of {what} must be a string, not `{other}`", position + 1),
                    Some("write every argument as a string, e.g. \"100\" or \"[1,2,3]\"".into()),
                ));
            }
        };
        let arg = parse_arg(&text, &ty, context).map_err(|()| {
            context.error(
                format!(
                    "argument {} of {what} is not {}: `{text}`",
                    position + 1,
                    with_article(&ty.sol_type_name())
                ),
                hint_for(&ty),
            )
        })?;
        types.push(ty);
        args.push(arg);
    }
    Ok((types, args))
}

fn parse_arg(text: &str, ty: &DynSolType, context: &StepContext<'_>) -> Result<Arg, ()> {
    if *ty == DynSolType::Address {
        if let Some(address) = context.accounts.get(text) {
            return Ok(Arg::Value(DynSolValue::Address(*address)));
        }
        if context.aliases.contains_key(text) {
            return Ok(Arg::Alias(text.to_owned()));
        }
    }
    // dyn-abi's parser messages point into the string with a caret; the hint says more.
    ty.coerce_str(text).map(Arg::Value).map_err(|_| ())
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
            Some("integers are decimal (or 0x hex) and must fit the type".into())
        }
        DynSolType::Address => {
            Some("use an account name, an alias from an earlier step, or a 0x address".into())
        }
        DynSolType::Bool => Some("booleans are `true` or `false`".into()),
        DynSolType::Bytes | DynSolType::FixedBytes(_) => Some("bytes are 0x-prefixed hex".into()),
        DynSolType::Array(_) | DynSolType::FixedArray(..) => Some("arrays are written as `[a, b, c]`".into()),
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

    #[test]
    fn wei_amounts() {
        assert_eq!(parse_wei("1000").unwrap(), U256::from(1000));
        assert_eq!(parse_wei("1.5 ether").unwrap(), U256::from(1_500_000_000_000_000_000u128));
        assert_eq!(parse_wei("20 gwei").unwrap(), U256::from(20_000_000_000u64));
        assert!(parse_wei("-5").is_err());
        assert!(parse_wei("1 dollar").unwrap_err().contains("unknown unit"));
    }
}
