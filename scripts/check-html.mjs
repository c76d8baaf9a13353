// Opens gasguard HTML reports from `file://` in headless Chromium and says what a reader sees.
//
//   node scripts/check-html.mjs --out DIR [--filter SECTION_ID=QUERY] [--repeat N] NAME=PAGE.html [...]
//
// Every request other than the page itself is recorded and aborted (request interception), as
// are console errors and page errors. For each page it prints one JSON line:
//   {"name", "requests", "consoleErrors", "pageErrors", "verdict", "regressions", "charts",
//    "chartsWithoutScript", "flamegraphs", "filter", "scripts", "foreignElements", "text",
//    "loadMs", "firstPaintMs", "timings", "png"}
// and writes DIR/NAME.png (the top 1,500 pixels at 1,280 wide). The caller decides what is right.
// `loadMs` and `firstPaintMs` are the page's own navigation timings (load event start, first
// contentful paint); `--repeat N` opens it N more times, each in a fresh context, into `timings`,
// with the renderer's main-thread CPU time (`mainThreadMs`), layout time and DOM node count at
// the load event.
// A chart's `vertices` are counted from its path's `d`, not taken from an attribute.
// Exits 2 with a message when Chromium cannot be started.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { launchChromium } from "./chromium.mjs";

const options = { out: null, filter: null, repeat: 0, pages: [] };
const argv = process.argv.slice(2);
for (let index = 0; index < argv.length; index += 1) {
  const arg = argv[index];
  if (arg === "--out") options.out = argv[++index];
  else if (arg === "--repeat") options.repeat = Number(argv[++index]);
  else if (arg === "--filter") {
    const value = argv[++index];
    options.filter = { table: value.slice(0, value.indexOf("=")), query: value.slice(value.indexOf("=") + 1) };
  } else if (arg.includes("=")) {
    options.pages.push({ name: arg.slice(0, arg.indexOf("=")), path: resolve(arg.slice(arg.indexOf("=") + 1)) });
  } else {
    console.error(`unexpected argument \`${arg}\``);
    process.exit(2);
  }
}
if (!options.out || !options.pages.length) {
  console.error("usage: check-html.mjs --out DIR [--filter SECTION=QUERY] NAME=PAGE.html...");
  process.exit(2);
}
mkdirSync(options.out, { recursive: true });
const browser = await launchChromium();

async function open(context, url, record) {
  const tab = await context.newPage();
  tab.on("console", (message) => { if (message.type() === "error") record.consoleErrors.push(message.text()); });
  tab.on("pageerror", (error) => record.pageErrors.push(String(error)));
  tab.on("request", (request) => { if (request.url() !== url) record.requests.push(request.url()); });
  await tab.goto(url, { waitUntil: "load" });
  Object.assign(record, await timings(tab));
  return tab;
}

// When the load event started and the first contentful paint happened, in ms from navigation.
async function timings(tab) {
  return tab.evaluate(() => ({
    loadMs: Math.round(performance.getEntriesByType("navigation")[0].loadEventStart),
    firstPaintMs: Math.round(performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1),
  }));
}

try {
  for (const { name, path } of options.pages) {
    const url = pathToFileURL(path).href;
    const record = { name, requests: [], consoleErrors: [], pageErrors: [] };
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Only the page itself may load; anything it asks for is recorded (above) and refused.
    await context.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
    const tab = await open(context, url, record);
    Object.assign(record, await tab.evaluate(() => {
      // A vertex per pair of numbers after M or L, per number after H or V (either case).
      const vertices = (d) => [...d.matchAll(/([MLHV])([^MLHV]*)/gi)].reduce(
        (count, [, command, args]) => count + (args.match(/-?(\d+\.?\d*|\.\d+)/g) ?? []).length / ("MmLl".includes(command) ? 2 : 1), 0);
      const visible = (element) => { const box = element.getBoundingClientRect(); return box.width > 0 && box.height > 0; };
      return {
        verdict: document.getElementById("verdict")?.innerText ?? null,
        regressions: [...document.querySelectorAll("#regressions-table tbody tr")].map((row) => row.innerText),
        charts: [...document.querySelectorAll("svg.chart")].map((svg) => ({
          row: svg.closest("tr")?.cells[0]?.innerText + " " + (svg.closest("tr")?.cells[1]?.innerText ?? ""),
          dataPoints: Number(svg.dataset.points),
          vertices: vertices(svg.querySelector("path")?.getAttribute("d") ?? ""),
          head: svg.querySelectorAll("circle.head").length,
          visible: visible(svg),
        })),
        flamegraphs: [...document.querySelectorAll("img.flamegraph")].map((img) => ({
          naturalWidth: img.naturalWidth, width: img.getBoundingClientRect().width, complete: img.complete,
        })),
        scripts: document.scripts.length,
        // Elements gasguard never writes: a hostile name that became markup would show here.
        foreignElements: [...document.querySelectorAll("body *")]
          .filter((element) => !["HEADER", "H1", "H2", "P", "CODE", "NAV", "A", "MAIN", "SECTION", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "SPAN", "BR", "LABEL", "INPUT", "DETAILS", "SUMMARY", "STRONG", "OL", "LI", "FIGURE", "FIGCAPTION", "IMG", "FOOTER", "SCRIPT"].includes(element.tagName) && !element.closest("svg.chart"))
          .map((element) => element.outerHTML.slice(0, 200)),
        text: document.body.innerText,
      };
    }));
    const png = join(options.out, `${name}.png`);
    // The first 1,500 pixels: the verdict, the regressions and their causes, the charts.
    await tab.screenshot({ path: png, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1500 } });
    record.png = png;
    if (options.filter && (await tab.$(`#${options.filter.table}`))) {
      // The rows left visible in the section (a filtered-out contract hides its whole table).
      const count = () => tab.evaluate((id) => [...document.getElementById(id).querySelectorAll("tbody tr")].filter((row) => !row.hidden && !row.closest("details[hidden]")).map((row) => row.innerText), options.filter.table);
      const before = (await count()).length;
      await tab.fill(`input[data-filter="${options.filter.table}"]`, options.filter.query);
      const shown = await count();
      record.filter = { ...options.filter, before, after: shown.length, shown };
      await tab.screenshot({ path: join(options.out, `${name}-filtered.png`) });
    }
    await context.close();
    // The same page with JavaScript off: the charts are still there.
    const noScript = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    await noScript.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
    const plain = await noScript.newPage();
    await plain.goto(url, { waitUntil: "load" });
    record.chartsWithoutScript = await plain.locator("svg.chart").count();
    await noScript.close();
    record.timings = [];
    for (let run = 0; run < options.repeat; run += 1) {
      const again = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await again.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
      const tab = await again.newPage();
      // The renderer's main-thread CPU time, which other processes on a shared machine do not
      // inflate the way they do wall-clock times.
      const cdp = await again.newCDPSession(tab);
      await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
      await tab.goto(url, { waitUntil: "load" });
      const { metrics } = await cdp.send("Performance.getMetrics");
      const metric = (name) => metrics.find((entry) => entry.name === name)?.value ?? -1;
      record.timings.push({
        ...(await timings(tab)),
        mainThreadMs: Math.round(metric("ThreadTime") * 1000),
        layoutMs: Math.round(metric("LayoutDuration") * 1000),
        nodes: metric("Nodes"),
      });
      await again.close();
    }
    console.log(JSON.stringify(record));
  }
} finally {
  await browser.close();
}
