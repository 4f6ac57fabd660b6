/** Pieces of the robust improved mode: the noise model, margin pruning, the "first" acquisition. */
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { rateNoiseSd } from "../../kernel/src/ribbon/noise";
import { Pruner } from "../../kernel/src/ribbon/prune";
import { defaultMargin, logProbabilityFirst } from "../../kernel/src/ribbon/search";

const g = new PoolGrid({ model: "toy", types: ["a", "b", "c"], pricesPerHour: [1, 0.5, 0.3], maxCounts: [3, 3, 3] } as PoolSpace);

describe("rate noise", () => {
  it("is the binomial sd 100·√(p(1 − p)/n) in points", () => {
    expect(rateNoiseSd(99, 2000)).toBeCloseTo(100 * Math.sqrt(0.99 * 0.01 / 2000), 12);
    expect(rateNoiseSd(100, 10)).toBe(0);
    expect(() => rateNoiseSd(99, 0)).toThrow(/queries must be ≥ 1 but got 0/);
  });
  it("sets the default margin 0.4 + 2√2·sd", () => {
    expect(defaultMargin(99, 2000)).toBe(1.03);
    expect(defaultMargin(99, 25_000)).toBe(0.58);
  });
});

describe("afterInfeasibleWithMargin", () => {
  const s = g.indexOf([2, 2, 2]);
  it("a rate within the margin prunes only the sample", () => {
    const p = new Pruner(g, "dominance");
    expect(p.afterInfeasibleWithMargin(s, 0.5, 1, 0.3)).toBe(1);
    expect(p.isPruned(g.indexOf([2, 2, 1]))).toBe(false);
  });
  it("prunes smaller pools only as far as the shortfall exceeds margin + perInstance·k", () => {
    const p = new Pruner(g, "dominance");
    p.afterInfeasibleWithMargin(s, 1.7, 1, 0.3); // k ≤ 2 instances removed
    expect(p.isPruned(g.indexOf([2, 2, 1]))).toBe(true);
    expect(p.isPruned(g.indexOf([1, 2, 1]))).toBe(true);
    expect(p.isPruned(g.indexOf([1, 1, 1]))).toBe(false);
    expect(p.isPruned(g.indexOf([2, 3, 1]))).toBe(false); // not ≤ s
  });
  it("with margin 0 and no per-instance term it is the dominance rule", () => {
    const a = new Pruner(g, "dominance");
    const b = new Pruner(g, "dominance");
    a.afterInfeasibleWithMargin(s, 0.01, 0, 0);
    b.after(s, false);
    expect(Array.from(a.pruned)).toEqual(Array.from(b.pruned));
  });
});

describe("logProbabilityFirst", () => {
  it("prefers a likely-feasible cheap pool, and discounts pools behind cheaper likely-feasible ones", () => {
    const cand = Int32Array.from([g.indexOf([0, 0, 1]), g.indexOf([0, 1, 0]), g.indexOf([1, 0, 0])]); // $0.3, $0.5, $1
    const mu = Float64Array.from([-5, 5, 5]);
    const sd = Float64Array.from([1, 1, 1]);
    const out = new Float64Array(3);
    logProbabilityFirst(g, cand, mu, sd, 0, out);
    expect(out[1]).toBeGreaterThan(out[0]); // the cheapest is almost surely infeasible
    expect(out[1]).toBeGreaterThan(out[2]); // the dearest sits behind a likely-feasible cheaper one
    expect(out[2]).toBeLessThan(Math.log(1e-5));
  });
});
