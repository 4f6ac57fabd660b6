/**
 * Noisy lookup tables, measured the way the RIBBON artifact measures its tables: one QoS rate per
 * pool, each pool simulated on its own short trace (its own seed, 1,000–3,000 queries), so rates
 * jitter by a few tenths of a point and neighbouring pools near the target can flip. The test and
 * the benchmark of the robust search read these; the simulator's own grids share one long trace.
 */
import { checkpoint } from "../errors";
import type { PoolGrid } from "./catalogue";
import { Rng } from "./rng";
import { countMet, instanceTypes, rateFromCounts, type DispatchPolicy } from "./simulator";
import { queryTrace, serviceTable, type LatencyProfile, type Workload } from "./workload";

export interface NoisyTableOptions {
  /** Seed of the table: pool seeds and query counts derive from it. */
  tableSeed: number;
  /** Fewest queries simulated per pool (default 1,000). */
  minQueries?: number;
  /** Most queries simulated per pool (default 3,000). */
  maxQueries?: number;
  dispatch?: DispatchPolicy;
  signal?: AbortSignal;
}

/** One noisy table: rate (%) and number of queries of each pool, by grid index. */
export interface NoisyTable {
  rates: Float64Array;
  queries: Int32Array;
}

/** Simulates every pool of `grid` on its own trace of `minQueries..maxQueries` queries (uniform), seeded from `tableSeed`. */
export async function noisyTableFromSimulator(grid: PoolGrid, profile: LatencyProfile, workload: Workload, options: NoisyTableOptions): Promise<NoisyTable> {
  const minQ = options.minQueries ?? 1000;
  const maxQ = options.maxQueries ?? 3000;
  if (!(Number.isInteger(minQ) && minQ >= 1 && Number.isInteger(maxQ) && maxQ >= minQ)) {
    throw new RangeError(`queries per pool must be whole numbers with 1 ≤ minQueries ≤ maxQueries but got ${minQ}..${maxQ}`);
  }
  const dispatch = options.dispatch ?? "pool-order";
  const d = grid.dims;
  const draws = new Rng(options.tableSeed, 11);
  const rates = new Float64Array(grid.size);
  const queries = new Int32Array(grid.size);
  let maxN = 1;
  for (let i = 0; i < grid.size; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += grid.counts[i * d + j];
    if (s > maxN) maxN = s;
  }
  const freeAt = new Int32Array(maxN);
  for (let i = 0; i < grid.size; i++) {
    const n = draws.uniformInt(minQ, maxQ);
    const seed = draws.nextU32();
    const trace = queryTrace({ ...workload, queries: n }, seed);
    const table = serviceTable(trace, profile, grid.space.types);
    const typeOf = instanceTypes(grid.pool(i));
    rates[i] = rateFromCounts(countMet(typeOf, trace.arrivalMs, table.serviceMs, d, workload.qosMs, dispatch, freeAt), n);
    queries[i] = n;
    await checkpoint(options.signal);
  }
  return { rates, queries };
}
