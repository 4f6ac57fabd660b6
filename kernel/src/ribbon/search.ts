/**
 * RIBBON's Bayesian optimisation over the enumerated pool grid (method note §2–§6, §9).
 *
 * faithful: GP on the penalised objective f (isotropic Matern 5/2, no amplitude, alpha 1e-6,
 *   y standardised, ℓ refitted from 1), EI with ξ = 0.1, pruning with the artifact's quirk.
 * improved: with the capacity prior (options.capacity; capacity.ts), next pool = the cheapest one a
 *   feasibility classifier on the capacity margin gives even odds (acquisition "capacity", no GP);
 *   otherwise a GP on the QoS rate only (clipped logit, ARD Matern 5/2 on inputs scaled to [0, 1],
 *   fitted amplitude and noise) and the pool most likely to be the cheapest feasible left
 *   (acquisition "first"; "saving" and "pruning" on request); robust pruning: a feasible sample prunes
 *   every pool at least as dear, an infeasible one the pools it dominates only when its rate is more
 *   than a margin below the target (noise and dispatch effects make rates slightly non-monotone).
 * Both: 2 random initial samples, a prune after every sample, and the stopping rules
 * certificate → exhausted → EI threshold (optional) → budget.
 */
import { CapacityClassifier, checkCapacity, cheapestLikelyFeasible, type TransferredPools } from "./capacity";
import type { PoolGrid } from "./catalogue";
import { formatPool } from "./catalogue";
import type { PoolEvaluator } from "./evaluators";
import type { KnownPool } from "./known";
import { faithfulGpOptions, GaussianProcess, type GpHyper, type GpOptions } from "./gp";
import { rateNoiseSd } from "./noise";
import { logNormCdf, normCdf, normPdf } from "./normal";
import { Pruner } from "./prune";
import { Rng } from "./rng";
import { PoolSearchSession, type EvaluatedPool, type PoolSearchResult, type PoolSearchStop } from "./session";
import { roundHalfEven } from "./workload";

export type RibbonMode = "faithful" | "improved";

export const RIBBON_MODES: readonly RibbonMode[] = ["faithful", "improved"];

/** Acquisition of the improved mode (see RibbonSearchOptions.acquisition). */
export type ImprovedAcquisition = "saving" | "pruning" | "first" | "capacity";

export const IMPROVED_ACQUISITIONS: readonly ImprovedAcquisition[] = ["saving", "pruning", "first", "capacity"];

