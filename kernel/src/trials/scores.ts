/**
 * Scores of live trials at epoch T (lower is better): the TPE estimators of kernel/src/tpe
 * (paper form: TSE, TSE-E, TSE-EMA, early validation loss) on the per-epoch losses recorded
 * so far, with null where a score is undefined (epochs missing, or a loss not finite). Pure.
 */
import { DEFAULT_E, DEFAULT_GAMMA, tse, tseE, tseEma, valLossAt } from "../tpe/scores";

/** The scores a live run can rank by (the curve-fit scores need whole curves). */
export type ScoreName = "tse" | "tse-e" | "tse-ema" | "val-loss";
export const SCORE_NAMES: readonly ScoreName[] = ["tse", "tse-e", "tse-ema", "val-loss"];

export interface ScoreOptions {
  /** Window E of tse-e. Default 1. */
  window?: number;
  /** Discount γ of tse-ema. Default 0.9. */
  gamma?: number;
}

/** Score after epoch T from per-epoch losses (index t − 1); null when undefined. */
export function scoreAt(
  name: ScoreName,
  trainLoss: readonly (number | null)[],
  valLoss: readonly (number | null)[],
  T: number,
  opts: ScoreOptions = {},
): number | null {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`epoch T must be an integer ≥ 1 but got ${T}`);
  let s: number;
  if (name === "val-loss") {
    if (valLoss.length < T && trainLoss.length < T) return null;
    s = valLossAt(valLoss, T);
  } else {
    if (trainLoss.length < T) return null;
    if (name === "tse") s = tse(trainLoss, T);
    else if (name === "tse-e") s = tseE(trainLoss, T, opts.window ?? DEFAULT_E);
    else s = tseEma(trainLoss, T, opts.gamma ?? DEFAULT_GAMMA);
  }
  return Number.isFinite(s) ? s : null;
}

/** Scores after every epoch 1..n (null where undefined). */
export function scoresByEpoch(name: ScoreName, trainLoss: readonly (number | null)[], valLoss: readonly (number | null)[], opts: ScoreOptions = {}): (number | null)[] {
  const n = Math.max(trainLoss.length, valLoss.length);
  const out: (number | null)[] = [];
  for (let T = 1; T <= n; T++) out.push(scoreAt(name, trainLoss, valLoss, T, opts));
  return out;
}
