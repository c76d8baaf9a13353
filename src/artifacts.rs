//! Loading compiled contracts: a Foundry `out/` directory, a Hardhat `artifacts/` directory or a
//! solc `--standard-json` output file. This is an adapter: it reads files and hands the rest of
//! the program plain [`Artifact`] values.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use alloy::json_abi::JsonAbi;
use serde_json::Value;

use crate::core::build::CompilerSettings;

/// Which tool wrote the artifacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactFormat {
    Foundry,
    Hardhat,
    /// A solc `--standard-json` output file.
    Solc,
}

impl fmt::Display for ArtifactFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Foundry => "foundry",
            Self::Hardhat => "hardhat",
            Self::Solc => "solc",
        })
    }
}

impl FromStr for ArtifactFormat {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "foundry" => Ok(Self::Foundry),
            "hardhat" => Ok(Self::Hardhat),
            "solc" => Ok(Self::Solc),
            other => Err(format!("unknown artifact format `{other}` (expected foundry, hardhat or solc)")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("failed to read `{path}`")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("malformed artifact `{path}`: {message}")]
    Malformed { path: PathBuf, message: String },
    #[error(
        "cannot tell the artifact format of `{path}`: expected a Foundry `out/` directory, a Hardhat `artifacts/` directory or a solc standard-json output file"
    )]
    UnknownFormat { path: PathBuf },
    #[error("no contracts found in `{path}` ({format} format)")]
    Empty { path: PathBuf, format: ArtifactFormat },
    #[error("contract `{id}` is defined twice: in `{first}` and in `{second}`")]
    Duplicate { id: String, first: PathBuf, second: PathBuf },
}

/// Bytecode that may still hold library placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkableCode {
    /// Lower-case hex without `0x`; placeholder bytes are left as they were written.
    pub hex: String,
    /// Where each library address goes, by library id (`path/File.sol:Name`).
    pub link_references: Vec<LinkReference>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkReference {
    pub library: String,
    /// Byte offset into the code.
    pub start: usize,
    /// Always 20 (an address), kept for checking.
    pub length: usize,
}

impl LinkableCode {
    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.hex.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.hex.is_empty()
    }

    /// The libraries this code needs, each once, sorted.
    pub fn libraries(&self) -> Vec<&str> {
        let mut libraries: Vec<&str> = self.link_references.iter().map(|r| r.library.as_str()).collect();
        libraries.sort_unstable();
        libraries.dedup();
        libraries
    }

    /// Links every library and decodes the code. `address_of` returns a library's address.
    pub fn link<E>(
        &self,
        mut address_of: impl FnMut(&str) -> Result<alloy::primitives::Address, E>,
    ) -> Result<Vec<u8>, E> {
        let mut hex = self.hex.clone();
        for reference in &self.link_references {
            let address = address_of(&reference.library)?;
            let encoded = alloy::primitives::hex::encode(address.as_slice());
            hex.replace_range(reference.start * 2..(reference.start + reference.length) * 2, &encoded);
        }
        // Placeholders were all replaced above and the loader checked the rest is hex.
        Ok(alloy::primitives::hex::decode(&hex).unwrap_or_default())
    }
}

/// One compiled contract.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Fully qualified id, `path/File.sol:Name`.
    pub id: String,
    pub name: String,
    pub abi: JsonAbi,
    /// Init code. Empty for interfaces and abstract contracts.
    pub bytecode: LinkableCode,
    /// Runtime code size in bytes as the compiler reports it.
    pub deployed_size: usize,
    /// A Solidity `library`: its runtime code starts with the call guard solc puts in every
    /// library (`PUSH20 <own address> ADDRESS EQ`, the address still zero in the artifact).
    pub is_library: bool,
    /// The file it was read from, for messages.
    pub path: PathBuf,
    /// How it was compiled, from its metadata (Foundry and solc standard JSON carry it; Hardhat
    /// keeps it in build info, which is not read).
    pub settings: Option<CompilerSettings>,
    /// What gas attribution needs to recognise the code and map it to source lines.
    pub debug: CodeDebug,
}

/// The parts of an artifact that let executed code be recognised and mapped back to source
/// lines. Every field may be empty: artifacts written without them still run, unattributed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeDebug {
    /// Runtime code as compiled: placeholders and immutables not yet filled in.
    pub deployed_bytecode: LinkableCode,
    /// Byte ranges `(start, length)` of the runtime code that the constructor fills in.
    pub immutable_ranges: Vec<(usize, usize)>,
    /// The compressed solc source maps (`s:l:f:j:m;…`) of the init and runtime code.
    pub source_map: Option<String>,
    pub deployed_source_map: Option<String>,
}

