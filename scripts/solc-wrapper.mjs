#!/usr/bin/env node
// A stand-in for a native `solc` binary, for `forge` on machines without one: it answers
// `--version` in native solc's format and compiles `--standard-json` input from stdin with the
// pinned solcjs (npm `solc`). Point Foundry at it with `solc = "<path>"` and `offline = true`.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  const version = solc.version().replace(".Emscripten.clang", "");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}.Linux.g++\n`);
} else if (args.includes("--standard-json")) {
  const input = readFileSync(0, "utf8");
  // Foundry passes `--allow-paths`/`--base-path`; sources arrive inline in the JSON input.
  const findImports = (path) => {
    try {
      return { contents: readFileSync(path, "utf8") };
    } catch (error) {
      return { error: `file not found: ${path}` };
    }
  };
  process.stdout.write(solc.compile(input, { import: findImports }));
} else {
  process.stderr.write(`solc-wrapper: only --version and --standard-json are supported (got: ${args.join(" ")})\n`);
  process.exit(1);
}
