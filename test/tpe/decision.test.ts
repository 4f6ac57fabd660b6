import type { TpeTrial } from "../../common/src/payloads";
import { bestSetting, keepCount, keepLabel, paretoFlags, parseKeep, replayTpe, sweepTpe } from "../../kernel/src/tpe/decision";
import { successiveHalving } from "../../kernel/src/tpe/halving";
import { DEFAULT_POLICY, stopSchedule } from "../../kernel/src/tpe/policy";

function trial(id: string, scores: (number | null)[], final: number | null, epochsRun = scores.length): TpeTrial {
  return {
    id,
    train_loss: scores.map((s) => s),
    val_loss: scores.map((s) => s),
    epoch_energy: new Array(epochsRun).fill(1),
    score_by_epoch: scores,
    final_loss: final,
    epochs_run: epochsRun,
    diverged: final === null,
  };
}

describe("keep", () => {
  it.each([
    ["3", { count: 3 }],
    ["0.1", { fraction: 0.1 }],
    ["10%", { fraction: 0.1 }],
    ["100%", { fraction: 1 }],
  ])("parses %p", (text, spec) => expect(parseKeep(text)).toEqual(spec));
  it.each(["0", "-1", "1.5", "abc", "", "150%"])("rejects %p", (text) => expect(() => parseKeep(text)).toThrow(RangeError));
  it("turns fractions into counts (rounded up, at least 1) and rejects k > N", () => {
    expect(keepCount({ fraction: 0.1 }, 172)).toBe(18);
    expect(keepCount({ fraction: 0.001 }, 172)).toBe(1);
    expect(keepCount({ fraction: 0.1 }, 10)).toBe(1);
    expect(() => keepCount({ count: 5 }, 4)).toThrow(/keep \(5\) is larger than the number of trials \(4\)/);
    expect(keepLabel({ fraction: 0.1 })).toBe("10%");
  });
});

describe("replayTpe", () => {
  const a = trial("a", [1, 1, 1, 1], 2);
  const b = trial("b", [2, 2, 2, 2], 1); // true best, slower start
  const x = trial("x", [0.5, 0.5, null], null, 3); // best score at T = 2, diverges at epoch 3
  it.each([0, -0.2, 1.5, NaN])("rejects budget %p", (f) => expect(() => replayTpe([a, b], 4, f, { count: 1 })).toThrow(/budget fraction must be in \(0, 1\]/));
  it("rejects k > N", () => expect(() => replayTpe([a, b], 4, 0.5, { count: 3 })).toThrow(/larger than the number of trials/));
  it("a run that diverges after T may be kept but never chosen; its epochs are counted", () => {
    const d1 = replayTpe([a, b, x], 4, 0.5, { count: 1 }); // T = 2
    expect(d1.kept).toEqual(["x"]);
    expect(d1.chosen_id).toBeNull();
    expect(d1.regret).toBeNull();
    expect(d1.best_survived).toBe(false);
    const d2 = replayTpe([a, b, x], 4, 0.5, { count: 2 });
    expect(d2.kept.sort()).toEqual(["a", "x"]);
    expect(d2.chosen_id).toBe("a");
    expect(d2.regret).toBe(1);
    expect(d2.energy_all).toBe(11);
    expect(d2.energy_used).toBe(3 + 4 + 2);
    expect(d2.energy_saved_fraction).toBeCloseTo(2 / 11, 14);
  });
  it("a run that diverged before T is never kept", () => {
    const d = replayTpe([a, b, x], 4, 1, { count: 2 }); // T = 4 > x's 3 epochs
    expect(d.kept.sort()).toEqual(["a", "b"]);
    expect(d.regret).toBe(0);
  });
});

