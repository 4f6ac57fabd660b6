/**
 * The JSON results of `%ribbon` commands (`--json`, `--as`): the contract the CLI and notebooks
 * read, and their mapping from the core's results (snake_case, prices and fractions rounded).
 */
import {
  round2,
  round4,
  type DispatchPolicy,
  type EvaluatedPool,
  type HomogeneousPoint,
  type ImprovedAcquisition,
  type MonotonicityViolation,
  type OptimiserComparison,
  type SearchAssumptions,
  type PoolGrid,
  type PoolSimResult,
  type RibbonMode,
  type SizeMix,
  type Workload,
} from "../ribbon";

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
  /** A file of that name was there before and was replaced. */
  overwritten: boolean;
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
  /** Smallest QoS latency (ms) meeting the target on this trace (simulator only): a warm start after a QoS change reads feasibility from it. */
  qos_to_meet_ms?: number;
  feasible: boolean;
  /** How it was chosen: initial, acquisition, random, probe, scan. */
  via: string;
}

/** Where a search's rates came from: a warm start carries observations over only within one source. */
export type RibbonRateSource =
  | { kind: "simulator"; sim_seed: number; queries: number; dispatch: DispatchPolicy; mix: SizeMix }
  | { kind: "lookup"; file: string }
  | { kind: "command"; command: string };

/** The conditions a search ran under, which a later `--warm-start` compares with its own. */
export interface RibbonSearchConditions {
  max_counts: number[];
  /** Mean gap between arrivals, ms (1000 / load in queries/s). */
  mean_gap_ms: number;
  qos_ms: number;
  /** Feasible iff rate ≥ target_rate (%). */
  target_rate: number;
  source: RibbonRateSource;
}

/** What `--warm-start` carried over from the earlier search, and why. */
export interface RibbonWarmStartReport {
  /** What changed, e.g. "load +20% (mean gap 3 ms → 2.5 ms)". */
  change: string;
  /** Earlier observations that still count: with the rate when it is exact, else only the side (rate null). */
  known: { pool: number[]; feasible: boolean; rate: number | null; reason: string }[];
  /** Earlier observations that no longer count. */
  dropped: { pool: number[]; reason: string }[];
}

/** Marks a search result, so `$name` can pass it whole (as JSON) to `--warm-start`. */
export const RIBBON_SEARCH_SCHEMA = "greenai.ribbon.search/1";

/** `%ribbon search`: one optimiser run. */
export interface RibbonSearchResult {
  schema: typeof RIBBON_SEARCH_SCHEMA;
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
  /** What pruning, and so the certificate, assumed. */
  assumptions: RibbonSearchAssumptions;
  /** The pairs counted by monotonicity_violations. */
  violations: RibbonViolation[];
  conditions: RibbonSearchConditions;
  /** Set when the search was warm-started (`--warm-start`). */
  warm_start: RibbonWarmStartReport | null;
}

/** `assumptions` of `%ribbon search`: the certificate holds if these do. */
export interface RibbonSearchAssumptions {
  /** Adding instances never lowers the rate by more than margin + margin_per_instance · k points (k instances added). */
  monotone: true;
  /** "faithful" (the artifact's rule) or "margin" (improved). */
  pruning: "faithful" | "margin";
  /** Rate points. */
  margin: number;
  margin_per_instance: number;
  /** e.g. "binomial, n = 25000 queries: sd 0.06 points at 99%". */
  noise: string;
  /** null when none was given (rates taken as exact). */
  noise_queries: number | null;
  /** The best pool's rate is within 2 sd of the target. */
  best_within_noise: boolean;
  /** Pruning had ruled out every pool with none feasible, so the search dropped it and evaluated on. */
  pruning_dropped: boolean;
}

/** A feasible pool inside (≤ componentwise) an infeasible one. */
export interface RibbonViolation {
  feasible: { pool: number[]; rate: number };
  infeasible: { pool: number[]; rate: number };
}

