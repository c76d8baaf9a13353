//! `gasguard registry deploy`, `gasguard registry show` and `gasguard record`: the on-chain
//! registry of gas analyses.
//!
//! The clap structs here are plain data; `resolve` turns them (with the environment, where the
//! signing key and `${NAME}` parts of the URL live) into settings, and the commands take only
//! settings. The node is reached through [`crate::registry`], the entries come from
//! [`crate::core::record`] and the text from [`crate::core::render::registry`]; this module
//! decides (the chain id matches, an entry is already on record, dry run or send) and prints.
//! Publishing the report (`record --publish`) and fetching it back (`registry show --fetch`) are
//! [`super::ipfs`]'s; this module says when.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::primitives::{Address, U256};
use anyhow::{Context, anyhow, bail};
use clap::{Subcommand, ValueEnum};

use super::ExitStatus;
use super::ipfs::{FetchSettings, PublishSettings, PublishTargetArgs};
use crate::core::record::{PlannedStore, SentStore, plan_entries};
use crate::core::render::registry as render;
use crate::printer::Printer;
use crate::redact::expand_env;
use crate::registry::{RegistryNode, StoreRequest, load_signer, require_signer};

/// The environment variable that holds the signing key unless `--private-key-env` names another.
pub const DEFAULT_KEY_ENV: &str = "GASGUARD_PRIVATE_KEY";

#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    pub command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Deploy an AnalysisRegistry and print its address.
    Deploy(DeployArgs),
    /// Print a contract's entries in a registry: the latest, or all of them latest first.
    Show(ShowArgs),
}

/// The node to talk to.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    /// JSON-RPC URL of the registry's chain; `${NAME}` parts are read from the environment.
    #[arg(long, env = "GASGUARD_RPC_URL", hide_env_values = true, value_name = "URL")]
    pub rpc_url: String,
    /// Seconds to wait for each step (one request, or one receipt) before giving up.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

/// Who signs, and on which chain.
#[derive(Debug, clap::Args)]
pub struct SignerArgs {
    /// Environment variable that holds the signing key (hex). Keys are never taken as arguments.
    #[arg(long, default_value = DEFAULT_KEY_ENV, value_name = "NAME")]
    pub private_key_env: String,
    /// Refuse to run unless the node's chain id is this one.
    #[arg(long, value_name = "N")]
    pub chain_id: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    #[command(flatten)]
    pub signer: SignerArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Address of the registry.
    #[arg(value_name = "REGISTRY", value_parser = parse_address)]
    pub registry: Address,
    /// Address of the analysed contract.
    #[arg(value_name = "CONTRACT_ADDRESS", value_parser = parse_address)]
    pub contract: Address,
    #[command(flatten)]
    pub node: NodeArgs,
    /// Every entry, latest first (default: only the latest).
    #[arg(long)]
    pub all: bool,
    /// How to print the entries (JSON: `gasUsed` as a decimal string).
    #[arg(long, value_enum, default_value = "table")]
    pub format: ShowFormat,
    /// Download the latest entry's report through an IPFS gateway, verify every block against
    /// the CID on chain, and print it on stdout (or write it to `--out`).
    #[arg(long, conflicts_with = "all")]
    pub fetch: bool,
    /// The gateway for `--fetch` (its trustless `?format=car` form) [default: https://trustless-gateway.link].
    #[arg(long, value_name = "URL", requires = "fetch")]
    pub gateway: Option<String>,
    /// With `--fetch`: write the report here (atomically) and print the entries as usual.
    #[arg(long, short, value_name = "FILE", requires = "fetch")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The gas report to record (`gasguard run --out`).
    #[arg(long, default_value = "gas-report.json", value_name = "PATH")]
    pub report: PathBuf,
    /// Address of the registry.
    #[arg(long, value_name = "ADDRESS", value_parser = parse_address)]
    pub registry: Address,
    #[command(flatten)]
    pub node: NodeArgs,
    /// On-chain address of a contract of the report, by id or unique bare name (repeatable).
    /// Default: the address the report's deployment of the contract got.
    #[arg(long = "contract", value_name = "ID=0xADDRESS", value_parser = parse_mapping)]
    pub contracts: Vec<(String, Address)>,
    /// Ask indexers to list the entries (the default).
    #[arg(long, overrides_with = "private")]
    pub public: bool,
    /// Ask indexers not to list the entries. They are readable on chain all the same.
    #[arg(long, overrides_with = "public")]
    pub private: bool,
    /// Sign and send the transactions. Without it, print what would be sent and send nothing.
    #[arg(long)]
    pub send: bool,
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Publish the report (`--ipfs-api`, `--car`) before anything is sent on chain.
    #[arg(long)]
    pub publish: bool,
    #[command(flatten)]
    pub targets: PublishTargetArgs,
}

