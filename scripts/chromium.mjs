// Starts Debian's Chromium headless through the pinned playwright-core, for the scripts that
// render pages in a real browser (render-comment.mjs, check-html.mjs). Exits 2 with a hint when
// Chromium is missing or does not start. `CHROMIUM` overrides the path.
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export async function launchChromium() {
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    console.error(`Chromium is missing at \`${executablePath}\`\n\nhint: run scripts/install-chromium.sh`);
    process.exit(2);
  }
  try {
    return await chromium.launch({
      executablePath,
      headless: true,
      // No sandbox as root; no background networking, which this machine's closed network refuses.
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
  } catch (error) {
    console.error(`failed to start Chromium \`${executablePath}\`: ${error.message}`);
    process.exit(2);
  }
}
