/**
 * Training-speed estimators (Ru et al., NeurIPS 2021) and the early validation loss,
 * in the paper's form, plus the litmatter-compatible mode that reproduces ncfrey/litmatter's
 * TPE example. Lower is better for every score. Pure.
 */
import type { TrialCurve } from "./curves";
import { lcfitScore, type LcfitOptions } from "./lcfit";

/** Scores a trial can be ranked by. */
export type ScoreName = "tse" | "tse-e" | "tse-ema" | "val-loss" | "lcfit" | "lcfit-final";

export const SCORE_NAMES: readonly ScoreName[] = ["tse", "tse-e", "tse-ema", "val-loss", "lcfit", "lcfit-final"];

/** One line per score, for help texts and notebooks. */
export const SCORE_HELP: Record<ScoreName, string> = {
  tse: "TSE(T) = Σ_{t=1..T} ℓ̄_t, sum of epoch-mean training losses",
  "tse-e": "TSE-E(T,E) = Σ_{t=T−E+1..T} ℓ̄_t, the last E epochs only",
  "tse-ema": "TSE-EMA(T,γ) = Σ_{t=1..T} γ^(T−t) ℓ̄_t, older epochs down-weighted",
  "val-loss": "validation loss after epoch T (early stopping baseline)",
  lcfit: "mean slope of a fitted 1/(b1+b2·k)+b3 training-loss curve after burn-in (LCGA; more negative = faster)",
  "lcfit-final": "the fitted 1/(b1+b2·k)+b3 curve extrapolated to the last epoch",
};

export interface ScoreOptions {
  /** TSE-E window E in epochs (≥ 1). Default 1. */
  E?: number;
  /** TSE-EMA decay γ in (0, 1]. Default 0.9 (paper form). */
  gamma?: number;
  /** Loss-curve fit settings for `lcfit` and `lcfit-final`. */
  lcfit?: LcfitOptions;
  /** Epoch budget T_end, needed by `lcfit-final`. */
  totalEpochs?: number;
}

export const DEFAULT_E = 1;
export const DEFAULT_GAMMA = 0.9;
/** γ of litmatter's TrainingSpeedEstimator. */
export const LITMATTER_GAMMA = 0.999;

function checkT(T: number, available: number, what: string): void {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`${what}: epoch T must be an integer ≥ 1 but got ${T}`);
  if (T > available) throw new RangeError(`${what}: epoch T = ${T} is beyond the ${available} epochs recorded`);
}

export function checkE(E: number): void {
  if (!Number.isInteger(E) || E < 1) throw new RangeError(`E must be an integer ≥ 1 but got ${E}`);
}

export function checkGamma(gamma: number): void {
  if (!(gamma > 0 && gamma <= 1)) throw new RangeError(`gamma must be in (0, 1] but got ${gamma}`);
}

/** Value of epoch t (1-based), or NaN when missing or non-finite. */
function at(losses: ArrayLike<number | null>, t: number): number {
  const v = losses[t - 1];
  return typeof v === "number" && Number.isFinite(v) ? v : NaN;
}

/** TSE(T) = Σ_{t=1..T} ℓ̄_t. NaN if any ℓ̄_t is missing or non-finite. */
export function tse(epochLoss: ArrayLike<number | null>, T: number): number {
  checkT(T, epochLoss.length, "tse");
  let s = 0;
  for (let t = 1; t <= T; t++) s += at(epochLoss, t);
  return s;
}

/** TSE-E(T,E) = Σ_{t=T−E+1..T} ℓ̄_t; with E > T the sum starts at t = 1. NaN if a loss up to T is bad. */
export function tseE(epochLoss: ArrayLike<number | null>, T: number, E: number = DEFAULT_E): number {
  checkT(T, epochLoss.length, "tse-e");
  checkE(E);
  let s = 0;
  for (let t = 1; t <= T; t++) {
    const v = at(epochLoss, t);
    if (Number.isNaN(v)) return NaN; // a run that diverged before T has no score
    if (t >= T - E + 1) s += v;
  }
  return s;
}

/** TSE-EMA(T,γ) = Σ_{t=1..T} γ^(T−t) ℓ̄_t. NaN if any ℓ̄_t is missing or non-finite. */
export function tseEma(epochLoss: ArrayLike<number | null>, T: number, gamma: number = DEFAULT_GAMMA): number {
  checkT(T, epochLoss.length, "tse-ema");
  checkGamma(gamma);
  let s = 0;
  for (let t = 1; t <= T; t++) s += Math.pow(gamma, T - t) * at(epochLoss, t);
  return s;
}

/**
 * Early validation loss at T: the latest validation loss recorded at or before epoch T.
 * NaN if none is recorded or any loss up to T is non-finite.
 */
export function valLossAt(valLoss: ArrayLike<number | null>, T: number, trainLoss?: ArrayLike<number | null>): number {
  checkT(T, Math.max(valLoss.length, trainLoss?.length ?? 0), "val-loss");
  let last = NaN;
  for (let t = 1; t <= T; t++) {
    const v = valLoss[t - 1];
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return NaN;
      last = v;
    }
    const tr = trainLoss?.[t - 1];
    if (typeof tr === "number" && !Number.isFinite(tr)) return NaN;
  }
  return last;
}

/** ℓ̄_t from step losses: the plain mean of the steps of each epoch (NaN for an epoch without steps). */
export function epochMeansFromSteps(steps: readonly (readonly number[])[]): number[] {
  return steps.map((s) => {
    if (s.length === 0) return NaN;
    let sum = 0;
    for (const x of s) sum += x;
    return sum / s.length;
  });
}