pub(super) fn parse_address(text: &str) -> Result<Address, String> {
    text.parse().map_err(|_| format!("`{text}` is not an address (0x and 40 hex digits)"))
}

pub(super) fn parse_mapping(text: &str) -> Result<(String, Address), String> {
    let (id, address) = text.rsplit_once('=').ok_or_else(|| format!("`{text}` is not `ID=0xADDRESS`"))?;
    if id.is_empty() {
        return Err(format!("`{text}` has no contract id before `=`"));
    }
    Ok((id.to_owned(), parse_address(address)?))
}

/// Where the node is, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NodeSettings {
    /// With `${NAME}` expanded: may hold a secret, shown only through `redact_url`.
    url: String,
    timeout: Duration,
}

impl NodeSettings {
    fn resolve(
        args: &NodeArgs,
        env: &impl Fn(&str) -> Option<String>,
        printer: &Printer,
    ) -> anyhow::Result<Self> {
        let url =
            expand_env(&args.rpc_url, env).map_err(|message| anyhow!("invalid `--rpc-url`: {message}"))?;
        printer.mask_url(&url);
        Ok(Self { url, timeout: Duration::from_secs(args.timeout) })
    }
}

/// `gasguard registry …`.
pub(super) fn run(args: RegistryArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let env = |name: &str| std::env::var(name).ok();
    match args.command {
        RegistryCommand::Deploy(args) => {
            let node = NodeSettings::resolve(&args.node, &env, printer)?;
            deploy(&node, &args.signer.private_key_env, args.signer.chain_id, &env, printer)
        }
        RegistryCommand::Show(args) => {
            let node = NodeSettings::resolve(&args.node, &env, printer)?;
            let fetch = if args.fetch {
                Some(FetchSettings::resolve(args.gateway.as_deref(), args.out, &env, printer)?)
            } else {
                None
            };
            show(&node, args.registry, args.contract, args.all, args.format, fetch.as_ref(), printer)
        }
    }
}

/// `gasguard record`.
pub(super) fn record(args: RecordArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let env = |name: &str| std::env::var(name).ok();
    let publish = if args.publish {
        Some(PublishSettings::resolve(&args.targets, &env, printer)?)
    } else if args.targets.ipfs_api.is_some() || args.targets.car.is_some() {
        bail!(
            "`--ipfs-api` and `--car` say where to publish, but `--publish` is not given\n\nhint: add `--publish`"
        );
    } else {
        None
    };
    let settings = RecordSettings {
        node: NodeSettings::resolve(&args.node, &env, printer)?,
        report: args.report,
        registry: args.registry,
        mapping: args.contracts,
        is_public: !args.private,
        send: args.send,
        key_env: args.signer.private_key_env,
        chain_id: args.signer.chain_id,
        publish,
    };
    run_record(&settings, &env, printer)
}

fn deploy(
    node_settings: &NodeSettings,
    key_env: &str,
    chain_id: Option<u64>,
    env: &impl Fn(&str) -> Option<String>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let signer = require_signer(key_env, env)?;
    let from = signer.address();
    let node = RegistryNode::connect(&node_settings.url, Some(signer), node_settings.timeout)?;
    let chain = check_chain(&node, chain_id)?;
    printer.status(&format!(
        "deploying AnalysisRegistry from `{from}` on `{}` (chain {chain})",
        node.display_url()
    ));
    let mined = node.deploy()?;
    let address = mined.contract_address.context("the deployment receipt names no contract")?;
    printer.data(&format!("{address}\n"));
    printer.status(&format!(
        "deployed in transaction `{}` (block {}, {} gas)",
        mined.hash,
        mined.block_number,
        crate::core::number::group_digits(mined.gas_used)
    ));
    Ok(ExitStatus::Success)
}