/// The source files of a build: solc's source ids, and each file's text when the build keeps it
/// (Hardhat build info, the standard-json input beside its output).
#[derive(Debug, Clone, Default)]
pub struct SourceFiles {
    /// Source id → source unit name (`contracts/Token.sol`).
    pub by_id: BTreeMap<u32, String>,
    /// Source unit name → its text.
    pub content: BTreeMap<String, String>,
}

/// All contracts of a build, keyed by fully qualified id.
#[derive(Debug, Clone, Default)]
pub struct ArtifactSet {
    pub format: Option<ArtifactFormat>,
    pub root: PathBuf,
    pub contracts: BTreeMap<String, Artifact>,
    /// Source ids and texts, for mapping executed code to lines.
    pub sources: SourceFiles,
}

/// Why a contract name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("no contract `{name}` in the artifacts{}", hint_list(.known))]
    Unknown { name: String, known: Vec<String> },
    #[error("contract name `{name}` is ambiguous; use one of the fully qualified ids: {}", .candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))]
    Ambiguous { name: String, candidates: Vec<String> },
}

fn hint_list(known: &[String]) -> String {
    const SHOWN: usize = 12;
    if known.is_empty() {
        return String::new();
    }
    let mut list: Vec<String> = known.iter().take(SHOWN).map(|k| format!("`{k}`")).collect();
    if known.len() > SHOWN {
        list.push(format!("and {} more", known.len() - SHOWN));
    }
    format!("; known contracts: {}", list.join(", "))
}

impl ArtifactSet {
    /// Finds a contract by fully qualified id, or by bare name when that name is unique.
    pub fn lookup(&self, name: &str) -> Result<&Artifact, LookupError> {
        if let Some(artifact) = self.contracts.get(name) {
            return Ok(artifact);
        }
        let candidates: Vec<&Artifact> = self.contracts.values().filter(|a| a.name == name).collect();
        match candidates.as_slice() {
            [one] => Ok(one),
            [] => Err(LookupError::Unknown {
                name: name.to_owned(),
                known: self.contracts.keys().cloned().collect(),
            }),
            many => Err(LookupError::Ambiguous {
                name: name.to_owned(),
                candidates: many.iter().map(|a| a.id.clone()).collect(),
            }),
        }
    }

    /// Every custom error declared in any ABI, for decoding reverts.
    pub fn errors(&self) -> impl Iterator<Item = &alloy::json_abi::Error> {
        self.contracts.values().flat_map(|artifact| artifact.abi.errors())
    }
}

/// Loads artifacts from `path`, detecting the format unless `format` is given.
pub fn load(path: &Path, format: Option<ArtifactFormat>) -> Result<ArtifactSet, ArtifactError> {
    let format = match format {
        Some(format) => format,
        None => detect(path)?,
    };
    let mut set = ArtifactSet {
        format: Some(format),
        root: path.to_owned(),
        contracts: BTreeMap::new(),
        sources: read_sources(path, format),
    };
    let artifacts = match format {
        ArtifactFormat::Solc => read_standard_json(path)?,
        ArtifactFormat::Foundry | ArtifactFormat::Hardhat => {
            let mut files = Vec::new();
            collect_json_files(path, &mut files)?;
            let mut artifacts = Vec::new();
            for file in files {
                let value = read_json(&file)?;
                let parsed = match format {
                    ArtifactFormat::Foundry => parse_foundry(&file, &value)?,
                    _ => parse_hardhat(&file, &value)?,
                };
                artifacts.extend(parsed);
            }
            artifacts
        }
    };
    let hardhat_debug = if format == ArtifactFormat::Hardhat { hardhat_debug(path) } else { BTreeMap::new() };
    for mut artifact in artifacts {
        if let Some((source_map, deployed_source_map, immutable_ranges)) = hardhat_debug.get(&artifact.id) {
            artifact.debug.source_map.clone_from(source_map);
            artifact.debug.deployed_source_map.clone_from(deployed_source_map);
            artifact.debug.immutable_ranges.clone_from(immutable_ranges);
        }
        if let Some(previous) = set.contracts.get(&artifact.id) {
            // Foundry writes one file per compiler version of the same contract; keep the
            // first, but never silently mix two different contracts under one id.
            if previous.bytecode == artifact.bytecode {
                continue;
            }
            return Err(ArtifactError::Duplicate {
                id: artifact.id.clone(),
                first: previous.path.clone(),
                second: artifact.path.clone(),
            });
        }
        set.contracts.insert(artifact.id.clone(), artifact);
    }
    if set.contracts.is_empty() {
        return Err(ArtifactError::Empty { path: path.to_owned(), format });
    }
    if format == ArtifactFormat::Hardhat {
        let by_source = hardhat_build_settings(path);
        for artifact in set.contracts.values_mut() {
            let source = artifact.id.rsplit_once(':').map_or("", |(source, _)| source);
            artifact.settings = by_source.get(source).cloned();
        }
    }
    Ok(set)
}

