/**
 * Pruning of the pool grid after each sample (method note §5 and §8). A pruned pool is
 * never proposed again. Three rule sets:
 * - `faithful` (RIBBON's artifact): feasible s prunes every pool with round(price, 2) > round(price(s), 2);
 *   infeasible s prunes every c with c1 < s1 and c_j ≤ s_j for j ≥ 2 (the strict `<` on type 1 is the artifact's quirk).
 * - `dominance` (improved mode): feasible s prunes every pool with price ≥ price(s) (none of them can be cheaper);
 *   infeasible s prunes every c ≤ s componentwise.
 * - `strict` (the artifact's random search): feasible s prunes pools strictly greater than s in every
 *   coordinate; infeasible s prunes pools strictly smaller in every coordinate.
 * The sample itself is always pruned.
 */
import type { PoolGrid } from "./catalogue";
import { priceCentsFromMicro } from "./catalogue";

export type PruneRule = "faithful" | "dominance" | "strict";

export class Pruner {
  /** 1 where the pool is pruned. */
  readonly pruned: Uint8Array;
  private left: number;
  private readonly cents: Float64Array | null;

  constructor(
    readonly grid: PoolGrid,
    readonly rule: PruneRule,
  ) {
    this.pruned = new Uint8Array(grid.size);
    this.left = grid.size;
    this.cents = rule === "faithful" ? Float64Array.from(grid.priceMicro, priceCentsFromMicro) : null;
  }

  /** Number of pools not pruned. */
  get remaining(): number {
    return this.left;
  }

  isPruned(index: number): boolean {
    return this.pruned[index] === 1;
  }

  private mark(i: number): number {
    if (this.pruned[i]) return 0;
    this.pruned[i] = 1;
    this.left--;
    return 1;
  }

  /** Prunes after sampling pool `index` with the given feasibility; returns how many pools were newly pruned. */
  after(index: number, feasible: boolean): number {
    const g = this.grid;
    const d = g.dims;
    const c = g.counts;
    let newly = this.mark(index);
    const s = g.pool(index);
    if (feasible) {
      if (this.rule === "faithful") {
        const cents = this.cents as Float64Array;
        const limit = cents[index];
        for (let i = 0; i < g.size; i++) if (cents[i] > limit) newly += this.mark(i);
      } else if (this.rule === "dominance") {
        const limit = g.priceMicro[index];
        for (let i = 0; i < g.size; i++) if (g.priceMicro[i] >= limit) newly += this.mark(i);
      } else {
        for (let i = 0; i < g.size; i++) {
          let all = true;
          for (let j = 0; j < d && all; j++) all = c[i * d + j] > s[j];
          if (all) newly += this.mark(i);
        }
      }
    } else {
      for (let i = 0; i < g.size; i++) {
        let ok: boolean;
        if (this.rule === "faithful") {
          ok = c[i * d] < s[0];
          for (let j = 1; j < d && ok; j++) ok = c[i * d + j] <= s[j];
        } else if (this.rule === "dominance") {
          ok = true;
          for (let j = 0; j < d && ok; j++) ok = c[i * d + j] <= s[j];
        } else {
          ok = true;
          for (let j = 0; j < d && ok; j++) ok = c[i * d + j] < s[j];
        }
        if (ok) newly += this.mark(i);
      }
    }
    return newly;
  }

  /**
   * Robust pruning after an infeasible sample s that fell `shortfall` rate points below the target:
   * prunes s and every c ≤ s componentwise whose distance |s| − |c| (instances removed) leaves
   * shortfall > margin + perInstance · (|s| − |c|). A sample within noise of the target prunes only
   * itself; the allowance grows with the instances removed, because adding slow instances can lower
   * the rate (pool-order dispatch). margin = perInstance = 0 is the dominance rule.
   */
  afterInfeasibleWithMargin(index: number, shortfall: number, margin: number, perInstance: number): number {
    const g = this.grid;
    const d = g.dims;
    const c = g.counts;
    let newly = this.mark(index);
    const s = g.pool(index);
    let size = 0;
    for (let j = 0; j < d; j++) size += s[j];
    // Most instances that may be removed: shortfall > margin + perInstance · k.
    const kMax = perInstance > 0 ? Math.ceil((shortfall - margin) / perInstance) - 1 : shortfall > margin ? Infinity : -1;
    if (kMax < 0) return newly;
    for (let i = 0; i < g.size; i++) {
      let ok = true;
      let removed = size;
      for (let j = 0; j < d && ok; j++) {
        const x = c[i * d + j];
        ok = x <= s[j];
        removed -= x;
      }
      if (ok && removed <= kMax) newly += this.mark(i);
    }
    return newly;
  }

  /**
   * A pool known to be feasible but not yet measured (a warm start's side-only knowledge): prunes
   * every pool strictly dearer, keeping the pool itself, which must still be evaluated before it is
   * reported as best. Returns how many pools were newly pruned.
   */
  afterKnownFeasible(index: number): number {
    const p = this.grid.priceMicro;
    const limit = p[index];
    let newly = 0;
    for (let i = 0; i < p.length; i++) if (p[i] > limit) newly += this.mark(i);
    return newly;
  }

  /** Rules out one pool (an evaluated one) and nothing else; returns 1 if it was not yet pruned. */
  exclude(index: number): number {
    return this.mark(index);
  }

  /** Smallest exact price (micro-dollars) among unpruned pools; Infinity if none is left. */
  minRemainingPriceMicro(): number {
    let m = Infinity;
    const p = this.grid.priceMicro;
    for (let i = 0; i < p.length; i++) if (!this.pruned[i] && p[i] < m) m = p[i];
    return m;
  }

  /**
   * For every pool of the grid, how many unpruned pools it dominates (u ≤ c componentwise, itself
   * included): what an infeasible sample at c would prune under the dominance rule. d-dimensional
   * prefix sums over the lattice, O(grid · d).
   */
  dominatedUnprunedCounts(): Float64Array {
    const g = this.grid;
    const max = g.space.maxCounts;
    const lattice = new Float64Array(g.size + 1); // lattice index = grid index + 1 (0: the empty pool)
    for (let i = 0; i < g.size; i++) lattice[i + 1] = this.pruned[i] ? 0 : 1;
    let stride = 1;
    for (let j = g.dims - 1; j >= 0; j--) {
      const len = max[j] + 1;
      for (let idx = 0; idx < lattice.length; idx++) {
        const coord = Math.floor(idx / stride) % len;
        if (coord > 0) lattice[idx] += lattice[idx - stride];
      }
      stride *= len;
    }
    return lattice.subarray(1);
  }

  /** Sorted exact prices (micro-dollars) of the unpruned pools. */
  unprunedPricesSorted(): Float64Array {
    const out = new Float64Array(this.left);
    let k = 0;
    for (let i = 0; i < this.pruned.length; i++) if (!this.pruned[i]) out[k++] = this.grid.priceMicro[i];
    return out.sort();
  }

  /** Indices of the unpruned pools. */
  unprunedIndices(): Int32Array {
    const out = new Int32Array(this.left);
    let k = 0;
    for (let i = 0; i < this.pruned.length; i++) if (!this.pruned[i]) out[k++] = i;
    return out;
  }
}
