#!/usr/bin/env node
// Compiles `contracts/*.sol` with the pinned solcjs (package.json) and writes the committed
// artifacts under `fixtures/artifacts/` in three layouts: solc standard JSON, Foundry `out/`
// and Hardhat `artifacts/`. Output is deterministic, so a second run changes nothing.
//
//   node scripts/compile-contracts.mjs           regenerate the artifacts
//   node scripts/compile-contracts.mjs --check   compare a fresh build with the committed files;
//                                                exit 1 and list the files that differ
//   node scripts/compile-contracts.mjs --project DIR
//                                                compile `DIR/contracts/*.sol` into
//                                                `DIR/artifacts/` instead (tests compile modified
//                                                copies of the contracts this way)
//
// Plain Node, no dependencies beyond `solc`. solc is loaded as a module: the `solcjs` command
// prints a stray line before its JSON.

import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONTRACTS_DIR = "contracts";
let ARTIFACTS_DIR = path.join("fixtures", "artifacts");
/** Where `contracts/` is read and the artifacts written: the repository, or `--project DIR`. */
let PROJECT = ROOT;
/** The subdirectories of `ARTIFACTS_DIR` this script owns; everything in them is regenerated. */
const LAYOUTS = ["solc", "foundry", "hardhat"];

const OUTPUT_SELECTION = [
  "abi",
  "evm.bytecode.object",
  "evm.bytecode.linkReferences",
  "evm.bytecode.sourceMap",
  "evm.deployedBytecode.object",
  "evm.deployedBytecode.linkReferences",
  "evm.deployedBytecode.immutableReferences",
  "evm.deployedBytecode.sourceMap",
  "evm.methodIdentifiers",
  "metadata",
];

function main() {
  const args = process.argv.slice(2);
  const projectAt = args.indexOf("--project");
  if (projectAt >= 0) {
    if (args[projectAt + 1] === undefined) {
      fail("`--project` needs a directory", 2);
    }
    PROJECT = path.resolve(args[projectAt + 1]);
    ARTIFACTS_DIR = "artifacts";
    args.splice(projectAt, 2);
  }
  const unknown = args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    fail(`unknown argument \`${unknown[0]}\`\n\nusage: node scripts/compile-contracts.mjs [--check] [--project DIR]`, 2);
  }
  const check = args.includes("--check");

  const solc = loadPinnedSolc();
  const input = buildInput();
  const output = compile(solc.compiler, input);
  const files = renderArtifacts(input, output, solc);

  if (check) {
    process.exit(checkCommitted(files) ? 0 : 1);
  }
  for (const layout of LAYOUTS) {
    fs.rmSync(path.join(PROJECT, ARTIFACTS_DIR, layout), { recursive: true, force: true });
  }
  writeTree(path.join(PROJECT, ARTIFACTS_DIR), files);
  console.log(`wrote ${files.size} files under ${ARTIFACTS_DIR}/`);
}

function fail(message, code = 1) {
  console.error(`error: ${message}`);
  process.exit(code);
}

/** Loads `solc` from the repository's `node_modules` and checks it is the version package.json pins. */
function loadPinnedSolc() {
  const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const pinned = packageJson.devDependencies?.solc;
  const require = createRequire(path.join(ROOT, "package.json"));
  let compiler;
  try {
    compiler = require("solc");
  } catch (error) {
    fail(`cannot load \`solc\` from node_modules: ${error.message}\n\nhint: run \`npm ci\` first`);
  }
  // solcjs reports e.g. `0.8.30+commit.73712a01.Emscripten.clang`; the platform suffix is not
  // part of the version other tools record.
  const longVersion = compiler.version().replace(/\.Emscripten\.clang$/, "");
  const version = longVersion.split("+")[0];
  if (version !== pinned) {
    fail(`installed solc is ${longVersion} but package.json pins ${pinned}\n\nhint: run \`npm ci\``);
  }
  return { compiler, version, longVersion };
}

/** The standard JSON input: every `contracts/*.sol`, by source name `contracts/<File>.sol`. */
function buildInput() {
  const directory = path.join(PROJECT, CONTRACTS_DIR);
  const sources = {};
  for (const file of fs.readdirSync(directory).filter((name) => name.endsWith(".sol")).sort()) {
    sources[`${CONTRACTS_DIR}/${file}`] = { content: fs.readFileSync(path.join(directory, file), "utf8") };
  }
  if (Object.keys(sources).length === 0) {
    fail(`no .sol files in \`${CONTRACTS_DIR}/\``);
  }
  return new Map([
    ["language", "Solidity"],
    ["sources", sources],
    [
      "settings",
      new Map([
        ["optimizer", new Map([["enabled", true], ["runs", 200]])],
        ["evmVersion", "prague"],
        ["outputSelection", { "*": { "*": OUTPUT_SELECTION } }],
      ]),
    ],
  ]);
}