export interface RibbonSearchOptions {
  mode: RibbonMode;
  /** Seed of the optimiser (initial samples, tie breaks). */
  seed: number;
  /** Most evaluations, initial samples included (artifact: 200). */
  budget?: number;
  /** Random initial samples (artifact: 2). */
  initialSamples?: number;
  /** Feasible iff rate ≥ targetRate (%). */
  targetRate?: number;
  /** EI exploration offset ξ (faithful; artifact 0.1). */
  xi?: number;
  /**
   * Improved mode's acquisition. `capacity` (default when `capacity` is given): the cheapest unpruned
   * pool that the capacity classifier (capacity.ts) gives at least even odds of being feasible, or
   * half the best odds left when none reaches them; no GP. `first` (default with a noise model otherwise): the pool most likely to be the
   * cheapest feasible one left (see logProbabilityFirst). `saving` (default otherwise): feasibility-weighted improvement
   * (P_best − price) · P(rate ≥ target). `pruning`: expected number of pools a sample prunes,
   * P(feasible) · #(unpruned pools at least as dear) + P(infeasible) · #(unpruned pools it dominates),
   * which empties the unpruned set, and so reaches the certificate, in fewer evaluations.
   */
  acquisition?: ImprovedAcquisition;
  /**
   * Optional EI-threshold stop (CherryPick-style): stop once the best acquisition value is below
   * `eiStop` × the current best (faithful: EI < eiStop · y*; improved: expected saving < eiStop · P_best),
   * after at least `eiStopMinSamples` evaluations. 0 (default) disables it.
   */
  eiStop?: number;
  eiStopMinSamples?: number;
  /**
   * Queries behind each measured rate, for the binomial noise model sd = 100·√(p(1 − p)/n). Giving
   * it (or `margin`) turns on the improved mode's robust pruning and makes `first` the default
   * acquisition; without either, rates are taken as exact (dominance pruning, `saving`).
   */
  noiseQueries?: number;
  /**
   * The capacity prior: per instance type, the share of the load one instance carries (meanGap /
   * mean service time; capacityPerInstance in capacity.ts). Known before any evaluation; makes
   * `capacity` the default acquisition of the improved mode.
   */
  capacity?: readonly number[];
  /**
   * Capacity acquisition only: pools of known feasibility under earlier conditions (a warm start's
   * earlier observations, with the load shares of those conditions). They inform the classifier,
   * never prune, and stand in for the random initial samples.
   */
  transferred?: readonly TransferredPools[];
  /**
   * Improved mode: an infeasible sample s prunes a pool c ≤ s only when its rate is more than
   * margin + marginPerInstance · (instances removed) points below the target. Default
   * 0.4 + 2√2 · sd(target, noiseQueries): a dispatch allowance plus two sd of the difference of two
   * noisy rates (1.03 points at 2,000 queries, 0.58 at 25,000).
   */
  margin?: number;
  /** Improved mode: rate points added to the margin per instance removed from the sample (default 0.3). */
  marginPerInstance?: number;
  /**
   * Pools whose feasibility is already known (a warm start). They prune and, when their rate is
   * known, join the model like evaluations, but are not evaluated and do not count as evaluations.
   * A pool known with its rate may be reported as best (then `via: "known"`, `order: -1`); a pool
   * known only by side is evaluated before it can be.
   */
  known?: readonly KnownPool[];
  signal?: AbortSignal;
  /** Called after each evaluation (progress display). */
  onEvaluation?: (e: EvaluatedPool, remaining: number) => void;
}

/** What a search's pruning, and so its certificate, assumed. */
export interface SearchAssumptions {
  /** Pruning assumes adding instances never lowers the rate by more than the margin below. */
  monotone: true;
  /** How an infeasible sample prunes: "faithful" (artifact: c1 < s1, others ≤), or "margin" (improved). */
  pruning: "faithful" | "margin";
  /** Rate points: an infeasible sample prunes smaller pools only when this far below the target (0 in faithful mode). */
  margin: number;
  /** Rate points added to the margin per instance removed (0 in faithful mode). */
  marginPerInstance: number;
  /** Noise model of a measured rate, e.g. "binomial, n = 2000 queries: sd 0.22 points at 99%". */
  noise: string;
  /** Queries behind each rate (the noise model's n); null when none was given (rates taken as exact). */
  noiseQueries: number | null;
  /** The best pool's rate is less than 2 sd above the target: a re-measurement may find it infeasible. */
  bestWithinNoise: boolean;
  /**
   * Improved mode: pruning had ruled out every pool with none feasible, so the search stopped pruning
   * by infeasible samples (the rates are not monotone here) and evaluated on; its verdict assumes nothing.
   */
  pruningDropped: boolean;
}

/** An evaluated pair against monotonicity: a feasible pool inside (≤ componentwise) an infeasible one. */
export interface MonotonicityViolation {
  feasible: { pool: number[]; rate: number };
  infeasible: { pool: number[]; rate: number };
}

/** A RIBBON search's outcome: the session's result plus what it assumed and the violations it saw. */
export interface RibbonSearchResult extends PoolSearchResult {
  assumptions: SearchAssumptions;
  /** Every monotonicity violation among the measured pools (evaluated or known with a rate); `monotonicityViolations` is their count. */
  violations: MonotonicityViolation[];
  /** Known pools the search was given (not evaluations). */
  knownPools: number;
}

/**
 * Whether measured pools refute margin pruning's assumption: some pool a inside (≤ componentwise)
 * a bigger pool b has a rate more than margin + perInstance·(instances added) above b's.
 */
