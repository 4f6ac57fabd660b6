/**
 * Evaluators: anything that measures a pool's QoS rate, behind one interface, so the
 * optimisers drive the simulator, a lookup table, or a real deployment alike.
 */
import { DataFormatError, GreenaiError } from "../errors";
import type { Pool, PoolGrid } from "./catalogue";
import { formatPool, poolKey, round2 } from "./catalogue";
import { where, type JsonNode } from "./json";
import type { DispatchPolicy, ServingSimulator } from "./simulator";

/** What an evaluator reports about one pool. */
export interface PoolMeasurement {
  /** Percentage of queries meeting the QoS latency. */
  rate: number;
  /** p99 latency in ms when measured; null otherwise (lookup tables). */
  p99Ms: number | null;
  /** Smallest QoS latency (ms) that meets the target rate asked for, when the evaluator can tell (the simulator). */
  qosToMeetMs?: number;
}

/** Measures pools of one grid. */
export interface PoolEvaluator {
  /** "simulator", "lookup", "function", "command". */
  readonly kind: string;
  /** One line on where the numbers come from, for reports. */
  readonly description: string;
  /**
   * Measures one pool; long measurements stop with InterruptedError when `signal` aborts. With
   * `targetRate` (the search's), an evaluator that can also reports qosToMeetMs.
   */
  evaluate(pool: Pool, signal?: AbortSignal, targetRate?: number): Promise<PoolMeasurement>;
  /** Optional fast path: the rate of every pool of the grid, by grid index; `onProgress` after each pool. */
  allRates?(grid: PoolGrid, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Float64Array | Promise<Float64Array>;
}

/** An evaluator failed to measure a pool (bad output of a user command or function). */
export class EvaluatorError extends GreenaiError {
  override name = "EvaluatorError";
}

/** The serving simulator on the trace of one seed. */
export class SimulatorEvaluator implements PoolEvaluator {
  readonly kind = "simulator";
  readonly description: string;

  constructor(
    readonly simulator: ServingSimulator,
    readonly seed: number,
    readonly dispatch: DispatchPolicy = "pool-order",
  ) {
    const w = simulator.workload;
    this.description = `simulator: ${w.queries} queries, mean gap ${w.meanGapMs} ms, QoS ${w.qosMs} ms, ${dispatch} dispatch, seed ${seed}`;
  }

  async evaluate(pool: Pool, signal?: AbortSignal, targetRate?: number): Promise<PoolMeasurement> {
    const r = await this.simulator.simulateInterruptibly(pool, this.seed, this.dispatch, signal, targetRate);
    return r.qosToMeetMs === undefined ? { rate: r.rate, p99Ms: r.p99Ms } : { rate: r.rate, p99Ms: r.p99Ms, qosToMeetMs: r.qosToMeetMs };
  }

  allRates(grid: PoolGrid, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<Float64Array> {
    return this.simulator.ratesInterruptibly(grid.counts, this.seed, this.dispatch, onProgress, signal);
  }
}

/** A lookup table of a grid: rate by grid index (NaN where the table has no entry). */
export interface LookupTable {
  rates: Float64Array;
  /** Entries whose price differs from the exact price by more than $0.01/h (the exact price is used). */
  priceMismatches: number;
  /** Where it came from, for messages. */
  source: string;
}

/** Rates of a lookup table, with an error naming the table for pools it lacks. */
export class LookupEvaluator implements PoolEvaluator {
  readonly kind = "lookup";
  readonly description: string;

  constructor(
    readonly grid: PoolGrid,
    readonly table: LookupTable,
  ) {
    this.description = `lookup table ${table.source}`;
  }

  async evaluate(pool: Pool): Promise<PoolMeasurement> {
    const rate = this.table.rates[this.grid.indexOf(pool)];
    if (Number.isNaN(rate)) throw new EvaluatorError(`${this.table.source} has no entry "${poolKey(pool)}"; the table must cover the whole grid`);
    return { rate, p99Ms: null };
  }

  allRates(grid: PoolGrid): Float64Array {
    if (grid !== this.grid) throw new RangeError("lookup table belongs to another grid");
    const missing = this.table.rates.findIndex((r) => Number.isNaN(r));
    if (missing >= 0) throw new EvaluatorError(`${this.table.source} has no entry "${poolKey(grid.pool(missing))}"; the table must cover the whole grid`);
    return this.table.rates;
  }
}

/** A user function returning the rate (a number, %) or `{ rate, p99_ms? }`, maybe asynchronously. */
export type PoolFunction = (pool: number[]) => number | { rate: number; p99_ms?: number | null } | Promise<number | { rate: number; p99_ms?: number | null }>;

/** Wraps a user function (e.g. one that deploys the pool and measures it). */
export class FunctionEvaluator implements PoolEvaluator {
  readonly kind = "function";

