import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { Pruner, type PruneRule } from "../../kernel/src/ribbon/prune";

const CUBE: PoolSpace = { model: "cube", types: ["x", "y", "z"], pricesPerHour: [1, 0.5, 0.25], maxCounts: [2, 2, 2] };

function prunedPools(rule: PruneRule, space: PoolSpace, sample: number[], feasible: boolean): string[] {
  const g = new PoolGrid(space);
  const p = new Pruner(g, rule);
  const n = p.after(g.indexOf(sample), feasible);
  const out: string[] = [];
  for (let i = 0; i < g.size; i++) if (p.isPruned(i)) out.push(g.pool(i).join(""));
  expect(n).toBe(out.length);
  expect(p.remaining).toBe(g.size - out.length);
  return out.sort();
}

describe("pruning after an infeasible sample", () => {
  it("faithful keeps the artifact's quirk: c1 < s1 strictly, c_j ≤ s_j for the others", () => {
    expect(prunedPools("faithful", CUBE, [1, 1, 1], false)).toEqual(["001", "010", "011", "111"]);
    // s1 = 0: nothing has c1 < 0, so only the sample itself goes
    expect(prunedPools("faithful", CUBE, [0, 2, 2], false)).toEqual(["022"]);
  });

  it("dominance prunes every c ≤ s", () => {
    expect(prunedPools("dominance", CUBE, [1, 1, 1], false)).toEqual(["001", "010", "011", "100", "101", "110", "111"]);
    expect(prunedPools("dominance", CUBE, [0, 2, 2], false)).toEqual(["001", "002", "010", "011", "012", "020", "021", "022"]);
  });

  it("strict (random search) prunes pools strictly smaller in every coordinate", () => {
    expect(prunedPools("strict", CUBE, [1, 1, 1], false)).toEqual(["111"]); // (0,0,0) is not in the grid
    expect(prunedPools("strict", CUBE, [2, 2, 2], false)).toEqual(["001", "010", "011", "100", "101", "110", "111", "222"]);
  });
});

describe("pruning after a feasible sample", () => {
  // Prices 0.333 and 0.334 round to the same cents.
  const NEAR: PoolSpace = { model: "near", types: ["a", "b", "c"], pricesPerHour: [0.333, 0.334, 1], maxCounts: [1, 1, 1] };

  it("faithful prunes pools with round(price, 2) > round(price(s), 2), keeping equal-cent pools", () => {
    expect(prunedPools("faithful", NEAR, [1, 0, 0], true)).toEqual(["001", "011", "100", "101", "110", "111"]);
  });

  it("dominance prunes every pool at least as dear as s (none can be cheaper)", () => {
    expect(prunedPools("dominance", NEAR, [1, 0, 0], true)).toEqual(["001", "010", "011", "100", "101", "110", "111"]);
    expect(prunedPools("dominance", NEAR, [0, 1, 0], true)).toEqual(["001", "010", "011", "101", "110", "111"]);
  });

  it("strict prunes pools strictly greater in every coordinate", () => {
    expect(prunedPools("strict", CUBE, [1, 0, 1], true)).toEqual(["101", "212", "222"]);
  });
});

describe("Pruner queries", () => {
  it("reports the cheapest unpruned price, the unpruned indices and dominated counts (brute force check)", () => {
    const g = new PoolGrid(CUBE);
    const p = new Pruner(g, "dominance");
    p.after(g.indexOf([1, 2, 0]), false);
    p.after(g.indexOf([2, 1, 2]), true);
    const un = Array.from(p.unprunedIndices());
    const brute = Array.from({ length: g.size }, (_, i) => i).filter((i) => !p.isPruned(i));
    expect(un).toEqual(brute);
    expect(p.remaining).toBe(brute.length);
    expect(p.minRemainingPriceMicro()).toBe(Math.min(...un.map((i) => g.priceMicro[i])));
    const dom = p.dominatedUnprunedCounts();
    for (let i = 0; i < g.size; i++) {
      const c = g.pool(i);
      const brute = un.filter((u) => g.pool(u).every((x, j) => x <= c[j])).length;
      expect(dom[i]).toBe(brute);
    }
    const sorted = Array.from(p.unprunedPricesSorted());
    expect(sorted).toEqual(un.map((i) => g.priceMicro[i]).sort((a, b) => a - b));
  });

  it("is Infinity when everything is pruned", () => {
    const g = new PoolGrid(CUBE);
    const p = new Pruner(g, "dominance");
    p.after(g.indexOf([2, 2, 2]), false);
    expect(p.remaining).toBe(0);
    expect(p.minRemainingPriceMicro()).toBe(Infinity);
  });
});
