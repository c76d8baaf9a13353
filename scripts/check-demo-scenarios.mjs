#!/usr/bin/env node
// Dev aid: replays every scenario of a gasguard config on a real anvil node and checks that each
// transaction succeeds or reverts as its step's `expect` says. It is an independent second opinion
// on the demo config, not part of gasguard.
//
//   node scripts/check-demo-scenarios.mjs [fixtures/demo/gasguard.toml]
//
// Uses the pinned anvil and cast from node_modules (`npm ci`). Reads Foundry `out/` artifacts
// only. Each scenario runs from the same fresh-chain snapshot. Exits 1 if any step misbehaves.

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TOOLS = path.join(ROOT, "node_modules", "@foundry-rs");
const ANVIL = path.join(TOOLS, "anvil-linux-amd64", "bin", "anvil");
const CAST = path.join(TOOLS, "cast-linux-amd64", "bin", "cast");
const PREDEFINED_ACCOUNTS = ["alice", "bob", "carol", "dave"];
/** Gas limit for every transaction, so reverting ones are mined instead of failing estimation. */
const TRANSACTION_GAS = 10_000_000n;

const configPath = path.resolve(process.argv[2] ?? path.join(ROOT, "fixtures", "demo", "gasguard.toml"));
const config = parseToml(fs.readFileSync(configPath, "utf8"), configPath);
const artifacts = loadFoundryArtifacts(path.resolve(path.dirname(configPath), config.artifacts));
const errorSignatures = collectErrorSignatures(artifacts);

const anvil = await startAnvil(config.evm ?? {});
let failures = 0;
try {
  failures = await runAll(anvil.rpc);
} finally {
  anvil.process.kill();
}
if (failures > 0) {
  console.error(`\nerror: ${failures} step(s) did not behave as expected`);
  process.exit(1);
}
console.log("\nall steps behaved as expected");

async function runAll(rpc) {
  const unlocked = await rpc("eth_accounts", []);
  const accounts = new Map(PREDEFINED_ACCOUNTS.map((name, index) => [name, unlocked[index]]));
  for (const [name, address] of Object.entries(config.accounts ?? {})) {
    accounts.set(name, address);
  }
  let fresh = await rpc("evm_snapshot", []);
  let failures = 0;
  let transactions = 0;
  for (const scenario of config.scenario ?? []) {
    await rpc("evm_revert", [fresh]);
    // Reverting uses a snapshot up; take it again for the next scenario.
    fresh = await rpc("evm_snapshot", []);
    console.log(`\nscenario \`${scenario.name}\``);
    const aliases = new Map();
    const deployedById = new Map();
    for (const [stepIndex, step] of (scenario.step ?? []).entries()) {
      const label = `step ${stepIndex + 1}`;
      if (!PREDEFINED_ACCOUNTS.includes(step.from ?? "alice")) {
        throw new Error(`${label}: \`from = "${step.from}"\` is not an unlocked account in this check`);
      }
      const from = accounts.get(step.from ?? "alice");
      const resolve = (argument, type) => {
        if (type !== "address") return argument;
        return aliases.get(argument) ?? accounts.get(argument) ?? argument;
      };
      const expected = step.expect ?? "success";
      const repeat = step.repeat ?? 1;
      for (let round = 1; round <= repeat; round++) {
        const transaction = { from, gas: hex(TRANSACTION_GAS), value: hex(BigInt(step.value ?? "0")) };
        let what;
        let artifact;
        if (step.deploy !== undefined) {
          artifact = lookup(step.deploy);
          const code = link(artifact, deployedById, `${label} of \`${scenario.name}\``);
          const constructor = artifact.abi.find((item) => item.type === "constructor");
          const types = (constructor?.inputs ?? []).map((input) => input.type);
          const args = (step.args ?? []).map((argument, index) => resolve(argument, types[index]));
          const encoded = types.length > 0 ? cast("abi-encode", `constructor(${types.join(",")})`, ...args).slice(2) : "";
          transaction.data = `0x${code}${encoded}`;
          what = `deploy ${artifact.id}`;
        } else {
          const types = parameterTypes(step.function);
          const args = (step.args ?? []).map((argument, index) => resolve(argument, types[index]));
          transaction.to = aliases.get(step.call) ?? step.call;
          transaction.data = cast("calldata", step.function, ...args);
          what = `${step.call}.${step.function}`;
        }
        const simulated = await simulate(rpc, transaction);
        const hash = await rpc("eth_sendTransaction", [transaction]);
        const receipt = await waitForReceipt(rpc, hash, label);
        transactions++;
        const outcome = receipt.status === "0x1" ? "success" : "revert";
        const detail = outcome === "revert" ? `: ${describeRevert(simulated.revertData)}` : "";
        const ok = outcome === expected && simulated.outcome === outcome;
        if (!ok) failures++;
        const roundLabel = repeat > 1 ? ` (${round}/${repeat})` : "";
        console.log(
          `  ${ok ? "ok  " : "FAIL"} ${label}${roundLabel} ${what}: ${outcome}${detail}, gas ${BigInt(receipt.gasUsed)}` +
            (ok ? "" : ` (expected ${expected}${simulated.outcome !== outcome ? `; eth_call said ${simulated.outcome}` : ""})`),
        );
        if (step.deploy !== undefined && outcome === "success") {
          deployedById.set(artifact.id, receipt.contractAddress);
          if (step.as !== undefined) aliases.set(step.as, receipt.contractAddress);
        }
      }
    }
  }
  console.log(`\n${transactions} transactions in ${(config.scenario ?? []).length} scenarios`);
  return failures;
}

