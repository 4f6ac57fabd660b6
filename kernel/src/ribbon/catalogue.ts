/**
 * Instance catalogue and pool search space: a pool is a vector of integer counts, one per
 * instance type, with 0 ≤ c_i ≤ max_i; its price is Σ c_i · p_i in $/h, computed exactly
 * in micro-dollars. The grid is every such pool except the empty one.
 */

/** A pool search space: instance types in pool order, their prices, and count bounds. */
export interface PoolSpace {
  /** Model (workload) name, e.g. "candle". */
  readonly model: string;
  /** Instance types in pool order (dispatch order of the simulator). */
  readonly types: readonly string[];
  /** $/h of each type, aligned with `types`. */
  readonly pricesPerHour: readonly number[];
  /** Largest count of each type, aligned with `types`. */
  readonly maxCounts: readonly number[];
}

/** A pool: one integer count per instance type of its space. */
export type Pool = readonly number[];

/** Checks a space's shape: names unique, prices positive, bounds non-negative integers. Throws RangeError. */
export function checkSpace(space: PoolSpace): void {
  const d = space.types.length;
  if (d === 0) throw new RangeError("a pool space needs at least one instance type");
  if (space.pricesPerHour.length !== d || space.maxCounts.length !== d) {
    throw new RangeError(
      `pool space of ${space.model}: ${d} types but ${space.pricesPerHour.length} prices and ${space.maxCounts.length} bounds`,
    );
  }
  if (new Set(space.types).size !== d) throw new RangeError(`pool space of ${space.model}: instance types repeat (${space.types.join(", ")})`);
  space.pricesPerHour.forEach((p, i) => {
    if (!(Number.isFinite(p) && p > 0)) throw new RangeError(`price of ${space.types[i]} must be > 0 $/h but got ${p}`);
  });
  space.maxCounts.forEach((m, i) => {
    if (!(Number.isInteger(m) && m >= 0 && m <= 1000)) throw new RangeError(`max count of ${space.types[i]} must be an integer in 0..1000 but got ${m}`);
  });
  if (space.maxCounts.every((m) => m === 0)) throw new RangeError(`pool space of ${space.model}: every max count is 0, so only the empty pool exists`);
}

/** Price in integer micro-dollars per hour, so sums are exact. */
export function microDollars(pricePerHour: number): number {
  return Math.round(pricePerHour * 1e6);
}

/** `"c1, c2, c3"`: the key of a pool in the artifact's lookup tables. */
export function poolKey(pool: Pool): string {
  return pool.join(", ");
}

/** `(c1, c2, c3)` for messages. */
export function formatPool(pool: Pool): string {
  return `(${pool.join(", ")})`;
}

/** Price rounded to cents, half to even, from exact micro-dollars: round(price, 2) without binary error. */
export function priceCentsFromMicro(micro: number): number {
  const q = Math.floor(micro / 10_000);
  const r = micro - q * 10_000;
  return r > 5_000 || (r === 5_000 && q % 2 !== 0) ? q + 1 : q;
}

/** Rounds to 2 decimals for display and tables. */
export function round2(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 100) / 100 : x;
}

/** Rounds to 4 decimals: prices in $/h as results and payloads report them. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Every non-empty pool of a space, enumerated once in lexicographic order (c1 slowest),
 * with exact prices. Pools are addressed by their index in this order.
 */
export class PoolGrid {
  readonly space: PoolSpace;
  /** Number of instance types. */
  readonly dims: number;
  /** Number of pools (the empty pool excluded): Π(max_i + 1) − 1. */
  readonly size: number;
  /** Counts, row-major: pool i, type j at i·dims + j. */
  readonly counts: Int32Array;
  /** Exact price of each pool in micro-dollars per hour. */
  readonly priceMicro: Float64Array;
  /** Price of each pool in $/h. */
  readonly price: Float64Array;
  /** Price of the largest pool (every type at its maximum), $/h. */
  readonly maxPrice: number;
  private readonly strides: number[];

