/**
 * Measured energy of recorded trials from their power logs (`%tpe replay --power-logs DIR`,
 * `%tpe score --power FILE`): one log per trial, read by energy/'s power-log reader, split into
 * epochs. Edge module: reads files.
 */
import * as path from "path";
import { DataFormatError, throwIfAborted } from "../errors";
import { powerLogFromFile, type PowerLog } from "../energy/power-log";
import type { TrialCurve } from "./curves";
import { energyByGpu } from "./energy";
import { trialEnergyFromLog } from "./trials";

export interface TrialPowerLogOptions {
  /** Sample gaps longer than this (s) are not integrated. Default ∞. */
  maxGapS?: number;
  signal?: AbortSignal;
  /** Called before each log is read, with the fraction done. */
  progress?: (message: string, fraction: number) => void;
}

/** Joules per epoch of every trial, and a sentence saying how they were measured. */
export interface TrialPowerLogEnergy {
  perTrialJ: Map<string, number[]>;
  source: string;
}

/**
 * Reads `<dir>/<trial id>.csv` for every trial and splits its energy into the epochs the trial
 * ran (by recorded wall time, or evenly without it). A DataFormatError lists trials without a log.
 */
export async function trialEnergiesFromPowerLogs(dir: string, trials: readonly TrialCurve[], opts: TrialPowerLogOptions = {}): Promise<TrialPowerLogEnergy> {
  const perTrialJ = new Map<string, number[]>();
  const splits = new Set<string>();
  const formats = new Set<string>();
  const missing: string[] = [];
  let i = 0;
  for (const c of trials) {
    throwIfAborted(opts.signal);
    opts.progress?.(`power log of ${c.id}`, i++ / trials.length);
    const file = path.join(dir, `${c.id}.csv`);
    let log: PowerLog;
    try {
      log = await powerLogFromFile(file, opts.signal);
    } catch (e) {
      if (e instanceof DataFormatError && /no such file/.test(e.message)) {
        missing.push(c.id);
        continue;
      }
      throw e;
    }
    formats.add(log.format);
    const n = Math.max(c.trainLoss.length, c.valLoss.length);
    const e = trialEnergyFromLog(log.series, c, n, { maxGapS: opts.maxGapS });
    splits.add(e.split);
    perTrialJ.set(c.id, e.perEpochJ);
  }
  if (missing.length) {
    throw new DataFormatError(
      `${dir}: no power log for ${missing.length} of ${trials.length} trials (expected files named <run_id>.csv, e.g. ${path.join(dir, `${missing[0]}.csv`)})`,
    );
  }
  const source =
    `measured: per-trial ${[...formats].join("/")} power logs in ${dir}, trapezoidal rule per GPU, summed; ` +
    [...splits].map((s) => (s === "uniform" ? "no epoch times: each log split evenly over its epochs" : "epochs placed by recorded wall time")).join("; ");
  return { perTrialJ, source };
}

/** A scored log's measured energy, total and per epoch (and per step in litmatter mode). */
export interface ScoreLogEnergy {
  total_kJ: number;
  per_epoch_kJ: number;
  /** litmatter mode: total / step rows (uniform power assumed, as litmatter does). */
  per_step_kJ: number | null;
  gpus: { gpu: string; kJ: number; samples: number; mean_power_W: number }[];
  source: string;
  measured: true;
}

/**
 * A scored log's measured energy: its power log integrated per GPU and summed, spread uniformly
 * over its epochs, and over its steps in litmatter mode (steps ≠ null).
 */
export function scoreLogEnergy(power: PowerLog, epochs: number, steps: number | null): ScoreLogEnergy {
  const e = energyByGpu(power.series);
  const kJ = e.joules / 1e3;
  const spread = `per epoch = total / ${epochs} epochs` + (steps === null ? "" : `, per step = total / ${steps} steps (uniform, as litmatter)`);
  return {
    total_kJ: kJ,
    per_epoch_kJ: kJ / epochs,
    per_step_kJ: steps === null ? null : kJ / steps,
    gpus: e.gpus.map((g) => ({ gpu: g.gpu, kJ: g.joules / 1e3, samples: g.samples, mean_power_W: g.meanPowerW })),
    source: `measured: ${power.format} log ${power.file}, trapezoidal rule per GPU, summed over ${e.gpus.length} GPU(s); ${spread}`,
    measured: true,
  };
}
