/**
 * Workloads of the serving simulator: the query trace (arrival times and batch sizes),
 * the measured latency profile, and the per-query service time on each instance type.
 * A trace depends on the seed only, so every pool of a grid is simulated on the same
 * queries (common random numbers): comparisons between pools are not blurred by noise.
 */
import { GreenaiError } from "../errors";
import { logGamma, Rng } from "./rng";
import { finishSteps, STEP_QUERIES, type Steps } from "../io/steps";

/**
 * Query-size mix. `ribbon`: DeepRecSys-style log-normal sizes (method note §7.2), batch 10..500.
 * `kairos`: Kairos' heavier tail, 8% U{1..99}, 22% U{200..599}, 5% U{600..999}, the rest U{100..199}, batch 10..1000.
 */
export type SizeMix = "ribbon" | "kairos";

/** What the simulator serves: arrival rate, latency target, length of the trace. */
export interface Workload {
  /** Mean gap between arrivals in ms (gaps are Poisson, whole ms). */
  meanGapMs: number;
  /** Latency target in ms: a query meets QoS iff wait + service ≤ qosMs. */
  qosMs: number;
  /** Number of queries simulated (artifact evaluator: 25,000). */
  queries: number;
  /** Query-size mix. */
  mix: SizeMix;
}

/** Measured inference latencies of one model: type → batch size → latencies in ms. */
export interface LatencyProfile {
  readonly model: string;
  readonly lists: ReadonlyMap<string, ReadonlyMap<number, Float64Array>>;
  /** Where the lists were read from, for messages (e.g. a folder). */
  readonly source?: string;
}

/** A latency profile lacks the list for a (type, batch size) that a trace needs. */
export class MissingProfileError extends GreenaiError {
  override name = "MissingProfileError";
}

/** The queries of one simulation run, shared by every pool simulated with the same seed. */
export interface QueryTrace {
  readonly seed: number;
  readonly workload: Workload;
  /** Arrival time of each query in whole ms, non-decreasing, the first at 0. */
  readonly arrivalMs: Int32Array;
  /** Batch-size bucket of each query (a multiple of 10). */
  readonly batch: Int16Array;
  /** Uniform draw in [0, 1) per query that picks its service time from a latency list. */
  readonly pick: Float64Array;
}

/** Per-query service times on each type: `serviceMs[k · types + j]`, whole ms. */
export interface ServiceTable {
  readonly types: readonly string[];
  readonly serviceMs: Int32Array;
}

/** Checks a workload; throws RangeError naming the field, range and value. */
export function checkWorkload(w: Workload): void {
  if (!(Number.isFinite(w.meanGapMs) && w.meanGapMs > 0 && w.meanGapMs <= 1e6)) {
    throw new RangeError(`mean gap must be in (0, 1e6] ms but got ${w.meanGapMs}`);
  }
  if (!(Number.isFinite(w.qosMs) && w.qosMs > 0)) throw new RangeError(`QoS target must be > 0 ms but got ${w.qosMs}`);
  if (!(Number.isInteger(w.queries) && w.queries >= 1 && w.queries <= 10_000_000)) {
    throw new RangeError(`number of queries must be an integer in 1..10,000,000 but got ${w.queries}`);
  }
  if (w.mix !== "ribbon" && w.mix !== "kairos") throw new RangeError(`size mix must be "ribbon" or "kairos" but got ${String(w.mix)}`);
}

/**
 * Inverse-CDF Poisson sampler for one mean: the CDF is tabulated once, a draw is a binary
 * search. Inversion couples draws across means (a larger mean never gives a smaller gap for
 * the same uniform), so sweeping the load on one seed moves arrivals monotonically.
 */
export class PoissonTable {
  private readonly cdf: Float64Array;

  constructor(readonly mean: number) {
    if (!(Number.isFinite(mean) && mean >= 0)) throw new RangeError(`Poisson mean must be finite and ≥ 0 but got ${mean}`);
    const hiK = Math.ceil(mean + 12 * Math.sqrt(mean) + 30);
    const cdf = new Float64Array(hiK + 1);
    let acc = 0;
    const logMean = mean > 0 ? Math.log(mean) : 0;
    for (let k = 0; k <= hiK; k++) {
      const logP = mean > 0 ? -mean + k * logMean - logGamma(k + 1) : k === 0 ? 0 : -Infinity;
      acc += Math.exp(logP);
      cdf[k] = acc;
    }
    cdf[hiK] = Infinity; // the far tail (probability < 1e-30) folds into the last value
    this.cdf = cdf;
  }

