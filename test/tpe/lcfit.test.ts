import type { TrialCurve } from "../../kernel/src/tpe/curves";
import {
  fitInverseCurve,
  inverseCurveAt,
  inverseCurveCurvature,
  inverseCurveSlope,
  lcfitScore,
  lcgaEstimate,
} from "../../kernel/src/tpe/lcfit";

const model = (b1: number, b2: number, b3: number) => (k: number) => 1 / (b1 + b2 * k) + b3;

describe("fitInverseCurve", () => {
  it("recovers the parameters of an exact curve", () => {
    const f = model(0.5, 0.2, 0.3);
    const k = Array.from({ length: 30 }, (_, i) => i + 1);
    const fit = fitInverseCurve(k, k.map(f));
    expect(fit.b1).toBeCloseTo(0.5, 5);
    expect(fit.b2).toBeCloseTo(0.2, 5);
    expect(fit.b3).toBeCloseTo(0.3, 5);
    expect(fit.sse).toBeLessThan(1e-12);
  });
  it("fits noisy data close to the truth", () => {
    const f = model(1, 0.05, 0.6);
    const k = Array.from({ length: 200 }, (_, i) => i + 1);
    let seed = 7;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.004;
    const fit = fitInverseCurve(k, k.map((x) => f(x) + noise()));
    for (const x of [1, 50, 200]) expect(inverseCurveAt(fit, x)).toBeCloseTo(f(x), 2);
  });
  it("keeps every parameter ≥ 0 even for rising data", () => {
    const k = [1, 2, 3, 4, 5];
    const fit = fitInverseCurve(k, [0.1, 0.2, 0.3, 0.4, 0.5]);
    for (const b of [fit.b1, fit.b2, fit.b3]) expect(b).toBeGreaterThanOrEqual(0);
  });
  it("rejects too few or bad points", () => {
    expect(() => fitInverseCurve([1, 2], [1, 1])).toThrow(/at least 3 points/);
    expect(() => fitInverseCurve([1, 2, 3], [1, NaN, 1])).toThrow(/not finite/);
  });
  it("slope and curvature are the analytic derivatives", () => {
    const p = { b1: 0.7, b2: 0.3, b3: 0.1 };
    const h = 1e-5;
    for (const k of [1, 4, 9]) {
      const fd1 = (inverseCurveAt(p, k + h) - inverseCurveAt(p, k - h)) / (2 * h);
      const fd2 = (inverseCurveAt(p, k + h) - 2 * inverseCurveAt(p, k) + inverseCurveAt(p, k - h)) / (h * h);
      expect(inverseCurveSlope(p, k)).toBeCloseTo(fd1, 7);
      expect(inverseCurveCurvature(p, k)).toBeCloseTo(fd2, 3);
    }
  });
});

describe("LCGA estimate", () => {
  it("averages the fitted slope after the burn-in, in loss units (normalised or not)", () => {
    // 10 epochs × 1 point of an exact curve scaled by 10; burn-in 2 → mean of L̂′ over k = 3..10
    const f = (k: number) => 10 * model(0.5, 0.2, 0.3)(k);
    const epochs = Array.from({ length: 10 }, (_, i) => [f(i + 1)]);
    let expected = 0;
    for (let k = 3; k <= 10; k++) expected += (10 * -0.2) / (0.5 + 0.2 * k) ** 2 / 8;
    expect(lcgaEstimate(epochs).slope).toBeCloseTo(expected, 5);
    expect(lcgaEstimate(epochs, { normalize: false }).slope).toBeCloseTo(expected, 5);
    expect(lcgaEstimate(epochs, { totalEpochs: 50 }).finalLoss).toBeCloseTo(f(50), 4);
  });
  it("counts the burn-in in steps when epochs have several steps", () => {
    const f = model(2, 0.1, 0.2);
    const epochs = Array.from({ length: 4 }, (_, e) => Array.from({ length: 5 }, (_, s) => f(e * 5 + s + 1)));
    const est = lcgaEstimate(epochs, { burnInEpochs: 1 });
    expect(est.pointsPerEpoch).toBe(5);
    let expected = 0;
    for (let k = 6; k <= 20; k++) expected += inverseCurveSlope({ b1: 2, b2: 0.1 }, k) / 15;
    expect(est.slope).toBeCloseTo(expected, 5);
  });
  it("rejects a burn-in as long as the fitted epochs", () => {
    expect(() => lcgaEstimate([[3], [2], [1]], { burnInEpochs: 3 })).toThrow(/burn-in/);
  });
});

describe("lcfitScore", () => {
  const curve = (train: number[]): TrialCurve => ({ id: "x", trainLoss: train, valLoss: train, source: { file: "m" } });
  it("scores a curve that drops twice as fast in the window twice as negative", () => {
    const g = model(0.3, 0.1, 0);
    const slow = Array.from({ length: 10 }, (_, i) => g(i + 1) + 0.5);
    const fast = Array.from({ length: 10 }, (_, i) => 2 * g(i + 1) + 0.5);
    const s = lcfitScore(curve(slow), 10, "slope");
    expect(s).toBeLessThan(0);
    expect(lcfitScore(curve(fast), 10, "slope")).toBeCloseTo(2 * s, 4);
  });
  it("is NaN with fewer than 3 points or a non-finite loss", () => {
    expect(lcfitScore(curve([3, 2, 1.5]), 2, "slope")).toBeNaN();
    expect(lcfitScore(curve([3, NaN, 1.5, 1.2]), 4, "slope")).toBeNaN();
    expect(lcfitScore(curve([3, 2, 1.5]), 3, "final")).toBeNaN(); // no total epochs given
  });
});