/// Hardhat keeps compiler settings in `build-info/*.json`: the settings of each source file.
/// Unreadable build info only loses the fingerprints, never the contracts.
fn hardhat_build_settings(root: &Path) -> BTreeMap<String, CompilerSettings> {
    let mut by_source = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(root.join("build-info")) else { return by_source };
    let mut files: Vec<PathBuf> = entries.filter_map(|entry| Some(entry.ok()?.path())).collect();
    files.sort();
    for file in files.iter().filter(|file| file.extension().is_some_and(|ext| ext == "json")) {
        let Ok(value) = read_json(file) else { continue };
        let compiler = value.get("solcLongVersion").and_then(Value::as_str);
        let Some(settings) = settings_from(compiler, value.pointer("/input/settings")) else { continue };
        if let Some(Value::Object(sources)) = value.pointer("/input/sources") {
            for source in sources.keys() {
                by_source.insert(source.clone(), settings.clone());
            }
        }
    }
    by_source
}

/// Build info files (`build-info/*.json` below a Foundry `out/` or Hardhat `artifacts/`), parsed;
/// unreadable ones are skipped: they only serve attribution.
fn build_infos(root: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(root.join("build-info")) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files.into_iter().filter_map(|file| read_json(&file).ok()).collect()
}

/// Source ids and texts from solc's `output.sources` and `input.sources` (standard JSON).
fn add_standard_sources(sources: &mut SourceFiles, input: Option<&Value>, output: Option<&Value>) {
    if let Some(Value::Object(files)) = output.and_then(|output| output.get("sources")) {
        for (name, source) in files {
            if let Some(id) = source.get("id").and_then(Value::as_u64) {
                sources.by_id.insert(id as u32, name.clone());
            }
        }
    }
    if let Some(Value::Object(files)) = input.and_then(|input| input.get("sources")) {
        for (name, source) in files {
            if let Some(content) = source.get("content").and_then(Value::as_str) {
                sources.content.insert(name.clone(), content.to_owned());
            }
        }
    }
}

/// The build's source ids and, where the build keeps them, the source texts. Best effort: a build
/// without them is profiled the same, with fewer source lines in its attribution.
fn read_sources(path: &Path, format: ArtifactFormat) -> SourceFiles {
    let mut sources = SourceFiles::default();
    match format {
        ArtifactFormat::Foundry | ArtifactFormat::Hardhat => {
            for info in build_infos(path) {
                // Foundry's default build info: `{ "id", "source_id_to_path": { "0": "src/A.sol" } }`.
                if let Some(Value::Object(ids)) = info.get("source_id_to_path") {
                    for (id, name) in ids {
                        if let (Ok(id), Some(name)) = (id.parse::<u32>(), name.as_str()) {
                            sources.by_id.insert(id, name.to_owned());
                        }
                    }
                }
                add_standard_sources(&mut sources, info.get("input"), info.get("output"));
            }
        }
        ArtifactFormat::Solc => {
            let output = read_json(path).ok();
            let input = read_json(&path.with_file_name("input.json")).ok();
            add_standard_sources(&mut sources, input.as_ref(), output.as_ref());
        }
    }
    sources
}

/// Source maps and immutable references of every contract of a Hardhat build, by contract id.
type HardhatDebug = BTreeMap<String, (Option<String>, Option<String>, Vec<(usize, usize)>)>;

