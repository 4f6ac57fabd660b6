/**
 * `%ribbon`: cost-effective heterogeneous inference-serving pools (RIBBON, SC'21).
 * `simulate` one pool, tabulate a whole `grid`, `search` with Bayesian optimisation, `compare`
 * the optimisers with the baselines. Thin adapter over kernel/src/ribbon.
 */
import * as path from "path";
import { GreenaiError } from "../errors";
import { rethrowInterrupted } from "../io/steps";
import { formatNumber } from "../display/bundle";
import { presentRibbon, presentRibbonSimulation } from "../display/ribbon";
import {
  bestHomogeneous,
  bestHomogeneousMeasured,
  cheapestFeasible,
  CommandEvaluator,
  COMPARE_METHODS,
  compareOptimisers,
  DISPATCH_POLICIES,
  formatPool,
  gridRates,
  IMPROVED_ACQUISITIONS,
  LookupEvaluator,
  lookupTableFromFile,
  monotonicityFlips,
  ribbonPaperSavingsFromDir,
  ribbonPayload,
  PoolGrid,
  requireFeasible,
  ribbonProblemFromDir,
  ribbonSearch,
  RIBBON_MODES,
  round2,
  round4,
  ServingSimulator,
  SimulatorEvaluator,
  writeLookupTable,
  type DispatchPolicy,
  type HomogeneousPoint,
  type ImprovedAcquisition,
  type PoolEvaluator,
  type RibbonProblem,
  type RibbonMode,
  type SizeMix,
} from "../ribbon";
import type { CommandSpec, FlagSpec, ParsedArgs } from "./options";
import {
  assumptionsOf,
  violationsOf,
  cheapestHomogeneous,
  compareResult,
  homogeneousPoints,
  point,
  simulateResult,
  traceOf,
  type RibbonCompareResult,
  type RibbonGridResult,
  type RibbonSearchResult,
  type RibbonSimulateResult,
} from "./ribbon-results";
import type { Magic, MagicCommand, MagicContext, MagicResult } from "./types";

export type {
  RibbonCompareMethod,
  RibbonCompareResult,
  RibbonGridResult,
  RibbonHomogeneousPoint,
  RibbonPoolPoint,
  RibbonSearchResult,
  RibbonSimulateResult,
  RibbonTraceEntry,
} from "./ribbon-results";
import { checkOutputFile, overwriteNote, type OutputTarget } from "../io/output-file";
import { capacityPerInstance, type TransferredPools } from "../ribbon/capacity";
import type { KnownPool } from "../ribbon/known";
import { transferredPools, warmStart } from "../ribbon/warm-start";
import { RIBBON_SEARCH_SCHEMA, type RibbonWarmStartReport } from "./ribbon-results";
import { coreConditions, previousSearchFrom, rateSource, searchConditions, warmStartLines, warmStartReport, WARM_START_FLAG } from "./ribbon-warm-start";

