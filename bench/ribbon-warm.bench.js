#!/usr/bin/env node
/**
 * RIBBON warm start (issue 12): after a ±20% load change or a ±10% QoS change, evaluations until the
 * new optimum is first evaluated (0 when it is carried over with its rate), median over optimiser
 * seeds, for a cold improved search and one warm-started from the improved search of the same seed
 * under the old conditions (ribbon/warm-start.ts: known pools, and the earlier pools transferred to the
 * capacity classifier; each earlier evaluation carries the simulator's qosToMeetMs, so after a QoS
 * change every one of them is exact). Simulator seed 0, 25,000
 * queries; the new optimum is the exhaustive one under the new conditions. A search that never
 * evaluates it counts as missed (∞).
 * Target: warm median ≤ 0.5 × cold median on every model and change.
 * Usage: node bench/ribbon-warm.bench.js   (after npm run build; needs ../shared/data/ribbon)
 *        RIBBON_WARM_SEEDS=20 for more seeds (default 10); GREENAI_KERNEL_DIST for another build folder.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const DIST = process.env.GREENAI_KERNEL_DIST || path.resolve(__dirname, "../kernel/dist");
const r = require(path.join(DIST, "ribbon"));
const { transferredPools, warmStart } = require(path.join(DIST, "ribbon/warm-start"));
const { capacityPerInstance } = require(path.join(DIST, "ribbon/capacity"));

const DATA = process.env.GREENAI_SHARED_DATA ? path.join(process.env.GREENAI_SHARED_DATA, "ribbon") : path.resolve(__dirname, "../../shared/data/ribbon");
if (!fs.existsSync(DATA)) {
  console.log(`SKIPPED: ${DATA} is absent (see ../shared/data/README.md)`);
  process.exit(0);
}
const SEEDS = Number(process.env.RIBBON_WARM_SEEDS || 10);
const MODELS = (process.env.RIBBON_WARM_MODELS || "candle,resnet,vgg,mtwnd,dien").split(",");
/** Improved mode's acquisition: capacity (default, as %ribbon search) or a GP one (first, saving). */
const ACQ = process.env.RIBBON_WARM_ACQ || "capacity";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const table = (cols, rows) => {
  const cells = [cols, ...rows.map((row) => row.map(String))];
  const w = cols.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c) => c.map((x, i) => x.padEnd(w[i])).join("  ")).join("\n");
};

/** An earlier search's evaluations as warm-start observations. */
const observations = (res) => res.evaluations.map((e) => ({ pool: e.pool, rate: e.rate, p99Ms: e.p99Ms, qosToMeetMs: e.qosToMeetMs ?? null }));

/** Evaluations until `opt` was first evaluated; 0 if reported from known pools; Infinity if never. */
function toOptimum(res, opt) {
  if (res.best && res.best.index === opt && res.best.via === "known") return 0;
  const i = res.evaluations.findIndex((e) => e.index === opt);
  return i >= 0 ? i + 1 : Infinity;
}

(async () => {
  const rows = [];
  let met = 0;
  let total = 0;
  for (const model of MODELS) {
    const p0 = r.ribbonProblemFromDir(DATA, model);
    const grid = new r.PoolGrid(p0.space);
    const gap = p0.workload.meanGapMs;
    const qos = p0.workload.qosMs;
    const source = { kind: "simulator", seed: 0, queries: p0.workload.queries, dispatch: "pool-order", mix: p0.workload.mix };
    const conditions = (g, q) => ({ model, instanceTypes: p0.space.types, maxCounts: p0.space.maxCounts, meanGapMs: g, qosMs: q, targetRate: 99, source });
    const simAt = (g, q) => {
      const p = r.ribbonProblemFromDir(DATA, model, { meanGapMs: g, qosMs: q });
      return new r.ServingSimulator(p.profile, p.space, p.workload);
    };
    /** Search options under conditions (g, q): the capacity prior depends on the load. */
    const capacityAt = (g, q) => {
      const p = r.ribbonProblemFromDir(DATA, model, { meanGapMs: g, qosMs: q });
      return capacityPerInstance(p.profile, p.workload, p.space.types);
    };
    /** Improved search options under conditions (g, q); a warm one also gets the earlier search's pools as transferred (capacity acquisition). */
    const improved = (g, q, seed, known, earlier) => {
      // As %ribbon search: the noise model of a rate measured on the simulated queries (robust pruning).
      const o = { mode: "improved", seed, known, acquisition: ACQ, noiseQueries: p0.workload.queries };
      if (ACQ === "capacity") {
        o.capacity = capacityAt(g, q);
        if (earlier && !process.env.RIBBON_WARM_NO_TRANSFER) {
          o.transferred = [transferredPools(grid, conditions(gap, qos), observations(earlier), conditions(g, q), capacityAt(gap, qos))];
        }
      }
      return o;
    };
    const oldEval = new r.SimulatorEvaluator(simAt(gap, qos), 0);
    const previous = [];
    for (let s = 0; s < SEEDS; s++) previous.push(await r.ribbonSearch(grid, oldEval, improved(gap, qos, s)));
    for (const [change, g, q] of [
      ["load +20%", gap / 1.2, qos],
      ["load −20%", gap / 0.8, qos],
      ["QoS −10%", gap, qos * 0.9],
      ["QoS +10%", gap, qos * 1.1],
    ]) {
      const sim = simAt(g, q);
      const opt = r.cheapestFeasible(grid, sim.rates(grid.counts, 0));
      const ev = new r.SimulatorEvaluator(sim, 0);
      const cold = [];
      const warm = [];
      const carried = [];
      for (let s = 0; s < SEEDS; s++) {
        cold.push(toOptimum(await r.ribbonSearch(grid, ev, improved(g, q, s)), opt));
        const obs = observations(previous[s]);
        const w = warmStart(grid, conditions(gap, qos), obs, conditions(g, q));
        carried.push(w.known.length);
        warm.push(toOptimum(await r.ribbonSearch(grid, ev, improved(g, q, s, w.known, previous[s])), opt));
      }
      const mc = median(cold);
      const mw = median(warm);
      const ratio = mw / mc;
      const ok = ratio <= 0.5;
      met += ok ? 1 : 0;
      total++;
      rows.push([
        model,
        change,
        grid.pool(opt).join(","),
        mc,
        mw,
        Number.isFinite(ratio) ? ratio.toFixed(2) : "–",
        `${cold.filter(Number.isFinite).length}/${SEEDS}`,
        `${warm.filter(Number.isFinite).length}/${SEEDS}`,
        median(carried),
        ok ? "met" : "NOT MET",
      ]);
    }
  }
  console.log(`acquisition ${ACQ}; warm vs cold improved search, evaluations until the new optimum is first evaluated, median over ${SEEDS} seeds (simulator seed 0):`);
  console.log(table(["model", "change", "new optimum", "cold", "warm", "warm/cold", "cold found", "warm found", "known pools", "≤ 0.5"], rows));
  console.log(`target warm ≤ 0.5 × cold: met on ${met} of ${total} model × change cells`);
  process.exitCode = met === total ? 0 : 1;
})();
