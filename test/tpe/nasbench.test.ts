/**
 * Acceptance on the NAS-Bench-NLP WikiText-2 development curves (172 runs, 50 epochs, 3 diverged).
 * Energy here is counted in epochs (no power is recorded); wall seconds are checked too.
 */
import { spawnSync } from "child_process";
import type { TpeDecision } from "../../common/src/payloads";
import { curvesFromPath } from "../../kernel/src/tpe/read-curves";
import { bestSetting, replayTpe, sweepTpe } from "../../kernel/src/tpe/decision";
import { successiveHalving } from "../../kernel/src/tpe/halving";
import { energyPlan, trialsFromCurves } from "../../kernel/src/tpe/trials";
import { SCORE_NAMES, scoreAt, type ScoreName } from "../../kernel/src/tpe/scores";
import type { CurveSet } from "../../kernel/src/tpe/curves";
import { describeWithData } from "../helpers/shared-data";

const PAPER_SCORES: ScoreName[] = ["tse", "tse-e", "tse-ema", "val-loss"];

// Spearman (Pearson of pandas' average ranks) and Kendall τ-b (pairs), computed by pandas and
// plain Python (no SciPy) for the val-loss score at epoch T against the final validation loss.
const PY_CORR = `
import json, sys
import pandas as pd
d = pd.read_csv(sys.argv[1]).sort_values(['run_id', 'epoch'])
T = int(sys.argv[2])
rows = []
for rid, g in d.groupby('run_id'):
    if len(g) < 50 or g[['train_loss', 'val_loss']].isna().any().any():
        continue
    rows.append((float(g.val_loss.iloc[T - 1]), float(g.val_loss.iloc[-1])))
s = pd.DataFrame(rows, columns=['score', 'final'])
rho = s.score.rank().corr(s.final.rank())
n = len(rows); c = dd = ta = tb = 0
for i in range(n):
    for j in range(i + 1, n):
        a = (rows[i][0] > rows[j][0]) - (rows[i][0] < rows[j][0])
        b = (rows[i][1] > rows[j][1]) - (rows[i][1] < rows[j][1])
        if a == 0 and b == 0: ta += 1; tb += 1
        elif a == 0: ta += 1
        elif b == 0: tb += 1
        elif a == b: c += 1
        else: dd += 1
n0 = n * (n - 1) / 2
print(json.dumps({'n': n, 'spearman': rho, 'kendall': (c - dd) / ((n0 - ta) * (n0 - tb)) ** 0.5}))
`;

function pandasAvailable(): string | null {
  const r = spawnSync("/usr/bin/python3", ["-c", "import pandas"], { encoding: "utf8" });
  if (r.error) return `/usr/bin/python3 not runnable (${r.error.message})`;
  return r.status === 0 ? null : "pandas is not importable by /usr/bin/python3";
}