export function marginRefuted(measured: readonly EvaluatedPool[], margin: number, perInstance: number): boolean {
  const size = (p: readonly number[]) => p.reduce((x, c) => x + c, 0);
  for (const a of measured) {
    for (const b of measured) {
      if (a === b || !a.pool.every((c, j) => c <= b.pool[j])) continue;
      if (a.rate - b.rate > margin + perInstance * (size(b.pool) - size(a.pool))) return true;
    }
  }
  return false;
}

/** The unpruned pool with the lowest price (ties: lowest index); -1 when every pool is pruned. */
function cheapestUnpruned(grid: PoolGrid, pruner: Pruner): number {
  let best = -1;
  for (let i = 0; i < grid.size; i++) if (!pruner.isPruned(i) && (best < 0 || grid.priceMicro[i] < grid.priceMicro[best])) best = i;
  return best;
}

/** Pairs (feasible a, infeasible b) with a ≤ b componentwise among measured pools. */
export function monotonicityViolations(measured: readonly EvaluatedPool[]): MonotonicityViolation[] {
  const out: MonotonicityViolation[] = [];
  for (const a of measured) {
    if (!a.feasible) continue;
    for (const b of measured) {
      if (b.feasible) continue;
      let le = true;
      for (let j = 0; j < a.pool.length && le; j++) le = a.pool[j] <= b.pool[j];
      if (le) out.push({ feasible: { pool: a.pool, rate: a.rate }, infeasible: { pool: b.pool, rate: b.rate } });
    }
  }
  return out;
}

/** The improved mode's default margin: 0.4 points for dispatch effects plus 2√2 sd of the difference of two rates measured on n queries. */
export function defaultMargin(targetRate: number, noiseQueries: number): number {
  return Math.round(100 * (0.4 + 2 * Math.SQRT2 * rateNoiseSd(targetRate, noiseQueries))) / 100;
}

/** RIBBON's objective (maximised): 0 for the empty pool, rate/target/2 if infeasible, 0.5 + 0.5(1 − price/P_max) if feasible. */
export function ribbonObjective(rate: number, price: number, maxPrice: number, targetRate = 99): number {
  if (price <= 0) return 0;
  if (rate < targetRate) return rate / targetRate / 2;
  return 0.5 + 0.5 * (1 - price / maxPrice);
}

/** Expected improvement EI = a Φ(a/σ) + σ φ(a/σ) with a = μ − y* − ξ; max(a, 0) when σ = 0. */
export function expectedImprovement(mu: number, sigma: number, yBest: number, xi: number): number {
  const a = mu - yBest - xi;
  if (!(sigma > 0)) return a > 0 ? a : 0;
  const z = a / sigma;
  const v = a * normCdf(z) + sigma * normPdf(z);
  return v > 0 ? v : 0;
}

/** log[(P_best − price) · Φ((μ − threshold)/σ)]: the improved mode's acquisition, −∞ where it is 0. */
export function logFeasibleSaving(saving: number, mu: number, sigma: number, threshold: number): number {
  if (!(saving > 0)) return -Infinity;
  if (!(sigma > 0)) return mu >= threshold ? Math.log(saving) : -Infinity;
  return Math.log(saving) + logNormCdf((mu - threshold) / sigma);
}

/** Clipped logit of a rate in %: the improved mode's GP target. */
export function rateLogit(rate: number): number {
  const p = Math.min(1 - 1e-4, Math.max(1e-4, rate / 100));
  return Math.log(p / (1 - p));
}

/**
 * A random initial pool: each count a uniform point in [0, max_i] rounded (the end values get
 * half weight), redrawn while empty, evaluated or pruned; a uniform unpruned pool after 100 tries.
 */
export function initialSample(grid: PoolGrid, rng: Rng, excluded: (i: number) => boolean): number {
  const d = grid.dims;
  const c = new Array<number>(d);
  for (let attempt = 0; attempt < 100; attempt++) {
    for (let j = 0; j < d; j++) c[j] = roundHalfEven(rng.nextFloat() * grid.space.maxCounts[j]);
    if (c.every((x) => x === 0)) continue;
    const i = grid.indexOf(c);
    if (!excluded(i)) return i;
  }
  return randomAllowed(grid.size, rng, excluded);
}