  /** The smallest k with CDF(k) > u, for u uniform in [0, 1). */
  draw(u: number): number {
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Batch-size bucket ⌈round(s)/10⌉·10 of a query size s, at least 10. */
export function bucketOf(size: number): number {
  const r = Math.max(1, roundHalfEven(size));
  return Math.ceil(r / 10) * 10;
}

/** Rounds to the nearest integer, ties to even (Python's round). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Draws the trace of a seed: Poisson gaps (stream 1), sizes (stream 2) and service picks
 * (stream 3) come from separate streams, so changing the load keeps sizes and picks.
 */
export function queryTrace(workload: Workload, seed: number): QueryTrace {
  return finishSteps(queryTraceSteps(workload, seed));
}

/** `queryTrace` as steps (see steps.ts): the same draws in the same order, in chunks. */
export function* queryTraceSteps(workload: Workload, seed: number): Steps<QueryTrace> {
  checkWorkload(workload);
  const n = workload.queries;
  if (workload.meanGapMs * n > 1.5e9) {
    throw new RangeError(`a trace of ${n} queries with mean gap ${workload.meanGapMs} ms spans more than the ms clock holds; use fewer queries or a shorter gap`);
  }
  const arrivalMs = new Int32Array(n);
  const batch = new Int16Array(n);
  const pick = new Float64Array(n);
  const gaps = new Rng(seed, 1);
  const poisson = new PoissonTable(workload.meanGapMs);
  const C = STEP_QUERIES;
  let t = 0;
  for (let k0 = 1; k0 < n; k0 += C) {
    for (let k = k0, end = Math.min(n, k0 + C); k < end; k++) {
      t += poisson.draw(gaps.nextFloat());
      if (t > 2_000_000_000) throw new RangeError(`trace of ${n} queries with mean gap ${workload.meanGapMs} ms overflows the ms clock`);
      arrivalMs[k] = t;
    }
    yield;
  }
  const sizes = new Rng(seed, 2);
  if (workload.mix === "ribbon") {
    // All log-normal sizes first, then the mix draw per query (the artifact's order).
    const s = new Float64Array(n);
    for (let k0 = 0; k0 < n; k0 += C) {
      for (let k = k0, end = Math.min(n, k0 + C); k < end; k++) s[k] = sizes.logNormal(5.1, 0.2);
      yield;
    }
    for (let k0 = 0; k0 < n; k0 += C) {
      for (let k = k0, end = Math.min(n, k0 + C); k < end; k++) {
        const u = sizes.uniformInt(1, 99);
        let size = s[k];
        if (u <= 2) size = sizes.uniformInt(1, 99);
        else if (u <= 12) size = sizes.uniformInt(250, 499);
        else if (size > 500) size = sizes.uniformInt(400, 499);
        batch[k] = bucketOf(size);
      }
      yield;
    }
  } else {
    for (let k0 = 0; k0 < n; k0 += C) {
      for (let k = k0, end = Math.min(n, k0 + C); k < end; k++) {
        const u = sizes.nextFloat();
        let size: number;
        if (u < 0.08) size = sizes.uniformInt(1, 99);
        else if (u < 0.3) size = sizes.uniformInt(200, 599);
        else if (u < 0.35) size = sizes.uniformInt(600, 999);
        else size = sizes.uniformInt(100, 199);
        batch[k] = bucketOf(size);
      }
      yield;
    }
  }
  const picks = new Rng(seed, 3);
  for (let k0 = 0; k0 < n; k0 += C) {
    for (let k = k0, end = Math.min(n, k0 + C); k < end; k++) pick[k] = picks.nextFloat();
    yield;
  }
  return { seed, workload: { ...workload }, arrivalMs, batch, pick };
}

/** Distinct batch sizes of a trace, sorted. */
export function batchesOf(trace: QueryTrace): number[] {
  const seen = new Set<number>();
  for (let k = 0; k < trace.batch.length; k++) seen.add(trace.batch[k]);
  return [...seen].sort((a, b) => a - b);
}

/**
 * Service time of every query on every type: latency list of (type, batch) at index
 * ⌊pick · length⌋, rounded half to even to whole ms. Throws MissingProfileError naming
 * the type and batch size when a needed list is absent or empty.
 */
export function serviceTable(trace: QueryTrace, profile: LatencyProfile, types: readonly string[]): ServiceTable {
  return finishSteps(serviceTableSteps(trace, profile, types));
}

/** `serviceTable` as steps (see steps.ts). */
export function* serviceTableSteps(trace: QueryTrace, profile: LatencyProfile, types: readonly string[]): Steps<ServiceTable> {
  const T = types.length;
  const n = trace.batch.length;
  const rounded = types.map((type) => {
    const byBatch = profile.lists.get(type);
    if (!byBatch) {
      const known = [...profile.lists.keys()].join(", ") || "none";
      throw new MissingProfileError(
        `no latency profile of ${profile.model} on instance type ${type}${profile.source ? ` in ${profile.source}` : ""} (profiled types: ${known})`,
      );
    }
    const m = new Map<number, Int32Array>();
    for (const [b, list] of byBatch) {
      const r = new Int32Array(list.length);
      for (let i = 0; i < list.length; i++) r[i] = roundHalfEven(list[i]);
      m.set(b, r);
    }
    return m;
  });
  const serviceMs = new Int32Array(n * T);
  for (let j = 0; j < T; j++) {
    const lists = rounded[j];
    let lastBatch = -1;
    let list: Int32Array | undefined;
    for (let k0 = 0; k0 < n; k0 += STEP_QUERIES) {
      for (let k = k0, end = Math.min(n, k0 + STEP_QUERIES); k < end; k++) {
        const b = trace.batch[k];
        if (b !== lastBatch) {
          list = lists.get(b);
          lastBatch = b;
          if (!list || list.length === 0) {
            throw new MissingProfileError(
              `latency profile of ${profile.model} on ${types[j]} lacks batch size ${b}, which the trace needs ` +
                `(${profile.source ? `expected ${profile.source}/${types[j]}/${profile.model}_${b}_1.json; ` : ""}` +
                `profiled batch sizes: ${summariseBatches([...lists.keys()])})`,
            );
          }
        }
        const l = list as Int32Array;
        serviceMs[k * T + j] = l[Math.floor(trace.pick[k] * l.length)];
      }
      yield;
    }
  }
  return { types: [...types], serviceMs };
}

function summariseBatches(bs: number[]): string {
  if (bs.length === 0) return "none";
  const s = [...bs].sort((a, b) => a - b);
  return s.length > 6 ? `${s.slice(0, 3).join(", ")}, …, ${s.slice(-2).join(", ")} (${s.length})` : s.join(", ");
}
