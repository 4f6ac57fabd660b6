/**
 * Book-keeping shared by every search method: evaluations in order, the best feasible pool,
 * the budget, interruption. A method asks the session to evaluate grid indices; the session
 * never evaluates a pool twice.
 */
import { checkpoint, GreenaiError } from "../errors";
import { rethrowInterrupted } from "../io/steps";
import type { PoolGrid } from "./catalogue";
import { formatPool } from "./catalogue";
import type { PoolEvaluator } from "./evaluators";

/** One evaluated pool, in search order. */
export interface EvaluatedPool {
  /** 0-based position in the search. */
  order: number;
  /** Index of the pool in the grid. */
  index: number;
  pool: number[];
  /** Exact price, $/h. */
  price: number;
  /** QoS rate, %. */
  rate: number;
  p99Ms: number | null;
  /** Smallest QoS latency (ms) meeting the target on this trace, when the evaluator reports it (the simulator): a warm start after a QoS change reads feasibility from it. */
  qosToMeetMs?: number;
  feasible: boolean;
  /** How the pool was chosen: "initial", "acquisition", "random", "probe", "scan". */
  via: string;
}

/** Why a search stopped. */
export type PoolSearchStop =
  /** No unpruned pool is cheaper than the best feasible pool found (optimal if the rate is monotone in the pool). */
  | "certificate"
  /** Every pool is pruned or evaluated, and none feasible was found. */
  | "exhausted"
  /** The best acquisition value fell below the threshold after the minimum number of samples. */
  | "ei-threshold"
  /** The evaluation budget is spent. */
  | "budget"
  /** The method ran to its natural end (exhaustive scan, homogeneous scan). */
  | "complete";

/** The outcome of one search. */
export interface PoolSearchResult {
  /** "faithful", "improved", "exhaustive", "homogeneous", "random", "hill-climb". */
  method: string;
  seed: number;
  evaluations: EvaluatedPool[];
  /** Cheapest feasible pool evaluated; null if none. */
  best: EvaluatedPool | null;
  stopReason: PoolSearchStop;
  /** One sentence on why it stopped. */
  stopDetail: string;
  /** How many evaluations it took until the best pool was first evaluated (1-based); null if none. */
  evaluationsToBest: number | null;
  /** Highest rate seen (for "no pool meets the target" messages). */
  bestRateSeen: { pool: number[]; rate: number } | null;
  /**
   * Evaluated pairs that contradict pruning's assumption (adding instances never lowers the rate):
   * a feasible pool ≤ an infeasible one, componentwise. Non-zero means pruning may have lost the optimum.
   */
  monotonicityViolations: number;
}

/** Pairs (feasible a, infeasible b) with a ≤ b componentwise among evaluations. */
export function countMonotonicityViolations(evaluations: readonly EvaluatedPool[]): number {
  let v = 0;
  for (const a of evaluations) {
    if (!a.feasible) continue;
    for (const b of evaluations) {
      if (b.feasible) continue;
      let le = true;
      for (let j = 0; j < a.pool.length && le; j++) le = a.pool[j] <= b.pool[j];
      if (le) v++;
    }
  }
  return v;
}

/** Feasible pools of a complete table with an infeasible neighbour one instance bigger (RIBBON: 1–46 per model). */
export function monotonicityFlips(grid: PoolGrid, rates: ArrayLike<number>, targetRate = 99): number {
  let flips = 0;
  const d = grid.dims;
  const up = new Array<number>(d);
  for (let i = 0; i < grid.size; i++) {
    if (!(rates[i] >= targetRate)) continue;
    for (let j = 0; j < d; j++) up[j] = grid.counts[i * d + j];
    for (let j = 0; j < d; j++) {
      if (up[j] === grid.space.maxCounts[j]) continue;
      up[j]++;
      const k = grid.indexOf(up);
      up[j]--;
      if (!(rates[k] >= targetRate)) {
        flips++;
        break;
      }
    }
  }
  return flips;
}

/** No pool in the grid (or none the search could reach) meets the QoS target. */
export class NoFeasiblePoolError extends GreenaiError {
  override name = "NoFeasiblePoolError";
}

export class PoolSearchSession {
  readonly evaluations: EvaluatedPool[] = [];
  readonly evaluated: Uint8Array;
  best: EvaluatedPool | null = null;
  bestRateSeen: EvaluatedPool | null = null;

