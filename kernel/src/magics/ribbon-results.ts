/** The JSON results of `%ribbon` commands (`--json`, `--as`): the contract the CLI and notebooks read. */
import type { DispatchPolicy, ImprovedAcquisition, RibbonMode } from "../ribbon";

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
