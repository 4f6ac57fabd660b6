/**
 * RIBBON picks for a QoS target, shared by the kernel's presenter and the extension's figure so
 * that the header, the text fallback and the QoS slider agree: which pools are feasible, the
 * cheapest of them, the Pareto front of price against QoS and the best homogeneous pool of each
 * type. Pure; recomputed from the payload's rates for any target.
 */
import type { RibbonPayload } from "./payloads";

/** A priced pool: an evaluation or a grid point. */
export interface PricedPool {
  pool: number[];
  price_per_hour: number;
}

/** One point of a payload's whole grid. */
export type RibbonGridPoint = NonNullable<RibbonPayload["grid"]>[number];

/** How a pool's QoS is read and judged: feasible iff `value` is at least `bound` (higher is better) or at most it. */
export interface QosCriterion<T> {
  value(p: T): number | null;
  higherIsBetter: boolean;
  bound: number;
}

/** Feasible iff rate ≥ targetRate (% of queries within the latency bound). */
export function rateCriterion<T extends { rate: number }>(targetRate: number): QosCriterion<T> {
  return { value: (p) => p.rate, higherIsBetter: true, bound: targetRate };
}

const finite = (y: number | null): y is number => typeof y === "number" && Number.isFinite(y);

/** True iff the pool's QoS is measured and meets the bound. */
export function meetsQos<T>(p: T, c: QosCriterion<T>): boolean {
  const y = c.value(p);
  return finite(y) && (c.higherIsBetter ? y >= c.bound : y <= c.bound);
}

function betterQos<T>(a: T, b: T, c: QosCriterion<T>): boolean {
  const ya = c.value(a);
  const yb = c.value(b);
  if (!finite(ya) || !finite(yb)) return false;
  return c.higherIsBetter ? ya > yb : ya < yb;
}

/** The cheapest feasible pool, or null; ties go to the better QoS, then to the earlier pool in `points`. */
export function cheapestMeeting<T extends PricedPool>(points: readonly T[], c: QosCriterion<T>): T | null {
  let best: T | null = null;
  for (const p of points) {
    if (!Number.isFinite(p.price_per_hour) || !meetsQos(p, c)) continue;
    if (best === null || p.price_per_hour < best.price_per_hour || (p.price_per_hour === best.price_per_hour && betterQos(p, best, c))) best = p;
  }
  return best;
}

/**
 * Pareto front of (price ↓, QoS better): the pools no other pool beats on both, sorted by price.
 * Pools without a measured QoS are left out; exact duplicates keep the earlier pool in `points`.
 */
export function paretoFrontOf<T extends PricedPool>(points: readonly T[], c: QosCriterion<T>): T[] {
  const pts = points.filter((p) => finite(c.value(p)) && Number.isFinite(p.price_per_hour));
  // Array.prototype.sort is stable: equal pools stay in input order.
  pts.sort((a, b) => a.price_per_hour - b.price_per_hour || (betterQos(a, b, c) ? -1 : betterQos(b, a, c) ? 1 : 0));
  const front: T[] = [];
  let bestY: number | null = null;
  for (const p of pts) {
    const y = c.value(p) as number;
    if (bestY === null || (c.higherIsBetter ? y > bestY : y < bestY)) {
      front.push(p);
      bestY = y;
    }
  }
  return front;
}

/** The single type a pool uses, or -1 for a mixed or empty pool. */
export function homogeneousType(pool: readonly number[]): number {
  let type = -1;
  for (let j = 0; j < pool.length; j++) {
    if (pool[j] === 0) continue;
    if (type >= 0) return -1;
    type = j;
  }
  return type;
}

/** A whole-grid payload: every pool of the grid is in `grid` with its rate and nothing was searched. */
export function ribbonIsGrid(p: RibbonPayload): boolean {
  return p.evaluations.length === 0 && Array.isArray(p.grid) && p.grid.length > 0;
}

/** The cheapest feasible pool of one instance type alone. */
export interface RibbonHomogeneousPick {
  instance_type: string;
  point: RibbonGridPoint;
}

