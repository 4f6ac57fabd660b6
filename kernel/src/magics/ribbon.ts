/**
 * `%ribbon`: cost-effective heterogeneous inference-serving pools (RIBBON, SC'21).
 * `simulate` one pool, tabulate a whole `grid`, `search` with Bayesian optimisation, `compare`
 * the optimisers with the baselines. Thin adapter over kernel/src/ribbon.
 */
import * as path from "path";
import type { RibbonEvaluation, RibbonPayload } from "greenai-common";
import { GreenaiError, throwIfAborted } from "../errors";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable } from "../display/bundle";
import {
  cheapestFeasible,
  CommandEvaluator,
  DISPATCH_POLICIES,
  exhaustiveFromRates,
  formatPool,
  hillClimbSearch,
  homogeneousFromRates,
  IMPROVED_ACQUISITIONS,
  LookupEvaluator,
  lookupTableFromFile,
  monotonicityFlips,
  ribbonPaperSavingsFromDir,
  PoolGrid,
  randomPruneSearch,
  requireFeasible,
  ribbonProblemFromDir,
  ribbonSearch,
  RIBBON_MODES,
  ServingSimulator,
  SimulatorEvaluator,
  writeLookupTable,
  type DispatchPolicy,
  type EvaluatedPool,
  type HomogeneousPoint,
  type ImprovedAcquisition,
  type PoolEvaluator,
  type RibbonProblem,
  type RibbonMode,
  type PoolSearchResult,
  type SizeMix,
} from "../ribbon";
import { round2 } from "../ribbon/catalogue";
import type { FlagSpec, ParsedArgs } from "./options";
import type { Magic, MagicCommand, MagicContext, MagicResult } from "./types";

/** A pool with its price and rate, as the CLI prints it. */
export interface RibbonPoolPoint {
  pool: number[];
  /** $/h. */
  price: number;
  /** QoS rate, %. */
  rate: number;
}

/** Cheapest feasible homogeneous pool of one type. */
export interface RibbonHomogeneousPoint extends RibbonPoolPoint {
  instance_type: string;
}

/** `%ribbon simulate`: one pool on one seed. */
export interface RibbonSimulateResult {
  model: string;
  instance_types: string[];
  pool: number[];
  /** $/h. */
  price: number;
  /** % of queries with wait + service ≤ QoS. */
  rate: number;
  feasible: boolean;
  target_rate: number;
  qos_ms: number;
  mean_gap_ms: number;
  queries: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  /** Busy fraction of each type (aligned with instance_types); null where the count is 0. */
  utilisation: (number | null)[];
  makespan_ms: number;
  seed: number;
  dispatch: DispatchPolicy;
  seconds: number;
}

/** `%ribbon grid`: a whole grid simulated and written as a lookup table. */
export interface RibbonGridResult {
  model: string;
  instance_types: string[];
  file: string;
  pools: number;
  feasible_pools: number;
  best: RibbonPoolPoint | null;
  /** Highest rate in the grid (tells how far off an unreachable target is). */
  best_rate: RibbonPoolPoint;
  homogeneous: RibbonHomogeneousPoint[];
  seed: number;
  dispatch: DispatchPolicy;
  queries: number;
  seconds: number;
  simulated_queries_per_second: number;
  /** Feasible pools with an infeasible neighbour one instance bigger: pruning's assumption fails there. */
  monotonicity_flips: number;
  /** Set when no pool meets the target. */
  warning?: string;
}

/** One evaluated pool of a search, in order. */
export interface RibbonTraceEntry extends RibbonPoolPoint {
  order: number;
  p99_ms: number | null;
  feasible: boolean;
  /** How it was chosen: initial, acquisition, random, probe, scan. */
  via: string;
}

/** `%ribbon search`: one optimiser run. */
export interface RibbonSearchResult {
  model: string;
  instance_types: string[];
  mode: RibbonMode;
  acquisition: ImprovedAcquisition | null;
  seed: number;
  evaluator: string;
  best: (RibbonPoolPoint & { p99_ms: number | null }) | null;
  /** Evaluations spent, initial samples included. */
  evaluations: number;
  /** Evaluations until the best pool was first evaluated. */
  evaluations_to_best: number | null;
  stop_reason: string;
  stop_detail: string;
  trace: RibbonTraceEntry[];
  homogeneous: RibbonHomogeneousPoint[];
  /** 100 · (1 − best price / cheapest feasible homogeneous price). */
  saving_vs_homogeneous_percent: number | null;
  /** Evaluated pairs where a feasible pool is ≤ an infeasible one: pruning's assumption fails (0 is good). */
  monotonicity_violations: number;
}

