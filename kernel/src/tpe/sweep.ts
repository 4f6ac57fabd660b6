/**
 * `%tpe sweep` as a function: every (budget, keep, score) setting replayed with the TPE decision,
 * the energy-saved vs regret frontier, and the best setting's payload with the sweep attached.
 * Pure (the caller reads the files).
 */
import type { TpePayload } from "greenai-common";
import { finishStepsInterruptibly, rethrowInterrupted } from "../io/steps";
import type { RunStatus } from "./curves";
import { bestSetting, replayTpe, sweepTpeSteps, type KeepSpec, type SweepPoint } from "./decision";
import { pct } from "./percent";
import { problemsOf, type CurveRun, type TpeRunProblem } from "./replay";
import { SCORE_NAMES, type ScoreName, type ScoreOptions } from "./scores";
import { trialsFromCurvesSteps, type EnergyUnit } from "./trials";

/** Value of `%tpe sweep`. */
export interface TpeSweepResult {
  curves: string;
  n_trials: number;
  total_epochs: number;
  energy_unit: EnergyUnit;
  energy_source: string;
  /** Every evaluated setting. */
  points: SweepPoint[];
  /** The points on the energy-saved vs regret frontier, most saving first. */
  frontier: SweepPoint[];
  /** The setting saving most energy with regret ≤ max_regret; null if none. */
  best: SweepPoint | null;
  max_regret: number;
  skipped: string[];
  problems: TpeRunProblem[];
  notes: string[];
}

export interface SweepSettings {
  budgets: readonly number[];
  keeps: readonly KeepSpec[];
  scores: readonly string[];
  scoreOptions: ScoreOptions;
  maxRegret: number;
  title?: string;
}

/** Runs the sweep; RangeError for an unknown score or an empty list; InterruptedError, saying how far it got, when `run.signal` aborts. */
export async function sweepCurves(run: CurveRun, s: SweepSettings): Promise<{ value: TpeSweepResult; payload: TpePayload }> {
  const { set, plan } = run;
  for (const sc of s.scores) {
    if (!SCORE_NAMES.includes(sc as ScoreName)) throw new RangeError(`--scores: unknown score ${JSON.stringify(sc)}; scores are ${SCORE_NAMES.join(", ")}`);
  }
  if (!s.budgets.length || !s.keeps.length || !s.scores.length) throw new RangeError("--budgets, --keeps and --scores each need at least one value");
  const scored = [];
  let statuses: RunStatus[] = [];
  for (const [i, sc] of s.scores.entries()) {
    run.progress?.(`scoring by ${sc}`, i / s.scores.length);
    const built = await finishStepsInterruptibly(trialsFromCurvesSteps(set, sc as ScoreName, s.scoreOptions, plan), run.signal).catch(
      rethrowInterrupted(() => `interrupted while scoring by ${sc} (score ${i + 1} of ${s.scores.length}); no setting swept`),
    );
    statuses = built.statuses;
    scored.push({ score: sc, trials: built.trials });
  }
  let swept = 0;
  const sweep = sweepTpeSteps(scored, set.totalEpochs, s.budgets, s.keeps, (done, total) => {
    swept = done;
    if (done % 25 === 0) run.progress?.("sweeping", done / total);
  });
  const { points, skipped } = await finishStepsInterruptibly(sweep, run.signal).catch(
    rethrowInterrupted(() => `interrupted after ${swept} of ${scored.length * s.budgets.length * s.keeps.length} settings`),
  );
  const best = bestSetting(points, s.maxRegret);
  const frontier = points.filter((p) => p.pareto).sort((a, b) => b.energy_saved_fraction - a.energy_saved_fraction || (a.regret ?? Infinity) - (b.regret ?? Infinity));
  const value: TpeSweepResult = {
    curves: set.source,
    n_trials: set.trials.length,
    total_epochs: set.totalEpochs,
    energy_unit: plan.unit,
    energy_source: plan.source,
    points,
    frontier,
    best,
    max_regret: s.maxRegret,
    skipped,
    problems: problemsOf(statuses),
    notes: set.notes,
  };

  // Payload: the best setting's decision on its score's trials, with the whole sweep attached.
  const show = best ?? frontier[0] ?? points[0];
  const showTrials = scored.find((x) => x.score === show.score)?.trials ?? scored[0].trials;
  const decision = replayTpe(showTrials, set.totalEpochs, show.budget_fraction, { count: show.keep });
  const title =
    s.title ??
    `TPE sweep: ${points.length} settings on ${set.trials.length} trials` +
      (best ? `; best with regret ≤ ${s.maxRegret}: ${best.score} f=${best.budget_fraction} k=${best.keep} saves ${pct(best.energy_saved_fraction)}` : "");
  const payload: TpePayload = {
    schema_version: 1,
    kind: "tpe",
    title,
    score: show.score,
    total_epochs: set.totalEpochs,
    energy: { unit: plan.unit, source: plan.source, measured: plan.measured },
    trials: showTrials,
    decision,
    sweep: points.map(({ budget_fraction, keep, score, energy_saved_fraction, regret, spearman, pareto }) => ({
      budget_fraction,
      keep,
      score,
      energy_saved_fraction,
      regret,
      spearman,
      pareto,
    })),
  };
  return { value, payload };
}
