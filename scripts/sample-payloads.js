/**
 * Deterministic synthetic greenai payloads (TPE, RIBBON, time series) and MIME bundles with
 * script-free HTML and text fallbacks, for the tour notebook, tests and benchmarks.
 * Pure: no fs; the same seed gives the same bytes. Needs greenai-common built (npm run build).
 */
"use strict";
const { tpeDecision, ribbonGridHeadline, ribbonGridPicks, ribbonHomogeneousLine, ribbonIsGrid, MIME_TPE, MIME_RIBBON, MIME_TIMESERIES } = require("greenai-common");

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x, d = 4) => Number(x.toFixed(d));

/**
 * A TPE replay of `nTrials` synthetic training runs of `epochs` epochs: exponential learning
 * curves whose floor depends on the learning rate and width, ~3 % diverging runs, energy per
 * epoch proportional to width (kJ), score = TSE (sum of training losses up to T).
 */
function makeTpePayload({ nTrials = 60, epochs = 50, seed = 1, fraction = 0.2, keep } = {}) {
  const r = rng(seed);
  const trials = [];
  for (let i = 0; i < nTrials; i++) {
    const lr = 10 ** (-4 + 3 * r());
    const width = [128, 256, 512, 1024][Math.floor(r() * 4)];
    const floor = 0.9 + 0.6 * Math.abs(Math.log10(lr) + 2.5) / 1.5 + 0.2 * (1024 / width) * 0.25 + 0.1 * r();
    const start = 6 + r();
    const speed = 0.05 + 0.25 * r() * Math.min(1, lr * 300);
    const divergeAt = lr > 0.05 && r() < 0.5 ? 2 + Math.floor(r() * 10) : r() < 0.03 ? 5 + Math.floor(r() * 20) : Infinity;
    const run = Math.min(epochs, divergeAt);
    const train = [];
    const val = [];
    const energy = [];
    const score = [];
    let tse = 0;
    for (let e = 1; e <= run; e++) {
      const diverged = e === divergeAt;
      const base = floor + (start - floor) * Math.exp(-speed * e);
      const tl = diverged ? null : round(base * (0.97 + 0.02 * r()));
      const vl = diverged ? null : round(base * (1.0 + 0.03 * r()) + 0.02 * Math.max(0, e - 35) * (lr > 0.01 ? 1 : 0));
      train.push(tl);
      val.push(vl);
      energy.push(round((width / 256) * (18 + 4 * r()), 3));
      if (tl === null || tse === null) tse = null;
      else tse += tl;
      score.push(tse === null ? null : round(tse, 4));
    }
    const divergedRun = divergeAt <= epochs;
    trials.push({
      id: `t${String(i).padStart(3, "0")}`,
      train_loss: train,
      val_loss: val,
      epoch_energy: energy,
      score_by_epoch: score,
      final_loss: divergedRun ? null : val[val.length - 1],
      epochs_run: run,
      diverged: divergedRun,
      params: { lr: round(lr, 6), width },
    });
  }
  const k = keep ?? Math.max(1, Math.round(nTrials * 0.1));
  return {
    schema_version: 1,
    kind: "tpe",
    title: `TPE replay: ${nTrials} synthetic runs × ${epochs} epochs`,
    score: "tse",
    total_epochs: epochs,
    energy: { unit: "kJ", source: "estimated: synthetic, proportional to model width", measured: false },
    trials,
    decision: tpeDecision(trials, epochs, fraction, k),
  };
}

const TYPES = ["c5.xlarge", "c5.2xlarge", "g4dn.xlarge"];
const PRICES = [0.17, 0.34, 0.526];
const QPS = [40, 85, 160]; // queries/s each instance serves within the latency bound