fn show(
    node_settings: &NodeSettings,
    registry: Address,
    contract: Address,
    all: bool,
    format: ShowFormat,
    fetch: Option<&FetchSettings>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let node = RegistryNode::connect(&node_settings.url, None, node_settings.timeout)?;
    ensure_registry(&node, registry)?;
    let count = node.count(registry, contract)?;
    let indexes: Vec<u64> =
        if all { (0..count).rev().collect() } else { count.checked_sub(1).into_iter().collect() };
    let entries = indexes
        .into_iter()
        .map(|index| node.entry(registry, contract, index))
        .collect::<Result<Vec<_>, _>>()?;
    printer.status(&format!(
        "{count} {} of `{contract}` in registry `{registry}` on `{}`",
        if count == 1 { "entry" } else { "entries" },
        node.display_url()
    ));
    if let Some(fetch) = fetch {
        let Some(entry) = entries.first() else {
            bail!("`{contract}` has no entry in registry `{registry}`: there is no report to fetch");
        };
        let name = format!("entry {} of `{contract}`", entry.index);
        let bytes = super::ipfs::fetch_report(fetch, &entry.ipfs_hash, &name, node_settings.timeout)?;
        let verified = format!(
            "the report of {name} ({} bytes) from `{}`, verified against `{}`",
            crate::core::number::group_digits(bytes.len() as u64),
            fetch.gateway.display_url(),
            entry.ipfs_hash
        );
        match &fetch.out {
            Some(path) => {
                crate::fsutil::write_atomic(path, &bytes)?;
                printer.status(&format!("wrote `{}`: {verified}", path.display()));
            }
            None => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    anyhow!("the report of {name} is not UTF-8 text\n\nhint: write it to a file with `--out`")
                })?;
                printer.status(&format!("fetched {verified}"));
                printer.data(&text);
                return Ok(ExitStatus::Success);
            }
        }
    }
    match format {
        ShowFormat::Json => printer.data(&render::entries_json(&entries)),
        ShowFormat::Table if !entries.is_empty() => {
            printer.data(&render::entries_table(&entries, printer.color_stdout));
        }
        ShowFormat::Table => {}
    }
    Ok(ExitStatus::Success)
}

/// Where the report at `report` stands in `registry` (for `gasguard html --registry`): for each
/// contract `record` would store it for (its deployment's address, or `mapping`), the latest
/// entry holding the report's content id and the transaction that stored it. A contract with
/// no such entry is listed as missing; that is the caller's to say loudly, not an error. The
/// node failing, or no registry at the address, is an error.
pub(super) fn find_recorded(
    node: &NodeArgs,
    registry: Address,
    report: &Path,
    mapping: &[(String, Address)],
    printer: &Printer,
) -> anyhow::Result<crate::core::render::html::RegistryRecord> {
    use crate::core::render::html::{RegistryEntry, RegistryRecord};

    let env = |name: &str| std::env::var(name).ok();
    let settings = NodeSettings::resolve(node, &env, printer)?;
    let report_name = report.display().to_string();
    let bytes =
        std::fs::read(report).with_context(|| format!("failed to read the report `{report_name}`"))?;
    let text = crate::import::decode(bytes.clone(), &report_name)?;
    let parsed = crate::import::parse_gasguard_report(&text, &report_name)
        .with_context(|| format!("cannot look `{report_name}` up in registry `{registry}`"))?;
    let planned = plan_entries(&parsed, mapping)
        .with_context(|| format!("cannot look `{report_name}` up in registry `{registry}`"))?;
    let cid = crate::core::unixfs::import(&bytes).root.to_string();
    let node = RegistryNode::connect(&settings.url, None, settings.timeout)?;
    let chain_id = check_chain(&node, None)?;
    ensure_registry(&node, registry)?;
    let mut record = RegistryRecord {
        registry: registry.to_string(),
        chain_id,
        cid,
        entries: Vec::new(),
        missing: Vec::new(),
    };
    for entry in planned {
        // Latest first: the entry a reader of the registry sees first.
        let mut found = None;
        for index in (0..node.count(registry, entry.address)?).rev() {
            if node.entry(registry, entry.address, index)?.ipfs_hash == record.cid {
                found = Some(index);
                break;
            }
        }
        match found {
            Some(index) => {
                let transaction = node.stored_transaction(registry, entry.address, &record.cid)?;
                record.entries.push(RegistryEntry {
                    contract: entry.contract,
                    address: entry.address.to_string(),
                    index,
                    transaction: transaction.map(|hash| hash.to_string()),
                });
            }
            None => record.missing.push((entry.contract, entry.address.to_string())),
        }
    }
    printer.status(&format!(
        "registry `{registry}` on `{}` (chain {chain_id}): {} of {} contracts hold `{report_name}` ({})",
        node.display_url(),
        record.entries.len(),
        record.entries.len() + record.missing.len(),
        record.cid
    ));
    Ok(record)
}

