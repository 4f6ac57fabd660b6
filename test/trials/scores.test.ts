/** Live runs rank by the shared estimators of kernel/src/tpe/scores (definedScoreAt) on the epochs recorded so far. */
import { definedScoreAt, scoresByEpoch } from "../../kernel/src/tpe/scores";
import { curveFromEpochs } from "../../kernel/src/trials/report";
import type { TrialCurve } from "../../kernel/src/tpe/curves";

const curve = (trainLoss: (number | null)[], valLoss: (number | null)[]): TrialCurve => ({ id: "x", trainLoss, valLoss, source: { file: "test" } });
const L = [3, 2, 1.5, 1];
const V = [2.5, 2, null, 1.2];
const c = curve(L, V);

describe("definedScoreAt", () => {
  it("computes TSE, TSE-E and TSE-EMA by hand", () => {
    expect(definedScoreAt(c, "tse", 3)).toBe(6.5);
    expect(definedScoreAt(c, "tse-e", 3)).toBe(1.5);
    expect(definedScoreAt(c, "tse-e", 3, { E: 2 })).toBe(3.5);
    // 0.81·3 + 0.9·2 + 1.5
    expect(definedScoreAt(c, "tse-ema", 3)).toBeCloseTo(2.43 + 1.8 + 1.5, 12);
    expect(definedScoreAt(c, "val-loss", 2)).toBe(2);
  });
  it("agrees with TSE when γ = 1", () => {
    for (let T = 1; T <= 4; T++) expect(definedScoreAt(c, "tse-ema", T, { gamma: 1 })).toBeCloseTo(definedScoreAt(c, "tse", T)!, 12);
  });
  it("is null when an epoch is missing or not finite", () => {
    expect(definedScoreAt(c, "tse", 5)).toBeNull();
    // val-loss at T is the latest one recorded at or before T
    expect(definedScoreAt(c, "val-loss", 3)).toBe(2);
    expect(definedScoreAt(curve([1], [null]), "val-loss", 1)).toBeNull();
    expect(definedScoreAt(curve([1, NaN, 1], []), "tse", 3)).toBeNull();
    expect(definedScoreAt(curve([1, null, 1], []), "tse", 3)).toBeNull();
  });
  it("rejects a bad T", () => {
    expect(() => definedScoreAt(c, "tse", 0)).toThrow(RangeError);
  });
  it("lists scores for every epoch", () => {
    expect(scoresByEpoch(c, "tse")).toEqual([3, 5, 6.5, 7.5]);
  });
  it("scores a live attempt's epochs, with gaps as missing", () => {
    const ep = (epoch: number, train_loss: number, val_loss: number | null = null) => ({ epoch, train_loss, val_loss, steps: 0, end_ms: epoch });
    const live = curveFromEpochs("t1", [ep(1, 3, 2.5), ep(2, 2, 2), ep(4, 1)]);
    expect(live.trainLoss).toEqual([3, 2, null, 1]);
    expect(definedScoreAt(live, "tse", 2)).toBe(5);
    expect(definedScoreAt(live, "tse", 4)).toBeNull();
  });
});
