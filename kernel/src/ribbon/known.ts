/**
 * What is already known about pools before a search starts: a warm start carries an earlier
 * search's observations over to changed conditions (load, QoS target). The warm-start code
 * decides which observations still count; the search consumes them.
 */

/** One pool whose feasibility under the current load and QoS target is known without a new evaluation. */
export interface KnownPool {
  /** Index of the pool in the grid. */
  index: number;
  /** Meets the current target (true) or misses it (false). */
  feasible: boolean;
  /**
   * The QoS rate (%) when it was measured under exactly the current conditions; absent when only
   * the side of the target is known (e.g. an infeasible pool under a higher load stays infeasible).
   */
  rate?: number;
  /**
   * An infeasible pool known by side only: an upper bound of its rate (%), when one is known. The
   * improved search then prunes the pools it dominates by the margin rule from this bound, as after
   * an evaluation (a pool just below the target prunes nothing but itself); absent, it prunes every
   * pool it dominates.
   */
  rateAtMost?: number;
  /** Why this is known, for the search's report (e.g. "infeasible at mean gap 10 ms, load rose"). */
  reason: string;
}