/** Automining can lag `eth_sendTransaction` by a moment, so poll for the receipt briefly. */
async function waitForReceipt(rpc, hash, label) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const receipt = await rpc("eth_getTransactionReceipt", [hash]);
    if (receipt !== null) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pool = await rpc("txpool_content", []);
  throw new Error(`${label}: transaction ${hash} was not mined; pool: ${JSON.stringify(pool)}`);
}

/** Runs the transaction as an `eth_call` first, to learn whether it reverts and with what data. */
async function simulate(rpc, transaction) {
  try {
    await rpc("eth_call", [transaction, "latest"]);
    return { outcome: "success" };
  } catch (error) {
    if (error.rpcError === undefined) throw error;
    return { outcome: "revert", revertData: error.rpcError.data };
  }
}

function describeRevert(data) {
  if (typeof data !== "string" || data.length < 10) return "no revert data";
  const selector = data.slice(0, 10);
  const signature = errorSignatures.get(selector);
  if (signature === undefined) return `unknown error ${data}`;
  const values = cast("decode-error", "--sig", signature, data).split("\n").filter(Boolean);
  return `${signature.split("(")[0]}(${values.join(", ")})`;
}

function collectErrorSignatures(artifacts) {
  const signatures = new Set(["Error(string)", "Panic(uint256)"]);
  for (const artifact of artifacts.values()) {
    for (const item of artifact.abi.filter((entry) => entry.type === "error")) {
      signatures.add(`${item.name}(${item.inputs.map(canonicalType).join(",")})`);
    }
  }
  return new Map([...signatures].map((signature) => [cast("sig", signature), signature]));
}

function canonicalType(param) {
  if (!param.type.startsWith("tuple")) return param.type;
  return `(${param.components.map(canonicalType).join(",")})${param.type.slice("tuple".length)}`;
}

/** Top-level parameter types of a signature such as `transfer(address,uint256)`. */
function parameterTypes(signature) {
  const inner = signature.slice(signature.indexOf("(") + 1, signature.lastIndexOf(")"));
  const types = [];
  let depth = 0;
  let current = "";
  for (const character of inner) {
    if (character === "," && depth === 0) {
      types.push(current);
      current = "";
      continue;
    }
    if (character === "(") depth++;
    if (character === ")") depth--;
    current += character;
  }
  if (current !== "") types.push(current);
  return types;
}

/** Replaces every library placeholder with the address the library was deployed at. */
function link(artifact, deployedById, where) {
  let code = artifact.bytecode.object.replace(/^0x/, "");
  for (const [file, libraries] of Object.entries(artifact.bytecode.linkReferences ?? {})) {
    for (const [name, offsets] of Object.entries(libraries)) {
      const id = `${file}:${name}`;
      const address = deployedById.get(id);
      if (address === undefined) {
        throw new Error(`${where}: \`${artifact.id}\` needs library \`${id}\`, which no earlier step deployed`);
      }
      for (const { start, length } of offsets) {
        code = code.slice(0, start * 2) + address.slice(2).toLowerCase() + code.slice((start + length) * 2);
      }
    }
  }
  return code;
}

function lookup(name) {
  if (artifacts.has(name)) return artifacts.get(name);
  const matches = [...artifacts.values()].filter((artifact) => artifact.name === name);
  if (matches.length !== 1) throw new Error(`contract \`${name}\` matches ${matches.length} artifacts`);
  return matches[0];
}

function loadFoundryArtifacts(directory) {
  const artifacts = new Map();
  for (const folder of fs.readdirSync(directory).sort()) {
    for (const file of fs.readdirSync(path.join(directory, folder)).sort()) {
      const artifact = JSON.parse(fs.readFileSync(path.join(directory, folder, file), "utf8"));
      const [[source, name]] = Object.entries(artifact.metadata.settings.compilationTarget);
      artifacts.set(`${source}:${name}`, { ...artifact, id: `${source}:${name}`, name });
    }
  }
  return artifacts;
}

function cast(...args) {
  return execFileSync(CAST, args, { encoding: "utf8" }).trim();
}