/** Runs solc; prints every diagnostic and exits if any of them is an error. */
function compile(compiler, input) {
  const output = JSON.parse(compiler.compile(toJson(input)));
  const diagnostics = output.errors ?? [];
  for (const diagnostic of diagnostics) {
    console.error(diagnostic.formattedMessage ?? diagnostic.message);
  }
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  if (errors.length > 0) {
    fail(`solc reported ${errors.length} error(s); no artifacts written`);
  }
  return output;
}

/** Every output file, keyed by its path relative to `fixtures/artifacts/` (always `/`-separated). */
function renderArtifacts(input, output, solc) {
  const files = new Map();
  files.set("solc/input.json", toJson(input, 2));
  files.set("solc/output.json", toJson(output, 2));

  const buildInfoId = hardhatBuildInfoId(input, solc);
  const buildInfoPath = `hardhat/artifacts/build-info/${buildInfoId}.json`;
  files.set(
    buildInfoPath,
    toJson(
      new Map([
        ["id", buildInfoId],
        ["_format", "hh-sol-build-info-1"],
        ["solcVersion", solc.version],
        ["solcLongVersion", solc.longVersion],
        ["input", input],
        ["output", output],
      ]),
      2,
    ),
  );

  // Foundry's default build info: the source ids its artifacts' source maps refer to.
  const sourceIdToPath = {};
  for (const [sourceName, source] of Object.entries(output.sources)) {
    sourceIdToPath[String(source.id)] = sourceName;
  }
  files.set(
    `foundry/out/build-info/${buildInfoId}.json`,
    toJson(
      new Map([
        ["id", buildInfoId],
        ["source_id_to_path", sourceIdToPath],
        ["language", "Solidity"],
      ]),
    ),
  );

  for (const sourceName of Object.keys(output.contracts).sort()) {
    const contracts = output.contracts[sourceName];
    for (const contractName of Object.keys(contracts).sort()) {
      const contract = contracts[contractName];
      const fileName = path.posix.basename(sourceName);
      files.set(
        `foundry/out/${fileName}/${contractName}.json`,
        toJson(foundryArtifact(contract, output.sources[sourceName].id)),
      );
      const artifactDirectory = `hardhat/artifacts/${sourceName}`;
      files.set(`${artifactDirectory}/${contractName}.json`, toJson(hardhatArtifact(sourceName, contractName, contract), 2));
      files.set(
        `${artifactDirectory}/${contractName}.dbg.json`,
        toJson(
          new Map([
            ["_format", "hh-sol-dbg-1"],
            ["buildInfo", path.posix.relative(artifactDirectory, buildInfoPath)],
          ]),
          2,
        ),
      );
    }
  }
  for (const [name, text] of files) {
    files.set(name, `${text}\n`);
  }
  return files;
}

/** Hardhat's build info id: the MD5 of its format, compiler versions and input. */
function hardhatBuildInfoId(input, solc) {
  const identity = new Map([
    ["_format", "hh-sol-build-info-1"],
    ["solcVersion", solc.version],
    ["solcLongVersion", solc.longVersion],
    ["input", input],
  ]);
  return createHash("md5").update(toJson(identity)).digest("hex");
}

/** A Hardhat `hh-sol-artifact-1` file. */
function hardhatArtifact(sourceName, contractName, contract) {
  return new Map([
    ["_format", "hh-sol-artifact-1"],
    ["contractName", contractName],
    ["sourceName", sourceName],
    ["abi", contract.abi],
    ["bytecode", `0x${contract.evm.bytecode.object}`],
    ["deployedBytecode", `0x${contract.evm.deployedBytecode.object}`],
    ["linkReferences", contract.evm.bytecode.linkReferences],
    ["deployedLinkReferences", contract.evm.deployedBytecode.linkReferences],
  ]);
}

// --- Foundry ------------------------------------------------------------------------------
// Field order and omissions follow foundry-compilers' `ConfigurableContractArtifact`: alloy's
// JSON ABI order for `abi`, the typed `Metadata` struct for `metadata`, and no
// `immutableReferences` key when there are none.

