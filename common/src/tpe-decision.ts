/**
 * The TPE decision on recorded trials: train all to epoch T, keep the k lowest scores,
 * finish those. Pure, so the kernel and the browser slider compute exactly the same thing.
 */
import type { TpeDecision, TpePayload, TpeTrial } from "./payloads";
import { kendallTauB, spearman } from "./stats";

/** Epoch T for a budget fraction f of `totalEpochs` epochs: max(1, round(f · total)). */
export function budgetEpoch(fraction: number, totalEpochs: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`budget fraction must be in (0, 1] but got ${fraction}`);
  if (!(Number.isInteger(totalEpochs) && totalEpochs >= 1)) throw new RangeError(`total epochs must be an integer ≥ 1 but got ${totalEpochs}`);
  return Math.min(totalEpochs, Math.max(1, Math.round(fraction * totalEpochs)));
}

/** Energy of a trial's first `epochs` epochs (as far as it ran). */
export function energyTo(t: TpeTrial, epochs: number): number {
  const n = Math.min(epochs, t.epochs_run, t.epoch_energy.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += t.epoch_energy[i];
  return s;
}

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

/** Score of a trial if ranked after epoch T; null when it has none then (too short, failed, diverged). */
export function scoreAt(t: TpeTrial, T: number): number | null {
  return t.epochs_run >= T && !t.failed ? t.score_by_epoch[T - 1] : null;
}

/**
 * The ids that go on at a decision: the `keep` lowest finite scores, ties broken by id so results
 * reproduce; a candidate without a finite score (too short, failed, diverged) never goes on.
 * The one ranking rule of replays, live runs and the browser.
 */
export function keepBest(candidates: readonly { id: string; score: number | null }[], keep: number): string[] {
  return candidates
    .filter((c): c is { id: string; score: number } => finite(c.score))
    .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, keep)
    .map((c) => c.id);
}

/** `keepBest` of the trials by their score after epoch T. */
export function keepBestAt(trials: readonly TpeTrial[], T: number, keep: number): string[] {
  return keepBest(trials.map((t) => ({ id: t.id, score: scoreAt(t, T) })), keep);
}

/**
 * The epoch after which each trial lost a successive-halving rung: every trial enters the first
 * rung, the promoted ones enter the next. Trials that were never stopped are absent.
 */
export function rungStopEpochs(ids: readonly string[], rungs: readonly { epoch: number; promoted: readonly string[] }[]): Map<string, number> {
  const stop = new Map<string, number>();
  let entered = ids;
  for (const r of rungs) {
    const promoted = new Set(r.promoted);
    for (const id of entered) if (!promoted.has(id)) stop.set(id, r.epoch);
    entered = r.promoted;
  }
  return stop;
}

export type DecisionOutcome = Omit<TpeDecision, "budget_fraction" | "budget_epoch" | "keep">;

/**
 * What a stopping policy achieved: `keptIds` ran to the end, every other trial stopped after
 * `stopEpoch(t)` epochs. Rank correlation is of the score at `scoreEpoch` with the final loss
 * (complete runs only); runs without a finite final loss count as +∞ for the regret.
 */
export function decisionOutcome(
  trials: readonly TpeTrial[],
  keptIds: ReadonlySet<string>,
  stopEpoch: (t: TpeTrial) => number,
  scoreEpoch: number,
): DecisionOutcome {
  let used = 0;
  let all = 0;
  for (const t of trials) {
    all += energyTo(t, Infinity);
    used += energyTo(t, keptIds.has(t.id) ? Infinity : stopEpoch(t));
  }
  const finalOf = (t: TpeTrial) => (finite(t.final_loss) ? t.final_loss : Infinity);
  const byFinal = (a: TpeTrial, b: TpeTrial) => finalOf(a) - finalOf(b) || (a.id < b.id ? -1 : 1);
  const complete = trials.filter((t) => finite(t.final_loss));
  const trueBest = [...complete].sort(byFinal)[0];
  const kept = trials.filter((t) => keptIds.has(t.id));
  const chosen = kept.filter((t) => finite(t.final_loss)).sort(byFinal)[0];
  const paired = complete.filter((t) => finite(scoreAt(t, scoreEpoch)));
  const xs = paired.map((t) => scoreAt(t, scoreEpoch) as number);
  const ys = paired.map((t) => t.final_loss as number);
  const orNull = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    kept: kept.map((t) => t.id),
    stopped: trials.filter((t) => !keptIds.has(t.id)).map((t) => t.id),
    energy_used: used,
    energy_all: all,
    energy_saved_fraction: all > 0 ? 1 - used / all : 0,
    spearman: orNull(spearman(xs, ys)),
    kendall: orNull(kendallTauB(xs, ys)),
    chosen_id: chosen?.id ?? null,
    true_best_id: trueBest?.id ?? null,
    best_survived: trueBest !== undefined && keptIds.has(trueBest.id),
    regret: chosen && trueBest ? (chosen.final_loss as number) - (trueBest.final_loss as number) : null,
  };
}

/**
 * Applies the decision at budget fraction `fraction`, keeping `keep` trials.
 * Diverged trials cost the epochs they ran; one that diverged before T is never kept;
 * runs without a finite final loss count as +∞ and are left out of the correlations.
 */
export function tpeDecision(trials: readonly TpeTrial[], totalEpochs: number, fraction: number, keep: number): TpeDecision {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be an integer ≥ 1 but got ${keep}`);
  if (keep > trials.length) throw new RangeError(`keep (${keep}) is larger than the number of trials (${trials.length})`);
  const T = budgetEpoch(fraction, totalEpochs);
  const keptIds = new Set(keepBestAt(trials, T, keep));
  return { budget_fraction: fraction, budget_epoch: T, keep, ...decisionOutcome(trials, keptIds, () => T, T) };
}

/**
 * The epoch after which a stopped trial stopped as run: its successive-halving rung, where a
 * live trial was really stopped (`epochs_measured`), else the decision epoch.
 */
export function stopEpochAsRun(p: TpePayload): (t: TpeTrial) => number {
  const rungStop = p.policy?.kind === "sh" ? rungStopEpochs(p.trials.map((t) => t.id), p.policy.rungs) : new Map<string, number>();
  const T = p.decision?.budget_epoch ?? 1;
  return (t) => rungStop.get(t.id) ?? t.epochs_measured ?? T;
}

/** The loss drawn for a trial: validation loss where any was measured, else training loss. */
export function lossSeries(t: TpeTrial): { values: (number | null)[]; which: "val" | "train" } {
  if (t.val_loss?.some(finite)) return { values: t.val_loss, which: "val" };
  return { values: t.train_loss ?? [], which: "train" };
}