export function assumptionsOf(a: SearchAssumptions): RibbonSearchAssumptions {
  return {
    monotone: a.monotone,
    pruning: a.pruning,
    margin: a.margin,
    margin_per_instance: a.marginPerInstance,
    noise: a.noise,
    noise_queries: a.noiseQueries,
    best_within_noise: a.bestWithinNoise,
    pruning_dropped: a.pruningDropped,
  };
}

export function violationsOf(vs: readonly MonotonicityViolation[]): RibbonViolation[] {
  return vs.map((v) => ({ feasible: { pool: [...v.feasible.pool], rate: v.feasible.rate }, infeasible: { pool: [...v.infeasible.pool], rate: v.infeasible.rate } }));
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

// ---------------------------------------------------------------------------------------------
// Mapping from the core's results

export function point(pool: number[], price: number, rate: number): RibbonPoolPoint {
  return { pool, price: round4(price), rate };
}

export function homogeneousPoints(list: readonly (HomogeneousPoint | null)[]): RibbonHomogeneousPoint[] {
  return list.filter((h): h is HomogeneousPoint => h !== null).map((h) => ({ instance_type: h.type, ...point(h.pool, h.price, h.rate) }));
}

export function cheapestHomogeneous(list: RibbonHomogeneousPoint[]): RibbonHomogeneousPoint | null {
  return list.reduce<RibbonHomogeneousPoint | null>((a, h) => (!a || h.price < a.price ? h : a), null);
}

export function traceOf(evals: EvaluatedPool[]): RibbonTraceEntry[] {
  return evals.map((e) => ({
    order: e.order,
    ...point(e.pool, e.price, e.rate),
    p99_ms: e.p99Ms,
    ...(e.qosToMeetMs !== undefined && Number.isFinite(e.qosToMeetMs) ? { qos_to_meet_ms: e.qosToMeetMs } : {}),
    feasible: e.feasible,
    via: e.via,
  }));
}

/** One simulated pool as `%ribbon simulate` reports it. */
export function simulateResult(
  grid: PoolGrid,
  workload: Workload,
  r: PoolSimResult,
  run: { pool: number[]; target: number; seed: number; dispatch: DispatchPolicy; seconds: number },
): RibbonSimulateResult {
  const { space } = grid;
  return {
    model: space.model,
    instance_types: [...space.types],
    pool: [...run.pool],
    price: round4(grid.priceOf(run.pool)),
    rate: r.rate,
    feasible: r.rate >= run.target,
    target_rate: run.target,
    qos_ms: workload.qosMs,
    mean_gap_ms: workload.meanGapMs,
    queries: r.queries,
    p50_ms: r.p50Ms,
    p95_ms: r.p95Ms,
    p99_ms: r.p99Ms,
    mean_ms: round2(r.meanMs),
    utilisation: r.utilisation.map((u) => (u === null ? null : round4(u))),
    makespan_ms: r.makespanMs,
    seed: run.seed,
    dispatch: run.dispatch,
    seconds: round4(run.seconds),
  };
}

/** A comparison as `%ribbon compare` reports it; `paperSavings` are the artifact's levels for the model, if known. */
export function compareResult(grid: PoolGrid, c: OptimiserComparison, seeds: number, paperSavings: readonly number[] | undefined): RibbonCompareResult {
  const { optimum } = c;
  const hom = cheapestHomogeneous(homogeneousPoints(c.homogeneous));
  return {
    model: grid.space.model,
    instance_types: [...grid.space.types],
    evaluator: c.source,
    grid_pools: grid.size,
    seeds,
    optimum: point(optimum.pool, optimum.price, optimum.rate),
    best_homogeneous: hom,
    saving_percent: hom ? round2(100 * (1 - optimum.price / hom.price)) : null,
    paper_saving_percent: paperSavings && paperSavings.length ? Math.max(...paperSavings) : null,
    monotonicity_flips: c.monotonicityFlips,
    methods: c.methods.map((m) => ({
      method: m.method,
      runs: m.runs,
      found_optimum: m.foundOptimum,
      median_evaluations: m.medianEvaluations,
      median_evaluations_to_best: m.medianEvaluationsToBest,
      mean_exploration_cost: round4(m.meanExplorationCost),
      median_violating_pools: m.medianViolatingPools,
    })),
  };
}
