#!/usr/bin/env node
/**
 * Extension benchmark: render time in Chromium of the real renderers (extension/lib, built by
 * `npm run build`) on synthetic payloads, against plain plotly.js on the same raw data in the
 * same run, and the size of the prebuilt extension.
 *   - TPE: 500 trials × 50 epochs (target: under 1 s)
 *   - time series: 1,000,000 points per series, 3 series (target: under 2 s)
 * Runs headless /usr/bin/chromium (WebGL through SwiftShader). Usage: node bench/extension.bench.js
 */
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const zlib = require("zlib");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(__dirname, "out", "extension");
const CHROMIUM = process.env.GREENAI_CHROMIUM || "/usr/bin/chromium";

function skip(why) {
  console.log(`extension bench skipped: ${why}`);
  process.exit(0);
}

function buildPage() {
  const webpack = require("webpack");
  const config = {
    mode: "production",
    context: ROOT,
    entry: path.join(__dirname, "extension", "entry.js"),
    output: { path: OUT, filename: "bench.js", chunkFilename: "[name].[contenthash].js", publicPath: "auto" },
    performance: { hints: false },
    module: { rules: [{ test: /\.m?js$/, resolve: { fullySpecified: false } }] },
    resolve: { fallback: { fs: false, path: false } },
    devtool: false,
  };
  return new Promise((resolve, reject) =>
    webpack(config, (err, stats) => {
      if (err || stats.hasErrors()) reject(err || new Error(stats.toString("errors-only")));
      else resolve();
    }),
  );
}

function serve() {
  fs.writeFileSync(path.join(OUT, "index.html"), '<!doctype html><meta charset="utf-8"><body style="margin:0"><script src="bench.js"></script>');
  const server = http.createServer((req, res) => {
    const file = path.join(OUT, decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\/+/, "") || "index.html");
    if (!file.startsWith(OUT) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": file.endsWith(".html") ? "text/html" : "text/javascript" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f0 = (x) => x.toFixed(0).padStart(7);

function bundleSizes() {
  const dir = path.join(ROOT, "extension", "labextension", "static");
  if (!fs.existsSync(dir)) return null;
  let raw = 0;
  let gz = 0;
  let largest = { name: "", raw: 0 };
  let entry = 0;
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith(".js")) continue;
    const b = fs.readFileSync(path.join(dir, f));
    raw += b.length;
    gz += zlib.gzipSync(b).length;
    if (b.length > largest.raw) largest = { name: f, raw: b.length, gz: zlib.gzipSync(b).length };
    if (f.startsWith("remoteEntry.")) entry = b.length;
  }
  return { raw, gz, largest, entry };
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) skip(`${CHROMIUM} is missing (apt-get install chromium)`);
  if (!fs.existsSync(path.join(ROOT, "extension", "lib", "mime.js"))) skip("extension/lib is not built (npm run build)");
  const { chromium } = require("playwright-core");
  const t0 = Date.now();
  await buildPage();
  const buildS = (Date.now() - t0) / 1000;
  const server = await serve();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"] });
  const rows = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => console.error("page error:", e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.benchReady === true);
    const loadMs = await page.evaluate(() => window.bench.loadPlotly());
    const webgl = await page.evaluate(() => !!document.createElement("canvas").getContext("webgl"));

    const tpeN = await page.evaluate(() => window.bench.make("tpe", "tpe", { nTrials: 500, epochs: 50, seed: 11 }));
    const tsN = await page.evaluate(() => window.bench.make("ts", "timeseries", { n: 1_000_000, gpus: 1, stepMs: 100, seed: 5 }));
    const run = async (fn, ...args) => run_(3, fn, ...args);
    const run_ = async (reps, fn, ...args) => {
      const ms = [];
      let last;
      for (let i = 0; i < reps; i++) {
        last = await page.evaluate(fn, args);
        ms.push(last.ms ?? last);
      }
      return { ms: median(ms), last };
    };
    const tpe = await run(([n, m]) => window.bench.render(n, m), "tpe", "application/vnd.greenai.tpe+json");
    const tpeSlider = await run(() => window.bench.tpeSlider(Math.floor(Math.random() * 49) + 1));
    const tpeBase = await run(([n, k]) => window.bench.baseline(n, k), "tpe", "tpe");
    const ts = await run(([n, m]) => window.bench.render(n, m), "ts", "application/vnd.greenai.timeseries+json");
    // Plain scattergl on 3 million raw points takes over a minute in SwiftShader: once is enough.
    const tsBase = await run_(1, ([n, k]) => window.bench.baseline(n, k), "ts", "timeseries");
    rows.push(["TPE 500 trials × 50 epochs, render", `${tpeN} points`, tpe.ms, tpeBase.ms, 1000]);
    rows.push(["TPE slider move (recompute + redraw)", "", tpeSlider.ms, tpeBase.ms, 1000]);
    rows.push(["time series 3 × 1,000,000 points, render", `${tsN} points`, ts.ms, tsBase.ms, 2000]);
    console.log(`chromium ${browser.version()}, WebGL ${webgl ? "on (SwiftShader)" : "OFF"}; bench page built in ${buildS.toFixed(0)} s; plotly.js chunk loaded in ${loadMs.toFixed(0)} ms (first render only)`);
    console.log(`time-series renderer: ${ts.last.status}`);
    console.log("");
    console.log(`${"case".padEnd(42)} ${"size".padEnd(16)} ${"ours ms".padStart(7)} ${"plain plotly ms".padStart(15)} ${"ratio".padStart(6)} ${"target ms".padStart(9)}  ok`);
    for (const [name, size, ours, base, target] of rows) {
      console.log(`${name.padEnd(42)} ${size.padEnd(16)} ${f0(ours)} ${f0(base).padStart(15)} ${(ours / base).toFixed(2).padStart(6)} ${String(target).padStart(9)}  ${ours < target ? "yes" : "NO"}`);
    }
    console.log("(median of 3 in one page, the plain-plotly time-series baseline once; baseline: plotly.js on the raw data, scatter for TPE, scattergl without decimation for the time series)");
  } finally {
    await browser.close();
    server.close();
  }
  const sz = bundleSizes();
  if (sz) {
    const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
    console.log(`\nprebuilt extension (extension/labextension/static/*.js): ${kib(sz.raw)} raw, ${kib(sz.gz)} gzip; remoteEntry ${kib(sz.entry)}; largest chunk ${sz.largest.name} ${kib(sz.largest.raw)} (${kib(sz.largest.gz)} gzip, plotly.js, loaded on first plot)`);
  } else console.log("\nprebuilt extension not built: npm run build:labextension -w extension, for its size");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