/** Share of queries within QoS and p99 latency of a pool under `load` queries/s (a smooth queueing stand-in). */
function poolQos(pool, load) {
  const cap = pool.reduce((a, n, i) => a + n * QPS[i], 0);
  if (cap === 0) return { rate: 0, p99: 5000 };
  const util = load / cap;
  const rate = util >= 1 ? Math.max(0, 100 * (1 - 0.9 * util)) + 5 : 100 * (1 - 0.5 * Math.exp(-8 * (1 - util)) ** 1) * (1 - 0.002 * pool[0]);
  const p99 = 40 / Math.max(0.02, 1 - Math.min(util, 0.98)) + 3 * pool[0];
  return { rate: round(Math.min(100, Math.max(0, rate)), 3), p99: round(p99, 2) };
}

/** Every non-empty pool of up to `maxEach` of each type, in grid order, with its price, rate and p99. */
function syntheticGrid(load, maxEach) {
  const price = (p) => round(p.reduce((a, n, i) => a + n * PRICES[i], 0), 4);
  const grid = [];
  for (let a = 0; a <= maxEach; a++) for (let b = 0; b <= maxEach; b++) for (let c = 0; c <= maxEach; c++) {
    if (a + b + c === 0) continue;
    const pool = [a, b, c];
    const q = poolQos(pool, load);
    grid.push({ pool, price_per_hour: price(pool), rate: q.rate, p99: q.p99 });
  }
  return grid;
}

/** The payload fields every synthetic RIBBON sample shares. */
const ribbonHeader = (title, qosMs, targetRate) => ({ schema_version: 1, kind: "ribbon", title, model: "synthetic-bert", instance_types: TYPES, prices_per_hour: PRICES, qos_ms: qosMs, target_rate: targetRate });

/**
 * `%ribbon grid` of the synthetic model: every pool evaluated, nothing searched; best and
 * homogeneous pools are greenai-common's picks at the target, as the kernel's are.
 */
function makeRibbonGridPayload({ load = 300, qosMs = 100, targetRate = 99, maxEach = 6 } = {}) {
  const grid = syntheticGrid(load, maxEach).map((g) => ({ pool: g.pool, price_per_hour: g.price_per_hour, rate: g.rate }));
  const p = { ...ribbonHeader(`synthetic-bert: whole grid at ${load} queries/s`, qosMs, targetRate), method: "exhaustive", stop_reason: "complete", evaluations: [], best: null, homogeneous: [], grid };
  const picks = ribbonGridPicks(p);
  const c = picks.cheapest;
  p.best = c ? { pool: c.pool, price_per_hour: c.price_per_hour, rate: c.rate } : null;
  p.homogeneous = picks.homogeneous.map((h) => ({ instance_type: h.instance_type, ...h.point }));
  return p;
}