/// `gasguard record`, resolved.
#[derive(Debug, Clone)]
struct RecordSettings {
    node: NodeSettings,
    report: PathBuf,
    registry: Address,
    mapping: Vec<(String, Address)>,
    is_public: bool,
    send: bool,
    key_env: String,
    chain_id: Option<u64>,
    /// Where `--publish` uploads or writes the report.
    publish: Option<PublishSettings>,
}

fn run_record(
    settings: &RecordSettings,
    env: &impl Fn(&str) -> Option<String>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let report_name = settings.report.display().to_string();
    // The exact bytes: the content id names them, and they are what goes to IPFS.
    let bytes = std::fs::read(&settings.report)
        .with_context(|| format!("failed to read the report `{report_name}`"))?;
    let text = crate::import::decode(bytes.clone(), &report_name)?;
    let report = crate::import::parse_gasguard_report(&text, &report_name)?;
    let entries =
        plan_entries(&report, &settings.mapping).with_context(|| format!("cannot record `{report_name}`"))?;
    // The CID `ipfs add --cid-version 1` gives the file, so that it resolves once published.
    let dag = crate::core::unixfs::import(&bytes);
    let cid = dag.root.to_string();

    let signer = if settings.send {
        Some(require_signer(&settings.key_env, env)?)
    } else {
        load_signer(&settings.key_env, env)?
    };
    let from = signer.as_ref().map(|signer| signer.address());
    let node = RegistryNode::connect(&settings.node.url, signer, settings.node.timeout)?;
    let chain = check_chain(&node, settings.chain_id)?;
    ensure_registry(&node, settings.registry)?;
    printer.status(&format!(
        "recording `{report_name}` ({cid}) in registry `{}` on `{}` (chain {chain})",
        settings.registry,
        node.display_url()
    ));

    // Published before anything is sent: an entry must never name a report that is nowhere.
    if let Some(publish) = &settings.publish {
        if settings.send {
            super::ipfs::publish(publish, &settings.report, &bytes, &dag, settings.node.timeout, printer)?;
        } else {
            super::ipfs::describe_publish(publish, &report_name, &bytes, &dag, printer);
        }
    }

    let copy = cid_file(&settings.report, &cid);
    crate::fsutil::write_atomic(&copy, &bytes)?;
    printer.status(&format!("wrote `{}`: the report's exact bytes, to upload to IPFS", copy.display()));

    let gas_price = if settings.send { 0 } else { node.gas_price()? };
    let mut planned = Vec::new();
    let mut sent = Vec::new();
    let mut skipped = 0;
    let outcome = (|| -> anyhow::Result<()> {
        for entry in entries {
            if let Some(latest) = node.latest(settings.registry, entry.address)?
                && latest.ipfs_hash == cid
            {
                printer.status(&format!(
                    "skipped `{}` at `{}`: its latest entry (index {}) already holds this report",
                    entry.contract, entry.address, latest.index
                ));
                skipped += 1;
                continue;
            }
            let request = StoreRequest {
                contract: entry.address,
                ipfs_hash: cid.clone(),
                gas_used: U256::from(entry.gas_used),
                is_public: settings.is_public,
            };
            if settings.send {
                let mined = node.store(settings.registry, &request)?;
                let index = match node.stored_index(settings.registry, entry.address, &mined) {
                    Ok(index) => Some(index),
                    Err(error) => {
                        printer.warn(&format!("stored, but the entry's index is unknown: {error}"));
                        None
                    }
                };
                printer.status(&format!("stored `{}` in transaction `{}`", entry.contract, mined.hash));
                sent.push(SentStore {
                    contract: entry.contract,
                    address: entry.address,
                    index,
                    transaction: mined.hash,
                    gas: mined.gas_used,
                });
            } else {
                let estimated_gas = node.estimate_store(settings.registry, &request, from)?;
                planned.push(PlannedStore {
                    calldata: request.calldata(),
                    entry,
                    ipfs_hash: cid.clone(),
                    is_public: settings.is_public,
                    to: settings.registry,
                    from,
                    estimated_gas,
                    gas_price,
                });
            }
        }
        Ok(())
    })();

    // What was sent before a failure is printed all the same: those transactions are on chain.
    if !sent.is_empty() {
        printer.data(&render::sent_table(&sent, printer.color_stdout));
    }
    outcome?;
    let skipped_note = if skipped > 0 { format!(", {skipped} already on record") } else { String::new() };
    if settings.send {
        printer.status(&format!("recorded {} {}{skipped_note}", sent.len(), entries_word(sent.len())));
    } else {
        if !planned.is_empty() {
            printer.data(&render::dry_run(&planned));
        }
        let (nothing, publish) = if settings.publish.is_some() {
            ("uploaded or sent", "publish the report and ")
        } else {
            ("sent", "")
        };
        printer.status(&format!(
            "dry run: nothing was {nothing}; add `--send` to {publish}store {} {}{skipped_note}",
            planned.len(),
            entries_word(planned.len())
        ));
    }
    Ok(ExitStatus::Success)
}

