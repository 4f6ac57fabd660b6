/**
 * The capacity prior of the improved search (issue 12): what the latency profiles and the load say
 * about a pool before it is evaluated, and a feasibility classifier that starts from it.
 *
 * One instance of type j serves queries at 1/s̄_j per ms (s̄_j its mean service time over the
 * workload's size mix); against arrivals at 1/gap per ms it can carry the share gap/s̄_j of the load.
 * A pool's capacity margin is Σ_j c_j · gap/s̄_j: below 1 it cannot keep up. The classifier is a
 * Bayesian logistic regression of feasibility on the per-type terms c_j · gap/s̄_j:
 *   P(feasible | c) = σ(w₀ + Σ_j w_j · c_j · gap/s̄_j),
 * with the prior w₀ ~ N(−s, τ²), w_j ~ N(s, τ²) (s = 8, τ = 5): even odds at a capacity margin of 1,
 * and every type counted at its capacity. The data then correct it; under pool-order dispatch slow
 * types that miss the QoS latency on a few percent of queries get weights near 0. MAP weights by
 * damped Newton steps.
 */
import type { PoolGrid } from "./catalogue";
import { choleskyWithJitter, solveLower, solveUpperT } from "./gp";
import { normCdf } from "./normal";
import { queryTrace, serviceTable, type LatencyProfile, type Workload } from "./workload";

/** Queries drawn to estimate the mean service times (fewer when the workload has fewer). */
const CAPACITY_QUERIES = 5_000;
/** Seed of that trace: a fixed, documented draw, not the evaluator's. */
const CAPACITY_SEED = 12_345;

/**
 * Share of the load one instance of each type can carry: meanGap / mean service time (ms/ms), the
 * mean taken over a trace of the workload (its size mix; 5,000 queries, seed 12345). Throws
 * MissingProfileError when the profile lacks a type or batch size the trace needs.
 */
export function capacityPerInstance(profile: LatencyProfile, workload: Workload, types: readonly string[]): number[] {
  const trace = queryTrace({ ...workload, queries: Math.min(CAPACITY_QUERIES, workload.queries) }, CAPACITY_SEED);
  const table = serviceTable(trace, profile, types);
  const d = types.length;
  const n = trace.arrivalMs.length;
  const mean = new Array<number>(d).fill(0);
  for (let k = 0; k < n; k++) for (let j = 0; j < d; j++) mean[j] += table.serviceMs[k * d + j];
  // A service time rounds to whole ms; an all-zero list still serves at most one query per ms.
  return mean.map((s) => workload.meanGapMs / Math.max(s / n, 1));
}

/** Checks a capacity vector against a grid: one finite positive share per instance type. */
export function checkCapacity(grid: PoolGrid, capacity: readonly number[]): void {
  if (capacity.length !== grid.dims) {
    throw new RangeError(`capacity needs one load share per instance type (${grid.dims} for ${grid.space.model}) but got ${capacity.length}`);
  }
  capacity.forEach((x, j) => {
    if (!(Number.isFinite(x) && x > 0)) throw new RangeError(`capacity of ${grid.space.types[j]} must be a finite load share > 0 but got ${x}`);
  });
}

/** Prior of the classifier: intercept mean −steepness, type weights mean +steepness, sd `sd` each. */
export interface CapacityPrior {
  /** Logit change per unit of capacity margin (default 8). */
  steepness: number;
  /** Prior sd of every weight (default 5). */
  sd: number;
  /** Prior sd of the shift between earlier conditions and the current ones (default 2; see TransferredPools). */
  shiftSd: number;
}

export const DEFAULT_CAPACITY_PRIOR: CapacityPrior = { steepness: 8, sd: 5, shiftSd: 2 };

/**
 * Pools of known feasibility under earlier conditions (a warm start after a load or QoS change):
 * their capacity margins are taken against the earlier load (`capacity` under those conditions), so
 * a load change moves them to where they belong; a QoS or target change is a shift of the log-odds,
 * one weight shared by every transferred pool, with prior N(0, shiftSd²), learned from the new
 * evaluations. They inform the classifier only: they never prune and are never reported.
 */
