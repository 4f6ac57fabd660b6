/**
 * Successive halving replayed on recorded trials, ranked by their score (TSE by default), on the
 * rung schedule that live runs use (./policy.ts): every trial runs to the first rung, the best
 * go on at each rung, the last survivors finish. Synchronous and deterministic. Pure.
 */
import { decisionOutcome, keepBestAt, rungStopEpochs, type TpeDecision, type TpeTrial } from "greenai-common";
import { stopSchedule } from "./policy";

export interface HalvingOptions {
  /** Epochs every trial gets before the first cut (r0 ≥ 1). */
  minEpochs: number;
  /** Reduction factor η ≥ 2: the best max(keep, ⌊n/η⌋) of the n at a rung go on. */
  reductionFactor: number;
  /** Fewest trials that go on at a rung. Default 1. */
  keep?: number;
}

/** One rung: the epoch it is held at, how many trials reached it, and which went on. */
export interface HalvingRung {
  epoch: number;
  entered: number;
  promoted: string[];
}

/** The decision fields of a TPE replay (for the shared payload) plus the rungs. */
export interface HalvingOutcome extends TpeDecision {
  min_epochs: number;
  reduction_factor: number;
  rungs: HalvingRung[];
  /** Epoch at which each trial stopped (the total for finishers). */
  stop_epoch: Record<string, number>;
}

/**
 * Replays successive halving. Trials with no finite score at a rung (diverged by then, or short)
 * are never promoted; a survivor that diverges later has final loss +∞ and cannot be chosen.
 * Correlations are those of the score at the first rung with the final loss (complete runs).
 */
export function successiveHalving(trials: readonly TpeTrial[], totalEpochs: number, opts: HalvingOptions): HalvingOutcome {
  if (trials.length === 0) throw new RangeError("no trials to replay");
  const { minEpochs, reductionFactor } = opts;
  const schedule = stopSchedule({ policy: "sh", budget: 1, keep: opts.keep ?? 1, minEpochs, reductionFactor }, totalEpochs, trials.length);
  let active: readonly TpeTrial[] = trials;
  const rungs: HalvingRung[] = [];
  for (const r of schedule) {
    const promoted = keepBestAt(active, r.epoch, r.keep);
    rungs.push({ epoch: r.epoch, entered: active.length, promoted });
    const on = new Set(promoted);
    active = active.filter((t) => on.has(t.id));
    if (active.length === 0) break;
  }
  const stopAt = rungStopEpochs(trials.map((t) => t.id), rungs);
  const finisherIds = new Set(active.map((t) => t.id));
  return {
    budget_fraction: minEpochs / totalEpochs,
    budget_epoch: minEpochs,
    keep: active.length,
    ...decisionOutcome(trials, finisherIds, (t) => stopAt.get(t.id) ?? totalEpochs, minEpochs),
    min_epochs: minEpochs,
    reduction_factor: reductionFactor,
    rungs,
    stop_epoch: Object.fromEntries(trials.map((t) => [t.id, Math.min(stopAt.get(t.id) ?? totalEpochs, t.epochs_run)])),
  };
}
