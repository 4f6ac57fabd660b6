/**
 * `%tpe sweep` as a function: every (budget, keep, score) setting replayed with the TPE decision,
 * the energy-saved vs regret frontier, and the best setting's payload with the sweep attached.
 * Pure (the caller reads the files).
 */
import type { TpePayload } from "greenai-common";
import { throwIfAborted } from "../errors";
import type { RunStatus } from "./curves";
import { bestSetting, replayTpe, sweepTpe, type KeepSpec, type SweepPoint } from "./decision";
import { pct } from "./percent";
import { problemsOf, type CurveRun, type TpeRunProblem } from "./replay";
import { SCORE_NAMES, type ScoreName, type ScoreOptions } from "./scores";
import { trialsFromCurves, type EnergyUnit } from "./trials";

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

/** Runs the sweep; RangeError for an unknown score or an empty list. */
export function sweepCurves(run: CurveRun, s: SweepSettings): { value: TpeSweepResult; payload: TpePayload } {
  const { set, plan } = run;
  for (const sc of s.scores) {
    if (!SCORE_NAMES.includes(sc as ScoreName)) throw new RangeError(`--scores: unknown score ${JSON.stringify(sc)}; scores are ${SCORE_NAMES.join(", ")}`);
  }
  if (!s.budgets.length || !s.keeps.length || !s.scores.length) throw new RangeError("--budgets, --keeps and --scores each need at least one value");
  const scored = [];
  let statuses: RunStatus[] = [];
  for (const [i, sc] of s.scores.entries()) {
    throwIfAborted(run.signal);
    run.progress?.(`scoring by ${sc}`, i / s.scores.length);
    const built = trialsFromCurves(set, sc as ScoreName, s.scoreOptions, plan, { signal: run.signal });
    statuses = built.statuses;
    scored.push({ score: sc, trials: built.trials });
  }
  const { points, skipped } = sweepTpe(scored, set.totalEpochs, s.budgets, s.keeps, (done, total) => {
    if (done % 25 === 0) {
      throwIfAborted(run.signal);
      run.progress?.("sweeping", done / total);
    }
  });
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