/** What a whole grid offers at one target rate. */
export interface RibbonGridPicks {
  targetRate: number;
  /** Every grid point, in the payload's order. */
  pools: number;
  /** Feasible and infeasible points, each in the payload's order. */
  feasible: RibbonGridPoint[];
  infeasible: RibbonGridPoint[];
  /** The cheapest feasible pool (ties: higher rate, then grid order); null when none is feasible. */
  cheapest: RibbonGridPoint | null;
  /** Pareto front of price against rate over the whole grid, by price. */
  front: RibbonGridPoint[];
  /** Per type, in `instance_types` order, the cheapest feasible pool of that type alone; types with none left out. */
  homogeneous: RibbonHomogeneousPick[];
  /** The cheapest of `homogeneous`, or null. */
  bestHomogeneous: RibbonHomogeneousPick | null;
  /** The highest rate of the grid (first in grid order on ties); null for an empty grid. */
  topRate: RibbonGridPoint | null;
}

/** The picks of a payload's grid at `targetRate` (default: the payload's own target). */
export function ribbonGridPicks(p: RibbonPayload, targetRate: number = p.target_rate): RibbonGridPicks {
  const grid = p.grid ?? [];
  const c = rateCriterion<RibbonGridPoint>(targetRate);
  const feasible: RibbonGridPoint[] = [];
  const infeasible: RibbonGridPoint[] = [];
  let topRate: RibbonGridPoint | null = null;
  for (const g of grid) {
    (meetsQos(g, c) ? feasible : infeasible).push(g);
    if (Number.isFinite(g.rate) && (topRate === null || g.rate > topRate.rate)) topRate = g;
  }
  const homogeneous: RibbonHomogeneousPick[] = [];
  p.instance_types.forEach((instance_type, j) => {
    const point = cheapestMeeting(
      feasible.filter((g) => homogeneousType(g.pool) === j),
      c,
    );
    if (point) homogeneous.push({ instance_type, point });
  });
  const bestHomogeneous = cheapestMeeting(
    homogeneous.map((h) => h.point),
    c,
  );
  return {
    targetRate,
    pools: grid.length,
    feasible,
    infeasible,
    cheapest: cheapestMeeting(feasible, c),
    front: paretoFrontOf(grid, c),
    homogeneous,
    bestHomogeneous: homogeneous.find((h) => h.point === bestHomogeneous) ?? null,
    topRate,
  };
}

/** Dollars per hour: 1.234 → "$1.234/h", 12.345 → "$12.35/h". */
export function dollarsPerHour(x: number): string {
  return `$${x.toFixed(x < 10 ? 3 : 2)}/h`;
}

/** A pool's counts as "6,0,2" (one per instance type, in the payload's order). */
export function poolCounts(pool: readonly number[]): string {
  return pool.join(",");
}

const count = (n: number) => n.toLocaleString("en-US");
const percent = (x: number) => `${Number(x.toPrecision(4))}%`;

/**
 * One line on a grid at its picks' target, the same in the figure's header and the text fallback:
 * "grid · all 1,088 pools evaluated · 312 feasible at 99% · cheapest feasible 6,0,2 at $1.234/h".
 */
export function ribbonGridHeadline(picks: RibbonGridPicks): string {
  const head = `grid · all ${count(picks.pools)} pools evaluated · ${count(picks.feasible.length)} feasible at ${percent(picks.targetRate)}`;
  if (picks.cheapest) return `${head} · cheapest feasible ${poolCounts(picks.cheapest.pool)} at ${dollarsPerHour(picks.cheapest.price_per_hour)}`;
  const top = picks.topRate;
  return top ? `${head} · the best rate is ${percent(top.rate)} at ${poolCounts(top.pool)}` : head;
}

/**
 * The best homogeneous pool against the cheapest feasible one:
 * "best homogeneous 0,0,4 (g4dn.xlarge) at $2.104/h: the cheapest feasible pool saves 10.3%".
 * Null when no homogeneous pool is feasible.
 */
export function ribbonHomogeneousLine(picks: RibbonGridPicks): string | null {
  const h = picks.bestHomogeneous;
  if (!h) return null;
  const head = `best homogeneous ${poolCounts(h.point.pool)} (${h.instance_type}) at ${dollarsPerHour(h.point.price_per_hour)}`;
  const c = picks.cheapest;
  if (!c || !(h.point.price_per_hour > 0)) return head;
  if (poolCounts(c.pool) === poolCounts(h.point.pool)) return `${head}: it is the cheapest feasible pool`;
  const saving = 100 * (1 - c.price_per_hour / h.point.price_per_hour);
  return saving > 0 ? `${head}: the cheapest feasible pool saves ${saving.toFixed(1)}%` : `${head}: as cheap as the cheapest feasible pool`;
}
