#!/usr/bin/env node
/**
 * Writes the deterministic synthetic samples (see sample-payloads.js) into data/samples/:
 * {tpe,ribbon,timeseries}.bundle.json (ready-made MIME bundles), tpe-curves.csv (the TPE runs
 * for %tpe replay) and ribbon/ (a RIBBON data folder, model "toy", for %ribbon search).
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { makeTpePayload, makeRibbonPayload, makeTimeseriesPayload, bundleOf, tpeCurvesCsv, ribbonDataFiles } = require("./sample-payloads");

const out = path.resolve(__dirname, "..", "data", "samples");
fs.mkdirSync(out, { recursive: true });
const samples = {
  tpe: makeTpePayload({ nTrials: 60, epochs: 50 }),
  ribbon: makeRibbonPayload(),
  timeseries: makeTimeseriesPayload(),
};
for (const [name, payload] of Object.entries(samples)) {
  const file = path.join(out, `${name}.bundle.json`);
  fs.writeFileSync(file, JSON.stringify(bundleOf(payload)) + "\n");
  console.log(`${path.relative(process.cwd(), file)}: ${(fs.statSync(file).size / 1024).toFixed(0)} KiB · ${bundleOf(payload).data["text/plain"]}`);
}

const curves = path.join(out, "tpe-curves.csv");
fs.writeFileSync(curves, tpeCurvesCsv(samples.tpe));
console.log(`${path.relative(process.cwd(), curves)}: ${(fs.statSync(curves).size / 1024).toFixed(0)} KiB`);
const ribbonDir = path.join(out, "ribbon");
fs.rmSync(ribbonDir, { recursive: true, force: true });
const files = ribbonDataFiles();
for (const [rel, text] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(ribbonDir, rel)), { recursive: true });
  fs.writeFileSync(path.join(ribbonDir, rel), text);
}
console.log(`${path.relative(process.cwd(), ribbonDir)}/: ${Object.keys(files).length} files (RIBBON data folder, model toy)`);
