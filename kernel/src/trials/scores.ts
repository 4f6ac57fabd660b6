/**
 * Trial scores at epoch T (lower is better), on per-epoch losses ℓ̄_t (t = 1..T):
 *   tse      Σ_{t≤T} ℓ̄_t
 *   tse-e    Σ_{t=T−E+1..T} ℓ̄_t          (E = 1)
 *   tse-ema  Σ_{t≤T} γ^(T−t) ℓ̄_t         (γ = 0.9)
 *   val-loss validation loss after epoch T
 * A tiny local copy for live runs: the full estimators live in kernel/src/tpe (branch feat/tpe);
 * replace these by those when merged. Pure.
 */

export type ScoreName = "tse" | "tse-e" | "tse-ema" | "val-loss";
export const SCORE_NAMES: readonly ScoreName[] = ["tse", "tse-e", "tse-ema", "val-loss"];

export interface ScoreOptions {
  /** Window E of tse-e. Default 1. */
  window?: number;
  /** Discount γ of tse-ema. Default 0.9. */
  gamma?: number;
}

/**
 * Score after epoch T from per-epoch losses (index t − 1); null when an epoch ≤ T is missing
 * or any loss used is not finite (a diverged trial has no score).
 */
export function scoreAt(
  name: ScoreName,
  trainLoss: readonly (number | null)[],
  valLoss: readonly (number | null)[],
  T: number,
  opts: ScoreOptions = {},
): number | null {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`epoch T must be an integer ≥ 1 but got ${T}`);
  const ok = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);
  if (name === "val-loss") return ok(valLoss[T - 1]) ? valLoss[T - 1] : null;
  if (trainLoss.length < T) return null;
  const E = opts.window ?? 1;
  const g = opts.gamma ?? 0.9;
  let s = 0;
  for (let t = 1; t <= T; t++) {
    const l = trainLoss[t - 1];
    if (!ok(l)) return null;
    if (name === "tse") s += l;
    else if (name === "tse-e") s += t > T - E ? l : 0;
    else s += Math.pow(g, T - t) * l;
  }
  return s;
}

/** Scores after every epoch 1..n (null where undefined). */
export function scoresByEpoch(name: ScoreName, trainLoss: readonly (number | null)[], valLoss: readonly (number | null)[], opts: ScoreOptions = {}): (number | null)[] {
  const n = Math.max(trainLoss.length, valLoss.length);
  const out: (number | null)[] = [];
  for (let T = 1; T <= n; T++) out.push(scoreAt(name, trainLoss, valLoss, T, opts));
  return out;
}