function foundryArtifact(contract, sourceId) {
  const { bytecode, deployedBytecode, methodIdentifiers } = contract.evm;
  const immutableReferences = deployedBytecode.immutableReferences ?? {};
  return new Map([
    ["abi", foundryAbi(contract.abi)],
    [
      "bytecode",
      new Map([
        ["object", `0x${bytecode.object}`],
        ["sourceMap", bytecode.sourceMap],
        ["linkReferences", foundryLinkReferences(bytecode.linkReferences)],
      ]),
    ],
    [
      "deployedBytecode",
      new Map([
        ["object", `0x${deployedBytecode.object}`],
        ["sourceMap", deployedBytecode.sourceMap],
        ["linkReferences", foundryLinkReferences(deployedBytecode.linkReferences)],
        [
          "immutableReferences",
          Object.keys(immutableReferences).length > 0 ? mapValues(immutableReferences, foundryOffsets) : undefined,
        ],
      ]),
    ],
    ["methodIdentifiers", methodIdentifiers],
    ["rawMetadata", contract.metadata],
    ["metadata", foundryMetadata(JSON.parse(contract.metadata))],
    ["id", sourceId],
  ]);
}

/** `{file: {library: offsets}}` with Foundry's `{start, length}` key order. */
function foundryLinkReferences(linkReferences) {
  return mapValues(linkReferences, (libraries) => mapValues(libraries, foundryOffsets));
}

function foundryOffsets(offsets) {
  return offsets.map(({ start, length }) => new Map([["start", start], ["length", length]]));
}

function mapValues(object, transform) {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, transform(value)]));
}

const ABI_ITEM_RANK = { constructor: 0, fallback: 1, receive: 2, function: 3, event: 4, error: 5 };

/** alloy's `JsonAbi` order: constructor, fallback, receive, then functions, events and errors by name. */
function foundryAbi(abi) {
  const ranked = abi.map((item, position) => ({ item, position }));
  ranked.sort(
    (a, b) =>
      ABI_ITEM_RANK[a.item.type] - ABI_ITEM_RANK[b.item.type] ||
      compareStrings(a.item.name ?? "", b.item.name ?? "") ||
      a.position - b.position,
  );
  return ranked.map(({ item }) => {
    switch (item.type) {
      case "constructor":
        return new Map([
          ["type", item.type],
          ["inputs", item.inputs.map(foundryParam)],
          ["stateMutability", item.stateMutability],
        ]);
      case "fallback":
      case "receive":
        return new Map([
          ["type", item.type],
          ["stateMutability", item.stateMutability],
        ]);
      case "function":
        return new Map([
          ["type", item.type],
          ["name", item.name],
          ["inputs", item.inputs.map(foundryParam)],
          ["outputs", item.outputs.map(foundryParam)],
          ["stateMutability", item.stateMutability],
        ]);
      case "event":
        return new Map([
          ["type", item.type],
          ["name", item.name],
          ["inputs", item.inputs.map(foundryParam)],
          ["anonymous", item.anonymous],
        ]);
      case "error":
        return new Map([
          ["type", item.type],
          ["name", item.name],
          ["inputs", item.inputs.map(foundryParam)],
        ]);
      default:
        fail(`unexpected ABI item type \`${item.type}\``);
    }
  });
}

function foundryParam(param) {
  return new Map([
    ["name", param.name],
    ["type", param.type],
    ["indexed", param.indexed],
    ["internalType", param.internalType],
    ["components", param.components?.map(foundryParam)],
  ]);
}

function foundryMetadata(metadata) {
  const { settings } = metadata;
  const sources = {};
  for (const [name, source] of Object.entries(metadata.sources)) {
    sources[name] = new Map([
      ["keccak256", source.keccak256],
      ["urls", source.urls ?? []],
      ["content", source.content],
      ["license", source.license ?? null],
    ]);
  }
  return new Map([
    ["compiler", new Map([["version", metadata.compiler.version]])],
    ["language", metadata.language],
    [
      "output",
      new Map([
        ["abi", metadata.output.abi.map(metadataAbiItem)],
        ["devdoc", metadataDoc(metadata.output.devdoc)],
        ["userdoc", metadataDoc(metadata.output.userdoc)],
      ]),
    ],
    [
      "settings",
      new Map([
        ["remappings", settings.remappings ?? []],
        [
          "optimizer",
          new Map([
            ["enabled", settings.optimizer?.enabled],
            ["runs", settings.optimizer?.runs],
            ["details", settings.optimizer?.details],
          ]),
        ],
        [
          "metadata",
          settings.metadata &&
            new Map([
              ["useLiteralContent", settings.metadata.useLiteralContent],
              ["bytecodeHash", settings.metadata.bytecodeHash],
              ["cborMetadata", settings.metadata.cborMetadata],
            ]),
        ],
        ["compilationTarget", settings.compilationTarget ?? {}],
        ["evmVersion", settings.evmVersion],
        ["libraries", settings.libraries ?? {}],
        ["viaIR", settings.viaIR],
      ]),
    ],
    ["sources", sources],
    ["version", metadata.version],
  ]);
}