export interface TransferredPools {
  /** Load share per instance of each type under the earlier conditions. */
  capacity: readonly number[];
  /** Row-major counts. */
  pools: ArrayLike<number>;
  /** Feasible under the earlier conditions, one flag per pool. */
  feasible: ArrayLike<boolean>;
  /** Weight of each of these pools in the likelihood, in (0, 1] (default 1: as much as an evaluation now). */
  weight?: number;
  /**
   * Per pool: its flag is exact under the current conditions (e.g. read from the smallest QoS latency
   * meeting the target on the same trace), so it counts as an evaluation now: weight 1, no shift.
   */
  exact?: ArrayLike<boolean>;
}

/** A fitted feasibility classifier: its MAP weights, intercept first. */
export class CapacityClassifier {
  private constructor(
    readonly capacity: readonly number[],
    /** w₀, w₁ … w_d, and the shift of transferred pools when it was fitted (not used for current pools). */
    readonly weights: Float64Array,
  ) {}

  /**
   * Fits the classifier to pools of known feasibility (`pools` row-major counts, `feasible` one flag
   * per pool) and to pools transferred from earlier conditions; with no pools it is the prior.
   */
  static fit(
    capacity: readonly number[],
    pools: ArrayLike<number>,
    feasible: ArrayLike<boolean>,
    transferred: readonly TransferredPools[] = [],
    prior: CapacityPrior = DEFAULT_CAPACITY_PRIOR,
  ): CapacityClassifier {
    const d = capacity.length;
    const shift = transferred.some((t) => t.feasible.length > 0);
    // Weights: intercept, one per type, and the shift of transferred pools when there are any.
    const m = d + 1 + (shift ? 1 : 0);
    const rows: { pools: ArrayLike<number>; feasible: ArrayLike<boolean>; capacity: readonly number[]; shifted: boolean; weight: number; exact?: ArrayLike<boolean> }[] = [
      { pools, feasible, capacity, shifted: false, weight: 1 },
      ...transferred.map((t) => ({ ...t, shifted: true, weight: t.weight ?? 1 })),
    ];
    const n = rows.reduce((a, r) => a + r.feasible.length, 0);
    const H = new Float64Array(n * m);
    const y = new Uint8Array(n);
    const wt = new Float64Array(n);
    let i = 0;
    for (const r of rows) {
      if (r.capacity.length !== d) throw new RangeError(`transferred pools need one load share per instance type (${d}) but got ${r.capacity.length}`);
      if (!(r.weight > 0 && r.weight <= 1)) throw new RangeError(`the weight of transferred pools must be in (0, 1] but got ${r.weight}`);
      for (let k = 0; k < r.feasible.length; k++, i++) {
        H[i * m] = 1;
        for (let j = 0; j < d; j++) H[i * m + j + 1] = r.pools[k * d + j] * r.capacity[j];
        const exact = r.exact?.[k] === true;
        if (shift) H[i * m + d + 1] = r.shifted && !exact ? 1 : 0;
        y[i] = r.feasible[k] ? 1 : 0;
        wt[i] = exact ? 1 : r.weight;
      }
    }
    const w0 = new Float64Array(m).fill(prior.steepness);
    w0[0] = -prior.steepness;
    const prec = new Float64Array(m).fill(1 / (prior.sd * prior.sd));
    if (shift) {
      w0[d + 1] = 0;
      prec[d + 1] = 1 / (prior.shiftSd * prior.shiftSd);
    }
    const w = Float64Array.from(w0);
    const A = new Float64Array(m * m);
    const g = new Float64Array(m);
    for (let it = 0; it < 100; it++) {
      // Gradient and Hessian of the negative log posterior.
      A.fill(0);
      for (let a = 0; a < m; a++) {
        g[a] = (w[a] - w0[a]) * prec[a];
        A[a * m + a] = prec[a];
      }
      for (let i = 0; i < n; i++) {
        let z = 0;
        for (let a = 0; a < m; a++) z += w[a] * H[i * m + a];
        const p = 1 / (1 + Math.exp(-z));
        const r = (y[i] - p) * wt[i];
        const v = p * (1 - p) * wt[i];
        for (let a = 0; a < m; a++) {
          const ha = H[i * m + a];
          g[a] -= r * ha;
          for (let b = 0; b < m; b++) A[a * m + b] += v * ha * H[i * m + b];
        }
      }
      const ch = choleskyWithJitter(A, m);
      if (!ch) break;
      const L = ch.L;
      const step = Float64Array.from(g);
      solveLower(L, m, step);
      solveUpperT(L, m, step);
      // Damped Newton: separable data would otherwise send the weights off in one step.
      let big = 0;
      for (let a = 0; a < m; a++) big = Math.max(big, Math.abs(step[a]));
      const scale = big > 2 ? 2 / big : 1;
      for (let a = 0; a < m; a++) w[a] -= scale * step[a];
      if (big * scale < 1e-8) break;
    }
    return new CapacityClassifier([...capacity], w);
  }