fn hardhat_debug(root: &Path) -> HardhatDebug {
    let mut debug = HardhatDebug::new();
    for info in build_infos(root) {
        let Some(Value::Object(files)) = info.pointer("/output/contracts") else { continue };
        for (file, contracts) in files {
            let Value::Object(contracts) = contracts else { continue };
            for (name, contract) in contracts {
                let text =
                    |pointer: &str| contract.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
                let mut ranges = Vec::new();
                if let Some(Value::Object(references)) =
                    contract.pointer("/evm/deployedBytecode/immutableReferences")
                {
                    for offset in references.values().filter_map(Value::as_array).flatten() {
                        let field = |name: &str| offset.get(name).and_then(Value::as_u64).map(|n| n as usize);
                        if let (Some(start), Some(length)) = (field("start"), field("length")) {
                            ranges.push((start, length));
                        }
                    }
                }
                debug.insert(
                    format!("{file}:{name}"),
                    (text("/evm/bytecode/sourceMap"), text("/evm/deployedBytecode/sourceMap"), ranges),
                );
            }
        }
    }
    debug
}

fn detect(path: &Path) -> Result<ArtifactFormat, ArtifactError> {
    let io = |source| ArtifactError::Io { path: path.to_owned(), source };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.is_file() {
        let value = read_json(path)?;
        if value.get("contracts").is_some_and(Value::is_object) {
            return Ok(ArtifactFormat::Solc);
        }
        return Err(ArtifactError::UnknownFormat { path: path.to_owned() });
    }
    let mut files = Vec::new();
    collect_json_files(path, &mut files)?;
    for file in &files {
        let Ok(value) = read_json(file) else { continue };
        if value.get("_format").and_then(Value::as_str).is_some_and(|f| f.starts_with("hh")) {
            return Ok(ArtifactFormat::Hardhat);
        }
        if value.get("bytecode").is_some_and(|b| b.get("object").is_some()) {
            return Ok(ArtifactFormat::Foundry);
        }
    }
    Err(ArtifactError::UnknownFormat { path: path.to_owned() })
}

/// Contract JSON files below `dir`, sorted, skipping build info and Hardhat debug files.
fn collect_json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ArtifactError> {
    let io = |source| ArtifactError::Io { path: dir.to_owned(), source };
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "build-info" {
                collect_json_files(&path, out)?;
            }
        } else if name.ends_with(".json") && !name.ends_with(".dbg.json") {
            out.push(path);
        }
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<Value, ArtifactError> {
    let bytes = std::fs::read(path).map_err(|source| ArtifactError::Io { path: path.to_owned(), source })?;
    serde_json::from_slice(&bytes)
        .map_err(|error| ArtifactError::Malformed { path: path.to_owned(), message: error.to_string() })
}

fn malformed(path: &Path, message: impl Into<String>) -> ArtifactError {
    ArtifactError::Malformed { path: path.to_owned(), message: message.into() }
}

fn parse_abi(path: &Path, value: Option<&Value>, what: &str) -> Result<JsonAbi, ArtifactError> {
    let value = value.ok_or_else(|| malformed(path, format!("{what}: missing `abi`")))?;
    // Read in place rather than from a copy of the value.
    serde::Deserialize::deserialize(value).map_err(|error| malformed(path, format!("{what}: `abi`: {error}")))
}

/// Reads a bytecode string (with or without `0x`) and its link references
/// (`{ "path": { "Lib": [{"start", "length"}] } }`).
fn parse_code(
    path: &Path,
    object: Option<&Value>,
    link_references: Option<&Value>,
    what: &str,
) -> Result<LinkableCode, ArtifactError> {
    let object = object.and_then(Value::as_str).unwrap_or("");
    let hex = object.strip_prefix("0x").unwrap_or(object).to_ascii_lowercase();
    if !hex.len().is_multiple_of(2) {
        return Err(malformed(path, format!("{what}: bytecode has an odd number of hex digits")));
    }
    let mut references = Vec::new();
    if let Some(Value::Object(files)) = link_references {
        for (file, libraries) in files {
            let Value::Object(libraries) = libraries else {
                return Err(malformed(path, format!("{what}: `linkReferences.{file}` is not an object")));
            };
            for (library, offsets) in libraries {
                let offsets = offsets.as_array().ok_or_else(|| {
                    malformed(path, format!("{what}: `linkReferences.{file}.{library}` is not a list"))
                })?;
                for offset in offsets {
                    let field = |name: &str| offset.get(name).and_then(Value::as_u64).map(|n| n as usize);
                    let (Some(start), Some(length)) = (field("start"), field("length")) else {
                        return Err(malformed(path, format!("{what}: bad link reference for `{library}`")));
                    };
                    if length != 20 || (start + length) * 2 > hex.len() {
                        return Err(malformed(
                            path,
                            format!("{what}: link reference for `{library}` is outside the bytecode"),
                        ));
                    }
                    references.push(LinkReference { library: format!("{file}:{library}"), start, length });
                }
            }
        }
    }
    references.sort_by_key(|r| r.start);
    // Outside the placeholders, the code must be plain hex.
    let mut position = 0;
    for reference in &references {
        check_hex(path, &hex[position..reference.start * 2], what)?;
        position = (reference.start + reference.length) * 2;
    }
    check_hex(path, &hex[position.min(hex.len())..], what)?;
    Ok(LinkableCode { hex, link_references: references })
}