/** Summary of one method over many seeds in `%ribbon compare`. */
export interface RibbonCompareMethod {
  method: string;
  runs: number;
  /** Runs whose best pool has the optimum's price. */
  found_optimum: number;
  median_evaluations: number;
  median_evaluations_to_best: number | null;
  /** Σ $/h of the evaluated pools ÷ Σ $/h of the grid (the artifact's exploration cost), mean over runs. */
  mean_exploration_cost: number;
  median_violating_pools: number;
}

/** `%ribbon compare`: optimisers and baselines against exhaustive search. */
export interface RibbonCompareResult {
  model: string;
  instance_types: string[];
  evaluator: string;
  grid_pools: number;
  seeds: number;
  optimum: RibbonPoolPoint;
  best_homogeneous: RibbonHomogeneousPoint | null;
  /** Saving of the optimum vs the best homogeneous pool, %. */
  saving_percent: number | null;
  /** Largest saving level the artifact reports for this model (`saving.json`), %; null if unknown. */
  paper_saving_percent: number | null;
  /** Feasible pools with an infeasible neighbour one instance bigger (the artifact saw 1–46 per model). */
  monotonicity_flips: number;
  methods: RibbonCompareMethod[];
}

const DATA_FLAGS: readonly FlagSpec[] = [
  { name: "data", type: "string", required: true, metavar: "DIR", help: "RIBBON data folder (query/configs, query/price.csv, characterization/logs), or a Kairos one (instance.json, data.tar.gz; needs --qos and --mean-gap)" },
  { name: "model", type: "string", required: true, metavar: "M", help: "model, e.g. candle, resnet, vgg, mtwnd, dien (a file query/configs/M.json)" },
  { name: "types", type: "list", metavar: "T1,T2,…", help: "instance types in pool order, overriding the model's (needs --max)" },
  { name: "max", type: "numbers", metavar: "N1,N2,…", help: "largest count of each type, overriding the model's" },
  { name: "qos", type: "number", min: 0.001, metavar: "MS", help: "latency target in ms (default: the model's)" },
  { name: "mean-gap", type: "number", min: 0.001, metavar: "MS", help: "mean gap between arrivals in ms, i.e. 1000/load in queries/s (default: the model's)" },
  { name: "queries", type: "int", min: 1, max: 10_000_000, default: 25_000, help: "queries simulated per pool" },
  { name: "target", type: "number", min: 0.01, max: 100, default: 99, metavar: "PCT", help: "a pool is feasible iff at least PCT % of queries meet the QoS latency" },
  { name: "dispatch", type: "string", choices: DISPATCH_POLICIES, default: "pool-order", help: "simulator dispatch: pool-order (RIBBON: first free instance), earliest-finish (the free instance that finishes the query first), earliest-finish-all (any instance, busy ones included)" },
  { name: "mix", type: "string", choices: ["ribbon", "kairos"], help: "query-size mix (default: ribbon, or kairos for a Kairos data folder)" },
];

interface Loaded {
  problem: RibbonProblem;
  grid: PoolGrid;
  simulator: ServingSimulator;
  dataDir: string;
  dispatch: DispatchPolicy;
  target: number;
}

function resolve(ctx: MagicContext, p: string): string {
  return path.resolve(ctx.cwd, p);
}

function load(args: ParsedArgs, ctx: MagicContext): Loaded {
  const f = args.flags;
  const dataDir = resolve(ctx, f.data as string);
  const problem = ribbonProblemFromDir(dataDir, f.model as string, {
    types: f.types as string[] | undefined,
    maxCounts: f.max as number[] | undefined,
    qosMs: f.qos as number | undefined,
    meanGapMs: f["mean-gap"] as number | undefined,
    queries: f.queries as number,
    mix: f.mix as SizeMix | undefined,
  });
  return {
    problem,
    grid: new PoolGrid(problem.space),
    simulator: new ServingSimulator(problem.profile, problem.space, problem.workload),
    dataDir,
    dispatch: f.dispatch as DispatchPolicy,
    target: f.target as number,
  };
}

const money = (x: number) => `$${x.toFixed(4)}/h`;