  /** The classifier's score (log-odds of feasibility, MAP weights) of a pool. */
  score(pool: ArrayLike<number>): number {
    let z = this.weights[0];
    for (let j = 0; j < this.capacity.length; j++) z += this.weights[j + 1] * pool[j] * this.capacity[j];
    return z;
  }

  /** P(feasible) of a pool at the MAP weights, σ(score) in its probit form Φ(score·√(π/8)). */
  probability(pool: ArrayLike<number>): number {
    return normCdf(this.score(pool) * Math.sqrt(Math.PI / 8));
  }
}

/** A pool's capacity margin Σ_j c_j · share_j: below 1 its instances cannot keep up with the load. */
export function capacityMargin(pool: ArrayLike<number>, capacity: readonly number[]): number {
  let m = 0;
  for (let j = 0; j < capacity.length; j++) m += pool[j] * capacity[j];
  return m;
}

/**
 * The "capacity" acquisition: among the candidates (grid indices), the cheapest whose P(feasible)
 * is at least min(`evenOdds`, `relative` × the highest P(feasible) among them); −1 if none. Price
 * order is what "evaluations until the optimum is first evaluated" rewards once the classifier rules
 * out the cheap pools that cannot keep up; the relative floor keeps the search going in price order
 * when the classifier thinks every pool left is unlikely (it has been wrong about the boundary).
 * Candidates whose capacity margin is below 1 come only after every other one: their utilisation
 * exceeds 1, so the queue grows for as long as the load lasts (on the simulator no such pool meets
 * 99% on any of the five models, under the shipped load or ±20% load or ±10% QoS). The classifier is
 * smooth in the margin and, fitted to a few pools or to pools moved from earlier conditions, can
 * give such a pool even odds (vgg after a load rise: 9,0,0 at margin 0.90 before the optimum).
 */
export function cheapestLikelyFeasible(grid: PoolGrid, cand: Int32Array, classifier: CapacityClassifier, evenOdds = 0.5, relative = 0.5): number {
  const d = grid.dims;
  let stable = 0;
  for (let k = 0; k < cand.length; k++) if (capacityMargin(grid.counts.subarray(cand[k] * d, cand[k] * d + d), classifier.capacity) >= 1) stable++;
  // Only the stable candidates while there are any; the others after them.
  const pick = (k: number) => stable === 0 || capacityMargin(grid.counts.subarray(cand[k] * d, cand[k] * d + d), classifier.capacity) >= 1;
  const p = new Float64Array(cand.length);
  let best = 0;
  for (let k = 0; k < cand.length; k++) {
    if (!pick(k)) continue;
    p[k] = classifier.probability(grid.counts.subarray(cand[k] * d, cand[k] * d + d));
    if (p[k] > best) best = p[k];
  }
  const floor = Math.min(evenOdds, relative * best);
  let choice = -1;
  for (let k = 0; k < cand.length; k++) {
    if (pick(k) && p[k] >= floor && (choice < 0 || grid.priceMicro[cand[k]] < grid.priceMicro[choice])) choice = cand[k];
  }
  return choice;
}
