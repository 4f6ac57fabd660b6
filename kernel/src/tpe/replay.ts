/**
 * `%tpe replay` as a function: a stopping policy (./policy.ts) applied to recorded curves, with
 * energy in the plan's unit, the runs that diverged or stopped short, and the TPE payload.
 * Pure (the caller reads the files).
 */
import { decisionOutcome, tpeDecision, type TpeDecision, type TpePayload, type TpeTrial } from "greenai-common";
import { finishStepsInterruptibly, rethrowInterrupted } from "../io/steps";
import type { CurveSet, RunStatus } from "./curves";
import { successiveHalving, type HalvingRung } from "./halving";
import { pct } from "./percent";
import { stopSchedule, type PolicyOptions, type StopPolicy } from "./policy";
import type { ScoreName, ScoreOptions } from "./scores";
import { trialsFromCurvesSteps, type EnergyPlan, type EnergyUnit } from "./trials";

/** A run that is not complete and finite, and why. */
export interface TpeRunProblem {
  id: string;
  epochs_run: number;
  problem: "diverged" | "incomplete";
  reason: string;
}

/** Value of `%tpe replay`. */
export interface TpeReplayResult {
  policy: StopPolicy;
  score: ScoreName;
  curves: string;
  format: string;
  n_trials: number;
  total_epochs: number;
  /** Fraction f and epoch T of the decision (sh: the first rung; none: the last epoch). */
  budget_fraction: number;
  budget_epoch: number;
  /** Trials kept to the end (sh: the last rung's survivors). */
  keep: number;
  kept: string[];
  n_stopped: number;
  /** Rank correlation of the score at T with the final validation loss (complete runs). */
  spearman: number | null;
  kendall: number | null;
  energy_used: number;
  energy_all: number;
  energy_saved_fraction: number;
  energy_unit: EnergyUnit;
  /** How the energy numbers were obtained. */
  energy_source: string;
  energy_measured: boolean;
  best_survived: boolean;
  /** Final loss of the chosen trial minus the true best; null if no kept trial finished. */
  regret: number | null;
  chosen_id: string | null;
  chosen_final_loss: number | null;
  true_best_id: string | null;
  true_best_final_loss: number | null;
  /** Runs that diverged (non-finite loss) or stopped short: reported, never dropped, never chosen. */
  problems: TpeRunProblem[];
  /** Trials without a finite score at T (diverged by then, or missing data): never kept. */
  unscored_at_budget: string[];
  /** Successive halving only. */
  rungs?: HalvingRung[];
  reduction_factor?: number;
  notes: string[];
}

/** The problems among run statuses, for reports. */
export function problemsOf(statuses: readonly RunStatus[]): TpeRunProblem[] {
  return statuses
    .filter((s) => s.problem !== null)
    .map((s) => ({ id: s.id, epochs_run: s.epochsRun, problem: s.problem as "diverged" | "incomplete", reason: s.reason as string }));
}

/** A policy's decision on recorded trials, and the rungs of successive halving. */
export interface PolicyReplay {
  decision: TpeDecision;
  rungs?: HalvingRung[];
  /** False when the schedule has no rung (policy none, or nothing a rung could stop): every trial finishes. */
  stops: boolean;
}

/**
 * Applies a policy to scored trials on the rung schedule live runs use (stopSchedule). tpe is
 * greenai-common's tpeDecision (what the notebook slider recomputes); sh is successiveHalving;
 * with no rung (policy none, a tpe budget at the last epoch, K ≥ N) every trial is kept, as live.
 */
export function replayPolicy(trials: readonly TpeTrial[], totalEpochs: number, opts: PolicyOptions): PolicyReplay {
  if (trials.length === 0) throw new RangeError("no trials to replay");
  if (opts.policy === "sh") {
    const { rungs, min_epochs: _m, reduction_factor: _r, stop_epoch: _s, ...decision } = successiveHalving(trials, totalEpochs, opts);
    return { decision, rungs, stops: rungs.length > 0 };
  }
  if (stopSchedule(opts, totalEpochs, trials.length).length > 0) return { decision: tpeDecision(trials, totalEpochs, opts.budget, opts.keep), stops: true };
  const all = new Set(trials.map((t) => t.id));
  // a rungless tpe keeps its fraction, as the live report does
  const fraction = opts.policy === "tpe" ? opts.budget : 1;
  return { decision: { budget_fraction: fraction, budget_epoch: totalEpochs, keep: trials.length, ...decisionOutcome(trials, all, () => totalEpochs, totalEpochs) }, stops: false };
}

