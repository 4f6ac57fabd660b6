import { keepBest, tpeDecision, type TpeTrial } from "../../common/src";
import { DEFAULT_POLICY, plannedEpochs, stopSchedule, type PolicyOptions } from "../../kernel/src/tpe/policy";
import { replayPolicy } from "../../kernel/src/tpe/replay";

const tpe = (budget: number, keep: number): PolicyOptions => ({ ...DEFAULT_POLICY, policy: "tpe", budget, keep });
const sh = (minEpochs: number, reductionFactor: number, keep = 1): PolicyOptions => ({ ...DEFAULT_POLICY, policy: "sh", minEpochs, reductionFactor, keep });

describe("stopSchedule, tpe", () => {
  it("puts one rung at T = round(f · T_end) keeping k", () => {
    expect(stopSchedule(tpe(0.3, 2), 10, 8)).toEqual([{ epoch: 3, keep: 2 }]);
    expect(stopSchedule(tpe(0.01, 2), 10, 8)).toEqual([{ epoch: 1, keep: 2 }]);
  });
  it("has no rung when nothing would be stopped", () => {
    expect(stopSchedule(tpe(1, 2), 10, 8)).toEqual([]);
    expect(stopSchedule(tpe(0.3, 8), 10, 8)).toEqual([]);
  });
  it("checks its arguments", () => {
    expect(() => stopSchedule(tpe(0, 1), 10, 8)).toThrow(RangeError);
    expect(() => stopSchedule(tpe(0.3, 9), 10, 8)).toThrow(/keep \(9\) is larger/);
    expect(() => stopSchedule(tpe(0.3, 1), 0, 8)).toThrow(RangeError);
  });
});

describe("stopSchedule, sh", () => {
  it("holds rungs at r0·η^i and promotes ⌊n/η⌋ (Optuna's rule)", () => {
    // 8 → 4 → 2 → 1 at epochs 1, 2, 4 (8 is the last epoch: no rung there)
    expect(stopSchedule(sh(1, 2), 8, 8)).toEqual([
      { epoch: 1, keep: 4 },
      { epoch: 2, keep: 2 },
      { epoch: 4, keep: 1 },
    ]);
    // η 3: 9 → 3 at epoch 1, 3 → 1 at epoch 3
    expect(stopSchedule(sh(1, 3), 9, 9)).toEqual([
      { epoch: 1, keep: 3 },
      { epoch: 3, keep: 1 },
    ]);
    // NAS-Bench-NLP: 172 trials, 50 epochs, η 4: 43, 10, 2 at epochs 1, 4, 16
    expect(stopSchedule(sh(1, 4), 50, 172)).toEqual([
      { epoch: 1, keep: 43 },
      { epoch: 4, keep: 10 },
      { epoch: 16, keep: 2 },
    ]);
    // r0 = 2, η = 2.5: epochs round(2), round(5), round(12.5)
    expect(stopSchedule(sh(2, 2.5), 20, 30).map((r) => r.epoch)).toEqual([2, 5, 13]);
  });
  it("never promotes fewer than K, and stops adding rungs once K or fewer are left", () => {
    expect(stopSchedule(sh(2, 4, 3), 20, 8)).toEqual([{ epoch: 2, keep: 3 }]);
    expect(stopSchedule(sh(1, 2), 10, 5)).toEqual([
      { epoch: 1, keep: 2 },
      { epoch: 2, keep: 1 },
    ]);
    expect(stopSchedule(sh(1, 2, 5), 10, 5)).toEqual([]);
  });
  it.each([
    [sh(0, 3), /minEpochs must be an integer ≥ 1/],
    [sh(1, 1.5), /reductionFactor must be ≥ 2/],
    [sh(9, 3), /must be below the total epochs/],
    [sh(1, 3, 10), /keep \(10\) is larger/],
  ])("rejects %p", (opts, re) => expect(() => stopSchedule(opts, 9, 9)).toThrow(re));
  it("has no rung for policy none", () => {
    expect(stopSchedule({ ...DEFAULT_POLICY, policy: "none" }, 10, 8)).toEqual([]);
  });
});

describe("keepBest", () => {
  it("keeps the lowest scores, ties by id, never a missing score", () => {
    const c = [
      { id: "b", score: 1 },
      { id: "a", score: 1 },
      { id: "c", score: null },
      { id: "d", score: 0.5 },
      { id: "e", score: NaN },
    ];
    expect(keepBest(c, 2)).toEqual(["d", "a"]);
    expect(keepBest(c, 10)).toEqual(["d", "a", "b"]);
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
      const got = keepBest(trials.map((t) => ({ id: t.id, score: t.failed ? null : t.score_by_epoch[1] })), keep);
      expect([...got].sort()).toEqual([...want].sort());
    }
  });
});

describe("plannedEpochs", () => {
  it("is N·T + k·(T_end − T) for TPE, and sums the rungs for sh", () => {
    expect(plannedEpochs([{ epoch: 3, keep: 2 }], 8, 10)).toBe(8 * 3 + 2 * 7);
    expect(plannedEpochs([], 8, 10)).toBe(80);
    expect(plannedEpochs(stopSchedule(sh(2, 2), 10, 8), 8, 10)).toBe(8 * 2 + 4 * 2 + 2 * 4 + 1 * 2);
  });
});

describe("replayPolicy follows stopSchedule", () => {
  // t1 scores best early but ends worst; with a rung at epoch 1 keeping 1 only t1 would finish
  const trial = (id: string, scores: number[], final: number): TpeTrial => ({
    id,
    train_loss: scores,
    val_loss: scores.map(() => null),
    epoch_energy: scores.map(() => 1),
    score_by_epoch: scores,
    final_loss: final,
    epochs_run: scores.length,
    diverged: false,
  });
  const trials = [trial("t1", [1, 2, 3, 4], 4), trial("t2", [2, 2, 2, 2], 2), trial("t3", [3, 1, 1, 1], 1)];

  it("keeps every trial when the schedule has no rung, as a live run finishes everyone", () => {
    for (const opts of [tpe(1, 1), tpe(0.25, 3)]) {
      expect(stopSchedule(opts, 4, 3)).toEqual([]);
      const r = replayPolicy(trials, 4, opts);
      expect(r.stops).toBe(false);
      expect(r.decision.kept).toEqual(["t1", "t2", "t3"]);
      expect(r.decision.stopped).toEqual([]);
      expect(r.decision.budget_epoch).toBe(4);
      expect(r.decision.budget_fraction).toBe(opts.budget);
      expect(r.decision.chosen_id).toBe("t3");
      expect(r.decision.energy_saved_fraction).toBe(0);
    }
  });

  it("keeps K at the rung when there is one", () => {
    const r = replayPolicy(trials, 4, tpe(0.25, 1));
    expect(r.stops).toBe(true);
    expect(r.decision.kept).toEqual(["t1"]);
    expect(replayPolicy(trials, 4, sh(3, 2)).stops).toBe(true);
    expect(replayPolicy(trials, 4, sh(3, 2, 3)).stops).toBe(false);
  });
});
