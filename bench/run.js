#!/usr/bin/env node
/**
 * `npm run bench`: runs every bench/*.bench.js in turn (one process each, so memory
 * numbers do not mix) and prints their tables. Each compares against a baseline measured
 * in the same run and prints ratios; pass names to run a subset: npm run bench -- tpe ribbon
 */
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const only = process.argv.slice(2);
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith(".bench.js"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ["--expose-gc", path.join(__dirname, f)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`${f} failed (exit ${r.status})`);
  }
}
process.exitCode = failed ? 1 : 0;