/** The score `name` of a trial after epoch T; NaN where undefined (diverged or missing data). */
export function scoreAt(curve: TrialCurve, name: ScoreName, T: number, opts: ScoreOptions = {}): number {
  switch (name) {
    case "tse":
      return tse(curve.trainLoss, T);
    case "tse-e":
      return tseE(curve.trainLoss, T, opts.E ?? DEFAULT_E);
    case "tse-ema":
      return tseEma(curve.trainLoss, T, opts.gamma ?? DEFAULT_GAMMA);
    case "val-loss":
      return valLossAt(curve.valLoss, T, curve.trainLoss);
    case "lcfit":
    case "lcfit-final":
      return lcfitScore(curve, T, name === "lcfit" ? "slope" : "final", { ...opts.lcfit, totalEpochs: opts.totalEpochs });
  }
}

/**
 * The score after epoch T, or null where it is undefined: T beyond the epochs recorded, the run
 * diverged by T, or data are missing. Replays and live runs rank by this.
 */
export function definedScoreAt(curve: TrialCurve, name: ScoreName, T: number, opts: ScoreOptions = {}): number | null {
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`epoch T must be an integer ≥ 1 but got ${T}`);
  const recorded = name === "val-loss" ? Math.max(curve.trainLoss.length, curve.valLoss.length) : curve.trainLoss.length;
  if (T > recorded) return null;
  const s = scoreAt(curve, name, T, opts);
  return Number.isFinite(s) ? s : null;
}

/** score_by_epoch of the payload: definedScoreAt after each epoch T = 1..epochs recorded. */
export function scoresByEpoch(curve: TrialCurve, name: ScoreName, opts: ScoreOptions = {}): (number | null)[] {
  const n = Math.max(curve.trainLoss.length, curve.valLoss.length);
  const out: (number | null)[] = [];
  for (let T = 1; T <= n; T++) out.push(definedScoreAt(curve, name, T, opts));
  return out;
}

// ---------------------------------------------------------------------------------------------
// litmatter-compatible mode

/** One step row of a Lightning log: its 0-based epoch and the step's training loss. */
export interface StepRow {
  epoch: number;
  loss: number;
}

/** Output of litmatter's `TrainingSpeedEstimator.estimate` (energy aside). */
export interface LitmatterScores {
  tse: number;
  tse_e: number;
  tse_ema: number;
  /** One global B: the number of step rows in epoch T. */
  steps_per_epoch: number;
  /** Last epoch + 1. */
  T_end: number;
  /** Step rows in the log. */
  steps: number;
}

/**
 * litmatter's indexing (0-based epochs e, one global B = steps of epoch T):
 * tse = Σ_{e<T} ℓ / B; tse_e = Σ_{T−E+1 ≤ e ≤ T} ℓ / B; tse_ema = Σ_{e ≤ T} γ^(T−e) Σ ℓ / B.
 * Note that TSE-E and TSE-EMA include epoch T while TSE stops before it, as upstream does.
 * Epoch T must exist in the log.
 */
export function litmatterScores(rows: readonly StepRow[], T: number, opts: { E?: number; gamma?: number } = {}): LitmatterScores {
  const E = opts.E ?? DEFAULT_E;
  const gamma = opts.gamma ?? LITMATTER_GAMMA;
  checkE(E);
  checkGamma(gamma);
  if (!Number.isInteger(T) || T < 0) throw new RangeError(`epoch T must be an integer ≥ 0 but got ${T}`);
  if (rows.length === 0) throw new RangeError("the log has no step rows");
  const sums = new Map<number, number>();
  const counts = new Map<number, number>();
  let tseSum = 0;
  let tseeSum = 0;
  for (const r of rows) {
    sums.set(r.epoch, (sums.get(r.epoch) ?? 0) + r.loss);
    counts.set(r.epoch, (counts.get(r.epoch) ?? 0) + 1);
    if (r.epoch < T) tseSum += r.loss;
    if (r.epoch >= T - E + 1 && r.epoch <= T) tseeSum += r.loss;
  }
  const B = counts.get(T);
  if (!B) {
    const epochs = [...counts.keys()].sort((a, b) => a - b);
    throw new RangeError(`epoch ${T} is not in the log (it has epochs ${epochs[0]}..${epochs[epochs.length - 1]}); litmatter mode needs epoch T itself`);
  }
  let ema = 0;
  for (let e = 0; e <= T; e++) ema += ((sums.get(e) ?? 0) / B) * Math.pow(gamma, T - e);
  return {
    tse: tseSum / B,
    tse_e: tseeSum / B,
    tse_ema: ema,
    steps_per_epoch: B,
    T_end: rows[rows.length - 1].epoch + 1,
    steps: rows.length,
  };
}

// ---------------------------------------------------------------------------------------------
// one trial, every score

/** Scores of one trial after epoch T (null where undefined). */
export interface TpeScoreRow {
  id: string;
  tse: number | null;
  tse_e: number | null;
  tse_ema: number | null;
  val_loss: number | null;
  lcfit: number | null;
}

/** Every paper-form score of a trial after epoch T; RangeError when T is beyond its epochs. */
export function scoreRow(curve: TrialCurve, T: number, opts: ScoreOptions = {}): TpeScoreRow {
  const n = Math.max(curve.trainLoss.length, curve.valLoss.length);
  if (T > n) throw new RangeError(`--epoch ${T} is beyond the ${n} epochs of ${curve.id} in ${curve.source.file}`);
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    id: curve.id,
    tse: fin(scoreAt(curve, "tse", T, opts)),
    tse_e: fin(scoreAt(curve, "tse-e", T, opts)),
    tse_ema: fin(scoreAt(curve, "tse-ema", T, opts)),
    val_loss: fin(scoreAt(curve, "val-loss", T, opts)),
    lcfit: fin(lcfitScore(curve, T, "slope")),
  };
}