function point(pool: number[], price: number, rate: number): RibbonPoolPoint {
  return { pool, price: round4(price), rate };
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function homogeneousPoints(list: (HomogeneousPoint | null)[]): RibbonHomogeneousPoint[] {
  return list.filter((h): h is HomogeneousPoint => h !== null).map((h) => ({ instance_type: h.type, ...point(h.pool, h.price, h.rate) }));
}

function cheapestHomogeneous(list: RibbonHomogeneousPoint[]): RibbonHomogeneousPoint | null {
  return list.reduce<RibbonHomogeneousPoint | null>((a, h) => (!a || h.price < a.price ? h : a), null);
}

/** Homogeneous reference points by simulation (cheap: at most Σ max_i pools). */
function simulatedHomogeneous(l: Loaded, seed: number): RibbonHomogeneousPoint[] {
  const { grid } = l;
  const out: (HomogeneousPoint | null)[] = [];
  for (let j = 0; j < grid.dims; j++) {
    const idx = grid.homogeneous(j);
    const counts = new Int32Array(idx.length * grid.dims);
    idx.forEach((i, k) => counts.set(grid.counts.subarray(i * grid.dims, (i + 1) * grid.dims), k * grid.dims));
    const rates = l.simulator.rates(counts, seed, l.dispatch);
    const k = rates.findIndex((r) => r >= l.target);
    out.push(k < 0 ? null : { typeIndex: j, type: grid.space.types[j], pool: grid.pool(idx[k]), price: grid.price[idx[k]], rate: rates[k] });
  }
  return homogeneousPoints(out);
}

function payloadOf(
  l: Loaded,
  title: string,
  method: string,
  stopReason: string,
  evaluations: EvaluatedPool[],
  best: EvaluatedPool | RibbonPoolPoint | null,
  homogeneous: RibbonHomogeneousPoint[],
  gridRates?: ArrayLike<number>,
): RibbonPayload {
  const { problem, grid } = l;
  const evals: RibbonEvaluation[] = evaluations.map((e) => ({
    order: e.order,
    pool: e.pool,
    price_per_hour: round4(e.price),
    rate: e.rate,
    p99_ms: e.p99Ms,
    feasible: e.feasible,
  }));
  const p: RibbonPayload = {
    schema_version: 1,
    kind: "ribbon",
    title,
    model: problem.space.model,
    instance_types: [...problem.space.types],
    prices_per_hour: [...problem.space.pricesPerHour],
    qos_ms: problem.workload.qosMs,
    target_rate: l.target,
    method,
    stop_reason: stopReason,
    evaluations: evals,
    best: best ? { pool: best.pool, price_per_hour: round4(best.price), rate: best.rate } : null,
    homogeneous: homogeneous.map((h) => ({ instance_type: h.instance_type, pool: h.pool, price_per_hour: h.price, rate: h.rate })),
  };
  if (gridRates) {
    p.grid = [];
    for (let i = 0; i < grid.size; i++) p.grid.push({ pool: grid.pool(i), price_per_hour: round4(grid.price[i]), rate: gridRates[i] });
  }
  return p;
}

/** Price–rate scatter: grid (faint), evaluations coloured by order, best, homogeneous pools, target line. */
function plotOf(p: RibbonPayload): { data: unknown[]; layout: object } {
  const label = (pool: number[]) => p.instance_types.map((t, j) => `${pool[j]}× ${t}`).filter((_, j) => pool[j] > 0).join(" + ");
  const data: unknown[] = [];
  if (p.grid) {
    data.push({
      type: "scattergl",
      mode: "markers",
      name: "grid",
      x: p.grid.map((g) => g.price_per_hour),
      y: p.grid.map((g) => g.rate),
      text: p.grid.map((g) => label(g.pool)),
      marker: { color: "rgba(150,150,150,0.35)", size: 4 },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>grid</extra>",
    });
  }
  if (p.evaluations.length) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${p.method} evaluations`,
      x: p.evaluations.map((e) => e.price_per_hour),
      y: p.evaluations.map((e) => e.rate),
      text: p.evaluations.map((e) => `#${e.order + 1}: ${label(e.pool)}`),
      marker: { color: p.evaluations.map((e) => e.order), colorscale: "Viridis", size: 8, showscale: true, colorbar: { title: "order" } },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra></extra>",
    });
  }
  if (p.homogeneous.length) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "best homogeneous",
      x: p.homogeneous.map((h) => h.price_per_hour),
      y: p.homogeneous.map((h) => h.rate),
      text: p.homogeneous.map((h) => label(h.pool)),
      marker: { symbol: "diamond", size: 11, color: "#d62728" },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>homogeneous</extra>",
    });
  }
  if (p.best) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "best found",
      x: [p.best.price_per_hour],
      y: [p.best.rate],
      text: [label(p.best.pool)],
      marker: { symbol: "star", size: 16, color: "#2ca02c" },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>best</extra>",
    });
  }
  return {
    data,
    layout: {
      title: { text: p.title },
      xaxis: { title: { text: "price ($/h)" } },
      yaxis: { title: { text: `queries within ${p.qos_ms} ms (%)` } },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: p.target_rate, y1: p.target_rate, line: { dash: "dot", color: "#888" } }],
      legend: { orientation: "h" },
    },
  };
}

