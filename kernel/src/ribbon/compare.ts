/**
 * The `%ribbon compare` benchmark: tabulate the grid once, then run each optimiser and baseline
 * over many seeds against that table, so exhaustive search over the same table is the reference.
 */
import { checkpoint } from "../errors";
import { rethrowInterrupted } from "../io/steps";
import { bestHomogeneous, exhaustiveFromRates, gridRates, hillClimbSearch, randomPruneSearch, type HomogeneousPoint } from "./baselines";
import type { PoolGrid } from "./catalogue";
import { LookupEvaluator, type PoolEvaluator } from "./evaluators";
import { ribbonSearch } from "./search";
import { monotonicityFlips, requireFeasible, type EvaluatedPool, type PoolSearchResult } from "./session";

export const COMPARE_METHODS = ["faithful", "improved", "improved-pruning", "improved-capacity", "random", "hill-climb"] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

export interface CompareOptions {
  /** Methods to run, in order (see COMPARE_METHODS). */
  methods: readonly string[];
  /** Seeds per method: 0, 1, …, seeds − 1. */
  seeds: number;
  /** Most evaluations per run (random search gets at least the grid size). */
  budget: number;
  /** Random initial samples of the Bayesian searches. */
  initialSamples: number;
  /** CherryPick-style EI stop of the Bayesian searches (0 = off). */
  eiStop: number;
  /** Feasible iff rate ≥ this, %. */
  targetRate: number;
  /** Load share per instance of each type (capacity.ts): the prior of the improved-capacity method, which needs it. */
  capacity?: readonly number[];
  /** QoS latency in ms, for the message when no pool is feasible. */
  qosMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string, fraction: number) => void;
}

/** One method over every seed. */
export interface CompareMethodSummary {
  method: CompareMethod;
  runs: number;
  /** Runs whose best pool has the optimum's price. */
  foundOptimum: number;
  medianEvaluations: number;
  /** Over the runs that found the optimum; null if none did. */
  medianEvaluationsToBest: number | null;
  /** Σ $/h of the evaluated pools ÷ Σ $/h of the grid (the artifact's exploration cost), mean over runs. */
  meanExplorationCost: number;
  medianViolatingPools: number;
}

export interface OptimiserComparison {
  /** Rate of every pool, by grid index: the table every method reads. */
  rates: Float64Array;
  /** Where the table came from. */
  source: string;
  /** The cheapest feasible pool of the table. */
  optimum: EvaluatedPool;
  /** Cheapest feasible homogeneous pool of each type; null where none is. */
  homogeneous: (HomogeneousPoint | null)[];
  /** Feasible pools with an infeasible neighbour one instance bigger. */
  monotonicityFlips: number;
  methods: CompareMethodSummary[];
  /** The improved search of seed 0, if it ran (the run a figure shows). */
  shown: PoolSearchResult | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function checkMethods(methods: readonly string[]): CompareMethod[] {
  for (const m of methods) {
    if (!(COMPARE_METHODS as readonly string[]).includes(m)) throw new RangeError(`unknown method ${JSON.stringify(m)} in --methods (known: ${COMPARE_METHODS.join(", ")})`);
  }
  return methods as CompareMethod[];
}

/** Runs one method on one seed against the table. */
function runMethod(method: CompareMethod, grid: PoolGrid, table: LookupEvaluator, seed: number, o: CompareOptions): Promise<PoolSearchResult> {
  const common = { seed, budget: o.budget, targetRate: o.targetRate, signal: o.signal };
  if (method === "random") return randomPruneSearch(grid, table, { ...common, budget: Math.max(o.budget, grid.size) });
  if (method === "hill-climb") return hillClimbSearch(grid, table, common);
  return ribbonSearch(grid, table, {
    ...common,
    mode: method === "faithful" ? "faithful" : "improved",
    acquisition: method === "improved-pruning" ? "pruning" : method === "improved-capacity" ? "capacity" : "saving",
    capacity: method === "improved-capacity" ? o.capacity : undefined,
    initialSamples: o.initialSamples,
    eiStop: o.eiStop,
  });
}

function summarise(method: CompareMethod, runs: readonly PoolSearchResult[], grid: PoolGrid, optimum: EvaluatedPool, gridPrice: number): CompareMethodSummary {
  const hits = runs.filter((r) => r.best && grid.priceMicro[r.best.index] === grid.priceMicro[optimum.index]);
  return {
    method,
    runs: runs.length,
    foundOptimum: hits.length,
    medianEvaluations: median(runs.map((r) => r.evaluations.length)),
    medianEvaluationsToBest: hits.length ? median(hits.map((r) => r.evaluationsToBest as number)) : null,
    meanExplorationCost: runs.reduce((a, r) => a + r.evaluations.reduce((b, e) => b + e.price, 0) / gridPrice, 0) / runs.length,
    medianViolatingPools: median(runs.map((r) => r.evaluations.filter((e) => !e.feasible).length)),
  };
}

/**
 * Tabulates the grid with `source` (gridRates), then runs every method on seeds 0…seeds−1 against
 * that table. NoFeasiblePoolError when no pool of the table is feasible; RangeError for an unknown method.
 */
export async function compareOptimisers(grid: PoolGrid, source: PoolEvaluator, o: CompareOptions): Promise<OptimiserComparison> {
  const methods = checkMethods(o.methods);
  const rates = await gridRates(grid, source, (done, total) => o.onProgress?.(`tabulating ${total} pools`, done / total), o.signal);
  const table = new LookupEvaluator(grid, { rates, priceMismatches: 0, source: source.description });
  const optimum = requireFeasible(exhaustiveFromRates(grid, rates, o.targetRate), grid, o.targetRate, o.qosMs);
  let gridPrice = 0;
  for (let i = 0; i < grid.size; i++) gridPrice += grid.price[i];
  const summaries: CompareMethodSummary[] = [];
  let shown: PoolSearchResult | null = null;
  const total = o.seeds * methods.length;
  let done = 0;
  for (const m of methods) {
    const runs: PoolSearchResult[] = [];
    for (let s = 0; s < o.seeds; s++) {
      o.onProgress?.(`${m}, seed ${s}`, done / total);
      const r = await checkpoint(o.signal)
        .then(() => runMethod(m, grid, table, s, o))
        .catch(rethrowInterrupted((e) => `interrupted in ${m}, seed ${s} (${e.message}), after ${done} of ${total} runs; the grid was tabulated`));
      done++;
      runs.push(r);
      if (m === "improved" && s === 0) shown = r;
    }
    summaries.push(summarise(m, runs, grid, optimum, gridPrice));
  }
  return {
    rates,
    source: source.description,
    optimum,
    homogeneous: bestHomogeneous(grid, (i) => rates[i], o.targetRate),
    monotonicityFlips: monotonicityFlips(grid, rates, o.targetRate),
    methods: summaries,
    shown,
  };
}
