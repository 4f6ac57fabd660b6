/**
 * Trial output records: one JSON object per stdout line with at least `epoch` and
 * `train_loss`, optionally `step` and `val_loss`. Pure.
 *
 * Epoch rules:
 * - A record with `step` and without `val_loss` is a minibatch record; the epoch's loss is the
 *   mean of its minibatch losses (ℓ̄_t, the TSE input), and the epoch ends when a record of a
 *   later epoch or an epoch summary arrives, or when the trial ends.
 * - Any other record is an epoch summary and ends its epoch at once; its `train_loss` is used
 *   when the epoch had no minibatch records.
 * - Epochs are numbered as printed; a trial whose first record has epoch 0 counts from 0
 *   (Lightning style) and epoch e becomes t = e + 1.
 * - Lines that are not JSON objects (warnings, progress bars) are ignored. Python's `NaN`,
 *   `Infinity` and `-Infinity` are read as such: a non-finite loss marks the trial diverged.
 */

import { parsePythonJson } from "../io/jsonl";

export interface TrialRecord {
  epoch: number;
  train_loss: number;
  step?: number;
  /** null when printed as null; undefined when absent. */
  val_loss?: number | null;
  /** Every other field of the line (e.g. val_acc). */
  extra: Record<string, unknown>;
}

export type LineParse = { kind: "record"; record: TrialRecord } | { kind: "other" } | { kind: "invalid"; message: string };

/** Parses one output line. */
export function parseTrialLine(line: string): LineParse {
  const t = line.trim();
  if (!t.startsWith("{")) return { kind: "other" };
  let obj: unknown;
  try {
    obj = parsePythonJson(t);
  } catch {
    return { kind: "other" };
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return { kind: "other" };
  const o = obj as Record<string, unknown>;
  if (!("epoch" in o) && !("train_loss" in o)) return { kind: "other" };
  const epoch = o.epoch;
  if (typeof epoch !== "number" || !Number.isInteger(epoch) || epoch < 0) {
    return { kind: "invalid", message: `"epoch" must be an integer ≥ 0 but got ${JSON.stringify(epoch)}` };
  }
  const loss = o.train_loss;
  if (typeof loss !== "number") return { kind: "invalid", message: `"train_loss" must be a number but got ${JSON.stringify(loss)}` };
  const rec: TrialRecord = { epoch, train_loss: loss, extra: {} };
  if ("step" in o && o.step !== null) {
    if (typeof o.step !== "number" || !Number.isInteger(o.step)) return { kind: "invalid", message: `"step" must be an integer but got ${JSON.stringify(o.step)}` };
    rec.step = o.step;
  }
  if ("val_loss" in o) {
    if (o.val_loss !== null && typeof o.val_loss !== "number") return { kind: "invalid", message: `"val_loss" must be a number or null but got ${JSON.stringify(o.val_loss)}` };
    rec.val_loss = o.val_loss as number | null;
  }
  for (const [k, v] of Object.entries(o)) if (!["epoch", "train_loss", "step", "val_loss"].includes(k)) rec.extra[k] = v;
  return { kind: "record", record: rec };
}

/** A finished epoch of a trial. */
export interface EpochResult {
  /** 1-based epoch number t. */
  epoch: number;
  /** ℓ̄_t: mean minibatch loss, or the summary's train_loss. */
  train_loss: number;
  val_loss: number | null;
  /** Minibatch records seen in the epoch (0 for summary-only logs). */
  steps: number;
  /** When the epoch ended (arrival of its last record), ms since the epoch. */
  end_ms: number;
  /** Extra fields of the summary record (e.g. val_acc). */
  extra?: Record<string, unknown>;
}

/** Turns a trial's records, in arrival order, into finished epochs. */
export class EpochTracker {
  private offset: number | null = null;
  private open: { t: number; sum: number; n: number; lastMs: number } | null = null;
  private lastDone = 0;
  /** Records that were out of order or repeated, with why they were ignored. */
  readonly issues: string[] = [];

  /** Adds a record that arrived at tMs; returns the epochs it finished (0, 1 or 2). */
  add(rec: TrialRecord, tMs: number): EpochResult[] {
    if (this.offset === null) this.offset = rec.epoch === 0 ? 1 : 0;
    const t = rec.epoch + this.offset;
    const done: EpochResult[] = [];
    if (t < 1) {
      this.issues.push(`epoch ${rec.epoch} is below the first epoch; ignored`);
      return done;
    }
    if (t <= this.lastDone) {
      this.issues.push(`record of epoch ${rec.epoch} arrived after that epoch ended; ignored`);
      return done;
    }
    if (this.open && t > this.open.t) {
      done.push(this.closeOpen());
    }
    const summary = rec.step === undefined || rec.val_loss !== undefined;
    if (!summary) {
      if (!this.open) this.open = { t, sum: 0, n: 0, lastMs: tMs };
      this.open.sum += rec.train_loss;
      this.open.n++;
      this.open.lastMs = tMs;
      return done;
    }
    const steps = this.open && this.open.t === t ? this.open : null;
    this.open = null;
    this.lastDone = t;
    done.push({
      epoch: t,
      train_loss: steps && steps.n > 0 ? steps.sum / steps.n : rec.train_loss,
      val_loss: rec.val_loss ?? null,
      steps: steps?.n ?? 0,
      end_ms: tMs,
      ...(Object.keys(rec.extra).length ? { extra: rec.extra } : {}),
    });
    return done;
  }

  private closeOpen(): EpochResult {
    const o = this.open!;
    this.open = null;
    this.lastDone = o.t;
    return { epoch: o.t, train_loss: o.sum / o.n, val_loss: null, steps: o.n, end_ms: o.lastMs };
  }

  /** Ends the stream: an epoch of minibatch records still open is finished. */
  finish(): EpochResult[] {
    return this.open ? [this.closeOpen()] : [];
  }
}
