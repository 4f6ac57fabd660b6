/**
 * Discrete-event serving simulator (method note §7): one global FIFO queue, instances in
 * pool order (c1 of type 1, then type 2, …), one query per instance, no batching.
 *
 * The note's 1 ms tick loop is replaced by an exact next-event form: queries start in FIFO
 * order, so query k starts at max(arrival_k, earliest free time) on the lowest-index
 * instance free then (pool order), or on the free instance that finishes it first
 * (earliest-finish). An instance that starts a query at t with service ℓ is free again at
 * t + max(ℓ, 1) (ℓ = 0 still takes one tick). `simulateTicks` is the literal tick loop,
 * kept as the reference the fast form is tested against.
 */
import type { Pool, PoolSpace } from "./catalogue";
import { checkPool } from "./catalogue";
import type { LatencyProfile, QueryTrace, ServiceTable, Workload } from "./workload";
import { queryTraceSteps, serviceTableSteps } from "./workload";
import { finishSteps, finishStepsInterruptibly, STEP_QUERIES, type Steps } from "../io/steps";

/**
 * How the queue head is placed. `pool-order` (RIBBON): the lowest-index free instance.
 * `earliest-finish`: the free instance that finishes it first. `earliest-finish-all`: the instance,
 * free or busy, that finishes it first (it may wait for a busy fast instance rather than start on a
 * free slow one); adding an instance then rarely hurts, so RIBBON's pruning assumption holds better.
 */
export const DISPATCH_POLICIES = ["pool-order", "earliest-finish", "earliest-finish-all"] as const;
export type DispatchPolicy = (typeof DISPATCH_POLICIES)[number];

/** Outcome of simulating one pool on one trace. */
export interface PoolSimResult {
  /** Percentage of queries with wait + service ≤ QoS, rounded to 2 decimals. */
  rate: number;
  /** Queries that met QoS. */
  met: number;
  queries: number;
  /** Latency (wait + service) percentiles in ms, linear interpolation between order statistics. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Busy time ÷ (count × makespan) per type, aligned with the table's types; null where the count is 0. */
  utilisation: (number | null)[];
  /** Time from the first arrival until the last query finishes, ms. */
  makespanMs: number;
  /**
   * When a target rate was asked for: the smallest QoS latency (ms) at which this pool meets it on
   * this trace (qosToMeetMs). Latencies do not depend on the QoS latency, so it decides feasibility
   * under any other QoS latency on the same trace, both ways.
   */
  qosToMeetMs?: number;
}

/** Exact percentage met·100/n rounded to 2 decimals, half to even, in integer arithmetic. */
export function rateFromCounts(met: number, n: number): number {
  const num = met * 10_000;
  const q = Math.floor(num / n);
  const r = num - q * n;
  const k = 2 * r > n || (2 * r === n && q % 2 !== 0) ? q + 1 : q;
  return k / 100;
}

/**
 * Index k (0-based, sorted latencies) of the order statistic that decides feasibility against
 * `targetRate` over `queries` queries: feasible iff latency_(k) ≤ QoS, because the rate is
 * rateFromCounts(met, n) (rounded to 2 decimals, half to even) and met = #{latency ≤ QoS};
 * −1 when no query needs to meet it.
 */
export function decidingOrderStatistic(queries: number, targetRate: number): number {
  let lo = 0;
  let hi = queries; // smallest met with rate ≥ target lies in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rateFromCounts(mid, queries) >= targetRate) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/**
 * The smallest QoS latency (ms) at which latencies `sorted` (ascending) meet `targetRate`: the
 * deciding order statistic's latency (0 when no query needs to meet it; Infinity when even all
 * queries fall short, i.e. a target above 100%).
 */
export function qosToMeetMs(sorted: ArrayLike<number>, targetRate: number): number {
  const n = sorted.length;
  if (rateFromCounts(n, n) < targetRate) return Infinity;
  const k = decidingOrderStatistic(n, targetRate);
  return k < 0 ? 0 : sorted[k];
}

/** Lays out the instances of a pool: type index of each instance in pool order. */
export function instanceTypes(pool: Pool): Uint8Array {
  let n = 0;
  for (const c of pool) n += c;
  const typeOf = new Uint8Array(n);
  let i = 0;
  for (let j = 0; j < pool.length; j++) for (let c = 0; c < pool[j]; c++) typeOf[i++] = j;
  return typeOf;
}

/**
 * The hot loop: number of queries meeting QoS. `freeAt` is scratch (≥ n entries).
 * When `latency` is given, each query's latency is written there and `busyMs` gets the
 * busy time per type; `freeAt` then holds each instance's last finish time.
 */