  constructor(space: PoolSpace) {
    checkSpace(space);
    this.space = space;
    const d = space.types.length;
    this.dims = d;
    let total = 1;
    for (const m of space.maxCounts) total *= m + 1;
    if (total - 1 > 5_000_000) throw new RangeError(`pool grid of ${space.model} has ${total - 1} pools; at most 5,000,000 are supported`);
    this.size = total - 1;
    this.strides = new Array<number>(d);
    let s = 1;
    for (let j = d - 1; j >= 0; j--) {
      this.strides[j] = s;
      s *= space.maxCounts[j] + 1;
    }
    this.counts = new Int32Array(this.size * d);
    this.priceMicro = new Float64Array(this.size);
    this.price = new Float64Array(this.size);
    const pm = space.pricesPerHour.map(microDollars);
    const cur = new Array<number>(d).fill(0);
    for (let i = 0; i < this.size; i++) {
      // Advance the odometer first: index 0 is (0, …, 0, 1), the empty pool is skipped.
      for (let j = d - 1; j >= 0; j--) {
        if (cur[j] < space.maxCounts[j]) {
          cur[j]++;
          break;
        }
        cur[j] = 0;
      }
      let micro = 0;
      for (let j = 0; j < d; j++) {
        this.counts[i * d + j] = cur[j];
        micro += cur[j] * pm[j];
      }
      this.priceMicro[i] = micro;
      this.price[i] = micro / 1e6;
    }
    this.maxPrice = space.maxCounts.reduce((acc, m, j) => acc + m * pm[j], 0) / 1e6;
  }

  /** Counts of pool `i` as a fresh array. */
  pool(i: number): number[] {
    return Array.from(this.counts.subarray(i * this.dims, (i + 1) * this.dims));
  }

  /** Index of a pool in the grid; throws RangeError for a wrong length, out-of-bounds counts or the empty pool. */
  indexOf(pool: Pool): number {
    checkPool(this.space, pool);
    let idx = 0;
    for (let j = 0; j < this.dims; j++) idx += pool[j] * this.strides[j];
    return idx - 1;
  }

  /** Exact price of any pool of the space in $/h. */
  priceOf(pool: Pool): number {
    return poolPriceMicro(this.space, pool) / 1e6;
  }

  /** Pools that use one instance type only, per type, in increasing count. */
  homogeneous(typeIndex: number): number[] {
    const out: number[] = [];
    for (let n = 1; n <= this.space.maxCounts[typeIndex]; n++) {
      const p = new Array<number>(this.dims).fill(0);
      p[typeIndex] = n;
      out.push(this.indexOf(p));
    }
    return out;
  }
}

/** Exact price in micro-dollars per hour of a pool of a space (bounds not checked). */
export function poolPriceMicro(space: PoolSpace, pool: Pool): number {
  let micro = 0;
  for (let j = 0; j < space.types.length; j++) micro += pool[j] * microDollars(space.pricesPerHour[j]);
  return micro;
}

/** Price of a pool in $/h: Σ c_i · p_i, exact to the micro-dollar. */
export function poolPrice(space: PoolSpace, pool: Pool): number {
  return poolPriceMicro(space, pool) / 1e6;
}

/**
 * Checks that a pool belongs to a space: one integer count per type, each within its bounds,
 * at least one instance. Throws RangeError saying which count is wrong and the allowed range.
 */
export function checkPool(space: PoolSpace, pool: Pool): void {
  const d = space.types.length;
  if (pool.length !== d) {
    throw new RangeError(
      `pool ${formatPool(pool)} has ${pool.length} count${pool.length === 1 ? "" : "s"} but ${space.model} pools have ${d}, one per type: ${space.types.join(", ")}`,
    );
  }
  for (let j = 0; j < d; j++) {
    const c = pool[j];
    if (!Number.isInteger(c)) throw new RangeError(`count of ${space.types[j]} in pool ${formatPool(pool)} must be a whole number but got ${c}`);
    if (c < 0 || c > space.maxCounts[j]) {
      throw new RangeError(
        `count of ${space.types[j]} in pool ${formatPool(pool)} is out of bounds: ${c} is not in 0..${space.maxCounts[j]} (the ${space.model} search space)`,
      );
    }
  }
  if (pool.every((c) => c === 0)) throw new RangeError(`the empty pool ${formatPool(pool)} serves nothing; give at least one instance`);
}
