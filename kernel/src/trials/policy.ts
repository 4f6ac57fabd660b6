/**
 * Stopping schedules for live runs: every surviving trial runs to a rung epoch, is held
 * there, and when all have arrived the `keep` best scores go on. TPE is one rung (train all
 * to T = f·T_end, keep k); TSE successive halving is several, keeping 1/η at each. Pure.
 */
import { budgetEpoch } from "greenai-common";

export interface Rung {
  /** Epoch (1-based) at which the survivors are ranked. */
  epoch: number;
  /** How many go on past it. */
  keep: number;
}

export type StopMethod = "tpe" | "sh" | "none";

/** TPE: one rung at T = max(1, round(f · totalEpochs)) keeping k (none when T is the last epoch). */
export function tpeRungs(totalEpochs: number, fraction: number, keep: number, trials: number): Rung[] {
  checkCommon(totalEpochs, keep, trials);
  const T = budgetEpoch(fraction, totalEpochs);
  return T < totalEpochs && keep < trials ? [{ epoch: T, keep }] : [];
}

/**
 * Successive halving: rungs at r_i = round(T₀ · η^i) (T₀ = round(f · T_end)) while r_i < T_end,
 * each keeping max(k, ⌈survivors / η⌉); stops adding rungs once k remain.
 */
export function halvingRungs(totalEpochs: number, fraction: number, eta: number, keep: number, trials: number): Rung[] {
  checkCommon(totalEpochs, keep, trials);
  if (!(eta > 1)) throw new RangeError(`eta (the reduction factor) must be > 1 but got ${eta}`);
  const rungs: Rung[] = [];
  let survivors = trials;
  let epoch = budgetEpoch(fraction, totalEpochs);
  let i = 0;
  while (epoch < totalEpochs && survivors > keep) {
    const k = Math.max(keep, Math.ceil(survivors / eta));
    if (!rungs.length || epoch > rungs[rungs.length - 1].epoch) rungs.push({ epoch, keep: k });
    else rungs[rungs.length - 1].keep = k;
    survivors = k;
    i++;
    epoch = Math.min(totalEpochs, Math.round(budgetEpoch(fraction, totalEpochs) * Math.pow(eta, i)));
  }
  return rungs;
}

function checkCommon(totalEpochs: number, keep: number, trials: number): void {
  if (!Number.isInteger(totalEpochs) || totalEpochs < 1) throw new RangeError(`totalEpochs must be an integer ≥ 1 but got ${totalEpochs}`);
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`trials must be an integer ≥ 1 but got ${trials}`);
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be an integer ≥ 1 but got ${keep}`);
  if (keep > trials) throw new RangeError(`keep (${keep}) is larger than the number of trials (${trials})`);
}

/**
 * The ids that go on: the `keep` lowest scores, ties broken by id (the order of
 * greenai-common's tpeDecision); trials without a finite score are never kept.
 */
export function decideRung(candidates: readonly { id: string; score: number | null }[], keep: number): string[] {
  return candidates
    .filter((c) => typeof c.score === "number" && Number.isFinite(c.score))
    .sort((a, b) => (a.score as number) - (b.score as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, keep)
    .map((c) => c.id);
}