/** A RIBBON search over pools of three instance types: random start, then greedy cheaper/better moves. */
function makeRibbonPayload({ seed = 7, load = 300, qosMs = 100, targetRate = 99, maxEach = 6 } = {}) {
  const r = rng(seed);
  const grid = syntheticGrid(load, maxEach);
  const key = (p) => p.join(",");
  const byKey = new Map(grid.map((g) => [key(g.pool), g]));
  const seen = new Set();
  const evaluations = [];
  const evaluate = (pool) => {
    const g = byKey.get(key(pool));
    if (!g || seen.has(key(pool))) return null;
    seen.add(key(pool));
    const e = { order: evaluations.length, pool: [...pool], price_per_hour: g.price_per_hour, rate: g.rate, p99_ms: g.p99, feasible: g.rate >= targetRate };
    evaluations.push(e);
    return e;
  };
  while (evaluations.length < 6) evaluate([0, 1, 2].map(() => Math.floor(r() * (maxEach + 1))));
  for (let step = 0; step < 40 && evaluations.length < 30; step++) {
    const feasible = evaluations.filter((e) => e.feasible).sort((x, y) => x.price_per_hour - y.price_per_hour);
    const from = feasible[0] ?? [...evaluations].sort((x, y) => y.rate - x.rate)[0];
    const moves = [];
    for (let i = 0; i < 3; i++) for (const d of [-1, 1]) {
      const p = [...from.pool];
      p[i] += d;
      if (p[i] >= 0 && p[i] <= maxEach) moves.push(p);
    }
    // Try the neighbours in random order; a fresh random pool when all were seen.
    for (let k = moves.length - 1; k > 0; k--) {
      const j = Math.floor(r() * (k + 1));
      [moves[k], moves[j]] = [moves[j], moves[k]];
    }
    if (!moves.some((p) => evaluate(p))) evaluate([0, 1, 2].map(() => Math.floor(r() * (maxEach + 1))));
  }
  const feas = evaluations.filter((e) => e.feasible).sort((x, y) => x.price_per_hour - y.price_per_hour || y.rate - x.rate);
  const homogeneous = TYPES.map((t, i) => {
    const h = grid.filter((g) => g.pool.every((n, j) => (j === i ? n > 0 : n === 0)) && g.rate >= targetRate).sort((x, y) => x.price_per_hour - y.price_per_hour)[0];
    return h ? { instance_type: t, pool: h.pool, price_per_hour: h.price_per_hour, rate: h.rate } : null;
  }).filter(Boolean);
  return {
    schema_version: 1,
    kind: "ribbon",
    title: `RIBBON pool search: synthetic model at ${load} queries/s`,
    model: "synthetic-bert",
    instance_types: TYPES,
    prices_per_hour: PRICES,
    qos_ms: qosMs,
    target_rate: targetRate,
    method: "improved",
    stop_reason: "30 evaluations",
    evaluations,
    best: feas[0] ? { pool: feas[0].pool, price_per_hour: feas[0].price_per_hour, rate: feas[0].rate } : null,
    homogeneous,
    grid: grid.map((g) => ({ pool: g.pool, price_per_hour: g.price_per_hour, rate: g.rate })),
  };
}

/**
 * A training job on `gpus` GPUs: utilisation (%), power (W) and memory (GiB) every `stepMs`,
 * `n` samples per series, with an evaluation dip every ~10 minutes and a few missing samples.
 */
