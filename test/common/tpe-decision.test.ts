import type { TpeTrial } from "../../common/src/payloads";
import { budgetEpoch, tpeDecision } from "../../common/src/tpe-decision";

function trial(id: string, scores: number[], final: number | null, opts: Partial<TpeTrial> = {}): TpeTrial {
  const n = opts.epochs_run ?? scores.length;
  return {
    id,
    train_loss: scores,
    val_loss: scores,
    epoch_energy: new Array(n).fill(1),
    score_by_epoch: scores,
    final_loss: final,
    epochs_run: n,
    diverged: false,
    ...opts,
  };
}

describe("budgetEpoch", () => {
  it.each([
    [0.2, 10, 2],
    [0.01, 10, 1],
    [1, 10, 10],
  ])("f=%p of %p epochs → %p", (f, n, t) => expect(budgetEpoch(f, n)).toBe(t));
  it.each([0, -1, 1.01, NaN])("rejects %p", (f) => expect(() => budgetEpoch(f, 10)).toThrow(RangeError));
  it.each([0, 2.5, NaN])("rejects %p total epochs (T would be 0 or fractional)", (n) => expect(() => budgetEpoch(0.5, n)).toThrow(/total epochs must be an integer ≥ 1/));
});

describe("tpeDecision", () => {
  const trials = [
    trial("a", [3, 2, 1, 1, 1], 1.0),
    trial("b", [1, 1, 1, 1, 1], 0.5),
    trial("c", [2, 2, 2, 2, 2], 2.0),
    trial("d", [4, 4, 4, 4, 4], 3.0),
  ];
  it("keeps the k lowest scores at T and accounts energy", () => {
    const d = tpeDecision(trials, 5, 0.2, 1); // T = 1
    expect(d.budget_epoch).toBe(1);
    expect(d.kept).toEqual(["b"]);
    expect(d.energy_all).toBe(20);
    expect(d.energy_used).toBe(4 + 4); // everyone 1 epoch, b 4 more
    expect(d.energy_saved_fraction).toBeCloseTo(0.6, 12);
    expect(d.best_survived).toBe(true);
    expect(d.regret).toBe(0);
    expect(d.spearman).toBeCloseTo(0.8, 12); // scores 3,1,2,4 vs finals 1,.5,2,3
  });
  it("reports regret when the best is stopped", () => {
    const d = tpeDecision(trials, 5, 0.2, 1);
    const d2 = tpeDecision([trials[0], trials[2], trials[3]], 5, 0.2, 1);
    expect(d.regret).toBe(0);
    expect(d2.kept).toEqual(["c"]);
    expect(d2.regret).toBe(1);
    expect(d2.best_survived).toBe(false);
  });
  it("never keeps a trial that diverged before T, and costs it what it ran", () => {
    const div = trial("x", [0.1, NaN], null, { epochs_run: 2, diverged: true, score_by_epoch: [0.1, null], epoch_energy: [1, 1] });
    const d = tpeDecision([...trials, div], 5, 0.4, 1); // T = 2
    expect(d.kept).toEqual(["b"]);
    expect(d.energy_all).toBe(22);
    expect(d.true_best_id).toBe("b");
  });
  it("rejects bad k", () => {
    expect(() => tpeDecision(trials, 5, 0.2, 5)).toThrow(/larger than the number of trials/);
    expect(() => tpeDecision(trials, 5, 0.2, 0)).toThrow(RangeError);
  });
});
