#!/usr/bin/env node
/**
 * RIBBON benchmarks (one core): simulated queries per second and whole-grid table time per model,
 * against the literal 1 ms tick loop of the method note measured in the same run; GP fit +
 * acquisition per iteration at 200 observations, against one Cholesky factorisation of the same size.
 * Targets: ≥ 5 M simulated queries/s; a whole grid in < 10 s.
 * Usage: node bench/ribbon.bench.js   (after npm run build; needs ../shared/data/ribbon)
 */
"use strict";
const fs = require("fs");
const path = require("path");
const r = require("../kernel/dist/ribbon");
const gp = require("../kernel/dist/ribbon/gp");
const search = require("../kernel/dist/ribbon/search");
const { Pruner } = require("../kernel/dist/ribbon/prune");

const DATA = process.env.GREENAI_SHARED_DATA
  ? path.join(process.env.GREENAI_SHARED_DATA, "ribbon")
  : path.resolve(__dirname, "../../shared/data/ribbon");
if (!fs.existsSync(DATA)) {
  console.log(`SKIPPED: ${DATA} is absent (see ../shared/data/README.md)`);
  process.exit(0);
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const table = (cols, rows) => {
  const cells = [cols, ...rows.map((row) => row.map(String))];
  const w = cols.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c) => c.map((x, i) => x.padEnd(w[i])).join("  ")).join("\n");
};
const fmt = (x, d = 2) => x.toFixed(d);
let failed = false;

// 1. Simulator throughput: next-event form vs the literal tick loop, same pools, same trace.
{
  const p = r.ribbonProblemFromDir(DATA, "candle");
  const sim = new r.ServingSimulator(p.profile, p.space, p.workload);
  const grid = new r.PoolGrid(p.space);
  const { trace, table: svc } = sim.prepared(0);
  const rng = new (require("../kernel/dist/ribbon/rng").Rng)(1);
  const sample = [];
  while (sample.length < 24) {
    const i = rng.uniformInt(0, grid.size - 1);
    sample.push(i);
  }
  const N = trace.arrivalMs.length;
  let t = now();
  for (const i of sample) r.simulateTicks(grid.pool(i), trace, svc);
  const tTick = now() - t;
  const counts = new Int32Array(sample.length * 3);
  sample.forEach((i, k) => counts.set(grid.counts.subarray(i * 3, i * 3 + 3), k * 3));
  sim.rates(counts, 0); // warm-up
  t = now();
  const reps = 20;
  for (let k = 0; k < reps; k++) sim.rates(counts, 0);
  const tEvent = (now() - t) / reps;
  const qTick = (sample.length * N) / tTick;
  const qEvent = (sample.length * N) / tEvent;
  console.log("simulated queries per second (candle, 24 random pools of the grid × 25,000 queries, pool-order):");
  console.log(
    table(
      ["simulator", "M queries/s", "ratio"],
      [
        ["tick loop (method note §7, baseline)", fmt(qTick / 1e6), "1.0"],
        ["next-event (greenai)", fmt(qEvent / 1e6), fmt(qEvent / qTick, 1)],
      ],
    ),
  );
  const ok = qEvent >= 5e6;
  failed ||= !ok;
  console.log(`target ≥ 5 M queries/s: ${ok ? "met" : "NOT MET"}\n`);
}

// 2. Whole grid table per model (trace + service table + every pool), both dispatch policies.
{
  const rows = [];
  for (const model of ["candle", "resnet", "vgg", "mtwnd", "dien"]) {
    const p = r.ribbonProblemFromDir(DATA, model);
    const grid = new r.PoolGrid(p.space);
    const row = [model, String(grid.size)];
    for (const dispatch of ["pool-order", "earliest-finish"]) {
      const sim = new r.ServingSimulator(p.profile, p.space, p.workload);
      const t = now();
      const rates = sim.rates(grid.counts, 0, dispatch);
      const dt = now() - t;
      const best = r.cheapestFeasible(grid, rates);
      row.push(fmt(dt), fmt((grid.size * p.workload.queries) / dt / 1e6, 1), best >= 0 ? r.formatPool(grid.pool(best)) : "none");
      if (dispatch === "pool-order" && dt >= 10) failed = true;
    }
    rows.push(row);
  }
  console.log("whole grid table, 25,000 queries per pool, seed 0 (time includes drawing the trace):");
  console.log(table(["model", "pools", "pool-order s", "Mq/s", "optimum", "earliest-finish s", "Mq/s", "optimum"], rows));
  // Baseline for the grid: the tick loop, extrapolated from part 1's rate.
  console.log("target < 10 s per grid (pool-order): " + (rows.every((x) => Number(x[2]) < 10) ? "met" : "NOT MET") + "\n");
}