function makeTimeseriesPayload({ n = 1800, stepMs = 2000, gpus = 2, seed = 3, t0 = Date.UTC(2024, 2, 1, 9, 0, 0) } = {}) {
  const r = rng(seed);
  const t = new Array(n);
  for (let i = 0; i < n; i++) t[i] = t0 + i * stepMs;
  const series = [];
  let energyJ = 0;
  for (let g = 0; g < gpus; g++) {
    const util = new Array(n);
    const power = new Array(n);
    const mem = new Array(n);
    for (let i = 0; i < n; i++) {
      const minute = (i * stepMs) / 60000;
      const evalPhase = minute % 10 > 9;
      const warm = Math.min(1, i / 30);
      const u = evalPhase ? 20 + 10 * r() : warm * (88 + 8 * r());
      util[i] = round(u, 1);
      power[i] = round(60 + 2.4 * u + 10 * r(), 1);
      mem[i] = round(Math.min(31.5, 2 + 26 * warm + 0.5 * r()), 2);
      if (r() < 0.002) power[i] = null;
      if (power[i] !== null) energyJ += (power[i] * stepMs) / 1000;
    }
    const device = `gpu${g}@d-8-3-2`;
    series.push({ name: "GPU utilisation", unit: "%", group: "utilization", device, t_ms: t, values: util });
    series.push({ name: "GPU power", unit: "W", group: "power", device, t_ms: t, values: power });
    series.push({ name: "GPU memory", unit: "GiB", group: "memory", device, t_ms: t, values: mem });
  }
  return {
    schema_version: 1,
    kind: "timeseries",
    title: `Job 4242: ${gpus} GPUs, ${((n * stepMs) / 60000).toFixed(0)} minutes (synthetic)`,
    job_id: "4242",
    series,
    facts: { "GPU energy (kJ)": round(energyJ / 1000, 1), "duration (min)": round((n * stepMs) / 60000, 1), node: "d-8-3-2", gpus },
  };
}

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
const num = (x, d = 4) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(d))));
const table = (caption, head, rows) =>
  `<table class="greenai-table"><caption>${esc(caption)}</caption><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
const poolLabel = (pool, types) => pool.map((n, i) => (n > 0 ? `${n}× ${types[i]}` : "")).filter(Boolean).join(" + ");

/** Script-free HTML and one-line text for a payload (what nbconvert, GitHub and VS Code show). */
function fallbacks(p) {
  if (p.kind === "tpe") {
    const d = p.decision;
    const text = `${p.title}: decision after epoch ${d.budget_epoch}/${p.total_epochs}, kept ${d.kept.length} of ${p.trials.length}, energy saved ${(100 * d.energy_saved_fraction).toFixed(1)}% (${num(d.energy_all - d.energy_used)} of ${num(d.energy_all)} ${p.energy.unit}), Spearman ${num(d.spearman, 3)}, best ${d.best_survived ? "survived" : "stopped"}`;
    const html =
      table(p.title, ["decision epoch", "kept", "energy used", "energy of all", "saved", "Spearman", "Kendall", "chosen", "best survived"], [
        [`${d.budget_epoch}/${p.total_epochs}`, `${d.kept.length}/${p.trials.length}`, `${num(d.energy_used)} ${p.energy.unit}`, `${num(d.energy_all)} ${p.energy.unit}`, `${(100 * d.energy_saved_fraction).toFixed(1)}%`, num(d.spearman, 3), num(d.kendall, 3), d.chosen_id ?? "–", d.best_survived ? "yes" : "no"],
      ]) +
      table("kept trials", ["trial", "final loss", "epochs", "params"], p.trials.filter((t) => d.kept.includes(t.id)).map((t) => [t.id, num(t.final_loss), t.epochs_run, JSON.stringify(t.params ?? {})]));
    return { html, text };
  }
  if (p.kind === "ribbon" && ribbonIsGrid(p)) {
    // The kernel presenter's words: greenai-common's headline and homogeneous line.
    const picks = ribbonGridPicks(p);
    const lines = [ribbonGridHeadline(picks), ribbonHomogeneousLine(picks)].filter(Boolean);
    const row = (what, g) => [what, poolLabel(g.pool, p.instance_types), g.price_per_hour.toFixed(3), num(g.rate)];
    const html =
      `<p>${lines.map(esc).join("<br>")}</p>` +
      table(`${p.title}: target ${p.target_rate}% of queries within ${p.qos_ms} ms`, ["", "pool", "$/h", "rate %"], [
        ...(picks.cheapest ? [row("cheapest feasible", picks.cheapest)] : []),
        ...picks.homogeneous.map((h) => row(`best ${h.instance_type} only`, h.point)),
        ...picks.front.map((g) => row("Pareto front", g)),
      ]);
    return { html, text: `${p.title}: ${lines.join("; ")}` };
  }
  if (p.kind === "ribbon") {
    const text = p.best ? `${p.title}: cheapest feasible pool ${poolLabel(p.best.pool, p.instance_types)} at $${p.best.price_per_hour.toFixed(3)}/h (rate ${num(p.best.rate)}%), ${p.evaluations.length} pools evaluated` : `${p.title}: no feasible pool in ${p.evaluations.length} evaluated`;
    const html =
      table(`${p.title}: target ${p.target_rate}% of queries within ${p.qos_ms} ms`, ["", "pool", "$/h", "rate %"], [
        ...(p.best ? [["chosen", poolLabel(p.best.pool, p.instance_types), p.best.price_per_hour.toFixed(3), num(p.best.rate)]] : []),
        ...p.homogeneous.map((h) => [`best ${h.instance_type} only`, poolLabel(h.pool, p.instance_types), h.price_per_hour.toFixed(3), num(h.rate)]),
      ]) +
      table("evaluations in search order", ["#", "pool", "$/h", "rate %", "p99 ms", "feasible"], p.evaluations.map((e) => [e.order + 1, poolLabel(e.pool, p.instance_types), e.price_per_hour.toFixed(3), num(e.rate), num(e.p99_ms), e.feasible ? "yes" : "no"]));
    return { html, text };
  }
  const stats = p.series.map((s) => {
    const v = s.values.filter((x) => typeof x === "number");
    const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    return [s.name, s.device ?? "", s.unit, s.values.length, num(Math.min(...v)), num(mean), num(Math.max(...v))];
  });
  const text = `${p.title}: ${p.series.length} series, ${stats.reduce((a, s) => a + s[3], 0)} samples; ${Object.entries(p.facts ?? {}).map(([k, v]) => `${k} ${v}`).join(", ")}`;
  const html = table(p.title, ["series", "device", "unit", "samples", "min", "mean", "max"], stats) + table("facts", ["fact", "value"], Object.entries(p.facts ?? {}).map(([k, v]) => [k, String(v)]));
  return { html, text };
}

const MIME = { tpe: MIME_TPE, ribbon: MIME_RIBBON, timeseries: MIME_TIMESERIES };

/** A MIME bundle like the kernel's makeBundle: vendor JSON, HTML table, plain text. */
function bundleOf(payload) {
  const { html, text } = fallbacks(payload);
  return { data: { [MIME[payload.kind]]: payload, "text/html": html, "text/plain": text }, metadata: {} };
}

/**
 * The TPE sample's training runs as a long CSV for `%tpe replay`:
 * run_id,epoch,train_loss,val_loss,wall_time_s (epochs 0-based; nan where a run diverged;
 * wall time = the epoch's energy at 250 W, so `--power-w 250 --energy wall` gives the kJ back).
 */
function tpeCurvesCsv(payload, watts = 250) {
  const rows = ["run_id,epoch,train_loss,val_loss,wall_time_s"];
  for (const t of payload.trials) {
    for (let e = 0; e < t.epochs_run; e++) {
      const f = (x) => (x === null || x === undefined ? "nan" : String(x));
      rows.push(`${t.id},${e},${f(t.train_loss[e])},${f(t.val_loss[e])},${round((t.epoch_energy[e] * 1000) / watts, 3)}`);
    }
  }
  return rows.join("\n") + "\n";
}

const RIBBON_TYPES = { "c5.xlarge": { price: 0.17, base: 3.2, perQuery: 0.11 }, "c5.2xlarge": { price: 0.34, base: 2.6, perQuery: 0.062 }, "g4dn.xlarge": { price: 0.526, base: 5.5, perQuery: 0.018 } };

/**
 * A RIBBON data folder for a synthetic model "toy" in the artifact's layout:
 * query/configs/toy.json, query/price.csv, characterization/logs/<type>/toy_<batch>_1.json
 * (100 latencies in ms per batch size 10..500: base + per-query time, log-normal noise).
 * Returns {relative path: file text}.
 */
function ribbonDataFiles({ seed = 17 } = {}) {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const files = {};
  const types = Object.keys(RIBBON_TYPES);
  files["query/configs/toy.json"] = JSON.stringify({ ins_types: types, max_num: [8, 6, 4], num_samp: 10000, inter_arrival: 3, qos: 40, rm: "toy" }, null, 4) + "\n";
  files["query/price.csv"] = ["instance,price", ...types.map((t) => `${t},${RIBBON_TYPES[t].price}`)].join("\n") + "\n";
  for (const t of types) {
    const { base, perQuery } = RIBBON_TYPES[t];
    for (let b = 10; b <= 500; b += 10) {
      const median = base + perQuery * b;
      const lat = Array.from({ length: 100 }, () => round(median * Math.exp(0.04 * normal()), 2));
      files[`characterization/logs/${t}/toy_${b}_1.json`] = JSON.stringify(lat) + "\n";
    }
  }
  return files;
}

module.exports = { rng, makeTpePayload, makeRibbonPayload, makeRibbonGridPayload, makeTimeseriesPayload, fallbacks, bundleOf, tpeCurvesCsv, ribbonDataFiles };
