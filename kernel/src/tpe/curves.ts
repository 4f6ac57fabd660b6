/**
 * Recorded training curves, as every reader returns them, and what a replay needs to know
 * about each run: how far it ran, whether it diverged, and its final validation loss.
 * Pure: no file access here.
 */

/** Where a value came from, for messages: file and 1-based line. */
export interface Provenance {
  file: string;
  line?: number;
}

/**
 * One recorded trial. Epoch t (1-based) is array index t − 1 in every per-epoch array.
 * A number may be NaN or ±Infinity (the run diverged); null means "not recorded".
 */
export interface TrialCurve {
  id: string;
  /** ℓ̄_t: mean training loss of epoch t (plain mean of its step losses when steps are known). */
  trainLoss: (number | null)[];
  /** Validation loss after epoch t. */
  valLoss: (number | null)[];
  /** Wall-clock seconds of epoch t, when recorded. */
  wallTimeS?: (number | null)[];
  /** Step (minibatch) training losses of epoch t, in log order, when recorded. */
  stepLoss?: number[][];
  /** Source status text, e.g. NAS-Bench-NLP's "loss is nan!". */
  status?: string;
  /** Hyper-parameters or other per-run facts. */
  params?: Record<string, string | number | boolean | null>;
  source: Provenance;
}

/** A set of trials read from one source. */
export interface CurveSet {
  trials: TrialCurve[];
  /** Full epoch budget T_end: the longest run unless given. */
  totalEpochs: number;
  /** What was read, e.g. the file path. */
  source: string;
  /** Format that was recognised, e.g. "long-csv", "lightning-csv", "jsonl". */
  format: string;
  /** Facts worth telling the user (columns used, side files read). */
  notes: string[];
}

/** Why a run is not a complete, finite run. */
export type RunProblem = "diverged" | "incomplete";

/** What a replay knows about one run. */
export interface RunStatus {
  id: string;
  /** Epochs the run has rows for. */
  epochsRun: number;
  /** First epoch (1-based) with a non-finite train or validation loss; null if none. */
  divergedAtEpoch: number | null;
  /** True when the run has a non-finite loss or its source status says so. */
  diverged: boolean;
  /** Final validation loss of a complete, finite run; null otherwise. */
  finalLoss: number | null;
  /** Null for a complete, finite run. */
  problem: RunProblem | null;
  /** Human-readable reason when `problem` is set. */
  reason: string | null;
}

const isNonFinite = (x: number | null | undefined): boolean => typeof x === "number" && !Number.isFinite(x);

/** True when a status text from the source reports a non-finite loss (e.g. "loss is nan!"). */
export function statusSaysDiverged(status: string | undefined): boolean {
  return status !== undefined && /\b(nan|inf|infinity|diverged?)\b/i.test(status);
}

/**
 * Classifies a run. Complete = it has `totalEpochs` epochs, every recorded loss is finite and
 * a validation loss is recorded at or before its last epoch; its final loss is the latest
 * recorded validation loss. A run with any non-finite loss is diverged (never "complete").
 */
export function runStatus(curve: TrialCurve, totalEpochs: number): RunStatus {
  const epochsRun = Math.max(curve.trainLoss.length, curve.valLoss.length);
  let divergedAtEpoch: number | null = null;
  for (let t = 0; t < epochsRun; t++) {
    if (isNonFinite(curve.trainLoss[t]) || isNonFinite(curve.valLoss[t]) || (curve.stepLoss?.[t] ?? []).some((x) => !Number.isFinite(x))) {
      divergedAtEpoch = t + 1;
      break;
    }
  }
  const statusDiverged = statusSaysDiverged(curve.status);
  const diverged = divergedAtEpoch !== null || statusDiverged;
  if (diverged) {
    const where = divergedAtEpoch !== null ? `non-finite loss at epoch ${divergedAtEpoch}` : `status ${JSON.stringify(curve.status)}`;
    return {
      id: curve.id,
      epochsRun,
      divergedAtEpoch,
      diverged: true,
      finalLoss: null,
      problem: "diverged",
      reason: `diverged (${where}; ran ${epochsRun} of ${totalEpochs} epochs)`,
    };
  }
  let finalLoss: number | null = null;
  for (let t = epochsRun - 1; t >= 0; t--) {
    const v = curve.valLoss[t];
    if (typeof v === "number") {
      finalLoss = v;
      break;
    }
  }
  const finite = { id: curve.id, epochsRun, divergedAtEpoch: null, diverged: false } as const;
  if (epochsRun < totalEpochs) return { ...finite, finalLoss: null, problem: "incomplete", reason: `incomplete (ran ${epochsRun} of ${totalEpochs} epochs)` };
  if (finalLoss === null) return { ...finite, finalLoss: null, problem: "incomplete", reason: "incomplete (no validation loss recorded)" };
  return { ...finite, finalLoss, problem: null, reason: null };
}

/** The longest run's epoch count: the default T_end of a set of curves. */
export function longestRun(trials: readonly TrialCurve[]): number {
  let n = 0;
  for (const t of trials) n = Math.max(n, t.trainLoss.length, t.valLoss.length);
  return n;
}