const DATA_FLAGS: readonly FlagSpec[] = [
  { name: "data", type: "string", required: true, metavar: "DIR", help: "RIBBON data folder (query/configs, query/price.csv, characterization/logs), or a Kairos one (instance.json with data/ or data.tar.gz; needs --qos and --mean-gap)" },
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
/** One seed, one query trace (arrivals, sizes, service draws), shared by every pool simulated with it. */
const SIM_SEED_HELP = "simulator seed: one query trace (arrivals, sizes, service draws) per seed, the same for every pool";
/** simulate and grid call it --seed (their only seed); search and compare, which also have optimiser seeds, --sim-seed. */
const SIM_SEED_FLAG: FlagSpec = { name: "seed", type: "int", default: 0, min: 0, aliases: ["sim-seed"], help: SIM_SEED_HELP };

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

/** A `%ribbon` command: the data flags come first, and `run` gets the loaded problem. */
function ribbonCommand<T>(spec: CommandSpec, run: (l: Loaded, args: ParsedArgs, ctx: MagicContext) => Promise<MagicResult<T>>): MagicCommand {
  return { spec: { ...spec, flags: [...DATA_FLAGS, ...spec.flags] }, run: (args, ctx) => run(load(args, ctx), args, ctx) };
}

const money = (x: number) => `$${x.toFixed(4)}/h`;


const simulateCommand = ribbonCommand(
  {
    name: "ribbon simulate",
    summary: "Simulate one pool serving a model's query stream: QoS rate, latency percentiles, utilisation.",
    flags: [
      { name: "pool", type: "numbers", required: true, metavar: "C1,C2,…", help: "instance counts, one per type in pool order" },
      SIM_SEED_FLAG,
    ],
    description:
      "Queries arrive with Poisson gaps, carry log-normal batch sizes, and wait in one FIFO queue; free instances take them in pool order (type 1 first). A query meets QoS iff wait + service ≤ --qos.",
    examples: [
      "%data path sc21-ribbon --as ribbon", "%ribbon simulate --data $ribbon --model candle --pool 6,0,2",
      "greenai ribbon simulate --data \"$(greenai data path sc21-ribbon)\" --model mtwnd --pool 4,0,1 --seed 3 --json",
    ],
  },
  async (l, args, ctx): Promise<MagicResult<RibbonSimulateResult>> => {
    const pool = args.flags.pool as number[];
    const seed = args.flags.seed as number;
    l.grid.indexOf(pool); // bounds, length and empty pool: a RangeError, shown as a usage error
    const t0 = performance.now();
    const r = await l.simulator.simulateInterruptibly(pool, seed, l.dispatch, ctx.signal);
    const seconds = (performance.now() - t0) / 1000;
    const { space, workload } = l.problem;
    const value = simulateResult(l.grid, workload, r, { pool, target: l.target, seed, dispatch: l.dispatch, seconds });
    const rows: [string, string][] = [
      ["pool", space.types.map((t, j) => `${pool[j]}× ${t}`).join(", ")],
      ["price", money(value.price)],
      ["QoS rate", `${value.rate}% within ${workload.qosMs} ms (${value.feasible ? "feasible" : "infeasible"}; target ${l.target}%)`],
      ["latency p50 / p95 / p99", `${formatNumber(r.p50Ms)} / ${formatNumber(r.p95Ms)} / ${formatNumber(r.p99Ms)} ms`],
      ["utilisation", space.types.map((t, j) => `${t} ${value.utilisation[j] === null ? "–" : `${(100 * (value.utilisation[j] as number)).toFixed(1)}%`}`).join(", ")],
      ["workload", `${r.queries} queries, mean gap ${workload.meanGapMs} ms, ${l.dispatch} dispatch, seed ${seed}`],
    ];
    return { value, typeName: "RibbonSimulateResult", ...presentRibbonSimulation(space.model, rows) };
  },
);

const gridCommand = ribbonCommand(
  {
    name: "ribbon grid",
    summary: "Simulate every pool of a model's grid and write the lookup table (\"c1, c2, c3\": [price, rate]).",
    flags: [
      { name: "out", type: "string", required: true, metavar: "FILE", help: "lookup table to write (JSON, the artifact's format); not inside --data; an existing FILE is replaced whole, and the result says so" },
      SIM_SEED_FLAG,
    ],
    description: "All pools share one query trace per seed, so their rates are compared on the same queries.",
    examples: ["greenai ribbon grid --data \"$(greenai data path sc21-ribbon)\" --model candle --out candle-table.json"],
  },
  async (l, args, ctx): Promise<MagicResult<RibbonGridResult>> => {
    const seed = args.flags.seed as number;
    const target: OutputTarget = { flag: "--out", file: args.flags.out as string, cwd: ctx.cwd, inputs: [l.dataDir] };
    checkOutputFile(target); // before the simulation, not after it
    const { grid } = l;
    const t0 = performance.now();
    const rates = await gridRates(grid, new SimulatorEvaluator(l.simulator, seed, l.dispatch), (done, total) => ctx.progress(`simulating ${total} pools`, done / total), ctx.signal).catch(
      rethrowInterrupted((e) => `${e.message}; nothing written to ${args.flags.out as string}`), // the file is written only at the end
    );
    const seconds = (performance.now() - t0) / 1000;
    const written = await writeLookupTable(target, grid, rates);
    const bi = cheapestFeasible(grid, rates, l.target);
    let top = 0;
    for (let i = 1; i < grid.size; i++) if (rates[i] > rates[top]) top = i;
    const perType = bestHomogeneous(grid, (i) => rates[i], l.target);
    const feasible = rates.reduce((a, r) => a + (r >= l.target ? 1 : 0), 0);
    const value: RibbonGridResult = {
      model: grid.space.model,
      instance_types: [...grid.space.types],
      file: written.path,
      overwritten: written.overwritten,
      pools: grid.size,
      feasible_pools: feasible,
      best: bi >= 0 ? point(grid.pool(bi), grid.price[bi], rates[bi]) : null,
      best_rate: point(grid.pool(top), grid.price[top], rates[top]),
      homogeneous: homogeneousPoints(perType),
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
    const lines = [
      `wrote ${grid.size} pools of ${grid.space.model} to ${written.path}${overwriteNote(written)} (${seconds.toFixed(2)} s, ${(value.simulated_queries_per_second / 1e6).toFixed(1)} M queries/s)`,
      // The cheapest feasible pool and the feasible count: presentRibbon's headline, above these lines.
      ...(bi >= 0 ? [] : [`warning: ${value.warning}`]),
      `${value.monotonicity_flips} feasible pools turn infeasible when one instance is added${value.monotonicity_flips > grid.size / 100 ? " — many: pruning (which assumes the opposite) may lose the optimum; try --dispatch earliest-finish-all" : ""}`,
    ];
    const best = bi >= 0 ? { pool: grid.pool(bi), price: grid.price[bi], rate: rates[bi] } : null;
    const payload = ribbonPayload(l.problem, grid, { title: `${grid.space.model}: whole grid`, method: "exhaustive", stopReason: "complete", targetRate: l.target, evaluations: [], best, homogeneous: perType, gridRates: rates });
    return { value, typeName: "RibbonGridResult", ...presentRibbon(payload, { lines }) };
  },
);

const SEARCH_FLAGS: readonly FlagSpec[] = [
  { name: "lookup", type: "string", metavar: "FILE", help: "evaluate pools from a lookup table (\"c1, c2, c3\": [price, rate]) instead of simulating" },
  { name: "command", type: "string", metavar: "CMD", help: "evaluate pools with a shell command: {pool} → c1,c2,c3; prints the rate in % or {\"rate\":…,\"p99_ms\":…}" },
  { name: "sim-seed", type: "int", default: 0, min: 0, help: `${SIM_SEED_HELP} (when pools are simulated)` },
  { name: "budget", type: "int", default: 200, min: 1, help: "most evaluations per search, initial samples included" },
  { name: "initial", type: "int", default: 2, min: 1, help: "random initial samples" },
  { name: "acquisition", type: "string", choices: IMPROVED_ACQUISITIONS, default: "capacity", help: "improved mode: capacity = the cheapest pool that a feasibility classifier on capacity vs load (prior from the latency profiles and --mean-gap) gives even odds; first = the pool most likely to be the cheapest feasible left (GP); saving = (P_best − price)·P(feasible); pruning = expected pools pruned" },
  { name: "margin", type: "number", min: 0, max: 100, metavar: "POINTS", help: "improved mode: an infeasible pool rules out the smaller pools only if its rate is more than POINTS (+0.3 per instance removed) below the target (default 0.4 + 2√2 × the binomial sd of a rate measured on --queries queries)" },
  { name: "ei-stop", type: "number", default: 0, min: 0, help: "also stop when the best acquisition value < this fraction of the incumbent (CherryPick-style; 0 = off)" },
];

function evaluatorOf(args: ParsedArgs, ctx: MagicContext, l: Loaded): PoolEvaluator {
  const f = args.flags;
  if (f.lookup !== undefined && f.command !== undefined) throw new GreenaiError("give --lookup or --command, not both");
  if (f.lookup !== undefined) return new LookupEvaluator(l.grid, lookupTableFromFile(resolve(ctx, f.lookup as string), l.grid));
  if (f.command !== undefined) return new CommandEvaluator(f.command as string, { cwd: ctx.cwd, types: l.problem.space.types, signal: ctx.signal });
  return new SimulatorEvaluator(l.simulator, f["sim-seed"] as number, l.dispatch);
}

/** Homogeneous reference points where they come free: from a lookup table, or by simulation (up to the first feasible count per type). */
async function homogeneousFor(evaluator: PoolEvaluator, grid: PoolGrid, target: number, signal: AbortSignal): Promise<(HomogeneousPoint | null)[]> {
  if (evaluator instanceof LookupEvaluator) return bestHomogeneous(grid, (i) => evaluator.table.rates[i], target);
  if (evaluator instanceof SimulatorEvaluator) return bestHomogeneousMeasured(grid, evaluator, target, signal);
  return []; // a user command measures real pools: no free reference points
}

const searchCommand = ribbonCommand(
  {
    name: "ribbon search",
    summary: "Find the cheapest pool meeting the QoS target with RIBBON's Bayesian optimisation (faithful or improved).",
    flags: [
      ...SEARCH_FLAGS,
      { name: "mode", type: "string", choices: RIBBON_MODES, default: "improved", help: "faithful: the artifact's objective, EI and pruning; improved: a capacity prior from the latency profiles and the load, the cheapest pool likely feasible next (see --acquisition), dominance pruning with a noise margin" },
      { name: "seed", type: "int", default: 0, min: 0, help: "optimiser seed (initial samples, tie breaks)" },
      WARM_START_FLAG,
    ],
    description:
      "Stops at the certificate (no unpruned pool is cheaper than the best feasible one), when every pool is pruned, at the optional EI threshold, or at the budget; the result says which.",
    examples: [
      "%ribbon search --data $ribbon --model candle --mode improved --as r",
      "greenai ribbon search --data \"$(greenai data path sc21-ribbon)\" --model resnet --lookup resnet-table.json --mode faithful --seed 3 --json",
      "%ribbon search --data $ribbon --model candle --mean-gap 2.5 --warm-start $r --as r2",
    ],
  },
  async (l, args, ctx): Promise<MagicResult<RibbonSearchResult>> => {
    const f = args.flags;
    const evaluator = evaluatorOf(args, ctx, l);
    const mode = f.mode as RibbonMode;
    const budget = f.budget as number;
    const conditions = searchConditions(l.problem, l.target, rateSource(evaluator, f, l.problem, f.lookup === undefined ? undefined : resolve(ctx, f.lookup as string)));
    let warm: RibbonWarmStartReport | null = null;
    let warmFrom = "";
    let known: KnownPool[] | undefined;
    let transferred: TransferredPools[] | undefined;
    const useCapacity = mode === "improved" && f.acquisition === "capacity";
    const { profile, workload, space } = l.problem;
    if (f["warm-start"] !== undefined) {
      const prev = previousSearchFrom(f["warm-start"] as string, ctx.cwd);
      const now = coreConditions(l.grid.space.model, l.grid.space.types, conditions);
      const w = warmStart(l.grid, prev.conditions, prev.observations, now);
      ({ known } = w);
      // The capacity classifier also learns from every earlier observation, by its capacity margin under the earlier load.
      if (useCapacity) transferred = [transferredPools(l.grid, prev.conditions, prev.observations, now, capacityPerInstance(profile, { ...workload, meanGapMs: prev.conditions.meanGapMs }, space.types))];
      warm = warmStartReport(l.grid, w);
      warmFrom = prev.from;
    }
    const result = await ribbonSearch(l.grid, evaluator, {
      mode,
      seed: f.seed as number,
      budget,
      initialSamples: f.initial as number,
      targetRate: l.target,
      acquisition: f.acquisition as ImprovedAcquisition,
      eiStop: f["ei-stop"] as number,
      margin: f.margin as number | undefined,
      noiseQueries: l.problem.workload.queries,
      capacity: useCapacity ? capacityPerInstance(profile, workload, space.types) : undefined,
      known,
      transferred,
      signal: ctx.signal,
      onEvaluation: (e, remaining) => ctx.progress(`${mode} search: ${e.order + 1} pools evaluated, ${remaining} unpruned`, (e.order + 1) / budget),
    });
    if (!result.best && result.stopReason === "exhausted") requireFeasible(result, l.grid, l.target, l.problem.workload.qosMs);
    const perType = await homogeneousFor(evaluator, l.grid, l.target, ctx.signal);
    const homogeneous = homogeneousPoints(perType);
    const hom = cheapestHomogeneous(homogeneous);
    const best = result.best;
    const value: RibbonSearchResult = {
      schema: RIBBON_SEARCH_SCHEMA,
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
      assumptions: assumptionsOf(result.assumptions),
      violations: violationsOf(result.violations),
      conditions,
      warm_start: warm,
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
    if (warm) lines.push(...warmStartLines(warm, warmFrom));
    if (result.monotonicityViolations > 0) {
      lines.push(
        `warning: ${result.monotonicityViolations} evaluated pairs have a feasible pool inside a bigger infeasible one; pruning assumes adding instances never hurts, ${result.assumptions.pruningDropped ? "here pruning had ruled out every pool with none feasible, so the search dropped it and evaluated on (its verdict assumes nothing)" : "so the optimum may have been pruned"} (slow instances taking queries under pool-order dispatch? try --dispatch earliest-finish-all)`,
      );
    }
    const payload = ribbonPayload(l.problem, l.grid, {
      title: `${l.grid.space.model}: ${mode} search`,
      method: mode,
      stopReason: result.stopReason,
      targetRate: l.target,
      evaluations: result.evaluations,
      best,
      homogeneous: perType,
      gridRates: evaluator instanceof LookupEvaluator ? evaluator.table.rates : undefined,
    });
    const htmlOnly = {
      columns: ["#", ...l.grid.space.types, "$/h", "rate %", "p99 ms", "feasible", "via"],
      rows: value.trace.map((t) => [t.order + 1, ...t.pool, t.price, t.rate, t.p99_ms ?? "", t.feasible ? "yes" : "no", t.via]),
      maxRows: 300,
    };
    return { value, typeName: "RibbonSearchResult", ...presentRibbon(payload, { lines, htmlOnly }) };
  },
);

const compareCommand = ribbonCommand(
  {
    name: "ribbon compare",
    summary: "Run the optimisers and baselines over many seeds against exhaustive search; report hits, evaluations and the saving vs the best homogeneous pool.",
    flags: [
      ...SEARCH_FLAGS.filter((x) => x.name !== "acquisition" && x.name !== "command" && x.name !== "margin"),
      { name: "seeds", type: "int", default: 20, min: 1, max: 1000, help: "optimiser seeds per method (0, 1, …)" },
      { name: "methods", type: "list", default: ["faithful", "improved", "improved-capacity", "random", "hill-climb"], help: `methods to run: ${COMPARE_METHODS.join(", ")} (improved-capacity: the capacity prior and acquisition of %ribbon search)` },
    ],
    description: "The grid is tabulated once (simulator on --sim-seed, or --lookup); every method then reads that table, so its optimum is the reference.",
    examples: ["%ribbon compare --data $ribbon --model mtwnd --seeds 10 --as cmp"],
  },
  async (l, args, ctx): Promise<MagicResult<RibbonCompareResult>> => {
    const f = args.flags;
    const { grid } = l;
    const c = await compareOptimisers(grid, evaluatorOf(args, ctx, l), {
      methods: f.methods as string[],
      seeds: f.seeds as number,
      budget: f.budget as number,
      initialSamples: f.initial as number,
      eiStop: f["ei-stop"] as number,
      targetRate: l.target,
      capacity: (f.methods as string[]).includes("improved-capacity") ? capacityPerInstance(l.problem.profile, l.problem.workload, l.problem.space.types) : undefined,
      qosMs: l.problem.workload.qosMs,
      signal: ctx.signal,
      onProgress: (message, fraction) => ctx.progress(message, fraction),
    });
    const { optimum, shown } = c;
    const value = compareResult(grid, c, f.seeds as number, ribbonPaperSavingsFromDir(l.dataDir).get(grid.space.model));
    const hom = value.best_homogeneous;
    const lines = [
      `${grid.space.model}: optimum ${formatPool(optimum.pool)} (${grid.space.types.join(", ")}) at ${money(optimum.price)}, ${optimum.rate}% — exhaustive over ${grid.size} pools`,
      hom
        ? `best homogeneous ${formatPool(hom.pool)} at ${money(hom.price)}: saving ${value.saving_percent}% (paper: up to 16% overall${value.paper_saving_percent !== null ? `, ${value.paper_saving_percent}% for ${grid.space.model}` : ""})`
        : "no homogeneous pool is feasible",
      `${value.monotonicity_flips} feasible pools turn infeasible when one instance is added (pruning assumes none do)`,
    ];
    const table = {
      columns: ["method", "found optimum", "median evals", "median evals to best", "exploration cost", "median violating"],
      rows: value.methods.map((s) => [s.method, `${s.found_optimum}/${s.runs}`, s.median_evaluations, s.median_evaluations_to_best ?? "–", s.mean_exploration_cost, s.median_violating_pools]),
    };
    const payload = ribbonPayload(l.problem, grid, {
      title: `${grid.space.model}: improved search (seed 0) over the grid`,
      method: shown ? "improved" : "exhaustive",
      stopReason: shown ? shown.stopReason : "complete",
      targetRate: l.target,
      evaluations: shown ? shown.evaluations : [],
      best: optimum,
      homogeneous: c.homogeneous,
      gridRates: c.rates,
    });
    return { value, typeName: "RibbonCompareResult", ...presentRibbon(payload, { lines, table }) };
  },
);

export const ribbonMagic: Magic = {
  name: "ribbon",
  summary: "cheapest heterogeneous serving pool meeting a QoS target (RIBBON: simulator + Bayesian optimisation)",
  commands: [simulateCommand, gridCommand, searchCommand, compareCommand],
};
