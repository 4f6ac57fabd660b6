/**
 * The TPE policy on recorded trials (train all to f of the budget, keep the k best scores,
 * finish those), a sweep over many (f, k, score) settings with its trade-off frontier.
 * The decision itself is the shared `tpeDecision` of greenai-common, so the notebook slider
 * and the kernel agree exactly. Pure.
 */
import { budgetEpoch, tpeDecision, type TpeDecision, type TpeSweepPoint, type TpeTrial } from "greenai-common";
import { finishSteps, type Steps } from "../io/steps";

/** How many trials to keep: a count, or a fraction of the trials (rounded up, at least 1). */
export type KeepSpec = { count: number } | { fraction: number };

/**
 * Parses `--keep`: an integer ≥ 1 is a count ("3"), a number in (0, 1) a fraction ("0.1"),
 * a percentage a fraction too ("10%").
 */
export function parseKeep(text: string): KeepSpec {
  const t = text.trim();
  const pct = /^([0-9]*\.?[0-9]+)\s*%$/.exec(t);
  if (pct) {
    const f = Number(pct[1]) / 100;
    if (!(f > 0 && f <= 1)) throw new RangeError(`keep ${JSON.stringify(t)}: a percentage must be in (0, 100] %`);
    return { fraction: f };
  }
  const x = t === "" ? NaN : Number(t);
  if (!Number.isFinite(x) || x <= 0) throw new RangeError(`keep must be a count ≥ 1, a fraction in (0, 1) or a percentage, but got ${JSON.stringify(t)}`);
  if (x < 1) return { fraction: x };
  if (!Number.isInteger(x)) throw new RangeError(`keep ${JSON.stringify(t)}: a count must be a whole number (or give a fraction < 1)`);
  return { count: x };
}

/** The count k for N trials; RangeError when k > N. */
export function keepCount(keep: KeepSpec, nTrials: number): number {
  const k = "count" in keep ? keep.count : Math.max(1, Math.ceil(keep.fraction * nTrials - 1e-9));
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`keep must be at least 1 but got ${k}`);
  if (k > nTrials) throw new RangeError(`keep (${k}) is larger than the number of trials (${nTrials})`);
  return k;
}

/** Text form of a KeepSpec, as the user would type it. */
export function keepLabel(keep: KeepSpec): string {
  return "count" in keep ? String(keep.count) : `${+(keep.fraction * 100).toPrecision(6)}%`;
}

/** Checks a budget fraction f ∈ (0, 1]. */
export function checkBudget(fraction: number): void {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`budget fraction must be in (0, 1] but got ${fraction}`);
}

/** One TPE replay: the shared decision at fraction f keeping k (count or fraction) trials. */
export function replayTpe(trials: readonly TpeTrial[], totalEpochs: number, fraction: number, keep: KeepSpec): TpeDecision {
  checkBudget(fraction);
  if (!(Number.isInteger(totalEpochs) && totalEpochs >= 1)) throw new RangeError(`total epochs must be an integer ≥ 1 but got ${totalEpochs}`);
  if (trials.length === 0) throw new RangeError("no trials to replay");
  return tpeDecision(trials, totalEpochs, fraction, keepCount(keep, trials.length));
}

/** Trials scored one way, for a sweep. */
export interface ScoredTrials {
  score: string;
  trials: readonly TpeTrial[];
}

/**
 * Marks the trade-off frontier: a point is on it unless another saves at least as much with
 * no more regret, and is strictly better in one. A point with a null regret (no kept trial
 * finished: nothing was found) is never on it.
 */
export function paretoFlags(points: readonly { energy_saved_fraction: number; regret: number | null }[]): boolean[] {
  const valid = points.filter((q) => q.regret !== null) as { energy_saved_fraction: number; regret: number }[];
  return points.map((p) => {
    if (p.regret === null) return false;
    const r = p.regret;
    return !valid.some((q) => q.energy_saved_fraction >= p.energy_saved_fraction && q.regret <= r && (q.energy_saved_fraction > p.energy_saved_fraction || q.regret < r));
  });
}

/** A sweep point plus what it kept, for reports. */
export interface SweepPoint extends TpeSweepPoint {
  budget_epoch: number;
  keep_label: string;
  kendall: number | null;
  best_survived: boolean;
  energy_used: number;
}

/**
 * Evaluates every (f, k, score) setting with the shared decision and flags the frontier
 * (energy saved vs regret). Settings whose k exceeds N are skipped and listed in `skipped`.
 */
export function sweepTpe(
  scored: readonly ScoredTrials[],
  totalEpochs: number,
  fractions: readonly number[],
  keeps: readonly KeepSpec[],
  onPoint?: (done: number, total: number) => void,
): { points: SweepPoint[]; skipped: string[] } {
  return finishSteps(sweepTpeSteps(scored, totalEpochs, fractions, keeps, onPoint));
}

/** `sweepTpe` as steps, one setting each (io/steps.ts). */
export function* sweepTpeSteps(
  scored: readonly ScoredTrials[],
  totalEpochs: number,
  fractions: readonly number[],
  keeps: readonly KeepSpec[],
  onPoint?: (done: number, total: number) => void,
): Steps<{ points: SweepPoint[]; skipped: string[] }> {
  fractions.forEach(checkBudget);
  const points: SweepPoint[] = [];
  const skipped: string[] = [];
  const total = scored.length * fractions.length * keeps.length;
  let done = 0;
  for (const s of scored) {
    for (const f of fractions) {
      for (const keep of keeps) {
        done++;
        let k: number;
        try {
          k = keepCount(keep, s.trials.length);
        } catch (e) {
          skipped.push(`${s.score} f=${f} keep=${keepLabel(keep)}: ${(e as Error).message}`);
          continue;
        }
        const d = tpeDecision(s.trials, totalEpochs, f, k);
        points.push({
          budget_fraction: f,
          budget_epoch: d.budget_epoch,
          keep: k,
          keep_label: keepLabel(keep),
          score: s.score,
          energy_saved_fraction: d.energy_saved_fraction,
          energy_used: d.energy_used,
          regret: d.regret,
          spearman: d.spearman,
          kendall: d.kendall,
          best_survived: d.best_survived,
          pareto: false,
        });
        onPoint?.(done, total);
        yield;
      }
    }
  }
  const flags = paretoFlags(points);
  points.forEach((p, i) => (p.pareto = flags[i]));
  return { points, skipped };
}

/** The sweep point saving the most energy with regret ≤ maxRegret (ties: higher Spearman, then smaller f, k). */
export function bestSetting(points: readonly SweepPoint[], maxRegret = 0): SweepPoint | null {
  const ok = points.filter((p) => p.regret !== null && p.regret <= maxRegret);
  ok.sort(
    (a, b) =>
      b.energy_saved_fraction - a.energy_saved_fraction ||
      (b.spearman ?? -Infinity) - (a.spearman ?? -Infinity) ||
      a.budget_fraction - b.budget_fraction ||
      a.keep - b.keep,
  );
  return ok[0] ?? null;
}

export { budgetEpoch };
