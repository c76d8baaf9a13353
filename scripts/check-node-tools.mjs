// Exits 0 when node_modules holds exactly the tool versions pinned in package.json.
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wanted = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies;
let ok = true;
for (const [name, version] of Object.entries(wanted)) {
  const manifest = join(root, "node_modules", name, "package.json");
  const found = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : "missing";
  if (found !== version) {
    console.error(`${name}: want ${version}, have ${found}`);
    ok = false;
  }
}
for (const tool of ["anvil", "forge", "cast"]) {
  const binary = join(root, "node_modules", "@foundry-rs", `${tool}-linux-amd64`, "bin", tool);
  if (process.platform === "linux" && process.arch === "x64" && !existsSync(binary)) {
    console.error(`${tool}: platform binary missing at ${binary}`);
    ok = false;
  }
}
process.exit(ok ? 0 : 1);
