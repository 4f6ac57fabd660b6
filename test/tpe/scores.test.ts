import type { TrialCurve } from "../../kernel/src/tpe/curves";
import {
  epochMeansFromSteps,
  litmatterScores,
  scoreAt,
  scoresByEpoch,
  tse,
  tseE,
  tseEma,
  valLossAt,
} from "../../kernel/src/tpe/scores";

// Hand-computed on ℓ̄ = [4, 3, 2.5, 2]:
//   TSE(1..4)        = 4, 7, 9.5, 11.5
//   TSE-E(3, E=2)    = 3 + 2.5 = 5.5
//   TSE-EMA(3, 0.5)  = 0.25·4 + 0.5·3 + 1·2.5 = 5
//   TSE-EMA(4, 0.5)  = 0.125·4 + 0.25·3 + 0.5·2.5 + 2 = 4.5
const L = [4, 3, 2.5, 2];

function curve(train: (number | null)[], val: (number | null)[], extra: Partial<TrialCurve> = {}): TrialCurve {
  return { id: "c", trainLoss: train, valLoss: val, source: { file: "mem" }, ...extra };
}

describe("paper-form scores, by hand", () => {
  it.each([
    [1, 4],
    [2, 7],
    [3, 9.5],
    [4, 11.5],
  ])("TSE(%p) = %p", (T, v) => expect(tse(L, T)).toBe(v));
  it("TSE-E", () => {
    expect(tseE(L, 3, 2)).toBe(5.5);
    expect(tseE(L, 4, 1)).toBe(2);
    expect(tseE(L, 2, 5)).toBe(7); // E > T: from epoch 1
  });
  it("TSE-EMA", () => {
    expect(tseEma(L, 3, 0.5)).toBeCloseTo(5, 14);
    expect(tseEma(L, 4, 0.5)).toBeCloseTo(4.5, 14);
    expect(tseEma(L, 1, 0.9)).toBe(4);
  });
  it("early validation loss is the latest recorded at or before T", () => {
    expect(valLossAt([5, null, 4, null], 2)).toBe(5);
    expect(valLossAt([5, null, 4, null], 4)).toBe(4);
    expect(valLossAt([null, null], 1)).toBeNaN();
  });
  it("epoch means from step losses (a short last epoch is fine)", () => {
    expect(epochMeansFromSteps([[1, 2, 3], [4, 6], [5]])).toEqual([2, 5, 5]);
    expect(epochMeansFromSteps([[]])[0]).toBeNaN();
  });
});

describe("properties", () => {
  const xs = [5.2, 4.1, 3.9, 3.3, 3.1, 2.95, 2.9];
  it("γ = 1 gives TSE", () => {
    for (let T = 1; T <= xs.length; T++) expect(tseEma(xs, T, 1)).toBeCloseTo(tse(xs, T), 12);
  });
  it("γ → 0 gives TSE-E with E = 1", () => {
    for (let T = 1; T <= xs.length; T++) expect(tseEma(xs, T, 1e-12)).toBeCloseTo(tseE(xs, T, 1), 9);
  });
  it("TSE is non-decreasing in T for losses ≥ 0", () => {
    for (let T = 2; T <= xs.length; T++) expect(tse(xs, T)).toBeGreaterThanOrEqual(tse(xs, T - 1));
  });
});

describe("bounds and bad values", () => {
  it.each([0, -1, 1.5, 5])("rejects T = %p", (T) => expect(() => tse(L, T)).toThrow(RangeError));
  it.each([0, 1.5])("rejects E = %p", (E) => expect(() => tseE(L, 2, E)).toThrow(/E must be an integer/));
  it.each([0, -0.1, 1.01, NaN])("rejects γ = %p", (g) => expect(() => tseEma(L, 2, g)).toThrow(/gamma must be in \(0, 1\]/));
  it("a non-finite or missing loss up to T makes every score NaN, later ones do not matter", () => {
    const d = [3, NaN, 2];
    expect(tse(d, 1)).toBe(3);
    expect(tse(d, 2)).toBeNaN();
    expect(tseE(d, 3, 1)).toBeNaN(); // diverged before T: no score, although epoch 3 is finite
    expect(tseEma(d, 3, 0.9)).toBeNaN();
    expect(tse([3, null, 2], 3)).toBeNaN();
    expect(valLossAt([3, Infinity, 2], 3)).toBeNaN();
    expect(valLossAt([3, 2.5, 2], 3, [1, NaN, 1])).toBeNaN();
  });
});

describe("scoresByEpoch", () => {
  it("gives the score after each epoch, null once the run diverged", () => {
    const c = curve([4, 3, NaN], [5, 4, NaN]);
    expect(scoresByEpoch(c, "tse")).toEqual([4, 7, null]);
    expect(scoresByEpoch(c, "val-loss")).toEqual([5, 4, null]);
    expect(scoresByEpoch(curve(L, [9, 8, 7, 6]), "tse-ema", { gamma: 0.5 })[3]).toBeCloseTo(4.5, 14);
    expect(scoreAt(curve(L, [9, 8, 7, 6]), "tse-e", 3, { E: 2 })).toBe(5.5);
  });
});

describe("litmatter mode on a tiny log, by hand", () => {
  // epochs 0,1,2 with steps [1,3], [2,2,2], [4,4]; T = 1, E = 1, γ = 0.5.
  // B = steps of epoch 1 = 3. tse = (1+3)/3; tse_e = (2+2+2)/3 = 2; tse_ema = 0.5·4/3 + 6/3 = 8/3.
  const rows = [
    { epoch: 0, loss: 1 },
    { epoch: 0, loss: 3 },
    { epoch: 1, loss: 2 },
    { epoch: 1, loss: 2 },
    { epoch: 1, loss: 2 },
    { epoch: 2, loss: 4 },
    { epoch: 2, loss: 4 },
  ];
  it("uses B of epoch T, stops TSE before T, includes T in TSE-E and TSE-EMA", () => {
    const s = litmatterScores(rows, 1, { E: 1, gamma: 0.5 });
    expect(s.steps_per_epoch).toBe(3);
    expect(s.tse).toBeCloseTo(4 / 3, 14);
    expect(s.tse_e).toBeCloseTo(2, 14);
    expect(s.tse_ema).toBeCloseTo(8 / 3, 14);
    expect(s.T_end).toBe(3);
    expect(s.steps).toBe(7);
  });
  it("needs epoch T in the log", () => {
    expect(() => litmatterScores(rows, 3)).toThrow(/epoch 3 is not in the log \(it has epochs 0\.\.2\)/);
  });
});