describe("frontier and sweep", () => {
  it("flags points no other beats on both energy saved and regret; null regret never", () => {
    const pts = [
      { energy_saved_fraction: 0.5, regret: 0 },
      { energy_saved_fraction: 0.8, regret: 0.1 },
      { energy_saved_fraction: 0.7, regret: 0.2 },
      { energy_saved_fraction: 0.9, regret: null },
      { energy_saved_fraction: 0.5, regret: 0 },
    ];
    expect(paretoFlags(pts)).toEqual([true, true, false, false, true]);
  });
  it("evaluates every setting, skips k > N, and picks the most saving with regret 0", () => {
    const good = [trial("a", [1, 1, 1, 1], 1), trial("b", [2, 2, 2, 2], 2), trial("c", [3, 3, 3, 3], 3)];
    const bad = good.map((t, i) => ({ ...t, score_by_epoch: [3 - i, 3 - i, 3 - i, 3 - i] }));
    const { points, skipped } = sweepTpe(
      [
        { score: "good", trials: good },
        { score: "bad", trials: bad },
      ],
      4,
      [0.25, 0.5],
      [{ count: 1 }, { count: 2 }, { count: 4 }],
    );
    expect(points).toHaveLength(2 * 2 * 2);
    expect(skipped).toHaveLength(4);
    expect(skipped[0]).toMatch(/keep \(4\) is larger/);
    const best = bestSetting(points)!;
    expect(best).toMatchObject({ score: "good", budget_fraction: 0.25, keep: 1, regret: 0 });
    expect(best.energy_saved_fraction).toBeCloseTo(1 - 6 / 12, 14); // 3 × 1 epoch + 3 more for a
    expect(points.filter((p) => p.score === "bad" && p.keep === 1).every((p) => p.regret === 2)).toBe(true);
  });
});

describe("successive halving", () => {
  // 9 trials, η = 3, r0 = 1, 9 epochs: rungs at 1 and 3. Score at epoch 1 = i; at epoch 3 the order
  // of the top three reverses. t2 has the best final loss.
  const trials = Array.from({ length: 9 }, (_, i) => {
    const at3 = i < 3 ? 2 - i : 10 + i;
    return trial(`t${i}`, [i, i, at3, at3, at3, at3, at3, at3, at3], i === 2 ? 0.5 : 1 + i);
  });
  it("rungs are r0·η^i below the total, on the live runs' schedule", () => {
    const epochs = (total: number, n: number, reductionFactor: number) => stopSchedule({ ...DEFAULT_POLICY, policy: "sh", minEpochs: 1, reductionFactor }, total, n).map((r) => r.epoch);
    expect(epochs(9, 9, 3)).toEqual([1, 3]);
    expect(epochs(50, 172, 4)).toEqual([1, 4, 16]);
    expect(successiveHalving(trials, 9, { minEpochs: 1, reductionFactor: 3 }).rungs.map((r) => r.epoch)).toEqual(epochs(9, 9, 3));
  });
  it("promotes ⌊n/η⌋ by the score at each rung and costs what ran", () => {
    const sh = successiveHalving(trials, 9, { minEpochs: 1, reductionFactor: 3 });
    expect(sh.rungs.map((r) => [r.epoch, r.entered, r.promoted])).toEqual([
      [1, 9, ["t0", "t1", "t2"]],
      [3, 3, ["t2"]],
    ]);
    expect(sh.kept).toEqual(["t2"]);
    expect(sh.energy_all).toBe(81);
    expect(sh.energy_used).toBe(9 + 3 * 2 + 6);
    expect(sh.regret).toBe(0);
    expect(sh.best_survived).toBe(true);
    expect(sh.stop_epoch).toMatchObject({ t0: 3, t2: 9, t8: 1 });
  });
  it("never promotes past a divergence and never chooses a diverged run", () => {
    const x = trial("x", [-1, null], null, 2); // best score at epoch 1, diverges at epoch 2
    const sh = successiveHalving([...trials, x], 9, { minEpochs: 1, reductionFactor: 3 });
    expect(sh.rungs[0].promoted).toContain("x");
    expect(sh.rungs[1].promoted).not.toContain("x");
    expect(sh.stop_epoch.x).toBe(2);
    expect(sh.chosen_id).not.toBe("x");
  });
  it.each([
    [{ minEpochs: 0, reductionFactor: 3 }, /minEpochs must be an integer ≥ 1/],
    [{ minEpochs: 1, reductionFactor: 1.5 }, /reductionFactor must be ≥ 2/],
    [{ minEpochs: 9, reductionFactor: 3 }, /must be below the total epochs/],
  ])("rejects %p", (opts, re) => expect(() => successiveHalving(trials, 9, opts)).toThrow(re));
});