export function countMet(
  typeOf: Uint8Array,
  arrivalMs: Int32Array,
  serviceMs: Int32Array,
  types: number,
  qosMs: number,
  dispatch: DispatchPolicy,
  freeAt: Int32Array,
  latency: Int32Array | null = null,
  busyMs: Float64Array | null = null,
): number {
  freeAt.fill(0, 0, typeOf.length);
  return countMetRange(typeOf, arrivalMs, serviceMs, types, qosMs, dispatch, freeAt, 0, arrivalMs.length, latency, busyMs);
}

/** `countMet` in chunks of STEP_QUERIES queries, yielding between them (see steps.ts). */
export function* countMetSteps(
  typeOf: Uint8Array,
  arrivalMs: Int32Array,
  serviceMs: Int32Array,
  types: number,
  qosMs: number,
  dispatch: DispatchPolicy,
  freeAt: Int32Array,
  latency: Int32Array | null = null,
  busyMs: Float64Array | null = null,
): Steps<number> {
  const N = arrivalMs.length;
  freeAt.fill(0, 0, typeOf.length);
  let met = 0;
  for (let from = 0; from < N; from += STEP_QUERIES) {
    met += countMetRange(typeOf, arrivalMs, serviceMs, types, qosMs, dispatch, freeAt, from, Math.min(N, from + STEP_QUERIES), latency, busyMs);
    yield;
  }
  return met;
}

/** Queries `from` … `to − 1` of `countMet`, continuing from the instances' state in `freeAt`. */
function countMetRange(
  typeOf: Uint8Array,
  arrivalMs: Int32Array,
  serviceMs: Int32Array,
  types: number,
  qosMs: number,
  dispatch: DispatchPolicy,
  freeAt: Int32Array,
  from: number,
  to: number,
  latency: Int32Array | null,
  busyMs: Float64Array | null,
): number {
  const n = typeOf.length;
  let met = 0;
  if (dispatch === "pool-order") {
    for (let k = from; k < to; k++) {
      const t = arrivalMs[k];
      let i = -1;
      let minF = 0x7fffffff;
      let minI = 0;
      for (let j = 0; j < n; j++) {
        const f = freeAt[j];
        if (f <= t) {
          i = j;
          break;
        }
        if (f < minF) {
          minF = f;
          minI = j;
        }
      }
      let start = t;
      if (i < 0) {
        i = minI;
        start = minF;
      }
      const ty = typeOf[i];
      const l = serviceMs[k * types + ty];
      freeAt[i] = start + (l > 0 ? l : 1);
      const lat = start - t + l;
      if (lat <= qosMs) met++;
      if (latency !== null) {
        latency[k] = lat;
        (busyMs as Float64Array)[ty] += l > 0 ? l : 1;
      }
    }
  } else if (dispatch === "earliest-finish-all") {
    for (let k = from; k < to; k++) {
      const t = arrivalMs[k];
      const row = k * types;
      let i = 0;
      let bestFinish = 0x7fffffff;
      let start = t;
      for (let j = 0; j < n; j++) {
        const s = freeAt[j] > t ? freeAt[j] : t;
        const fin = s + serviceMs[row + typeOf[j]];
        if (fin < bestFinish) {
          bestFinish = fin;
          i = j;
          start = s;
        }
      }
      const l = serviceMs[row + typeOf[i]];
      freeAt[i] = start + (l > 0 ? l : 1);
      const lat = start - t + l;
      if (lat <= qosMs) met++;
      if (latency !== null) {
        latency[k] = lat;
        (busyMs as Float64Array)[typeOf[i]] += l > 0 ? l : 1;
      }
    }
  } else {
    // Instances of a type form one block in pool order. Visit the types in increasing service
    // time for this query (ties: pool order); the first block with an instance free at arrival
    // gives the answer. Only when every instance is busy, scan for the earliest finish.
    const blockStart = new Int32Array(types + 1);
    for (let j = 0; j < n; j++) blockStart[typeOf[j] + 1] = j + 1;
    for (let ty = 1; ty <= types; ty++) if (blockStart[ty] < blockStart[ty - 1]) blockStart[ty] = blockStart[ty - 1];
    const order = new Int32Array(types);
    for (let k = from; k < to; k++) {
      const t = arrivalMs[k];
      const row = k * types;
      for (let ty = 0; ty < types; ty++) {
        // insertion sort of the types by (service, type index)
        const l = serviceMs[row + ty];
        let pos = ty;
        while (pos > 0 && serviceMs[row + order[pos - 1]] > l) {
          order[pos] = order[pos - 1];
          pos--;
        }
        order[pos] = ty;
      }
      let i = -1;
      for (let o = 0; o < types && i < 0; o++) {
        const ty = order[o];
        const end = blockStart[ty + 1];
        for (let j = blockStart[ty]; j < end; j++) {
          if (freeAt[j] <= t) {
            i = j;
            break;
          }
        }
      }
      let start = t;
      let l: number;
      if (i >= 0) {
        l = serviceMs[row + typeOf[i]];
      } else {
        let minF = 0x7fffffff;
        for (let j = 0; j < n; j++) if (freeAt[j] < minF) minF = freeAt[j];
        start = minF;
        l = 0x7fffffff;
        for (let j = 0; j < n; j++) {
          if (freeAt[j] <= start) {
            const lj = serviceMs[row + typeOf[j]];
            if (lj < l) {
              l = lj;
              i = j;
            }
          }
        }
      }
      freeAt[i] = start + (l > 0 ? l : 1);
      const lat = start - t + l;
      if (lat <= qosMs) met++;
      if (latency !== null) {
        latency[k] = lat;
        (busyMs as Float64Array)[typeOf[i]] += l > 0 ? l : 1;
      }
    }
  }
  return met;
}

