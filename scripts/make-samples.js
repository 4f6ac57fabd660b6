#!/usr/bin/env node
/** Writes data/samples/{tpe,ribbon,timeseries}.bundle.json from deterministic synthetic data (see sample-payloads.js). */
"use strict";
const fs = require("fs");
const path = require("path");
const { makeTpePayload, makeRibbonPayload, makeTimeseriesPayload, bundleOf } = require("./sample-payloads");

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