// 3. GP fit + acquisition per iteration at 200 observations (vgg grid, 1,689 candidates).
{
  const p = r.ribbonProblemFromDir(DATA, "vgg");
  const grid = new r.PoolGrid(p.space);
  const sim = new r.ServingSimulator(p.profile, p.space, p.workload);
  const rates = sim.rates(grid.counts, 0);
  const n = 200;
  const d = 3;
  const rng = new (require("../kernel/dist/ribbon/rng").Rng)(3);
  const idx = rng.shuffle(Array.from({ length: grid.size }, (_, i) => i)).slice(0, n);
  const Xraw = new Float64Array(n * d);
  const Xunit = new Float64Array(n * d);
  const yF = new Float64Array(n);
  const yR = new Float64Array(n);
  idx.forEach((i, k) => {
    for (let j = 0; j < d; j++) {
      Xraw[k * d + j] = grid.counts[i * d + j];
      Xunit[k * d + j] = grid.counts[i * d + j] / p.space.maxCounts[j];
    }
    yF[k] = search.ribbonObjective(rates[i], grid.price[i], grid.maxPrice);
    yR[k] = search.rateLogit(rates[i]);
  });
  const pruner = new Pruner(grid, "dominance");
  const cand = Int32Array.from({ length: grid.size }, (_, i) => i);
  const XcRaw = new Float64Array(grid.size * d);
  const XcUnit = new Float64Array(grid.size * d);
  for (let i = 0; i < grid.size; i++) for (let j = 0; j < d; j++) {
    XcRaw[i * d + j] = grid.counts[i * d + j];
    XcUnit[i * d + j] = grid.counts[i * d + j] / p.space.maxCounts[j];
  }
  const mu = new Float64Array(grid.size);
  const sd = new Float64Array(grid.size);
  const acq = new Float64Array(grid.size);
  const time = (f, reps) => {
    f();
    const t = now();
    for (let k = 0; k < reps; k++) f();
    return (now() - t) / reps;
  };
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    let r2 = 0;
    for (let j = 0; j < d; j++) r2 += (Xunit[i * d + j] - Xunit[k * d + j]) ** 2;
    K[i * n + k] = gp.matern52(Math.sqrt(r2) / 0.3) + (i === k ? 1e-6 : 0);
  }
  const tChol = time(() => gp.choleskyWithJitter(K, n), 20);
  const improvedOpts = {
    ard: true, alpha: 1e-8, lengthBounds: [0.02, 20], signalBounds: [0.05, 20], noiseBounds: [1e-6, 0.5],
    normalizeY: true, roundInputs: false, starts: [{ lengthScales: [0.5, 0.5, 0.5], signalVariance: 1, noiseVariance: 1e-3 }], maxIterations: 40,
  };
  const tFaithful = time(() => {
    const g = gp.GaussianProcess.fit(Xraw, n, d, yF, gp.faithfulGpOptions());
    g.predict(XcRaw, grid.size, mu, sd);
    let yBest = -Infinity;
    for (let i = 0; i < n; i++) yBest = Math.max(yBest, yF[i]);
    for (let i = 0; i < grid.size; i++) acq[i] = search.expectedImprovement(mu[i], sd[i], yBest, 0.1);
  }, 3);
  const tImproved = time(() => {
    const g = gp.GaussianProcess.fit(Xunit, n, d, yR, improvedOpts);
    g.predict(XcUnit, grid.size, mu, sd);
    for (let i = 0; i < grid.size; i++) acq[i] = search.logFeasibleSaving(grid.maxPrice - grid.price[i], mu[i], sd[i], search.rateLogit(99));
  }, 3);
  const tPruning = time(() => {
    const g = gp.GaussianProcess.fit(Xunit, n, d, yR, improvedOpts);
    g.predict(XcUnit, grid.size, mu, sd);
    search.expectedPruning(pruner, cand, mu, sd, search.rateLogit(99), acq);
  }, 3);
  console.log(`GP fit + acquisition per iteration, ${n} observations, ${grid.size} candidate pools (vgg):`);
  console.log(
    table(
      ["step", "ms", "ratio"],
      [
        [`one Cholesky of ${n}×${n} (baseline)`, fmt(tChol * 1e3), "1.0"],
        ["faithful: isotropic ℓ fit from 1 (Brent) + EI", fmt(tFaithful * 1e3), fmt(tFaithful / tChol, 1)],
        ["improved: ARD ℓ, σ², noise fit (BFGS) + feasibility-weighted saving", fmt(tImproved * 1e3), fmt(tImproved / tChol, 1)],
        ["improved: same fit + expected pruning", fmt(tPruning * 1e3), fmt(tPruning / tChol, 1)],
      ],
    ),
  );
}
process.exitCode = failed ? 1 : 0;