function hex(value) {
  return `0x${value.toString(16)}`;
}

// --- anvil --------------------------------------------------------------------------------

async function startAnvil(evm) {
  const port = await freePort();
  const args = ["--port", String(port), "--hardfork", evm.spec ?? "prague"];
  if (evm.chain_id !== undefined) args.push("--chain-id", String(evm.chain_id));
  if (evm.block_gas_limit !== undefined) args.push("--gas-limit", String(evm.block_gas_limit));
  const child = spawn(ANVIL, args, { stdio: ["ignore", "ignore", "inherit"] });
  // Kill the node we started even when the check is interrupted.
  const stop = () => {
    child.kill();
    process.exit(130);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  let nextId = 1;
  const rpc = async (method, params) => {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
    });
    const body = await response.json();
    if (body.error !== undefined) {
      const error = new Error(`${method}: ${body.error.message}`);
      error.rpcError = body.error;
      throw error;
    }
    return body.result;
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await rpc("eth_chainId", []);
      return { process: child, rpc };
    } catch (error) {
      if (attempt >= 100 || child.exitCode !== null) {
        child.kill();
        throw new Error(`anvil did not start on port ${port}: ${error.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// --- TOML ---------------------------------------------------------------------------------
// Just the subset gasguard configs use: tables, arrays of tables (also dotted, such as
// `[[scenario.step]]`), bare keys, and single-line values (strings, integers, booleans, arrays).
// Anything else is an error rather than a guess.

function parseToml(text, file) {
  const root = {};
  let table = root;
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const where = `${file}:${index + 1}`;
    const cursor = { text: rawLine, at: 0 };
    skipSpace(cursor);
    if (atLineEnd(cursor)) continue;
    if (rawLine.trimStart().startsWith("[[")) {
      const match = /^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]\s*(#.*)?$/.exec(rawLine);
      if (!match) throw new Error(`${where}: malformed array-of-tables header`);
      const keys = match[1].split(".");
      let parent = root;
      for (const key of keys.slice(0, -1)) {
        const value = parent[key];
        parent = Array.isArray(value) ? value[value.length - 1] : value;
        if (parent === undefined) throw new Error(`${where}: \`${key}\` is not defined before \`${match[1]}\``);
      }
      const last = keys[keys.length - 1];
      parent[last] ??= [];
      table = {};
      parent[last].push(table);
      continue;
    }
    if (rawLine.trimStart().startsWith("[")) {
      const match = /^\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$/.exec(rawLine);
      if (!match) throw new Error(`${where}: malformed table header`);
      root[match[1]] ??= {};
      table = root[match[1]];
      continue;
    }
    const key = /^[A-Za-z0-9_-]+/.exec(cursor.text.slice(cursor.at))?.[0];
    if (key === undefined) throw new Error(`${where}: expected a key`);
    cursor.at += key.length;
    skipSpace(cursor);
    if (cursor.text[cursor.at] !== "=") throw new Error(`${where}: expected \`=\` after \`${key}\``);
    cursor.at++;
    if (key in table) throw new Error(`${where}: duplicate key \`${key}\``);
    table[key] = parseValue(cursor, where);
    skipSpace(cursor);
    if (!atLineEnd(cursor)) throw new Error(`${where}: unexpected text after the value of \`${key}\``);
  }
  return root;
}

function parseValue(cursor, where) {
  skipSpace(cursor);
  const rest = cursor.text.slice(cursor.at);
  if (rest.startsWith('"')) {
    const match = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (!match) throw new Error(`${where}: unterminated string`);
    cursor.at += match[0].length;
    return JSON.parse(match[0]);
  }
  if (rest.startsWith("[")) {
    cursor.at++;
    const items = [];
    for (;;) {
      skipSpace(cursor);
      if (cursor.text[cursor.at] === "]") {
        cursor.at++;
        return items;
      }
      items.push(parseValue(cursor, where));
      skipSpace(cursor);
      if (cursor.text[cursor.at] === ",") {
        cursor.at++;
      } else if (cursor.text[cursor.at] !== "]") {
        throw new Error(`${where}: expected \`,\` or \`]\` in array (arrays must fit on one line)`);
      }
    }
  }
  const word = /^[^\s,\]#]+/.exec(rest)?.[0];
  cursor.at += word?.length ?? 0;
  if (word === "true" || word === "false") return word === "true";
  if (word !== undefined && /^[+-]?\d[\d_]*$/.test(word)) return Number(word.replaceAll("_", ""));
  throw new Error(`${where}: unsupported value \`${word ?? rest}\``);
}

function skipSpace(cursor) {
  while (cursor.text[cursor.at] === " " || cursor.text[cursor.at] === "\t") cursor.at++;
}

function atLineEnd(cursor) {
  return cursor.at >= cursor.text.length || cursor.text[cursor.at] === "#";
}
