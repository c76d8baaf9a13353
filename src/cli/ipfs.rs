//! `gasguard cid`, `gasguard publish`, and the IPFS halves of `record --publish` and
//! `registry show --fetch`: a report's CID, uploading its DAG, and fetching it back verified.
//!
//! The DAG and the CID come from [`crate::core::unixfs`], CAR files from [`crate::core::car`],
//! HTTP from [`crate::ipfs`]; this module decides: a node whose CID differs from the local one
//! is refused, a fetched block that does not hash to its CID is refused, and nothing is written
//! half.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use super::ExitStatus;
use crate::core::cid::Cid;
use crate::core::unixfs::{self, FileDag};
use crate::core::{car, number::group_digits};
use crate::ipfs::{Endpoint, IpfsError, IpfsHttp};
use crate::printer::Printer;
use crate::redact::expand_env;

/// The environment variable holding a bearer token for `--ipfs-api`, unless
/// `--ipfs-api-token-env` names another.
pub const DEFAULT_TOKEN_ENV: &str = "GASGUARD_IPFS_API_TOKEN";
/// Where `registry show --fetch` fetches from unless `--gateway` says otherwise: a public gateway
/// that serves the trustless forms (CAR and raw blocks). Whatever it sends is verified.
pub const DEFAULT_GATEWAY: &str = "https://trustless-gateway.link";
/// The largest report `--fetch` assembles (and the largest CAR it downloads): far above the
/// biggest reports (a 20,000-call report is about 8 MB), far below what would hurt a runner.
const FETCH_LIMIT: u64 = 256 << 20;