describeWithData("curves/nasbench-nlp-wikitext2-dev/curves_long.csv", "TPE on NAS-Bench-NLP WikiText-2 (dev half)", (file) => {
  let set: CurveSet;
  beforeAll(async () => {
    set = await curvesFromPath(file);
  });
  const build = (score: ScoreName, kind: "epochs" | "wall" = "epochs") => trialsFromCurves(set, score, {}, energyPlan({ kind }));

  it("reads 172 runs of up to 50 epochs and reports the 3 diverged ones", () => {
    expect(set.trials).toHaveLength(172);
    expect(set.totalEpochs).toBe(50);
    const { statuses, trials } = build("tse");
    const diverged = statuses.filter((s) => s.problem === "diverged");
    expect(diverged.map((s) => s.epochsRun).sort((a, b) => a - b)).toEqual([1, 1, 23]);
    expect(set.trials.filter((t) => t.status === "loss is nan!")).toHaveLength(3);
    for (const d of diverged) {
      const t = trials.find((x) => x.id === d.id)!;
      expect(t.diverged).toBe(true);
      expect(t.final_loss).toBeNull();
    }
    expect(statuses.filter((s) => s.problem === null)).toHaveLength(169);
  });

  it("f = 0.2, k = 1 with the best score: the true best survives and ≥ 75% energy is saved", () => {
    const results = PAPER_SCORES.map((score) => ({ score, d: replayTpe(build(score).trials, set.totalEpochs, 0.2, { count: 1 }) }));
    const lines = results.map(
      ({ score, d }) =>
        `${score.padEnd(8)} T=${d.budget_epoch}  Spearman=${d.spearman?.toFixed(4)}  Kendall=${d.kendall?.toFixed(4)}  ` +
        `saved=${(100 * d.energy_saved_fraction).toFixed(2)}%  best_survived=${d.best_survived}  regret=${d.regret}`,
    );
    console.log(`NAS-Bench-NLP dev, f = 0.2, k = 1 (energy in epochs):\n${lines.join("\n")}`);
    const best = results.reduce((a, b) => ((b.d.spearman ?? -1) > (a.d.spearman ?? -1) ? b : a));
    expect(best.d.budget_epoch).toBe(10);
    expect(best.d.best_survived).toBe(true);
    expect(best.d.regret).toBe(0);
    expect(best.d.energy_saved_fraction).toBeGreaterThanOrEqual(0.75);
    // the saving follows from counting epochs: all runs to min(10, ran), the kept one 40 more
    const ran = set.trials.map((t) => t.trainLoss.length);
    const all = ran.reduce((a, b) => a + b, 0);
    const used = ran.reduce((a, n) => a + Math.min(10, n), 0) + 40;
    expect(best.d.energy_saved_fraction).toBeCloseTo(1 - used / all, 12);
    for (const { d } of results) {
      expect(d.spearman).toBeGreaterThan(0.8);
      expect(d.kendall).toBeGreaterThan(0.6);
    }
  });

  const noPandas = pandasAvailable();
  (noPandas ? it.skip : it)(`Spearman and Kendall agree with pandas/Python${noPandas ? ` [SKIPPED: ${noPandas}]` : ""}`, () => {
    const r = spawnSync("/usr/bin/python3", ["-c", PY_CORR, file, "10"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const py = JSON.parse(r.stdout);
    const d: TpeDecision = replayTpe(build("val-loss").trials, set.totalEpochs, 0.2, { count: 1 });
    expect(py.n).toBe(169);
    expect(d.spearman).toBeCloseTo(py.spearman, 12);
    expect(d.kendall).toBeCloseTo(py.kendall, 12);
  });

  it("also saves ≥ 75% measured in recorded wall seconds", () => {
    const d = replayTpe(build("val-loss", "wall").trials, set.totalEpochs, 0.2, { count: 1 });
    console.log(`wall seconds: used ${d.energy_used.toFixed(0)} s of ${d.energy_all.toFixed(0)} s, saved ${(100 * d.energy_saved_fraction).toFixed(2)}%`);
    expect(d.best_survived).toBe(true);
    expect(d.energy_saved_fraction).toBeGreaterThanOrEqual(0.75);
  });

  it("the sweep finds settings saving ≥ 85% with regret 0, and diverged runs never win", () => {
    const scored = PAPER_SCORES.map((score) => ({ score, trials: build(score).trials }));
    const { points } = sweepTpe(scored, set.totalEpochs, [0.02, 0.04, 0.06, 0.1, 0.2, 0.3, 0.5], [{ count: 1 }, { count: 2 }, { count: 3 }, { count: 5 }, { fraction: 0.1 }]);
    const good = points.filter((p) => p.regret === 0 && p.energy_saved_fraction >= 0.85);
    const best = bestSetting(points)!;
    console.log(
      `sweep: ${points.length} settings, ${good.length} save ≥ 85% with regret 0; best ${best.score} f=${best.budget_fraction} (T=${best.budget_epoch}) ` +
        `k=${best.keep}: ${(100 * best.energy_saved_fraction).toFixed(2)}% saved, Spearman ${best.spearman?.toFixed(4)}`,
    );
    expect(good.length).toBeGreaterThan(0);
    expect(best.regret).toBe(0);
    expect(best.energy_saved_fraction).toBeGreaterThanOrEqual(0.85);
    expect(points.some((p) => p.pareto && p.regret === 0)).toBe(true);
    const diverged = new Set(build("tse").statuses.filter((s) => s.diverged).map((s) => s.id));
    for (const s of scored) {
      for (const f of [0.02, 0.2]) {
        const d = replayTpe(s.trials, set.totalEpochs, f, { count: 5 });
        expect(d.chosen_id !== null && diverged.has(d.chosen_id)).toBe(false);
      }
    }
  });

  it("successive halving by TSE keeps the true best with regret 0", () => {
    const sh = successiveHalving(build("tse").trials, set.totalEpochs, { minEpochs: 1, reductionFactor: 4 });
    console.log(`SH(tse, r0=1, η=4): rungs ${sh.rungs.map((r) => `${r.epoch}:${r.entered}→${r.promoted.length}`).join(" ")}; saved ${(100 * sh.energy_saved_fraction).toFixed(2)}%, regret ${sh.regret}`);
    expect(sh.regret).toBe(0);
    expect(sh.energy_saved_fraction).toBeGreaterThan(0.85);
  });

  it("every score is defined for complete runs at T = 10", () => {
    const ok = build("tse").statuses.filter((st) => st.problem === null).map((st) => st.id);
    const curves = set.trials.filter((t) => ok.includes(t.id));
    for (const score of SCORE_NAMES) {
      for (const c of curves) expect(Number.isFinite(scoreAt(c, score, 10, { totalEpochs: 50 }))).toBe(true);
    }
  });
});