/** A uniform index among those not excluded; -1 if none. */
export function randomAllowed(size: number, rng: Rng, excluded: (i: number) => boolean): number {
  let count = 0;
  for (let i = 0; i < size; i++) if (!excluded(i)) count++;
  if (count === 0) return -1;
  let k = rng.uniformInt(0, count - 1);
  for (let i = 0; i < size; i++) {
    if (excluded(i)) continue;
    if (k === 0) return i;
    k--;
  }
  return -1;
}

/** Argmax over candidates; exact ties are broken by the seeded generator. Returns -1 if every value is −∞. */
export function argmaxWithTies(values: Float64Array, rng: Rng): number {
  let best = -Infinity;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > best) {
      best = v;
      count = 1;
    } else if (v === best) count++;
  }
  if (best === -Infinity || count === 0) return -1;
  let k = count === 1 ? 0 : rng.uniformInt(0, count - 1);
  for (let i = 0; i < values.length; i++) {
    if (values[i] === best) {
      if (k === 0) return i;
      k--;
    }
  }
  return -1;
}

/**
 * Log-probability that each candidate is the cheapest feasible one left, treating candidates as
 * independent: log P(c feasible) + Σ over cheaper candidates c' of log P(c' infeasible). Picking its
 * argmax evaluates first the pool most likely to be the optimum, which is what "evaluations until
 * the optimum is first evaluated" counts. Written into `out`.
 */
export function logProbabilityFirst(grid: PoolGrid, cand: Int32Array, mu: Float64Array, sd: Float64Array, threshold: number, out: Float64Array): void {
  const order = Array.from(cand.keys()).sort((a, b) => grid.priceMicro[cand[a]] - grid.priceMicro[cand[b]]);
  let cheaperInfeasible = 0;
  let k = 0;
  while (k < order.length) {
    // Pools of equal price are not cheaper than one another.
    const price = grid.priceMicro[cand[order[k]]];
    let end = k;
    let groupInfeasible = 0;
    while (end < order.length && grid.priceMicro[cand[order[end]]] === price) {
      const i = order[end];
      const z = sd[i] > 0 ? (mu[i] - threshold) / sd[i] : mu[i] >= threshold ? Infinity : -Infinity;
      out[i] = cheaperInfeasible + logNormCdf(z);
      groupInfeasible += logNormCdf(-z);
      end++;
    }
    cheaperInfeasible += groupInfeasible;
    k = end;
  }
}

/**
 * Expected pruning of each candidate: P(feasible) · #(unpruned pools with price ≥ its price) +
 * P(infeasible) · #(unpruned pools it dominates), written into `out`.
 */
export function expectedPruning(pruner: Pruner, cand: Int32Array, mu: Float64Array, sd: Float64Array, threshold: number, out: Float64Array): void {
  const grid = pruner.grid;
  const dom = pruner.dominatedUnprunedCounts();
  const prices = pruner.unprunedPricesSorted();
  for (let k = 0; k < cand.length; k++) {
    const pm = grid.priceMicro[cand[k]];
    let lo = 0;
    let hi = prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (prices[mid] < pm) lo = mid + 1;
      else hi = mid;
    }
    const atLeastAsDear = prices.length - lo;
    const pof = sd[k] > 0 ? normCdf((mu[k] - threshold) / sd[k]) : mu[k] >= threshold ? 1 : 0;
    out[k] = pof * atLeastAsDear + (1 - pof) * dom[cand[k]];
  }
}

function improvedGpOptions(d: number, starts: GpHyper[]): GpOptions {
  return {
    ard: d > 1,
    alpha: 1e-8,
    lengthBounds: [0.02, 20],
    signalBounds: [0.05, 20],
    noiseBounds: [1e-6, 0.5],
    normalizeY: true,
    roundInputs: false,
    starts,
    maxIterations: 40,
  };
}