const simulateCommand: MagicCommand = {
  spec: {
    name: "ribbon simulate",
    summary: "Simulate one pool serving a model's query stream: QoS rate, latency percentiles, utilisation.",
    flags: [
      ...DATA_FLAGS,
      { name: "pool", type: "numbers", required: true, metavar: "C1,C2,…", help: "instance counts, one per type in pool order" },
      { name: "seed", type: "int", default: 0, min: 0, help: "simulator seed (arrivals, sizes, service draws)" },
    ],
    description:
      "Queries arrive with Poisson gaps, carry log-normal batch sizes, and wait in one FIFO queue; free instances take them in pool order (type 1 first). A query meets QoS iff wait + service ≤ --qos.",
    examples: [
      "%ribbon simulate --data ../../shared/data/ribbon --model candle --pool 6,0,2",
      "greenai ribbon simulate --data ../shared/data/ribbon --model mtwnd --pool 4,0,1 --seed 3 --json",
    ],
  },
  async run(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<RibbonSimulateResult>> {
    const l = load(args, ctx);
    const pool = args.flags.pool as number[];
    const seed = args.flags.seed as number;
    l.grid.indexOf(pool); // bounds, length and empty pool, as a UsageError
    const t0 = performance.now();
    const r = l.simulator.simulate(pool, seed, l.dispatch);
    const seconds = (performance.now() - t0) / 1000;
    const { space, workload } = l.problem;
    const value: RibbonSimulateResult = {
      model: space.model,
      instance_types: [...space.types],
      pool: [...pool],
      price: round4(l.grid.priceOf(pool)),
      rate: r.rate,
      feasible: r.rate >= l.target,
      target_rate: l.target,
      qos_ms: workload.qosMs,
      mean_gap_ms: workload.meanGapMs,
      queries: r.queries,
      p50_ms: r.p50Ms,
      p95_ms: r.p95Ms,
      p99_ms: r.p99Ms,
      mean_ms: round2(r.meanMs),
      utilisation: r.utilisation.map((u) => (u === null ? null : round4(u))),
      makespan_ms: r.makespanMs,
      seed,
      dispatch: l.dispatch,
      seconds: round4(seconds),
    };
    const rows: [string, string][] = [
      ["pool", space.types.map((t, j) => `${pool[j]}× ${t}`).join(", ")],
      ["price", money(value.price)],
      ["QoS rate", `${value.rate}% within ${workload.qosMs} ms (${value.feasible ? "feasible" : "infeasible"}; target ${l.target}%)`],
      ["latency p50 / p95 / p99", `${formatNumber(r.p50Ms)} / ${formatNumber(r.p95Ms)} / ${formatNumber(r.p99Ms)} ms`],
      ["utilisation", space.types.map((t, j) => `${t} ${value.utilisation[j] === null ? "–" : `${(100 * (value.utilisation[j] as number)).toFixed(1)}%`}`).join(", ")],
      ["workload", `${r.queries} queries, mean gap ${workload.meanGapMs} ms, ${l.dispatch} dispatch, seed ${seed}`],
    ];
    const text = textTable(["", ""], rows).split("\n").slice(1).join("\n");
    return { value, typeName: "RibbonSimulateResult", text, bundle: makeBundle({ text, html: htmlTable(["", space.model], rows) }) };
  },
};

const gridCommand: MagicCommand = {
  spec: {
    name: "ribbon grid",
    summary: "Simulate every pool of a model's grid and write the lookup table (\"c1, c2, c3\": [price, rate]).",
    flags: [
      ...DATA_FLAGS,
      { name: "out", type: "string", required: true, metavar: "FILE", help: "lookup table to write (JSON, the artifact's format)" },
      { name: "seed", type: "int", default: 0, min: 0, help: "simulator seed (one trace for every pool)" },
    ],
    description: "All pools share one query trace per seed, so their rates are compared on the same queries.",
    examples: ["greenai ribbon grid --data ../shared/data/ribbon --model candle --out candle-table.json"],
  },
  async run(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<RibbonGridResult>> {
    const l = load(args, ctx);
    const seed = args.flags.seed as number;
    const out = resolve(ctx, args.flags.out as string);
    const { grid } = l;
    const t0 = performance.now();
    const rates = l.simulator.rates(grid.counts, seed, l.dispatch, (done, total) => {
      throwIfAborted(ctx.signal);
      ctx.progress(`simulating ${total} pools`, done / total);
    });
    const seconds = (performance.now() - t0) / 1000;
    writeLookupTable(out, grid, rates);
    const bi = cheapestFeasible(grid, rates, l.target);
    let top = 0;
    for (let i = 1; i < grid.size; i++) if (rates[i] > rates[top]) top = i;
    const homogeneous = homogeneousPoints(homogeneousFromRates(grid, rates, l.target));
    const feasible = rates.reduce((a, r) => a + (r >= l.target ? 1 : 0), 0);
    const value: RibbonGridResult = {
      model: grid.space.model,
      instance_types: [...grid.space.types],
      file: out,
      pools: grid.size,
      feasible_pools: feasible,
      best: bi >= 0 ? point(grid.pool(bi), grid.price[bi], rates[bi]) : null,
      best_rate: point(grid.pool(top), grid.price[top], rates[top]),
      homogeneous,
      seed,
      dispatch: l.dispatch,
      queries: l.problem.workload.queries,
      seconds: round4(seconds),
      simulated_queries_per_second: Math.round((grid.size * l.problem.workload.queries) / Math.max(seconds, 1e-9)),
      monotonicity_flips: monotonicityFlips(grid, rates, l.target),
    };
    if (bi < 0) {
      value.warning = `no pool of the grid meets ${l.target}% within ${l.problem.workload.qosMs} ms; the best rate is ${rates[top]}% at ${formatPool(grid.pool(top))}`;
    }
    const text = [
      `wrote ${grid.size} pools of ${grid.space.model} to ${out} (${seconds.toFixed(2)} s, ${(value.simulated_queries_per_second / 1e6).toFixed(1)} M queries/s)`,
      bi >= 0
        ? `cheapest feasible: ${formatPool(grid.pool(bi))} at ${money(grid.price[bi])}, ${rates[bi]}% (${feasible} feasible pools)`
        : `warning: ${value.warning}`,
      `${value.monotonicity_flips} feasible pools turn infeasible when one instance is added${value.monotonicity_flips > grid.size / 100 ? " — many: pruning (which assumes the opposite) may lose the optimum; try --dispatch earliest-finish-all" : ""}`,
    ].join("\n");
    const p = payloadOf(l, `${grid.space.model}: whole grid`, "exhaustive", "complete", [], value.best, homogeneous, rates);
    return { value, typeName: "RibbonGridResult", text, bundle: makeBundle({ payload: p, plotly: plotOf(p), html: `<p>${escapeHtml(text).replace(/\n/g, "<br>")}</p>`, text }) };
  },
};

const SEARCH_FLAGS: readonly FlagSpec[] = [
  { name: "lookup", type: "string", metavar: "FILE", help: "evaluate pools from a lookup table (\"c1, c2, c3\": [price, rate]) instead of simulating" },
  { name: "command", type: "string", metavar: "CMD", help: "evaluate pools with a shell command: {pool} → c1,c2,c3; prints the rate in % or {\"rate\":…,\"p99_ms\":…}" },
  { name: "sim-seed", type: "int", default: 0, min: 0, help: "simulator seed when pools are simulated" },
  { name: "budget", type: "int", default: 200, min: 1, help: "most evaluations per search, initial samples included" },
  { name: "initial", type: "int", default: 2, min: 1, help: "random initial samples" },
  { name: "acquisition", type: "string", choices: IMPROVED_ACQUISITIONS, default: "saving", help: "improved mode: saving = (P_best − price)·P(feasible); pruning = expected pools pruned" },
  { name: "ei-stop", type: "number", default: 0, min: 0, help: "also stop when the best acquisition value < this fraction of the incumbent (CherryPick-style; 0 = off)" },
];

function evaluatorOf(args: ParsedArgs, ctx: MagicContext, l: Loaded): PoolEvaluator {
  const f = args.flags;
  if (f.lookup !== undefined && f.command !== undefined) throw new GreenaiError("give --lookup or --command, not both");
  if (f.lookup !== undefined) return new LookupEvaluator(l.grid, lookupTableFromFile(resolve(ctx, f.lookup as string), l.grid));
  if (f.command !== undefined) return new CommandEvaluator(f.command as string, { cwd: ctx.cwd, types: l.problem.space.types, signal: ctx.signal });
  return new SimulatorEvaluator(l.simulator, f["sim-seed"] as number, l.dispatch);
}

function homogeneousFor(evaluator: PoolEvaluator, l: Loaded, simSeed: number): RibbonHomogeneousPoint[] {
  if (evaluator instanceof LookupEvaluator) {
    const rates = evaluator.table.rates;
    return homogeneousPoints(homogeneousFromRates(l.grid, rates, l.target));
  }
  if (evaluator instanceof SimulatorEvaluator) return simulatedHomogeneous(l, simSeed);
  return []; // a user command measures real pools: no free reference points
}

function traceOf(evals: EvaluatedPool[]): RibbonTraceEntry[] {
  return evals.map((e) => ({ order: e.order, ...point(e.pool, e.price, e.rate), p99_ms: e.p99Ms, feasible: e.feasible, via: e.via }));
}

const searchCommand: MagicCommand = {
  spec: {
    name: "ribbon search",
    summary: "Find the cheapest pool meeting the QoS target with RIBBON's Bayesian optimisation (faithful or improved).",
    flags: [
      ...DATA_FLAGS,
      ...SEARCH_FLAGS,
      { name: "mode", type: "string", choices: RIBBON_MODES, default: "improved", help: "faithful: the artifact's objective, EI and pruning; improved: rate-only GP, feasibility-weighted acquisition, dominance pruning" },
      { name: "seed", type: "int", default: 0, min: 0, help: "optimiser seed (initial samples, tie breaks)" },
    ],
    description:
      "Stops at the certificate (no unpruned pool is cheaper than the best feasible one), when every pool is pruned, at the optional EI threshold, or at the budget; the result says which.",
    examples: [
      "%ribbon search --data ../../shared/data/ribbon --model candle --mode improved --as r",
      "greenai ribbon search --data ../shared/data/ribbon --model resnet --lookup resnet-table.json --mode faithful --seed 3 --json",
    ],
  },
  async run(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<RibbonSearchResult>> {
    const l = load(args, ctx);
    const f = args.flags;
    const evaluator = evaluatorOf(args, ctx, l);
    const mode = f.mode as RibbonMode;
    const budget = f.budget as number;
    const result = await ribbonSearch(l.grid, evaluator, {
      mode,
      seed: f.seed as number,
      budget,
      initialSamples: f.initial as number,
      targetRate: l.target,
      acquisition: f.acquisition as ImprovedAcquisition,
      eiStop: f["ei-stop"] as number,
      signal: ctx.signal,
      onEvaluation: (e, remaining) => ctx.progress(`${mode} search: ${e.order + 1} pools evaluated, ${remaining} unpruned`, (e.order + 1) / budget),
    });
    if (!result.best && result.stopReason === "exhausted") requireFeasible(result, l.grid, l.target, l.problem.workload.qosMs);
    const homogeneous = homogeneousFor(evaluator, l, f["sim-seed"] as number);
    const hom = cheapestHomogeneous(homogeneous);
    const best = result.best;
    const value: RibbonSearchResult = {
      model: l.grid.space.model,
      instance_types: [...l.grid.space.types],
      mode,
      acquisition: mode === "improved" ? (f.acquisition as ImprovedAcquisition) : null,
      seed: f.seed as number,
      evaluator: evaluator.description,
      best: best ? { ...point(best.pool, best.price, best.rate), p99_ms: best.p99Ms } : null,
      evaluations: result.evaluations.length,
      evaluations_to_best: result.evaluationsToBest,
      stop_reason: result.stopReason,
      stop_detail: result.stopDetail,
      trace: traceOf(result.evaluations),
      homogeneous,
      saving_vs_homogeneous_percent: best && hom ? round2(100 * (1 - best.price / hom.price)) : null,
      monotonicity_violations: result.monotonicityViolations,
    };
    const lines = [
      best
        ? `best: ${formatPool(best.pool)} (${l.grid.space.types.join(", ")}) at ${money(best.price)}, ${best.rate}% within ${l.problem.workload.qosMs} ms`
        : `no feasible pool found (${result.bestRateSeen ? `best rate ${result.bestRateSeen.rate}% at ${formatPool(result.bestRateSeen.pool)}` : "nothing evaluated"})`,
      `${mode} search, seed ${value.seed}: ${value.evaluations} evaluations (best found at #${value.evaluations_to_best ?? "–"}) of ${l.grid.size} pools; stopped: ${result.stopReason} (${result.stopDetail})`,
    ];
    if (hom && best) {
      const saving = value.saving_vs_homogeneous_percent as number;
      lines.push(`vs best homogeneous ${formatPool(hom.pool)} at ${money(hom.price)}: ${saving >= 0 ? `${saving}% cheaper` : `${-saving}% dearer (the search missed it)`}`);
    }
    if (result.monotonicityViolations > 0) {
      lines.push(
        `warning: ${result.monotonicityViolations} evaluated pairs have a feasible pool inside a bigger infeasible one; pruning assumes adding instances never hurts, so the optimum may have been pruned (slow instances taking queries under pool-order dispatch? try --dispatch earliest-finish-all)`,
      );
    }
    const text = lines.join("\n");
    const p = payloadOf(l, `${l.grid.space.model}: ${mode} search`, mode, result.stopReason, result.evaluations, best, homogeneous, evaluator instanceof LookupEvaluator ? evaluator.table.rates : undefined);
    const html =
      `<p>${lines.map(escapeHtml).join("<br>")}</p>` +
      htmlTable(
        ["#", ...l.grid.space.types, "$/h", "rate %", "p99 ms", "feasible", "via"],
        value.trace.map((t) => [t.order + 1, ...t.pool, t.price, t.rate, t.p99_ms ?? "", t.feasible ? "yes" : "no", t.via]),
        { maxRows: 300 },
      );
    return { value, typeName: "RibbonSearchResult", text, bundle: makeBundle({ payload: p, plotly: plotOf(p), html, text }) };
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const COMPARE_METHODS = ["faithful", "improved", "improved-pruning", "random", "hill-climb"] as const;

const compareCommand: MagicCommand = {
  spec: {
    name: "ribbon compare",
    summary: "Run the optimisers and baselines over many seeds against exhaustive search; report hits, evaluations and the saving vs the best homogeneous pool.",
    flags: [
      ...DATA_FLAGS,
      ...SEARCH_FLAGS.filter((x) => x.name !== "acquisition" && x.name !== "command"),
      { name: "seeds", type: "int", default: 20, min: 1, max: 1000, help: "optimiser seeds per method (0, 1, …)" },
      { name: "methods", type: "list", default: ["faithful", "improved", "random", "hill-climb"], help: `methods to run: ${COMPARE_METHODS.join(", ")}` },
    ],
    description: "The grid is tabulated once (simulator on --sim-seed, or --lookup); every method then reads that table, so its optimum is the reference.",
    examples: ["%ribbon compare --data ../../shared/data/ribbon --model mtwnd --seeds 10 --as cmp"],
  },
  async run(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<RibbonCompareResult>> {
    const l = load(args, ctx);
    const f = args.flags;
    const methods = f.methods as string[];
    for (const m of methods) {
      if (!(COMPARE_METHODS as readonly string[]).includes(m)) throw new GreenaiError(`unknown method ${JSON.stringify(m)} in --methods (known: ${COMPARE_METHODS.join(", ")})`);
    }
    const source = evaluatorOf(args, ctx, l);
    const { grid } = l;
    const rates = source.allRates
      ? source.allRates(grid, (done, total) => {
          throwIfAborted(ctx.signal);
          ctx.progress(`tabulating ${total} pools`, done / total);
        })
      : new Float64Array(0);
    const table = new LookupEvaluator(grid, { rates, priceMismatches: 0, source: source.description });
    const exhaustive = exhaustiveFromRates(grid, rates, l.target);
    const optimum = requireFeasible(exhaustive, grid, l.target, l.problem.workload.qosMs);
    const homogeneous = homogeneousPoints(homogeneousFromRates(grid, rates, l.target));
    const hom = cheapestHomogeneous(homogeneous);
    let gridPrice = 0;
    for (let i = 0; i < grid.size; i++) gridPrice += grid.price[i];
    const seeds = f.seeds as number;
    const summaries: RibbonCompareMethod[] = [];
    let shown: PoolSearchResult | null = null;
    const total = seeds * methods.length;
    let done = 0;
    for (const m of methods) {
      const runs: PoolSearchResult[] = [];
      for (let s = 0; s < seeds; s++) {
        throwIfAborted(ctx.signal);
        ctx.progress(`${m}, seed ${s}`, done++ / total);
        const common = { seed: s, budget: f.budget as number, targetRate: l.target, signal: ctx.signal };
        let r: PoolSearchResult;
        if (m === "random") r = await randomPruneSearch(grid, table, { ...common, budget: Math.max(f.budget as number, grid.size) });
        else if (m === "hill-climb") r = await hillClimbSearch(grid, table, common);
        else {
          r = await ribbonSearch(grid, table, {
            ...common,
            mode: m === "faithful" ? "faithful" : "improved",
            acquisition: m === "improved-pruning" ? "pruning" : "saving",
            initialSamples: f.initial as number,
            eiStop: f["ei-stop"] as number,
          });
        }
        runs.push(r);
        if (m === "improved" && s === 0) shown = r;
      }
      const hits = runs.filter((r) => r.best && grid.priceMicro[r.best.index] === grid.priceMicro[optimum.index]);
      summaries.push({
        method: m,
        runs: runs.length,
        found_optimum: hits.length,
        median_evaluations: median(runs.map((r) => r.evaluations.length)),
        median_evaluations_to_best: hits.length ? median(hits.map((r) => r.evaluationsToBest as number)) : null,
        mean_exploration_cost: round4(runs.reduce((a, r) => a + r.evaluations.reduce((b, e) => b + e.price, 0) / gridPrice, 0) / runs.length),
        median_violating_pools: median(runs.map((r) => r.evaluations.filter((e) => !e.feasible).length)),
      });
    }
    const paper = ribbonPaperSavingsFromDir(l.dataDir).get(grid.space.model);
    const value: RibbonCompareResult = {
      model: grid.space.model,
      instance_types: [...grid.space.types],
      evaluator: source.description,
      grid_pools: grid.size,
      seeds,
      optimum: point(optimum.pool, optimum.price, optimum.rate),
      best_homogeneous: hom,
      saving_percent: hom ? round2(100 * (1 - optimum.price / hom.price)) : null,
      paper_saving_percent: paper && paper.length ? Math.max(...paper) : null,
      monotonicity_flips: monotonicityFlips(grid, rates, l.target),
      methods: summaries,
    };
    const head = [
      `${grid.space.model}: optimum ${formatPool(optimum.pool)} (${grid.space.types.join(", ")}) at ${money(optimum.price)}, ${optimum.rate}% — exhaustive over ${grid.size} pools`,
      hom
        ? `best homogeneous ${formatPool(hom.pool)} at ${money(hom.price)}: saving ${value.saving_percent}% (paper: up to 16% overall${value.paper_saving_percent !== null ? `, ${value.paper_saving_percent}% for ${grid.space.model}` : ""})`
        : "no homogeneous pool is feasible",
      `${value.monotonicity_flips} feasible pools turn infeasible when one instance is added (pruning assumes none do)`,
    ];
    const columns = ["method", "found optimum", "median evals", "median evals to best", "exploration cost", "median violating"];
    const rows = summaries.map((s) => [s.method, `${s.found_optimum}/${s.runs}`, s.median_evaluations, s.median_evaluations_to_best ?? "–", s.mean_exploration_cost, s.median_violating_pools]);
    const text = `${head.join("\n")}\n${textTable(columns, rows)}`;
    const p = payloadOf(l, `${grid.space.model}: improved search (seed 0) over the grid`, shown ? "improved" : "exhaustive", shown ? shown.stopReason : "complete", shown ? shown.evaluations : [], optimum, homogeneous, rates);
    const html = `<p>${head.map(escapeHtml).join("<br>")}</p>${htmlTable(columns, rows)}`;
    return { value, typeName: "RibbonCompareResult", text, bundle: makeBundle({ payload: p, plotly: plotOf(p), html, text }) };
  },
};

export const ribbonMagic: Magic = {
  name: "ribbon",
  summary: "cheapest heterogeneous serving pool meeting a QoS target (RIBBON: simulator + Bayesian optimisation)",
  commands: [simulateCommand, gridCommand, searchCommand, compareCommand],
};