fn entries_word(count: usize) -> &'static str {
    if count == 1 { "entry" } else { "entries" }
}

/// `<CID>.json` in the report's folder.
fn cid_file(report: &Path, cid: &str) -> PathBuf {
    report.with_file_name(format!("{cid}.json"))
}

/// The node's chain id, which must be `expected` when one is given.
fn check_chain(node: &RegistryNode, expected: Option<u64>) -> anyhow::Result<u64> {
    let actual = node.chain_id()?;
    match expected {
        Some(expected) if expected != actual => bail!(
            "`{}` is chain {actual}, not chain {expected} (`--chain-id`); nothing was sent\n\nhint: check `--rpc-url` and `--chain-id`",
            node.display_url()
        ),
        _ => Ok(actual),
    }
}

/// Fails unless `registry` holds code.
fn ensure_registry(node: &RegistryNode, registry: Address) -> anyhow::Result<()> {
    if !node.has_code(registry)? {
        bail!(
            "there is no contract at registry address `{registry}` on `{}`\n\nhint: check `--rpc-url` and the address, or deploy a registry with `gasguard registry deploy`",
            node.display_url()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_split_at_the_last_equals_sign() {
        let address: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3".parse().unwrap();
        assert_eq!(
            parse_mapping("contracts/Token.sol:Token=0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            Ok(("contracts/Token.sol:Token".to_owned(), address))
        );
        assert_eq!(parse_mapping("Token"), Err("`Token` is not `ID=0xADDRESS`".to_owned()));
        assert_eq!(
            parse_mapping("=0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            Err("`=0x5FbDB2315678afecb367f032d93F642f64180aa3` has no contract id before `=`".to_owned())
        );
        assert_eq!(
            parse_mapping("Token=0x12"),
            Err("`0x12` is not an address (0x and 40 hex digits)".to_owned())
        );
    }

    #[test]
    fn the_copy_goes_next_to_the_report() {
        assert_eq!(cid_file(Path::new("out/gas-report.json"), "bafk"), PathBuf::from("out/bafk.json"));
        assert_eq!(cid_file(Path::new("gas-report.json"), "bafk"), PathBuf::from("bafk.json"));
    }
}
