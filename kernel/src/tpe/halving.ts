/**
 * Successive halving on recorded trials, ranked by a training-speed score (TSE by default):
 * every trial runs to the first rung r0; at rung r_i = r0·η^i the best ⌊n/η⌋ (at least 1) go on;
 * the last survivors finish. What Optuna's SuccessiveHalvingPruner and Ray Tune's ASHA users expect,
 * but synchronous and deterministic. Pure.
 */
import { decisionOutcome, rankAt, rungStopEpochs, type TpeDecision, type TpeTrial } from "greenai-common";

export interface HalvingOptions {
  /** Epochs every trial gets before the first cut (r0 ≥ 1). */
  minEpochs: number;
  /** Reduction factor η ≥ 2: keep ⌊n/η⌋ at each rung. */
  reductionFactor: number;
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


/** Rung epochs r0·η^i below `totalEpochs`. */
export function rungEpochs(totalEpochs: number, opts: HalvingOptions): number[] {
  const out: number[] = [];
  for (let r = opts.minEpochs; r < totalEpochs; r *= opts.reductionFactor) out.push(Math.round(r));
  return out;
}

/**
 * Replays successive halving. Trials with no finite score at a rung (diverged by then, or short)
 * are never promoted; a survivor that diverges later has final loss +∞ and cannot be chosen.
 * Correlations are those of the score at the first rung with the final loss (complete runs).
 */
export function successiveHalving(trials: readonly TpeTrial[], totalEpochs: number, opts: HalvingOptions): HalvingOutcome {
  const { minEpochs, reductionFactor } = opts;
  if (!Number.isInteger(minEpochs) || minEpochs < 1) throw new RangeError(`minEpochs must be an integer ≥ 1 but got ${minEpochs}`);
  if (!(reductionFactor >= 2) || !Number.isFinite(reductionFactor)) throw new RangeError(`reductionFactor must be ≥ 2 but got ${reductionFactor}`);
  if (!Number.isInteger(totalEpochs) || totalEpochs < 1) throw new RangeError(`total epochs must be an integer ≥ 1 but got ${totalEpochs}`);
  if (minEpochs >= totalEpochs) throw new RangeError(`minEpochs (${minEpochs}) must be below the total epochs (${totalEpochs})`);
  if (trials.length === 0) throw new RangeError("no trials to replay");

  let active = [...trials];
  const rungs: HalvingRung[] = [];
  for (const r of rungEpochs(totalEpochs, opts)) {
    const keep = Math.max(1, Math.floor(active.length / reductionFactor));
    const promoted = rankAt(active, r).slice(0, keep);
    rungs.push({ epoch: r, entered: active.length, promoted: promoted.map((t) => t.id) });
    active = promoted;
    if (active.length === 0) break;
  }
  const stopAt = rungStopEpochs(trials.map((t) => t.id), rungs);
  const r0 = minEpochs;
  const finisherIds = new Set(active.map((t) => t.id));
  return {
    budget_fraction: r0 / totalEpochs,
    budget_epoch: r0,
    keep: active.length,
    ...decisionOutcome(trials, finisherIds, (t) => stopAt.get(t.id) ?? totalEpochs, r0),
    min_epochs: r0,
    reduction_factor: reductionFactor,
    rungs,
    stop_epoch: Object.fromEntries(trials.map((t) => [t.id, Math.min(stopAt.get(t.id) ?? totalEpochs, t.epochs_run)])),
  };
}