/** Percentile q ∈ [0, 1] of sorted values, linear interpolation (numpy's default). */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Simulates one pool on a prepared trace and service table, with latency percentiles and utilisation. */
export function simulateOnTrace(
  pool: Pool,
  trace: QueryTrace,
  table: ServiceTable,
  dispatch: DispatchPolicy = "pool-order",
  targetRate?: number,
): PoolSimResult {
  return finishSteps(simulateOnTraceSteps(pool, trace, table, dispatch, targetRate));
}

/** `simulateOnTrace` as steps (see steps.ts); with `targetRate`, the result has qosToMeetMs. */
export function* simulateOnTraceSteps(pool: Pool, trace: QueryTrace, table: ServiceTable, dispatch: DispatchPolicy = "pool-order", targetRate?: number): Steps<PoolSimResult> {
  const T = table.types.length;
  if (pool.length !== T) throw new RangeError(`pool has ${pool.length} counts but the service table has ${T} types`);
  const N = trace.arrivalMs.length;
  const typeOf = instanceTypes(pool);
  if (typeOf.length === 0) {
    const empty: PoolSimResult = { rate: 0, met: 0, queries: N, p50Ms: Infinity, p95Ms: Infinity, p99Ms: Infinity, meanMs: Infinity, utilisation: pool.map(() => null), makespanMs: 0 };
    return targetRate === undefined ? empty : { ...empty, qosToMeetMs: rateFromCounts(0, N) >= targetRate ? 0 : Infinity };
  }
  const freeAt = new Int32Array(typeOf.length);
  const latency = new Int32Array(N);
  const busy = new Float64Array(T);
  const met = yield* countMetSteps(typeOf, trace.arrivalMs, table.serviceMs, T, trace.workload.qosMs, dispatch, freeAt, latency, busy);
  let end = 0;
  for (let j = 0; j < freeAt.length; j++) if (freeAt[j] > end) end = freeAt[j];
  let sum = 0;
  for (let k = 0; k < N; k++) sum += latency[k];
  latency.sort();
  const result: PoolSimResult = {
    rate: rateFromCounts(met, N),
    met,
    queries: N,
    p50Ms: percentileSorted(latency, 0.5),
    p95Ms: percentileSorted(latency, 0.95),
    p99Ms: percentileSorted(latency, 0.99),
    meanMs: sum / N,
    utilisation: pool.map((c, j) => (c === 0 || end === 0 ? null : busy[j] / (c * end))),
    makespanMs: end,
  };
  if (targetRate !== undefined) result.qosToMeetMs = qosToMeetMs(latency, targetRate);
  return result;
}

/**
 * The method note's tick loop, literally: enqueue arrivals, free instances in pool order take
 * the queue head, advance one tick (or jump to the next finish once every query has arrived).
 * Slow; the reference for `countMet`. Returns each query's latency.
 */
export function simulateTicks(pool: Pool, trace: QueryTrace, table: ServiceTable): Int32Array {
  const T = table.types.length;
  const typeOf = instanceTypes(pool);
  const n = typeOf.length;
  const N = trace.arrivalMs.length;
  const latency = new Int32Array(N);
  if (n === 0) throw new RangeError("the empty pool never finishes");
  const queue = new Int32Array(N);
  let qHead = 0;
  let qTail = 0;
  const free = new Uint8Array(n).fill(1);
  const busyUntil = new Float64Array(n);
  let next = 0;
  let t = 0;
  for (;;) {
    while (next < N && trace.arrivalMs[next] === t) queue[qTail++] = next++;
    for (let i = 0; i < n && qHead < qTail; i++) {
      if (!free[i]) continue;
      const q = queue[qHead++];
      const l = table.serviceMs[q * T + typeOf[i]];
      latency[q] = t - trace.arrivalMs[q] + l;
      busyUntil[i] = t + l;
      free[i] = 0;
    }
    if (next >= N && qHead === qTail) break;
    let t2 = t + 1;
    if (next >= N && !free.includes(1)) {
      let m = Infinity;
      for (let i = 0; i < n; i++) if (busyUntil[i] < m) m = busyUntil[i];
      t2 = Math.max(t + 1, m);
    }
    for (let i = 0; i < n; i++) if (!free[i] && busyUntil[i] <= t2) free[i] = 1;
    t = t2;
  }
  return latency;
}