export interface ReplaySettings {
  policy: PolicyOptions;
  score: ScoreName;
  scoreOptions: ScoreOptions;
  title?: string;
  /** Notes to add to the result (e.g. flags the policy ignored). */
  notes?: string[];
}

/** What a replay or sweep works on: the curves, their energy plan, and how it reports while it runs. */
export interface CurveRun {
  set: CurveSet;
  plan: EnergyPlan;
  signal?: AbortSignal;
  progress?: (message: string, fraction?: number) => void;
}

/**
 * Scores the curves, applies the policy and builds the result and its payload. RangeError when
 * no trial has a score at the decision epoch (nothing could be kept); InterruptedError, saying how
 * many trials were scored, when `run.signal` aborts.
 */
export async function replayCurves(run: CurveRun, s: ReplaySettings): Promise<{ value: TpeReplayResult; payload: TpePayload }> {
  const { set, plan } = run;
  const { score, policy } = s;
  run.progress?.(`scoring ${set.trials.length} trials by ${score}`);
  let scoredCount = 0;
  const steps = trialsFromCurvesSteps(set, score, s.scoreOptions, plan, {
    onTrial: (i, n) => {
      scoredCount = i;
      if (i % 20 === 0) run.progress?.(`scoring ${n} trials by ${score}`, i / n);
    },
  });
  const { trials, statuses } = await finishStepsInterruptibly(steps, run.signal).catch(
    rethrowInterrupted(() => `interrupted while scoring by ${score}: ${scoredCount} of ${set.trials.length} trials scored; nothing replayed`),
  );
  const { decision, rungs, stops } = replayPolicy(trials, set.totalEpochs, policy);
  const T = decision.budget_epoch;
  const unscored = trials.filter((t) => t.epochs_run < T || t.score_by_epoch[T - 1] === null).map((t) => t.id);
  if (unscored.length === trials.length && stops) {
    const why = score.startsWith("lcfit") ? " (the curve fit needs at least 3 loss values: raise --budget or log step losses)" : "";
    throw new RangeError(`no trial has a ${score} score at epoch ${T}${why}; nothing could be kept`);
  }
  const finalOf = (id: string | null) => (id === null ? null : (trials.find((t) => t.id === id)?.final_loss ?? null));
  const value: TpeReplayResult = {
    policy: policy.policy,
    score,
    curves: set.source,
    format: set.format,
    n_trials: trials.length,
    total_epochs: set.totalEpochs,
    budget_fraction: decision.budget_fraction,
    budget_epoch: T,
    keep: decision.keep,
    kept: decision.kept,
    n_stopped: decision.stopped.length,
    spearman: decision.spearman,
    kendall: decision.kendall,
    energy_used: decision.energy_used,
    energy_all: decision.energy_all,
    energy_saved_fraction: decision.energy_saved_fraction,
    energy_unit: plan.unit,
    energy_source: plan.source,
    energy_measured: plan.measured,
    best_survived: decision.best_survived,
    regret: decision.regret,
    chosen_id: decision.chosen_id,
    chosen_final_loss: finalOf(decision.chosen_id),
    true_best_id: decision.true_best_id,
    true_best_final_loss: finalOf(decision.true_best_id),
    problems: problemsOf(statuses),
    unscored_at_budget: unscored,
    notes: [...set.notes, ...(s.notes ?? [])],
  };
  if (rungs) {
    value.rungs = rungs;
    value.reduction_factor = policy.reductionFactor;
  }
  const title =
    s.title ??
    (policy.policy === "sh"
      ? `Successive halving by ${score} (r0 = ${policy.minEpochs}, η = ${policy.reductionFactor}): ${pct(decision.energy_saved_fraction)} energy saved`
      : policy.policy === "none"
        ? `No stopping: ${trials.length} trials to epoch ${set.totalEpochs}`
        : `TPE by ${score}: ${trials.length} trials to epoch ${T} of ${set.totalEpochs}, keep ${decision.keep}: ${pct(decision.energy_saved_fraction)} energy saved`);
  const payload: TpePayload = {
    schema_version: 1,
    kind: "tpe",
    title,
    score,
    total_epochs: set.totalEpochs,
    energy: { unit: plan.unit, source: plan.source, measured: plan.measured },
    trials,
    decision,
  };
  if (rungs) payload.policy = { kind: "sh", min_epochs: policy.minEpochs, reduction_factor: policy.reductionFactor, rungs };
  return { value, payload };
}
