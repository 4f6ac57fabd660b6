#!/usr/bin/env node
/**
 * Kernel latency against stock tslab, both started in the same run by jupyter_client:
 * start -> ready, first `1+1`, median `1+1` (target: within 1.1x of tslab), median `%echo`;
 * and magic dispatch overhead in-process (parse + run of a trivial magic).
 */
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const PY = "/usr/bin/python3";
const N = Number(process.env.BENCH_KERNEL_N || 30);
const ROUNDS = Number(process.env.BENCH_KERNEL_ROUNDS || 3);

function installSpecs() {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-bench-"));
  const r = spawnSync(process.execPath, [path.join(ROOT, "kernel/bin/greenai.js"), "install", "--prefix", prefix, "--name", "greenai-bench"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const dir = path.join(prefix, "share/jupyter/kernels/tslab-stock");
  fs.mkdirSync(dir, { recursive: true });
  const tslabBin = path.join(path.dirname(require.resolve("tslab/package.json", { paths: [path.join(ROOT, "kernel")] })), "bin/tslab");
  fs.writeFileSync(
    path.join(dir, "kernel.json"),
    JSON.stringify({ argv: [process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"], display_name: "tslab", language: "typescript", interrupt_mode: "signal" }),
  );
  return path.join(prefix, "share/jupyter");
}

function measure(jupyterPath, name, magics) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-bench-nb-"));
  const args = [path.join(__dirname, "kernel_latency.py"), name, cwd, String(N)];
  if (magics) args.push("magics");
  const r = spawnSync(PY, args, { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: jupyterPath } });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr.slice(-1500)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function dispatchOverhead() {
  const { createRegistry, dispatchMagic } = require(path.join(ROOT, "kernel/dist/index.js"));
  const registry = createRegistry();
  const ctx = { display() {}, log() {}, progress() {}, signal: new AbortController().signal, cwd: process.cwd() };
  return (async () => {
    for (let i = 0; i < 2000; i++) await dispatchMagic(registry, "echo hi --json", ctx);
    const n = 20000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await dispatchMagic(registry, "echo hi --json", ctx);
    return Number(process.hrtime.bigint() - t) / 1e6 / n;
  })();
}

async function main() {
  if (!fs.existsSync(PY) || spawnSync(PY, ["-c", "import jupyter_client"]).status !== 0) {
    console.log("SKIPPED kernel bench: /usr/bin/python3 with jupyter_client is needed (apt-get install python3-jupyter-client)");
    return;
  }
  const jp = installSpecs();
  const ours = [];
  const stock = [];
  // Alternate the two kernels so machine noise hits both alike.
  for (let i = 0; i < ROUNDS; i++) {
    stock.push(measure(jp, "tslab-stock", false));
    ours.push(measure(jp, "greenai-bench", true));
  }
  const row = (label, key, target) => {
    const a = median(ours.map((o) => o[key]));
    const b = median(stock.map((o) => o[key]));
    console.log(`${label.padEnd(28)} ${a.toFixed(1).padStart(9)} ${b.toFixed(1).padStart(9)} ${(a / b).toFixed(2).padStart(7)}x  ${target}`);
  };
  console.log(`kernel latency, median of ${ROUNDS} starts (each: ${N} cells), ms; client-measured execute_request -> idle`);
  console.log(`${"".padEnd(28)} ${"greenai".padStart(9)} ${"tslab".padStart(9)} ${"ratio".padStart(8)}  target`);
  row("start -> kernel_info ready", "ready_ms", "ready < 3000 ms");
  row("first 1+1", "first_ms", "");
  row("1+1, median", "trivial_median_ms", "ratio <= 1.1");
  console.log(`${"%echo hi, median".padEnd(28)} ${median(ours.map((o) => o.magic_median_ms)).toFixed(1).padStart(9)} ${"-".padStart(9)}`);
  const us = (await dispatchOverhead()) * 1000;
  console.log(`magic dispatch in-process (tokenize + parse + run %echo): ${us.toFixed(1)} us per call`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
