import { scoreAt, scoresByEpoch } from "../../kernel/src/trials/scores";

const L = [3, 2, 1.5, 1];
const V = [2.5, 2, null, 1.2];

describe("scoreAt", () => {
  it("computes TSE, TSE-E and TSE-EMA by hand", () => {
    expect(scoreAt("tse", L, V, 3)).toBe(6.5);
    expect(scoreAt("tse-e", L, V, 3)).toBe(1.5);
    expect(scoreAt("tse-e", L, V, 3, { window: 2 })).toBe(3.5);
    // 0.81·3 + 0.9·2 + 1.5
    expect(scoreAt("tse-ema", L, V, 3)).toBeCloseTo(2.43 + 1.8 + 1.5, 12);
    expect(scoreAt("val-loss", L, V, 2)).toBe(2);
  });
  it("agrees with TSE when γ = 1", () => {
    for (let T = 1; T <= 4; T++) expect(scoreAt("tse-ema", L, V, T, { gamma: 1 })).toBeCloseTo(scoreAt("tse", L, V, T)!, 12);
  });
  it("is null when an epoch is missing or not finite", () => {
    expect(scoreAt("tse", L, V, 5)).toBeNull();
    // val-loss at T is the latest one recorded at or before T (the tpe module's rule).
    expect(scoreAt("val-loss", L, V, 3)).toBe(2);
    expect(scoreAt("val-loss", [1], [null], 1)).toBeNull();
    expect(scoreAt("tse", [1, NaN, 1], [], 3)).toBeNull();
    expect(scoreAt("tse", [1, null, 1], [], 3)).toBeNull();
  });
  it("rejects a bad T", () => {
    expect(() => scoreAt("tse", L, V, 0)).toThrow(RangeError);
  });
  it("lists scores for every epoch", () => {
    expect(scoresByEpoch("tse", L, V)).toEqual([3, 5, 6.5, 7.5]);
  });
});
