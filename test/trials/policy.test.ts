import { tpeDecision, type TpeTrial } from "../../common/src";
import { decideRung, halvingRungs, tpeRungs } from "../../kernel/src/trials/policy";
import { plannedEpochs } from "../../kernel/src/trials/runner";

describe("tpeRungs", () => {
  it("puts one rung at T = round(f · T_end) keeping k", () => {
    expect(tpeRungs(10, 0.3, 2, 8)).toEqual([{ epoch: 3, keep: 2 }]);
    expect(tpeRungs(10, 0.01, 2, 8)).toEqual([{ epoch: 1, keep: 2 }]);
  });
  it("has no rung when nothing would be stopped", () => {
    expect(tpeRungs(10, 1, 2, 8)).toEqual([]);
    expect(tpeRungs(10, 0.3, 8, 8)).toEqual([]);
  });
  it("checks its arguments", () => {
    expect(() => tpeRungs(10, 0, 1, 8)).toThrow(RangeError);
    expect(() => tpeRungs(10, 0.3, 9, 8)).toThrow(/keep \(9\) is larger/);
    expect(() => tpeRungs(0, 0.3, 1, 8)).toThrow(RangeError);
  });
});

describe("halvingRungs", () => {
  it("keeps 1/eta at rungs T0·eta^i", () => {
    // T0 = 2; rungs 2, 4, 8 with 8 → 4 → 2 → 1
    expect(halvingRungs(10, 0.2, 2, 1, 8)).toEqual([
      { epoch: 2, keep: 4 },
      { epoch: 4, keep: 2 },
      { epoch: 8, keep: 1 },
    ]);
    // eta 3: 9 → 3 at epoch 1, 3 → 1 at epoch 3; 9 ≥ T_end stops
    expect(halvingRungs(9, 0.1, 3, 1, 9)).toEqual([
      { epoch: 1, keep: 3 },
      { epoch: 3, keep: 1 },
    ]);
  });
  it("never keeps fewer than k", () => {
    expect(halvingRungs(20, 0.1, 4, 3, 8)).toEqual([{ epoch: 2, keep: 3 }]);
  });
  it("rejects eta ≤ 1", () => {
    expect(() => halvingRungs(10, 0.2, 1, 1, 8)).toThrow(/eta/);
  });
});

describe("decideRung", () => {
  it("keeps the lowest scores, ties by id, never a missing score", () => {
    const c = [
      { id: "b", score: 1 },
      { id: "a", score: 1 },
      { id: "c", score: null },
      { id: "d", score: 0.5 },
      { id: "e", score: NaN },
    ];
    expect(decideRung(c, 2)).toEqual(["d", "a"]);
    expect(decideRung(c, 10)).toEqual(["d", "a", "b"]);
  });

  it("keeps what greenai-common's tpeDecision keeps", () => {
    const trial = (id: string, scores: (number | null)[], failed = false): TpeTrial => ({
      id,
      train_loss: scores.map(() => 1),
      val_loss: scores.map(() => null),
      epoch_energy: scores.map(() => 1),
      score_by_epoch: scores,
      final_loss: null,
      epochs_run: scores.length,
      diverged: false,
      ...(failed ? { failed: true } : {}),
    });
    const trials = [trial("t1", [3, 5, 6]), trial("t2", [2, 4, 4]), trial("t3", [1, 4, 9]), trial("t4", [1, 1], true), trial("t5", [0, null, null])];
    for (const keep of [1, 2, 3]) {
      const want = tpeDecision(trials, 3, 2 / 3, keep).kept;
      const got = decideRung(trials.map((t) => ({ id: t.id, score: t.failed ? null : t.score_by_epoch[1] })), keep);
      expect([...got].sort()).toEqual([...want].sort());
    }
  });
});

describe("plannedEpochs", () => {
  it("is N·T + k·(T_end − T) for TPE", () => {
    expect(plannedEpochs([{ epoch: 3, keep: 2 }], 8, 10)).toBe(8 * 3 + 2 * 7);
    expect(plannedEpochs([], 8, 10)).toBe(80);
    expect(plannedEpochs(halvingRungs(10, 0.2, 2, 1, 8), 8, 10)).toBe(8 * 2 + 4 * 2 + 2 * 4 + 1 * 2);
  });
});