fn check_hex(path: &Path, hex: &str, what: &str) -> Result<(), ArtifactError> {
    if hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(());
    }
    if let Some(at) = hex.find("__$") {
        let end = (at + 40).min(hex.len());
        return Err(malformed(
            path,
            format!("{what}: unlinked library placeholder `{}` has no link reference", &hex[at..end]),
        ));
    }
    Err(malformed(path, format!("{what}: bytecode is not hex")))
}

/// Where a contract's ABI and codes are in its JSON: each code as (hex string, link references).
struct Parts<'a> {
    abi: Option<&'a Value>,
    code: (Option<&'a Value>, Option<&'a Value>),
    deployed: (Option<&'a Value>, Option<&'a Value>),
    /// The compiler metadata: an object, or the JSON text of one.
    metadata: Option<&'a Value>,
    /// Source maps of the init and runtime code, and the runtime code's immutable references.
    source_maps: (Option<&'a Value>, Option<&'a Value>),
    immutables: Option<&'a Value>,
}

/// `{ "object": …, "linkReferences": … }`, as Foundry and solc nest a code.
fn nested(code: Option<&Value>) -> (Option<&Value>, Option<&Value>) {
    (code.and_then(|c| c.get("object")), code.and_then(|c| c.get("linkReferences")))
}

/// How solc starts the runtime code of a library: `PUSH20 0x00…00 ADDRESS EQ`.
const LIBRARY_GUARD: &str = "7300000000000000000000000000000000000000003014";

fn artifact(path: &Path, file: &str, name: &str, parts: Parts<'_>) -> Result<Artifact, ArtifactError> {
    let what = format!("contract `{file}:{name}`");
    let abi = parse_abi(path, parts.abi, &what)?;
    let code = parse_code(path, parts.code.0, parts.code.1, &what)?;
    let deployed = parse_code(path, parts.deployed.0, parts.deployed.1, &what)?;
    let source_map = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    // `{ "astId": [{ "start", "length" }] }`; anything else is ignored (recognition then fails
    // for code with immutables, which only costs the attribution of that contract's lines).
    let mut immutable_ranges = Vec::new();
    if let Some(Value::Object(references)) = parts.immutables {
        for offsets in references.values().filter_map(Value::as_array) {
            for offset in offsets {
                let field = |name: &str| offset.get(name).and_then(Value::as_u64).map(|n| n as usize);
                if let (Some(start), Some(length)) = (field("start"), field("length")) {
                    immutable_ranges.push((start, length));
                }
            }
        }
    }
    Ok(Artifact {
        id: format!("{file}:{name}"),
        name: name.to_owned(),
        abi,
        bytecode: code,
        deployed_size: deployed.len(),
        is_library: deployed.hex.starts_with(LIBRARY_GUARD),
        path: path.to_owned(),
        settings: parts.metadata.and_then(compiler_settings),
        debug: CodeDebug {
            deployed_bytecode: deployed,
            immutable_ranges,
            source_map: source_map(parts.source_maps.0),
            deployed_source_map: source_map(parts.source_maps.1),
        },
    })
}

/// The build settings in a contract's compiler metadata; `None` when there is no usable
/// metadata (a missing or malformed one only loses the fingerprint, never the contract).
fn compiler_settings(metadata: &Value) -> Option<CompilerSettings> {
    let parsed;
    let metadata = match metadata {
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).ok()?;
            &parsed
        }
        other => other,
    };
    settings_from(metadata.pointer("/compiler/version").and_then(Value::as_str), metadata.get("settings"))
}

