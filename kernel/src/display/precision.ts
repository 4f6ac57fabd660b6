/**
 * Numbers that are only drawn need not carry 17 digits: a TPE replay of 172 trials × 50 epochs
 * was a 560 kB payload, mostly loss curves. Values that decisions are computed from (scores,
 * final losses, epoch energies) keep full precision, so the browser recomputes exactly.
 */
import type { TpeTrial } from "greenai-common";

/** Significant digits kept for drawn values: finer than any plot can show. */
export const DRAWN_DIGITS = 6;

/** x rounded to DRAWN_DIGITS significant digits; null and non-finite values pass through. */
export function drawn(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? x : Number(x.toPrecision(DRAWN_DIGITS));
}

/** The trial with its loss curves (drawn only, never ranked) rounded for the payload. */
export function trialForDisplay<T extends TpeTrial>(t: T): T {
  return { ...t, train_loss: t.train_loss.map(drawn), val_loss: t.val_loss.map(drawn) };
}