  constructor(
    readonly grid: PoolGrid,
    readonly evaluator: PoolEvaluator,
    readonly targetRate: number,
    readonly budget: number,
    readonly signal?: AbortSignal,
    readonly onEvaluation?: (e: EvaluatedPool) => void,
  ) {
    if (!(Number.isInteger(budget) && budget >= 1)) throw new RangeError(`budget must be a whole number of evaluations ≥ 1 but got ${budget}`);
    if (!(targetRate > 0 && targetRate <= 100)) throw new RangeError(`target rate must be in (0, 100] % but got ${targetRate}`);
    this.evaluated = new Uint8Array(grid.size);
  }

  get count(): number {
    return this.evaluations.length;
  }

  get budgetLeft(): number {
    return this.budget - this.evaluations.length;
  }

  /**
   * Evaluates grid pool `index` (never twice: a repeat returns the earlier evaluation). Every
   * search method comes through here, so this is where an interrupt stops a search: the
   * InterruptedError says how far it got.
   */
  async evaluate(index: number, via: string): Promise<EvaluatedPool> {
    if (this.evaluated[index]) return this.evaluations.find((e) => e.index === index) as EvaluatedPool;
    const pool = this.grid.pool(index);
    const m = await checkpoint(this.signal)
      .then(() => this.evaluator.evaluate(pool, this.signal, this.targetRate))
      .catch(rethrowInterrupted(() => `interrupted after ${this.interruptSummary()}`));
    if (!(m.rate >= 0 && m.rate <= 100)) throw new GreenaiError(`${this.evaluator.description} gave rate ${m.rate} for pool ${formatPool(pool)}; expected 0..100 %`);
    const e: EvaluatedPool = {
      order: this.evaluations.length,
      index,
      pool,
      price: this.grid.price[index],
      rate: m.rate,
      p99Ms: m.p99Ms,
      feasible: m.rate >= this.targetRate,
      via,
    };
    if (m.qosToMeetMs !== undefined) e.qosToMeetMs = m.qosToMeetMs;
    this.evaluated[index] = 1;
    this.evaluations.push(e);
    if (e.feasible && (!this.best || this.grid.priceMicro[index] < this.grid.priceMicro[this.best.index])) this.best = e;
    if (!this.bestRateSeen || e.rate > this.bestRateSeen.rate) this.bestRateSeen = e;
    this.onEvaluation?.(e);
    return e;
  }

  /** What the search had done, for the interrupt message. */
  private interruptSummary(): string {
    const n = this.evaluations.length;
    const best = this.best ? `; best so far ${formatPool(this.best.pool)} at $${this.best.price.toFixed(4)}/h, ${this.best.rate}%` : "; no feasible pool yet";
    return `${n} evaluation${n === 1 ? "" : "s"}${best}`;
  }

  /** Packs the outcome. */
  result(method: string, seed: number, stopReason: PoolSearchStop, stopDetail: string): PoolSearchResult {
    return {
      method,
      seed,
      evaluations: this.evaluations,
      best: this.best,
      stopReason,
      stopDetail,
      evaluationsToBest: this.best ? this.best.order + 1 : null,
      bestRateSeen: this.bestRateSeen ? { pool: this.bestRateSeen.pool, rate: this.bestRateSeen.rate } : null,
      monotonicityViolations: countMonotonicityViolations(this.evaluations),
    };
  }
}

/**
 * Throws NoFeasiblePoolError when a search found no feasible pool, saying whether that is
 * certain (every pool ruled out) and the best rate it saw.
 */
export function requireFeasible(result: PoolSearchResult, grid: PoolGrid, targetRate: number, qosMs?: number): EvaluatedPool {
  if (result.best) return result.best;
  const seen = result.bestRateSeen ? `; the best rate found was ${result.bestRateSeen.rate}% at pool ${formatPool(result.bestRateSeen.pool)}` : "";
  const target = `${targetRate}% of queries within ${qosMs !== undefined ? `${qosMs} ms` : "the QoS latency"}`;
  const certain = result.stopReason === "exhausted" || result.stopReason === "complete";
  throw new NoFeasiblePoolError(
    certain
      ? `no pool of the ${grid.space.model} grid (${grid.size} pools, up to ${formatPool(grid.space.maxCounts)}) meets the QoS target of ${target}${seen}. Relax --qos or --target, lower the load (--mean-gap), or raise --max`
      : `the ${result.method} search found no pool meeting ${target} within ${result.evaluations.length} evaluations (${result.stopDetail})${seen}`,
  );
}