/// [`CompilerSettings`] from a compiler version and a solc `settings` object (metadata or
/// standard-JSON input: the same shape). solc leaves `viaIR` out when it is off.
fn settings_from(compiler: Option<&str>, settings: Option<&Value>) -> Option<CompilerSettings> {
    let optimizer = settings.and_then(|s| s.get("optimizer"));
    let found = CompilerSettings {
        compiler: compiler.map(str::to_owned),
        optimizer: optimizer.and_then(|o| o.get("enabled")).and_then(Value::as_bool),
        runs: optimizer.and_then(|o| o.get("runs")).and_then(Value::as_u64),
        via_ir: settings.and_then(|s| s.get("viaIR")).and_then(Value::as_bool).or(settings.map(|_| false)),
        evm_version: settings.and_then(|s| s.get("evmVersion")).and_then(Value::as_str).map(str::to_owned),
    };
    (found != CompilerSettings::default()).then_some(found)
}

fn parse_foundry(path: &Path, value: &Value) -> Result<Vec<Artifact>, ArtifactError> {
    // Files without bytecode are not contract artifacts (e.g. foundry's cache files).
    let Some(bytecode) = value.get("bytecode").filter(|b| b.get("object").is_some()) else {
        return Ok(Vec::new());
    };
    let target = value
        .pointer("/metadata/settings/compilationTarget")
        .and_then(Value::as_object)
        .and_then(|target| target.iter().next())
        .and_then(|(file, name)| Some((file.clone(), name.as_str()?.to_owned())));
    let (file, name) = match target {
        Some(target) => target,
        None => {
            // Older artifacts: the directory is the source file name, the file stem the contract.
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let name = name.split('.').next().unwrap_or_default().to_owned();
            let file = value
                .pointer("/ast/absolutePath")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| path.parent()?.file_name()?.to_str().map(str::to_owned))
                .unwrap_or_default();
            (file, name)
        }
    };
    let parts = Parts {
        abi: value.get("abi"),
        code: nested(Some(bytecode)),
        deployed: nested(value.get("deployedBytecode")),
        metadata: value.get("metadata").or(value.get("rawMetadata")),
        source_maps: (bytecode.get("sourceMap"), value.pointer("/deployedBytecode/sourceMap")),
        immutables: value.pointer("/deployedBytecode/immutableReferences"),
    };
    Ok(vec![artifact(path, &file, &name, parts)?])
}

fn parse_hardhat(path: &Path, value: &Value) -> Result<Vec<Artifact>, ArtifactError> {
    if !value.get("_format").and_then(Value::as_str).is_some_and(|f| f.starts_with("hh")) {
        return Ok(Vec::new());
    }
    let field = |key: &str| {
        value.get(key).and_then(Value::as_str).ok_or_else(|| malformed(path, format!("missing `{key}`")))
    };
    let (file, name) = (field("sourceName")?, field("contractName")?);
    // Hardhat keeps source maps and immutables in the build info, read by `read_sources`'s
    // sibling `hardhat_debug`.
    let parts = Parts {
        abi: value.get("abi"),
        code: (value.get("bytecode"), value.get("linkReferences")),
        deployed: (value.get("deployedBytecode"), value.get("deployedLinkReferences")),
        metadata: None,
        source_maps: (None, None),
        immutables: None,
    };
    Ok(vec![artifact(path, file, name, parts)?])
}

fn read_standard_json(path: &Path) -> Result<Vec<Artifact>, ArtifactError> {
    let value = read_json(path)?;
    let Some(Value::Object(files)) = value.get("contracts") else {
        return Err(malformed(path, "missing `contracts` object (is this solc --standard-json output?)"));
    };
    let mut artifacts = Vec::new();
    for (file, contracts) in files {
        let Value::Object(contracts) = contracts else {
            return Err(malformed(path, format!("`contracts.{file}` is not an object")));
        };
        for (name, contract) in contracts {
            let parts = Parts {
                abi: contract.get("abi"),
                code: nested(contract.pointer("/evm/bytecode")),
                deployed: nested(contract.pointer("/evm/deployedBytecode")),
                metadata: contract.get("metadata"),
                source_maps: (
                    contract.pointer("/evm/bytecode/sourceMap"),
                    contract.pointer("/evm/deployedBytecode/sourceMap"),
                ),
                immutables: contract.pointer("/evm/deployedBytecode/immutableReferences"),
            };
            artifacts.push(artifact(path, file, name, parts)?);
        }
    }
    Ok(artifacts)
}