/**
 * A simulator bound to one model: latency profile, pool space and workload. Traces and
 * service tables are built once per seed and reused for every pool (common random numbers).
 * Each method has an `…Interruptibly` twin for long work (many queries, whole grids): the same
 * computation, yielding every ~50 ms and stopping with InterruptedError when `signal` aborts.
 */
export class ServingSimulator {
  private readonly cache = new Map<number, { trace: QueryTrace; table: ServiceTable }>();

  constructor(
    readonly profile: LatencyProfile,
    readonly space: PoolSpace,
    readonly workload: Workload,
  ) {}

  /** Trace and service table of a seed (built on first use, then cached; up to 8 seeds). */
  prepared(seed: number): { trace: QueryTrace; table: ServiceTable } {
    return finishSteps(this.preparedSteps(seed));
  }

  private *preparedSteps(seed: number): Steps<{ trace: QueryTrace; table: ServiceTable }> {
    let hit = this.cache.get(seed);
    if (!hit) {
      const trace = yield* queryTraceSteps(this.workload, seed);
      hit = { trace, table: yield* serviceTableSteps(trace, this.profile, this.space.types) };
      if (this.cache.size >= 8) this.cache.delete(this.cache.keys().next().value as number);
      this.cache.set(seed, hit);
    }
    return hit;
  }

  /** Simulates one pool of the space (bounds checked) on the trace of `seed`; with `targetRate`, the result has qosToMeetMs. */
  simulate(pool: Pool, seed: number, dispatch: DispatchPolicy = "pool-order", targetRate?: number): PoolSimResult {
    return finishSteps(this.simulateSteps(pool, seed, dispatch, targetRate));
  }

  simulateInterruptibly(pool: Pool, seed: number, dispatch: DispatchPolicy, signal: AbortSignal | undefined, targetRate?: number): Promise<PoolSimResult> {
    return finishStepsInterruptibly(this.simulateSteps(pool, seed, dispatch, targetRate), signal);
  }

  private *simulateSteps(pool: Pool, seed: number, dispatch: DispatchPolicy, targetRate?: number): Steps<PoolSimResult> {
    checkPool(this.space, pool);
    const { trace, table } = yield* this.preparedSteps(seed);
    return yield* simulateOnTraceSteps(pool, trace, table, dispatch, targetRate);
  }

  /**
   * QoS rate (%, 2 decimals) of many pools on the trace of `seed`; `counts` is row-major counts.
   * `onPool(done, total)` is called after every pool.
   */
  rates(counts: Int32Array, seed: number, dispatch: DispatchPolicy = "pool-order", onPool?: (done: number, total: number) => void): Float64Array {
    return finishSteps(this.ratesSteps(counts, seed, dispatch, onPool));
  }

  ratesInterruptibly(
    counts: Int32Array,
    seed: number,
    dispatch: DispatchPolicy,
    onPool: ((done: number, total: number) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Float64Array> {
    return finishStepsInterruptibly(this.ratesSteps(counts, seed, dispatch, onPool), signal);
  }

  private *ratesSteps(counts: Int32Array, seed: number, dispatch: DispatchPolicy, onPool?: (done: number, total: number) => void): Steps<Float64Array> {
    const d = this.space.types.length;
    const m = counts.length / d;
    const { trace, table } = yield* this.preparedSteps(seed);
    const out = new Float64Array(m);
    let maxN = 0;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += counts[i * d + j];
      if (s > maxN) maxN = s;
    }
    const freeAt = new Int32Array(Math.max(1, maxN));
    const N = trace.arrivalMs.length;
    for (let i = 0; i < m; i++) {
      const typeOf = instanceTypes(counts.subarray(i * d, (i + 1) * d) as unknown as number[]);
      out[i] =
        typeOf.length === 0
          ? 0
          : rateFromCounts(yield* countMetSteps(typeOf, trace.arrivalMs, table.serviceMs, d, this.workload.qosMs, dispatch, freeAt), N);
      onPool?.(i + 1, m);
    }
    return out;
  }
}