#[derive(Debug, clap::Args)]
pub struct CidArgs {
    /// The files, e.g. gas reports.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Where a report is published: a kubo node, a CAR file, or both.
#[derive(Debug, clap::Args)]
pub struct PublishTargetArgs {
    /// A kubo RPC API to upload to (`/api/v0/add`, pinned), e.g. `http://127.0.0.1:5001`;
    /// `${NAME}` parts are read from the environment.
    #[arg(long, value_name = "URL")]
    pub ipfs_api: Option<String>,
    /// Environment variable holding a bearer token for `--ipfs-api` (sent only if set).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_TOKEN_ENV)]
    pub ipfs_api_token_env: String,
    /// Write the report's DAG as a CARv1 file, for a pinning service that accepts CARs.
    #[arg(long, value_name = "PATH")]
    pub car: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The file to publish, e.g. a gas report.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub targets: PublishTargetArgs,
    /// Print what would be uploaded or written, and the CID; upload and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for the upload before giving up.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

/// Where to publish, resolved.
#[derive(Debug, Clone)]
pub struct PublishSettings {
    pub api: Option<Endpoint>,
    pub car: Option<PathBuf>,
}

impl PublishSettings {
    /// Resolves the targets; at least one is required.
    pub fn resolve(
        args: &PublishTargetArgs,
        env: &impl Fn(&str) -> Option<String>,
        printer: &Printer,
    ) -> anyhow::Result<Self> {
        if args.ipfs_api.is_none() && args.car.is_none() {
            bail!(
                "nowhere to publish to\n\nhint: give `--ipfs-api URL` (a kubo RPC API) or `--car PATH` (a CAR file for a pinning service), or both"
            );
        }
        let api = match &args.ipfs_api {
            Some(template) => {
                let url = expand_env(template, env)
                    .map_err(|message| anyhow!("invalid `--ipfs-api`: {message}"))?;
                printer.mask_url(&url);
                let token = env(&args.ipfs_api_token_env).filter(|token| !token.is_empty());
                if let Some(token) = &token {
                    printer.mask_secret(token);
                }
                Some(Endpoint::parse(&url, token).context("invalid `--ipfs-api`")?)
            }
            None => None,
        };
        Ok(Self { api, car: args.car.clone() })
    }
}

/// `gasguard cid FILE…`: one CID per line, in the order of the arguments. Every file is read
/// before anything is printed, so a missing one prints nothing.
pub(super) fn cid(args: CidArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut lines = String::new();
    for file in &args.files {
        let bytes = std::fs::read(file).with_context(|| format!("failed to read `{}`", file.display()))?;
        lines.push_str(&format!("{}\n", unixfs::file_cid(&bytes)));
    }
    printer.data(&lines);
    Ok(ExitStatus::Success)
}

/// `gasguard publish FILE`: uploads and/or writes a CAR, then prints the CID on stdout.
pub(super) fn publish_command(args: PublishArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let env = |name: &str| std::env::var(name).ok();
    let settings = PublishSettings::resolve(&args.targets, &env, printer)?;
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("failed to read `{name}`"))?;
    let dag = unixfs::import(&bytes);
    let timeout = Duration::from_secs(args.timeout);
    if args.dry_run {
        describe_publish(&settings, &name, &bytes, &dag, printer);
        printer.status("dry run: nothing was uploaded or written; drop `--dry-run` to publish");
    } else {
        publish(&settings, &args.file, &bytes, &dag, timeout, printer)?;
    }
    printer.data(&format!("{}\n", dag.root));
    Ok(ExitStatus::Success)
}

/// What publishing would do, for a dry run.
pub fn describe_publish(
    settings: &PublishSettings,
    name: &str,
    bytes: &[u8],
    dag: &FileDag<'_>,
    printer: &Printer,
) {
    let what = format!(
        "`{name}` ({} bytes, {} {}) as `{}`",
        group_digits(bytes.len() as u64),
        dag.blocks.len(),
        if dag.blocks.len() == 1 { "block" } else { "blocks" },
        dag.root
    );
    if let Some(api) = &settings.api {
        printer.status(&format!("would upload {what} to `{}`", api.display_url()));
    }
    if let Some(car) = &settings.car {
        printer.status(&format!("would write {what} to the CAR file `{}`", car.display()));
    }
}

/// Writes the CAR and/or uploads to the node, and fails unless the node's CID is the local one.
pub fn publish(
    settings: &PublishSettings,
    file: &Path,
    bytes: &[u8],
    dag: &FileDag<'_>,
    timeout: Duration,
    printer: &Printer,
) -> anyhow::Result<()> {
    let name = file.display().to_string();
    if let Some(path) = &settings.car {
        crate::fsutil::write_atomic(path, &car::write(&dag.root, &dag.blocks))?;
        printer.status(&format!(
            "wrote `{}`: a CARv1 of `{name}` ({} {}), root `{}`",
            path.display(),
            dag.blocks.len(),
            if dag.blocks.len() == 1 { "block" } else { "blocks" },
            dag.root
        ));
    }
    if let Some(api) = &settings.api {
        let http = IpfsHttp::new(timeout)?;
        let file_name = file.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let added = http.add(api, &file_name, bytes)?;
        let expected = dag.root.to_string();
        // The same CID in another base would do; anything else is another DAG.
        if added.hash.parse::<Cid>().ok() != Some(dag.root) {
            bail!(
                "`{}` stored `{name}` as `{}`, not as `{expected}`, the CID gasguard computed; nothing was recorded\n\nhint: the node does not add files with kubo's defaults (256 KiB chunks, raw leaves, 174 links per node); upload the CAR from `--car` with `ipfs dag import` instead",
                api.display_url(),
                added.hash
            );
        }
        printer.status(&format!("uploaded `{name}` to `{}` as `{expected}` (pinned)", api.display_url()));
    }
    Ok(())
}

/// `registry show --fetch`, resolved.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub gateway: Endpoint,
    pub out: Option<PathBuf>,
}

impl FetchSettings {
    pub fn resolve(
        gateway: Option<&str>,
        out: Option<PathBuf>,
        env: &impl Fn(&str) -> Option<String>,
        printer: &Printer,
    ) -> anyhow::Result<Self> {
        let url = expand_env(gateway.unwrap_or(DEFAULT_GATEWAY), env)
            .map_err(|message| anyhow!("invalid `--gateway`: {message}"))?;
        printer.mask_url(&url);
        Ok(Self { gateway: Endpoint::parse(&url, None).context("invalid `--gateway`")?, out })
    }
}