/** Checks known pools against the grid: index in range, rate in [0, 100] and on the stated side, no pool twice. */
export function checkKnownPools(grid: PoolGrid, known: readonly KnownPool[], targetRate: number): void {
  const seen = new Set<number>();
  for (const k of known) {
    if (!(Number.isInteger(k.index) && k.index >= 0 && k.index < grid.size)) {
      throw new RangeError(`known pool index must be a whole number in 0..${grid.size - 1} (the ${grid.space.model} grid) but got ${k.index}`);
    }
    const where = `known pool ${formatPool(grid.pool(k.index))}`;
    if (seen.has(k.index)) throw new RangeError(`${where} is given twice; give each pool once`);
    seen.add(k.index);
    if (k.rate !== undefined) {
      if (!(k.rate >= 0 && k.rate <= 100)) throw new RangeError(`${where}: rate must be in 0..100 % but got ${k.rate}`);
      if (k.rate >= targetRate !== k.feasible) {
        throw new RangeError(`${where}: rate ${k.rate}% is ${k.feasible ? "below" : "at or above"} the target ${targetRate}% but the pool is marked ${k.feasible ? "feasible" : "infeasible"}`);
      }
    }
    if (k.rateAtMost !== undefined && !(k.rateAtMost >= 0 && k.rateAtMost < targetRate && !k.feasible && k.rate === undefined)) {
      throw new RangeError(`${where}: rateAtMost is for an infeasible pool known by side only, in 0..${targetRate}% (below the target), but got ${k.rateAtMost} on a ${k.feasible ? "feasible" : "infeasible"} pool${k.rate === undefined ? "" : " with a rate"}`);
    }
  }
}

/** A known pool with its rate, as the search reports it when it is the best (never evaluated: order −1). */
function knownAsEvaluated(grid: PoolGrid, k: KnownPool): EvaluatedPool {
  return { order: -1, index: k.index, pool: grid.pool(k.index), price: grid.price[k.index], rate: k.rate as number, p99Ms: null, feasible: k.feasible, via: "known" };
}

