/**
 * Baselines (method note §8): exhaustive search, the best homogeneous pool, random search with
 * the artifact's pruning, and hill climbing with random restarts.
 */
import { checkpoint } from "../errors";
import { rethrowInterrupted } from "../io/steps";
import type { PoolGrid } from "./catalogue";
import { formatPool } from "./catalogue";
import type { PoolEvaluator } from "./evaluators";
import { Pruner } from "./prune";
import { Rng } from "./rng";
import { randomAllowed } from "./search";
import { PoolSearchSession, type EvaluatedPool, type PoolSearchResult } from "./session";

export interface RibbonBaselineOptions {
  seed?: number;
  budget?: number;
  targetRate?: number;
  signal?: AbortSignal;
  onEvaluation?: (e: EvaluatedPool) => void;
}

/**
 * Rates of every pool of the grid, by grid index (the evaluator's fast path when it has one).
 * `onProgress` comes every 16 pools. When `signal` aborts: InterruptedError saying how many pools were done.
 */
export async function gridRates(
  grid: PoolGrid,
  evaluator: PoolEvaluator,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Float64Array> {
  let done = 0;
  const progress = (n: number, total: number) => {
    done = n;
    if (n % 16 === 0 || n === total) onProgress?.(n, total);
  };
  const tabulate = async (): Promise<Float64Array> => {
    if (evaluator.allRates) return evaluator.allRates(grid, progress, signal);
    const out = new Float64Array(grid.size);
    for (let i = 0; i < grid.size; i++) {
      await checkpoint(signal);
      out[i] = (await evaluator.evaluate(grid.pool(i), signal)).rate;
      progress(i + 1, grid.size);
    }
    return out;
  };
  return tabulate().catch(rethrowInterrupted(() => `interrupted after ${done.toLocaleString("en-US")} of ${grid.size.toLocaleString("en-US")} pools`));
}

/** The cheapest feasible pool of a complete rate table (ties: lowest grid index); -1 if none is feasible. */
export function cheapestFeasible(grid: PoolGrid, rates: ArrayLike<number>, targetRate = 99): number {
  let best = -1;
  for (let i = 0; i < grid.size; i++) {
    if (rates[i] >= targetRate && (best < 0 || grid.priceMicro[i] < grid.priceMicro[best])) best = i;
  }
  return best;
}

/** Exhaustive search over a complete rate table, as a PoolSearchResult (evaluations in grid order). */
export function exhaustiveFromRates(grid: PoolGrid, rates: ArrayLike<number>, targetRate = 99): PoolSearchResult {
  const evaluations: EvaluatedPool[] = [];
  let best: EvaluatedPool | null = null;
  let top: EvaluatedPool | null = null;
  for (let i = 0; i < grid.size; i++) {
    const e: EvaluatedPool = { order: i, index: i, pool: grid.pool(i), price: grid.price[i], rate: rates[i], p99Ms: null, feasible: rates[i] >= targetRate, via: "scan" };
    evaluations.push(e);
    if (e.feasible && (!best || grid.priceMicro[i] < grid.priceMicro[best.index])) best = e;
    if (!top || e.rate > top.rate) top = e;
  }
  return {
    method: "exhaustive",
    seed: 0,
    evaluations,
    best,
    stopReason: best ? "complete" : "exhausted",
    stopDetail: `every one of the ${grid.size} pools was evaluated`,
    evaluationsToBest: grid.size,
    bestRateSeen: top ? { pool: top.pool, rate: top.rate } : null,
    monotonicityViolations: 0,
  };
}

/** One type's cheapest feasible homogeneous pool, or null. */
export interface HomogeneousPoint {
  typeIndex: number;
  type: string;
  pool: number[];
  price: number;
  rate: number;
}

/**
 * Best homogeneous pools: for each type, counts 1, 2, … until the first feasible one (the rate is
 * assumed to grow with the count). `rateOf(i)` is the rate of grid index i: a table entry (NaN,
 * a missing entry, is infeasible) or a simulation, so only the pools up to the first feasible are
 * ever measured. One entry per type, null where no count is feasible.
 */
export function bestHomogeneous(grid: PoolGrid, rateOf: (index: number) => number, targetRate = 99): (HomogeneousPoint | null)[] {
  const out: (HomogeneousPoint | null)[] = [];
  for (let j = 0; j < grid.dims; j++) {
    let found: HomogeneousPoint | null = null;
    for (const i of grid.homogeneous(j)) {
      const rate = rateOf(i);
      if (rate >= targetRate) {
        found = { typeIndex: j, type: grid.space.types[j], pool: grid.pool(i), price: grid.price[i], rate };
        break;
      }
    }
    out.push(found);
  }
  return out;
}

/**
 * `bestHomogeneous` measured with an evaluator (e.g. the simulator), up to the first feasible
 * count per type; InterruptedError when `signal` aborts.
 */
export async function bestHomogeneousMeasured(grid: PoolGrid, evaluator: PoolEvaluator, targetRate = 99, signal?: AbortSignal): Promise<(HomogeneousPoint | null)[]> {
  const rates = new Map<number, number>();
  for (let j = 0; j < grid.dims; j++) {
    for (const i of grid.homogeneous(j)) {
      const rate = (await evaluator.evaluate(grid.pool(i), signal)).rate;
      rates.set(i, rate);
      if (rate >= targetRate) break;
    }
  }
  // every pool bestHomogeneous reads was measured above: it stops where this loop stopped
  return bestHomogeneous(grid, (i) => rates.get(i) ?? NaN, targetRate);
}

/**
 * Random search with the artifact's pruning (`strict` rules): sampling without replacement among
 * unpruned pools; stops at the certificate (no unpruned pool cheaper than the best), when every pool
 * is pruned, or at the budget (default: the grid size).
 */
export async function randomPruneSearch(grid: PoolGrid, evaluator: PoolEvaluator, options: RibbonBaselineOptions = {}): Promise<PoolSearchResult> {
  const seed = options.seed ?? 0;
  const rng = new Rng(seed, 7);
  const target = options.targetRate ?? 99;
  const budget = options.budget ?? grid.size;
  const pruner = new Pruner(grid, "strict");
  const session = new PoolSearchSession(grid, evaluator, target, budget, options.signal, options.onEvaluation);
  const excluded = (i: number) => pruner.pruned[i] === 1 || session.evaluated[i] === 1;
  for (;;) {
    if (session.best && pruner.minRemainingPriceMicro() >= grid.priceMicro[session.best.index]) {
      return session.result("random", seed, "certificate", `no unpruned pool is cheaper than ${formatPool(session.best.pool)}`);
    }
    if (pruner.remaining === 0) return session.result("random", seed, "exhausted", "every pool is pruned and none was feasible");
    if (session.count >= budget) return session.result("random", seed, "budget", `the budget of ${budget} evaluations is spent`);
    const i = randomAllowed(grid.size, rng, excluded);
    const e = await session.evaluate(i, "random");
    pruner.after(i, e.feasible);
  }
}

/**
 * Hill climbing with random restarts: from a feasible pool, move to the first −1 neighbour (random
 * order) that is feasible and no dearer; from an infeasible one, to the first +1 neighbour whose
 * rate is no lower. Stuck: restart at a random unevaluated pool. Every new probe is an evaluation
 * (repeats are free); stops at the budget (default 200) or when every pool has been evaluated.
 */
export async function hillClimbSearch(grid: PoolGrid, evaluator: PoolEvaluator, options: RibbonBaselineOptions = {}): Promise<PoolSearchResult> {
  const seed = options.seed ?? 0;
  const rng = new Rng(seed, 11);
  const target = options.targetRate ?? 99;
  const budget = Math.min(options.budget ?? 200, grid.size);
  const session = new PoolSearchSession(grid, evaluator, target, budget, options.signal, options.onEvaluation);
  const known = new Map<number, EvaluatedPool>();
  const probe = async (i: number, via: string) => {
    let e = known.get(i);
    if (!e) {
      e = await session.evaluate(i, via);
      known.set(i, e);
    }
    return e;
  };
  const d = grid.dims;
  const max = grid.space.maxCounts;
  let current: EvaluatedPool | null = null;
  while (session.count < budget) {
    if (!current) {
      const i = randomAllowed(grid.size, rng, (k) => session.evaluated[k] === 1);
      if (i < 0) break;
      current = await probe(i, "random");
      continue;
    }
    const moves: number[][] = [];
    for (let j = 0; j < d; j++) {
      const p = [...current.pool];
      p[j] += current.feasible ? -1 : 1;
      if (p[j] < 0 || p[j] > max[j] || p.every((x) => x === 0)) continue;
      moves.push(p);
    }
    rng.shuffle(moves);
    let next: EvaluatedPool | null = null;
    for (const p of moves) {
      if (session.count >= budget && !known.has(grid.indexOf(p))) break;
      const e = await probe(grid.indexOf(p), "probe");
      const ok = current.feasible ? e.feasible && e.price <= current.price : e.rate >= current.rate;
      if (ok) {
        next = e;
        break;
      }
    }
    current = next;
  }
  const stop = session.count >= budget ? "budget" : "exhausted";
  return session.result("hill-climb", seed, session.best ? (stop === "exhausted" ? "complete" : stop) : stop, stop === "budget" ? `the budget of ${budget} evaluations is spent` : "every pool was evaluated");
}
