import { logGamma, Rng } from "../../kernel/src/ribbon/rng";
import { bucketOf, PoissonTable, queryTrace, roundHalfEven } from "../../kernel/src/ribbon/workload";

function meanVar(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)];
}

describe("Rng", () => {
  it("is deterministic per seed and differs across seeds and streams", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => new Rng(43).nextU32())[0]).not.toBe(xs[0]);
    expect(new Rng(42, 1).nextU32()).not.toBe(new Rng(42, 2).nextU32());
    expect(new Rng(2 ** 33).nextU32()).not.toBe(new Rng(0).nextU32());
  });

  it("rejects non-finite seeds", () => {
    expect(() => new Rng(NaN)).toThrow(RangeError);
  });

  it("draws floats in [0, 1) with mean 1/2 and integers inside their bounds", () => {
    const r = new Rng(1);
    const xs = Array.from({ length: 20000 }, () => r.nextFloat());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(meanVar(xs)[0]).toBeCloseTo(0.5, 2);
    const ints = Array.from({ length: 5000 }, () => r.uniformInt(250, 499));
    expect(Math.min(...ints)).toBe(250);
    expect(Math.max(...ints)).toBe(499);
    expect(() => r.uniformInt(3, 2)).toThrow(RangeError);
  });

  it("draws normals with mean 0 and variance 1, log-normals with median e^mu", () => {
    const r = new Rng(7);
    const z = Array.from({ length: 40000 }, () => r.normal());
    const [m, v] = meanVar(z);
    expect(Math.abs(m)).toBeLessThan(0.02);
    expect(Math.abs(v - 1)).toBeLessThan(0.03);
    const s = Array.from({ length: 20001 }, () => r.logNormal(5.1, 0.2)).sort((a, b) => a - b);
    expect(s[10000] / Math.exp(5.1)).toBeCloseTo(1, 1);
  });

  it.each([0.7, 3, 18, 30, 250])("draws Poisson(%p) with matching mean and variance", (lambda) => {
    const r = new Rng(11);
    const xs = Array.from({ length: 30000 }, () => r.poisson(lambda));
    const [m, v] = meanVar(xs);
    expect(Math.abs(m - lambda)).toBeLessThan(4 * Math.sqrt(lambda / xs.length) + 1e-9);
    expect(Math.abs(v / lambda - 1)).toBeLessThan(0.05);
  });

  it("computes log Γ at known points", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 10);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 8);
  });
});

describe("PoissonTable", () => {
  it("inverts the Poisson CDF exactly at hand-computed points", () => {
    const t = new PoissonTable(1.5);
    const p0 = Math.exp(-1.5);
    const p1 = p0 * 1.5;
    expect(t.draw(0)).toBe(0);
    expect(t.draw(p0 - 1e-12)).toBe(0);
    expect(t.draw(p0 + 1e-12)).toBe(1);
    expect(t.draw(p0 + p1 + 1e-12)).toBe(2);
  });

  it("is monotone in the mean for a fixed uniform (couples loads)", () => {
    const lo = new PoissonTable(2);
    const hi = new PoissonTable(3);
    for (let u = 0.001; u < 1; u += 0.013) expect(hi.draw(u)).toBeGreaterThanOrEqual(lo.draw(u));
  });
});

describe("query sizes", () => {
  it("rounds half to even like Python and buckets to multiples of 10", () => {
    expect([0.5, 1.5, 2.5, 12.5, 13.5, 13.49].map(roundHalfEven)).toEqual([0, 2, 2, 12, 14, 13]);
    expect([1, 10, 10.4, 10.6, 164.2, 499.6, 500].map(bucketOf)).toEqual([10, 10, 10, 20, 170, 500, 500]);
  });

  it("follows the RIBBON mix: about 2% small, 10% U{250..499}, the rest log-normal around 164", () => {
    const t = queryTrace({ meanGapMs: 3, qosMs: 40, queries: 50000, mix: "ribbon" }, 5);
    const b = Array.from(t.batch);
    const small = b.filter((x) => x <= 100).length / b.length;
    const big = b.filter((x) => x >= 260).length / b.length;
    expect(small).toBeGreaterThan(0.015);
    expect(small).toBeLessThan(0.03);
    expect(big).toBeGreaterThan(0.08);
    expect(big).toBeLessThan(0.12);
    expect(Math.max(...b)).toBeLessThanOrEqual(500);
    expect(Math.min(...b)).toBeGreaterThanOrEqual(10);
    const mid = b.filter((x) => x > 100 && x < 260).sort((x, y) => x - y);
    expect(mid[Math.floor(mid.length / 2)]).toBeGreaterThanOrEqual(160);
    expect(mid[Math.floor(mid.length / 2)]).toBeLessThanOrEqual(180);
  });

  it("arrivals start at 0, never decrease, and have the mean gap", () => {
    const t = queryTrace({ meanGapMs: 18, qosMs: 400, queries: 20000, mix: "ribbon" }, 1);
    expect(t.arrivalMs[0]).toBe(0);
    let decreases = 0;
    for (let k = 1; k < t.arrivalMs.length; k++) if (t.arrivalMs[k] < t.arrivalMs[k - 1]) decreases++;
    expect(decreases).toBe(0);
    expect(t.arrivalMs[t.arrivalMs.length - 1] / (t.arrivalMs.length - 1)).toBeCloseTo(18, 0);
  });

  it("follows Kairos' heavier mix when asked", () => {
    const t = queryTrace({ meanGapMs: 3, qosMs: 40, queries: 40000, mix: "kairos" }, 2);
    const b = Array.from(t.batch);
    expect(b.filter((x) => x > 600).length / b.length).toBeCloseTo(0.05, 1);
    expect(Math.max(...b)).toBeLessThanOrEqual(1000);
  });
});