  constructor(
    readonly fn: PoolFunction,
    readonly description = "user function",
  ) {}

  async evaluate(pool: Pool): Promise<PoolMeasurement> {
    const out = await this.fn([...pool]);
    return measurementFromValue(out, `${this.description} for pool ${formatPool(pool)}`);
  }
}

/** Checks a user-supplied result: a rate in [0, 100] (number or `{rate, p99_ms}`). */
export function measurementFromValue(v: unknown, what: string): PoolMeasurement {
  let rate: unknown = v;
  let p99: unknown = null;
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    rate = o.rate;
    p99 = o.p99_ms ?? o.p99Ms ?? null;
  }
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0 || rate > 100) {
    throw new EvaluatorError(`${what} must give a QoS rate in percent (0..100), as a number or {"rate": …, "p99_ms": …}, but gave ${JSON.stringify(v)}`);
  }
  if (p99 !== null && (typeof p99 !== "number" || !(p99 >= 0))) {
    throw new EvaluatorError(`${what}: p99_ms must be a number of ms ≥ 0 or null but got ${JSON.stringify(p99)}`);
  }
  return { rate, p99Ms: p99 as number | null };
}

/**
 * Parses a lookup table in the artifact's format, a JSON object `"c1, c2, c3": [price $/h, rate %]`,
 * against a grid. Bad keys, counts out of the grid or bad values are DataFormatErrors with line and
 * column; the empty pool's entry is ignored; missing pools stay NaN.
 */
export function lookupTableFromJson(root: JsonNode, text: string, grid: PoolGrid, file: string): LookupTable {
  const at = (offset: number) => where(file, text, offset);
  if (root.kind !== "object") throw new DataFormatError(`${at(root.offset)}: a lookup table is a JSON object {"c1, c2, c3": [price, rate], …}`);
  const rates = new Float64Array(grid.size).fill(NaN);
  let priceMismatches = 0;
  const d = grid.dims;
  for (const e of root.entries) {
    const parts = e.key.split(",").map((s) => s.trim());
    const counts = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
    if (counts.length !== d || counts.some((c) => Number.isNaN(c))) {
      throw new DataFormatError(`${at(e.keyOffset)}: key ${JSON.stringify(e.key)} must be ${d} whole counts separated by commas, e.g. "${new Array(d).fill(1).join(", ")}"`);
    }
    if (counts.every((c) => c === 0)) continue;
    const outOf = counts.findIndex((c, j) => c > grid.space.maxCounts[j]);
    if (outOf >= 0) {
      throw new DataFormatError(
        `${at(e.keyOffset)}: pool "${e.key}" is outside the ${grid.space.model} grid: count of ${grid.space.types[outOf]} must be in 0..${grid.space.maxCounts[outOf]}`,
      );
    }
    const v = e.value;
    let rate: number;
    if (v.kind === "array" && v.items.length === 2 && v.items.every((x) => x.kind === "number")) {
      const price = (v.items[0] as { value: number }).value;
      rate = (v.items[1] as { value: number }).value;
      if (Math.abs(price - grid.priceOf(counts)) > 0.01) priceMismatches++;
    } else if (v.kind === "number") {
      rate = v.value;
    } else {
      throw new DataFormatError(`${at(v.offset)}: value of "${e.key}" must be [price $/h, rate %]`);
    }
    if (!(rate >= 0 && rate <= 100)) throw new DataFormatError(`${at(v.offset)}: rate of "${e.key}" must be a percentage in 0..100 but got ${rate}`);
    const idx = grid.indexOf(counts);
    if (!Number.isNaN(rates[idx])) throw new DataFormatError(`${at(e.keyOffset)}: pool "${e.key}" appears twice`);
    rates[idx] = rate;
  }
  return { rates, priceMismatches, source: file };
}

/** Serialises a whole grid's rates as a lookup table (prices and rates rounded to 2 decimals). */
export function lookupTableJson(grid: PoolGrid, rates: ArrayLike<number>): string {
  const lines: string[] = [];
  for (let i = 0; i < grid.size; i++) {
    lines.push(`  ${JSON.stringify(poolKey(grid.pool(i)))}: [${round2(grid.price[i])}, ${round2(rates[i])}]`);
  }
  return `{\n${lines.join(",\n")}\n}\n`;
}
