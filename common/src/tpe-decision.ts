/**
 * The TPE decision on recorded trials: train all to epoch T, keep the k lowest scores,
 * finish those. Pure, so the kernel and the browser slider compute exactly the same thing.
 */
import type { TpeDecision, TpeTrial } from "./payloads";
import { kendallTauB, spearman } from "./stats";

/** Epoch T for a budget fraction f of `totalEpochs` epochs: max(1, round(f · total)). */
export function budgetEpoch(fraction: number, totalEpochs: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`budget fraction must be in (0, 1] but got ${fraction}`);
  if (!(Number.isInteger(totalEpochs) && totalEpochs >= 1)) throw new RangeError(`total epochs must be an integer ≥ 1 but got ${totalEpochs}`);
  return Math.min(totalEpochs, Math.max(1, Math.round(fraction * totalEpochs)));
}

function sum(xs: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < Math.min(to, xs.length); i++) s += xs[i];
  return s;
}

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

/**
 * Applies the decision at budget fraction `fraction`, keeping `keep` trials.
 * Diverged trials cost the epochs they ran; one that diverged before T is never kept;
 * runs without a finite final loss count as +∞ and are left out of the correlations.
 */
export function tpeDecision(trials: readonly TpeTrial[], totalEpochs: number, fraction: number, keep: number): TpeDecision {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be an integer ≥ 1 but got ${keep}`);
  if (keep > trials.length) throw new RangeError(`keep (${keep}) is larger than the number of trials (${trials.length})`);
  const T = budgetEpoch(fraction, totalEpochs);
  const scoreAtT = (t: TpeTrial) => (t.epochs_run >= T && !t.failed ? t.score_by_epoch[T - 1] : null);
  const eligible = trials
    .filter((t) => finite(scoreAtT(t)))
    .sort((a, b) => (scoreAtT(a) as number) - (scoreAtT(b) as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const keptSet = new Set(eligible.slice(0, keep).map((t) => t.id));

  let used = 0;
  let all = 0;
  for (const t of trials) {
    const ran = Math.min(t.epochs_run, t.epoch_energy.length);
    all += sum(t.epoch_energy, 0, ran);
    used += keptSet.has(t.id) ? sum(t.epoch_energy, 0, ran) : sum(t.epoch_energy, 0, Math.min(T, ran));
  }

  const finalOf = (t: TpeTrial) => (finite(t.final_loss) ? t.final_loss : Infinity);
  const byFinal = (a: TpeTrial, b: TpeTrial) => finalOf(a) - finalOf(b) || (a.id < b.id ? -1 : 1);
  const complete = trials.filter((t) => finite(t.final_loss));
  const trueBest = [...complete].sort(byFinal)[0];
  const keptTrials = trials.filter((t) => keptSet.has(t.id));
  const chosen = keptTrials.filter((t) => finite(t.final_loss)).sort(byFinal)[0];

  const paired = complete.filter((t) => finite(scoreAtT(t)));
  const xs = paired.map((t) => scoreAtT(t) as number);
  const ys = paired.map((t) => t.final_loss as number);
  const orNull = (x: number) => (Number.isFinite(x) ? x : null);

  return {
    budget_fraction: fraction,
    budget_epoch: T,
    keep,
    kept: keptTrials.map((t) => t.id),
    stopped: trials.filter((t) => !keptSet.has(t.id)).map((t) => t.id),
    energy_used: used,
    energy_all: all,
    energy_saved_fraction: all > 0 ? 1 - used / all : 0,
    spearman: orNull(spearman(xs, ys)),
    kendall: orNull(kendallTauB(xs, ys)),
    chosen_id: chosen?.id ?? null,
    true_best_id: trueBest?.id ?? null,
    best_survived: trueBest !== undefined && keptSet.has(trueBest.id),
    regret: chosen && trueBest ? (chosen.final_loss as number) - (trueBest.final_loss as number) : null,
  };
}