/// Downloads the report `ipfs_hash` names through the gateway, checks every block against its
/// CID and the file against its DAG, and returns its bytes. `entry` names the entry in errors.
pub fn fetch_report(
    settings: &FetchSettings,
    ipfs_hash: &str,
    entry: &str,
    timeout: Duration,
) -> anyhow::Result<Vec<u8>> {
    let gateway = settings.gateway.display_url();
    let cid: Cid = ipfs_hash.parse().with_context(|| format!("cannot fetch {entry}"))?;
    let http = IpfsHttp::new(timeout)?;
    let refused = |reason: String| {
        anyhow!(
            "refused the report of {entry} (`{cid}`) from gateway `{gateway}`: {reason}\n\nhint: the gateway sent bytes that are not the ones the chain names; try another `--gateway`"
        )
    };
    let blocks: BTreeMap<Cid, Vec<u8>> = match http.fetch_car(&settings.gateway, &cid, FETCH_LIMIT) {
        Ok(answer) => {
            let archive = car::read(&answer).map_err(|error| refused(error.to_string()))?;
            archive.blocks.into_iter().map(|(cid, bytes)| (cid, bytes.to_vec())).collect()
        }
        // A gateway that serves single blocks but not CARs: walk the DAG one block at a time.
        Err(IpfsError::Status { status: 400 | 406 | 415 | 501, .. }) => fetch_blocks(&http, settings, &cid)
            .map_err(|error| match error {
            BlockWalkError::Http(error) => anyhow!(error).context(format!("cannot fetch {entry}")),
            BlockWalkError::Refused(reason) => refused(reason),
        })?,
        Err(error) => return Err(anyhow!(error).context(format!("cannot fetch {entry}"))),
    };
    unixfs::read_file(&cid, &|wanted: &Cid| blocks.get(wanted).map(Vec::as_slice), FETCH_LIMIT)
        .map_err(|error| refused(error.to_string()))
}

enum BlockWalkError {
    Http(IpfsError),
    Refused(String),
}

/// Every block of the DAG under `root`, fetched with `?format=raw` and each checked against its
/// CID before its links are followed; at most [`FETCH_LIMIT`] bytes in all.
fn fetch_blocks(
    http: &IpfsHttp,
    settings: &FetchSettings,
    root: &Cid,
) -> Result<BTreeMap<Cid, Vec<u8>>, BlockWalkError> {
    let mut blocks = BTreeMap::new();
    let mut pending = vec![*root];
    let mut total: u64 = 0;
    while let Some(cid) = pending.pop() {
        if blocks.contains_key(&cid) {
            continue;
        }
        let bytes = http.fetch_block(&settings.gateway, &cid, FETCH_LIMIT).map_err(BlockWalkError::Http)?;
        if !cid.matches(&bytes) {
            return Err(BlockWalkError::Refused(format!(
                "block `{cid}` does not hash to its CID: its bytes were altered"
            )));
        }
        total += bytes.len() as u64;
        if total > FETCH_LIMIT {
            return Err(BlockWalkError::Refused(format!("the DAG holds more than {FETCH_LIMIT} bytes")));
        }
        let links =
            unixfs::links(&cid, &bytes).map_err(|error| BlockWalkError::Refused(error.to_string()))?;
        pending.extend(links.into_iter().rev());
        blocks.insert(cid, bytes);
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet() -> Printer {
        Printer::new(crate::printer::ColorChoice::Never, true, |_| None)
    }

    #[test]
    fn publishing_needs_a_target() {
        let args =
            PublishTargetArgs { ipfs_api: None, ipfs_api_token_env: DEFAULT_TOKEN_ENV.into(), car: None };
        let error = PublishSettings::resolve(&args, &|_| None, &quiet()).unwrap_err();
        assert!(error.to_string().starts_with("nowhere to publish to"), "{error}");
    }

    #[test]
    fn the_api_url_and_token_come_from_the_environment() {
        let args = PublishTargetArgs {
            ipfs_api: Some("https://${PIN_USER}@pin.example".into()),
            ipfs_api_token_env: DEFAULT_TOKEN_ENV.into(),
            car: None,
        };
        let env = |name: &str| match name {
            "PIN_USER" => Some("alice:s3cr3t".to_owned()),
            DEFAULT_TOKEN_ENV => Some("tok".to_owned()),
            _ => None,
        };
        let settings = PublishSettings::resolve(&args, &env, &quiet()).unwrap();
        assert_eq!(settings.api.unwrap().display_url(), "https://***@pin.example");
        let missing = PublishSettings::resolve(&args, &|_| None, &quiet()).unwrap_err();
        assert_eq!(missing.to_string(), "invalid `--ipfs-api`: environment variable `PIN_USER` is not set");
    }
}
