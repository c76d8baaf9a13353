// Renders gasguard pull-request comments the way GitHub shows them, in headless Chromium, and
// measures whether they fit the review column.
//
//   node scripts/render-comment.mjs --width 900 --out DIR NAME=BODY.md [NAME=BODY.md ...]
//
// Each body is turned into HTML by the pinned markdown-it (raw HTML allowed, as GitHub allows the
// few tags gasguard writes), styled with GitHub-like CSS written here (GitHub's comment font,
// 14 px text, monospace code at 85 %, tables that are `display: block; max-width: 100%;
// overflow: auto`, so a too-wide table scrolls inside itself), and opened in Debian's Chromium
// (`/usr/bin/chromium`, or `CHROMIUM`) at the given viewport width. For each body it writes
// DIR/NAME.html and DIR/NAME.png (the whole page) and prints one JSON line:
//   {"name", "clientWidth", "scrollWidth", "tables": [{"clientWidth", "scrollWidth"}], "png"}
// The caller decides what fits. Exits 2 with a message when Chromium cannot be started.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import MarkdownIt from "markdown-it";
import { launchChromium } from "./chromium.mjs";

const CSS = `
html { background: #ffffff; }
body { margin: 0; }
.markdown-body {
  box-sizing: border-box; padding: 16px; color: #1f2328; font-size: 14px; line-height: 1.5;
  font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif,
    "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji";
  overflow-wrap: break-word;
}
.markdown-body > *:first-child { margin-top: 0 !important; }
.markdown-body p, .markdown-body table, .markdown-body details, .markdown-body blockquote {
  margin-top: 0; margin-bottom: 16px;
}
.markdown-body h3, .markdown-body h4 { margin-top: 24px; margin-bottom: 16px; font-weight: 600; line-height: 1.25; }
.markdown-body h3 { font-size: 1.25em; }
.markdown-body h4 { font-size: 1em; }
.markdown-body code {
  padding: 0.2em 0.4em; margin: 0; font-size: 85%; white-space: break-spaces;
  background-color: rgba(129, 139, 152, 0.12); border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
.markdown-body table {
  display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; font-variant: tabular-nums;
}
.markdown-body th { font-weight: 600; }
.markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body tr { background-color: #ffffff; border-top: 1px solid #d1d9e0b3; }
.markdown-body tr:nth-child(2n) { background-color: #f6f8fa; }
.markdown-body blockquote { margin-left: 0; padding: 0 1em; color: #59636e; border-left: 0.25em solid #d1d9e0; }
.markdown-body summary { cursor: pointer; }
`;

function parseArgs(argv) {
  const options = { width: 900, out: null, bodies: [] };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === "--width") options.width = Number(argv[++index]);
    else if (arg === "--out") options.out = argv[++index];
    else if (arg.includes("=")) {
      const [name, path] = [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)];
      options.bodies.push({ name, path });
    } else throw new Error(`unexpected argument \`${arg}\``);
  }
  if (!options.out || !options.bodies.length || !(options.width > 0)) {
    throw new Error("usage: render-comment.mjs --width 900 --out DIR NAME=BODY.md...");
  }
  return options;
}

function page(body) {
  const markdown = new MarkdownIt({ html: true, linkify: true });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head>` +
    `<body><article class="markdown-body">${markdown.render(body)}</article></body></html>`;
}

const options = parseArgs(process.argv.slice(2));
mkdirSync(options.out, { recursive: true });
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: options.width, height: 600 } });
  // Nothing is fetched: the page is self-contained and anything it asks for is refused.
  await context.route("**/*", (route) => route.abort());
  for (const { name, path } of options.bodies) {
    const html = page(readFileSync(path, "utf8"));
    const htmlPath = join(options.out, `${name}.html`);
    writeFileSync(htmlPath, html);
    const tab = await context.newPage();
    await tab.setContent(html, { waitUntil: "load" });
    const measured = await tab.evaluate(() => ({
      clientWidth: document.documentElement.clientWidth,
      scrollWidth: document.documentElement.scrollWidth,
      tables: [...document.querySelectorAll("table")]
        .filter((table) => !table.closest("details:not([open])"))
        .map((table) => ({ clientWidth: table.clientWidth, scrollWidth: table.scrollWidth })),
    }));
    const png = join(options.out, `${name}.png`);
    await tab.screenshot({ path: png, fullPage: true });
    await tab.close();
    console.log(JSON.stringify({ name, ...measured, html: htmlPath, png }));
  }
} finally {
  await browser.close();
}