function metadataAbiItem(item) {
  return new Map([
    ["inputs", (item.inputs ?? []).map(metadataAbiParam)],
    ["stateMutability", item.stateMutability],
    ["type", item.type],
    ["name", item.name],
    ["outputs", item.outputs?.length ? item.outputs.map(metadataAbiParam) : undefined],
    ["anonymous", item.anonymous],
  ]);
}

function metadataAbiParam(param) {
  return new Map([
    ["internalType", param.internalType ?? null],
    ["name", param.name],
    ["type", param.type],
    ["components", param.components?.length ? param.components.map(metadataAbiParam) : undefined],
    ["indexed", param.indexed],
  ]);
}

/** foundry-compilers keeps only `kind`, `methods` and `version` of a metadata devdoc/userdoc. */
function metadataDoc(doc) {
  if (doc === undefined) {
    return null;
  }
  return new Map([
    ["kind", doc.kind],
    ["methods", doc.methods],
    ["version", doc.version],
  ]);
}

// --- Output -------------------------------------------------------------------------------

/**
 * Serialises `value` as JSON, compact or indented by `indent` spaces like `JSON.stringify`.
 * A `Map` keeps its insertion order and drops `undefined` values; a plain object's keys are
 * sorted, which is also the order solc itself writes them in. Sorting by hand matters because
 * JavaScript enumerates integer-like keys (AST ids in `immutableReferences`) numerically.
 */
function toJson(value, indent = 0) {
  const newline = indent > 0 ? "\n" : "";
  const colon = indent > 0 ? ": " : ":";
  const write = (current, depth) => {
    if (current === null || typeof current !== "object") {
      if (current === undefined || (typeof current === "number" && !Number.isFinite(current))) {
        fail(`cannot serialise ${String(current)} to JSON`);
      }
      return JSON.stringify(current);
    }
    const inner = " ".repeat(indent * (depth + 1));
    const outer = " ".repeat(indent * depth);
    const wrap = (open, parts, close) =>
      parts.length === 0 ? `${open}${close}` : `${open}${newline}${parts.join(`,${newline}`)}${newline}${outer}${close}`;
    if (Array.isArray(current)) {
      return wrap("[", current.map((item) => inner + write(item, depth + 1)), "]");
    }
    const entries =
      current instanceof Map
        ? [...current.entries()].filter(([, item]) => item !== undefined)
        : Object.keys(current)
            .sort(compareStrings)
            .map((key) => [key, current[key]]);
    return wrap("{", entries.map(([key, item]) => `${inner}${JSON.stringify(key)}${colon}${write(item, depth + 1)}`), "}");
  };
  return write(value, 0);
}

function compareStrings(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Writes `files` (relative `/`-separated path to text) below `root`. */
function writeTree(root, files) {
  for (const name of [...files.keys()].sort()) {
    const target = path.join(root, ...name.split("/"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, files.get(name));
  }
}

/** Every file below `directory`, as `/`-separated paths relative to `base`. */
function listTree(base, directory = base) {
  if (!fs.existsSync(directory)) {
    return [];
  }
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? listTree(base, full) : [path.relative(base, full).split(path.sep).join("/")];
  });
}

/**
 * Builds into a temporary directory and compares it byte for byte with the committed files.
 * Prints every difference and returns whether there were none.
 */
function checkCommitted(files) {
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "gasguard-artifacts-"));
  try {
    writeTree(temporary, files);
    const committedRoot = path.join(PROJECT, ARTIFACTS_DIR);
    const fresh = new Set(LAYOUTS.flatMap((layout) => listTree(temporary, path.join(temporary, layout))));
    const committed = new Set(LAYOUTS.flatMap((layout) => listTree(committedRoot, path.join(committedRoot, layout))));
    const problems = [];
    for (const name of [...new Set([...fresh, ...committed])].sort()) {
      const shown = `${ARTIFACTS_DIR.split(path.sep).join("/")}/${name}`;
      if (!committed.has(name)) {
        problems.push(`missing: ${shown}`);
      } else if (!fresh.has(name)) {
        problems.push(`stale (no longer generated): ${shown}`);
      } else if (!fs.readFileSync(path.join(temporary, name)).equals(fs.readFileSync(path.join(committedRoot, name)))) {
        problems.push(`differs: ${shown}`);
      }
    }
    if (problems.length > 0) {
      console.error(problems.join("\n"));
      console.error(
        `\nerror: ${problems.length} committed artifact file(s) do not match a fresh build\n\nhint: run \`node scripts/compile-contracts.mjs\` and commit the result`,
      );
      return false;
    }
    console.log(`all ${fresh.size} artifact files match a fresh build`);
    return true;
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}

main();