/** Runs RIBBON's search (faithful or improved) on a grid with an evaluator. */
export async function ribbonSearch(grid: PoolGrid, evaluator: PoolEvaluator, options: RibbonSearchOptions): Promise<RibbonSearchResult> {
  const mode = options.mode;
  if (mode !== "faithful" && mode !== "improved") throw new RangeError(`mode must be "faithful" or "improved" but got ${String(mode)}`);
  const budget = options.budget ?? 200;
  const initial = options.initialSamples ?? 2;
  const target = options.targetRate ?? 99;
  const xi = options.xi ?? 0.1;
  const eiStop = options.eiStop ?? 0;
  const eiMin = options.eiStopMinSamples ?? 6;
  // Robust pruning is on once a noise model (noiseQueries) or a margin is given; without either,
  // rates are taken as exact and the improved mode prunes by plain dominance, as before.
  const robust = mode === "improved" && (options.noiseQueries !== undefined || options.margin !== undefined);
  const capacity = options.capacity ?? null;
  if (capacity) checkCapacity(grid, capacity);
  const acquisition = options.acquisition ?? (capacity ? "capacity" : robust ? "first" : "saving");
  if (!IMPROVED_ACQUISITIONS.includes(acquisition)) throw new RangeError(`acquisition must be one of ${IMPROVED_ACQUISITIONS.join(", ")} but got ${String(acquisition)}`);
  if (mode === "improved" && acquisition === "capacity" && !capacity) {
    throw new RangeError("the capacity acquisition needs the capacity prior (capacity: the load share of one instance of each type; see capacityPerInstance)");
  }
  if (!(Number.isInteger(initial) && initial >= 1)) throw new RangeError(`initial samples must be a whole number ≥ 1 but got ${initial}`);
  if (!(xi >= 0)) throw new RangeError(`xi must be ≥ 0 but got ${xi}`);
  if (!(eiStop >= 0)) throw new RangeError(`eiStop must be ≥ 0 but got ${eiStop}`);
  const noiseQueries = options.noiseQueries ?? null;
  if (noiseQueries !== null && !(Number.isInteger(noiseQueries) && noiseQueries >= 1)) throw new RangeError(`noiseQueries must be a whole number of queries ≥ 1 but got ${noiseQueries}`);
  const margin = robust ? (options.margin ?? defaultMargin(target, noiseQueries ?? 25_000)) : 0;
  const perInstance = robust ? (options.marginPerInstance ?? 0.3) : 0;
  if (!(margin >= 0 && margin <= 100)) throw new RangeError(`margin must be in 0..100 rate points but got ${margin}`);
  if (!(perInstance >= 0 && perInstance <= 100)) throw new RangeError(`marginPerInstance must be in 0..100 rate points but got ${perInstance}`);
  const rng = new Rng(options.seed);
  let pruner = new Pruner(grid, mode === "faithful" ? "faithful" : "dominance");
  /**
   * Improved mode only: set when pruning ruled out every pool with none feasible while the measured
   * pools themselves refute the pruning's assumption (a pool inside another measured more than the
   * margin better: real tables do that, e.g. a slow instance added under pool-order dispatch). Then
   * "no pool meets the target" would rest on a refuted assumption, so the search drops pruning by
   * infeasible samples and evaluates the cheapest pool left, then the next, until one is feasible
   * (the optimum, every cheaper pool having been evaluated) or its budget ends.
   */
  let relaxed = false;
  const session = new PoolSearchSession(grid, evaluator, target, budget, options.signal, (e) => options.onEvaluation?.(e, pruner.remaining));
  const d = grid.dims;
  const excluded = (i: number) => pruner.pruned[i] === 1 || session.evaluated[i] === 1;
  /** Prunes after a measured pool; improved mode prunes below an infeasible rate only beyond the margin. */
  const pruneAfter = (index: number, feasible: boolean, rate: number | undefined) => {
    if (relaxed && !feasible) pruner.exclude(index);
    else if (mode === "improved" && !feasible && rate !== undefined) pruner.afterInfeasibleWithMargin(index, target - rate, margin, perInstance);
    else pruner.after(index, feasible);
  };

  // Known pools: free observations. Infeasible ones and those with a rate prune as a sample would;
  // a feasible one known only by side prunes the dearer pools but stays a candidate itself.
  const known = options.known ?? [];
  checkKnownPools(grid, known, target);
  const measured: EvaluatedPool[] = [];
  let knownBest: EvaluatedPool | null = null;
  for (const k of known) {
    if (k.rate === undefined && k.feasible) {
      pruner.afterKnownFeasible(k.index);
      continue;
    }
    pruneAfter(k.index, k.feasible, k.rate ?? k.rateAtMost);
    if (k.rate === undefined) continue;
    const e = knownAsEvaluated(grid, k);
    measured.push(e);
    if (e.feasible && (!knownBest || grid.priceMicro[e.index] < grid.priceMicro[knownBest.index])) knownBest = e;
  }
  /** Cheapest feasible pool measured: evaluated, or known with its rate. */
  const bestSoFar = (): EvaluatedPool | null => {
    const b = session.best;
    if (!knownBest) return b;
    return b && grid.priceMicro[b.index] <= grid.priceMicro[knownBest.index] ? b : knownBest;
  };

  const sdAtTarget = noiseQueries === null ? 0 : rateNoiseSd(target, noiseQueries);
  /** The certificate's condition, in words. */
  const assumed = () =>
    relaxed
      ? "(every cheaper pool was evaluated: pruning by infeasible pools was dropped after it had ruled out every pool with none feasible)"
      : mode === "faithful"
      ? "if adding an instance never lowers the rate (the artifact's pruning)"
      : `if adding instances never lowers the rate by more than ${margin} + ${perInstance}·k points (k instances added)`;
  const stopCheck = (): { reason: PoolSearchStop; detail: string } | null => {
    const best = bestSoFar();
    if (best) {
      const minLeft = pruner.minRemainingPriceMicro();
      if (minLeft >= grid.priceMicro[best.index]) {
        const near = noiseQueries !== null && best.rate < target + 2 * sdAtTarget ? `; its rate ${best.rate}% is within 2 sd (${(2 * sdAtTarget).toFixed(2)} points, n = ${noiseQueries}) of the target, so a re-measurement may miss it` : "";
        return {
          reason: "certificate",
          detail:
            (pruner.remaining === 0
              ? `every pool is pruned; the best feasible pool ${formatPool(best.pool)} is optimal ${assumed()}`
              : `no unpruned pool is cheaper than ${formatPool(best.pool)} at $${best.price.toFixed(4)}/h: optimal ${assumed()}`) + near,
        };
      }
    }
    const all = () => [...measured, ...session.evaluations];
    if (pruner.remaining === 0 && mode === "improved" && !relaxed && session.count + measured.length < grid.size && marginRefuted(all(), margin, perInstance)) {
      relaxed = true;
      pruner = new Pruner(grid, "dominance");
      for (const e of all()) pruner.exclude(e.index);
      for (const k of known) {
        if (k.rate === undefined && k.feasible) pruner.afterKnownFeasible(k.index);
        else pruner.exclude(k.index);
      }
    }
    if (pruner.remaining === 0)
      return { reason: "exhausted", detail: relaxed ? "every pool was evaluated and none was feasible" : "every pool is pruned and none was feasible" };
    if (session.count >= budget) return { reason: "budget", detail: `the budget of ${budget} evaluations is spent` };
    return null;
  };

  const sample = async (index: number, via: string) => {
    const e = await session.evaluate(index, via);
    pruneAfter(index, e.feasible, e.rate);
  };

  let stop = stopCheck();
  // Known pools with a rate stand in for random initial samples, and so do transferred pools.
  const transferred = mode === "improved" && acquisition === "capacity" ? (options.transferred ?? []) : [];
  const transferredCount = transferred.reduce((a, t) => a + t.feasible.length, 0);
  for (let s = measured.length + transferredCount; s < initial && !stop; s++) {
    await sample(initialSample(grid, rng, excluded), "initial");
    stop = stopCheck();
  }

  const maxCounts = grid.space.maxCounts.map((m) => (m > 0 ? m : 1));
  const minPrice = Math.min(...grid.space.pricesPerHour);
  let warm: GpHyper | null = null;
  const threshold = rateLogit(target);

  while (!stop) {
    if (relaxed) {
      // No model steers the fallback (the one that pruned everything was wrong here): the cheapest
      // pool left is next, so the first feasible pool found is the optimum, assumption-free.
      await sample(cheapestUnpruned(grid, pruner), "price order");
      stop = stopCheck();
      continue;
    }
    const cand = pruner.unprunedIndices();
    const observed = measured.length ? [...measured, ...session.evaluations] : session.evaluations;
    const n = observed.length;
    const X = new Float64Array(n * d);
    const y = new Float64Array(n);
    observed.forEach((e, i) => {
      for (let j = 0; j < d; j++) X[i * d + j] = mode === "faithful" ? e.pool[j] : e.pool[j] / maxCounts[j];
      y[i] = mode === "faithful" ? ribbonObjective(e.rate, e.price, grid.maxPrice, target) : rateLogit(e.rate);
    });
    const Xc = new Float64Array(cand.length * d);
    for (let k = 0; k < cand.length; k++) {
      for (let j = 0; j < d; j++) {
        const c = grid.counts[cand[k] * d + j];
        Xc[k * d + j] = mode === "faithful" ? c : c / maxCounts[j];
      }
    }
    const mu = new Float64Array(cand.length);
    const sd = new Float64Array(cand.length);
    const acq = new Float64Array(cand.length);
    let choice = -1;
    let bestAcq = 0;
    if (mode === "improved" && acquisition === "capacity") {
      // Feasibility classifier on the capacity margin, fitted to the measured pools (evaluated, or
      // known with their rate) and the transferred ones; no GP. Pools known by side only are left
      // out: a warm start knows one side only (all infeasible, or all feasible), and such a one-sided
      // sample drags the intercept (measured: resnet after a looser QoS, 5 → 36 evaluations).
      const pools = new Float64Array(observed.length * d);
      observed.forEach((e, i) => pools.set(e.pool, i * d));
      const classifier = CapacityClassifier.fit(capacity as readonly number[], pools, observed.map((e) => e.feasible), transferred);
      choice = cheapestLikelyFeasible(grid, cand, classifier);
    } else if (mode === "faithful") {
      const gp = GaussianProcess.fit(X, n, d, y, faithfulGpOptions());
      gp.predict(Xc, cand.length, mu, sd);
      let yBest = -Infinity;
      for (let i = 0; i < n; i++) if (y[i] > yBest) yBest = y[i];
      for (let k = 0; k < cand.length; k++) acq[k] = expectedImprovement(mu[k], sd[k], yBest, xi);
      const k = argmaxWithTies(acq, rng);
      bestAcq = k >= 0 ? acq[k] : 0;
      if (eiStop > 0 && session.count >= eiMin && bestAcq < eiStop * Math.abs(yBest)) {
        stop = { reason: "ei-threshold", detail: `max EI ${bestAcq.toExponential(2)} < ${eiStop} × best objective ${yBest.toFixed(4)} after ${n} samples` };
        break;
      }
      choice = k >= 0 && acq[k] > 0 ? cand[k] : -1;
    } else {
      const defaults: GpHyper = { lengthScales: new Array(d).fill(0.5), signalVariance: 1, noiseVariance: 1e-3 };
      // Hyper-parameters: refitted (warm start) while data are few, then every 4th sample; the default
      // start joins every 8th sample so a stale optimum is left. In between, the last fit is reused.
      const gpOptions = improvedGpOptions(d, warm ? (n % 8 === 0 ? [warm, defaults] : [warm]) : [defaults]);
      const gp: GaussianProcess = warm && n > 12 && n % 4 !== 0 ? GaussianProcess.withHyper(X, n, d, y, warm, gpOptions) : GaussianProcess.fit(X, n, d, y, gpOptions);
      warm = gp.hyper;
      gp.predict(Xc, cand.length, mu, sd);
      const incumbent = bestSoFar();
      const pBest = incumbent ? incumbent.price : grid.maxPrice + minPrice;
      if (acquisition === "pruning") expectedPruning(pruner, cand, mu, sd, threshold, acq);
      else if (acquisition === "first") logProbabilityFirst(grid, cand, mu, sd, threshold, acq);
      else for (let k = 0; k < cand.length; k++) acq[k] = logFeasibleSaving(pBest - grid.price[cand[k]], mu[k], sd[k], threshold);
      const k = argmaxWithTies(acq, rng);
      bestAcq = k < 0 ? 0 : acquisition === "saving" ? Math.exp(acq[k]) : 0;
      if (acquisition === "saving" && eiStop > 0 && incumbent && session.count >= eiMin && bestAcq < eiStop * pBest) {
        stop = { reason: "ei-threshold", detail: `best expected saving $${bestAcq.toExponential(2)}/h < ${eiStop} × $${pBest.toFixed(4)}/h after ${n} samples` };
        break;
      }
      choice = k >= 0 ? cand[k] : -1;
    }
    if (choice < 0) {
      choice = randomAllowed(grid.size, rng, excluded);
      await sample(choice, "random");
    } else {
      await sample(choice, "acquisition");
    }
    stop = stopCheck();
  }
  const best = bestSoFar();
  const violations = monotonicityViolations([...measured, ...session.evaluations]);
  const result: RibbonSearchResult = {
    ...session.result(mode, options.seed, stop.reason, stop.detail),
    monotonicityViolations: violations.length,
    assumptions: {
      monotone: true,
      pruning: mode === "faithful" ? "faithful" : "margin",
      margin,
      marginPerInstance: perInstance,
      noise: noiseQueries === null ? "none: rates taken as exact" : `binomial, n = ${noiseQueries} queries: sd ${sdAtTarget.toFixed(2)} points at ${target}%`,
      noiseQueries,
      bestWithinNoise: noiseQueries !== null && best !== null && best.rate < target + 2 * sdAtTarget,
      pruningDropped: relaxed,
    },
    violations,
    knownPools: known.length,
  };
  if (best && best.via === "known") {
    result.best = best;
    result.evaluationsToBest = 0;
  }
  return result;
}
