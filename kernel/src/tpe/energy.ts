/**
 * Energy accounting for trials: power logs per GPU (summed over GPUs), split at epoch
 * boundaries, with energy/'s one integrator; average power × wall time; and a device power
 * model from the Zeus (NSDI'23) traces. Every estimate says how it was obtained. Pure.
 */
import { meanPowerW, seriesEnergy, windowEnergies, type DeviceSeries, type IntegrateOptions } from "../energy/series";
import { workloadKey, type PowerSweepRow } from "../energy/powercap";

/** Per-GPU summary of a power log. */
export interface GpuEnergy {
  gpu: string;
  joules: number;
  samples: number;
  /** First to last sample, seconds. */
  spanS: number;
  /** Seconds not integrated because a gap exceeded maxGapS. */
  missingS: number;
  meanPowerW: number;
}

export interface IntegrationOptions {
  /** Gaps between samples longer than this (seconds) count as missing, not integrated. Default ∞. */
  maxGapS?: number;
}

function integrateOptions(opts: IntegrationOptions): IntegrateOptions {
  return { maxGapMs: (opts.maxGapS ?? Infinity) * 1000 };
}

/** Energy of each GPU (energy/series' integrator and gap rule) and of all together: E_trial = Σ_g E_g. */
export function energyByGpu(series: readonly DeviceSeries[], opts: IntegrationOptions = {}): { gpus: GpuEnergy[]; joules: number } {
  const gpus = series.map((s) => {
    const e = seriesEnergy(s, integrateOptions(opts));
    const spanS = (e.covered_ms + e.missing_ms) / 1000;
    return { gpu: s.device, joules: e.energy_j, samples: e.samples, spanS, missingS: e.missing_ms / 1000, meanPowerW: meanPowerW(e) ?? NaN };
  });
  return { gpus, joules: gpus.reduce((a, g) => a + g.joules, 0) };
}

/** Energy of each epoch of a run and the seconds of each that the log covers. */
export interface EpochEnergy {
  perEpochJ: number[];
  /** Seconds of each epoch covered by samples (gaps and time outside the log excluded), averaged over GPUs. */
  coveredS: number[];
  /** Length of each epoch, seconds. */
  epochS: number[];
}

/**
 * Splits the energy of every GPU at epoch boundaries `boundariesMs` (start of epoch 1, end of
 * epoch 1, …, end of epoch n; same clock as the samples) and sums over GPUs.
 */
export function epochEnergyFromPower(series: readonly DeviceSeries[], boundariesMs: readonly number[], opts: IntegrationOptions = {}): EpochEnergy {
  if (boundariesMs.length < 2) throw new RangeError("epochEnergyFromPower needs at least 2 boundaries (start and end of epoch 1)");
  const n = boundariesMs.length - 1;
  const perEpochJ = new Array<number>(n).fill(0);
  const coveredS = new Array<number>(n).fill(0);
  for (const s of series) {
    windowEnergies(s, boundariesMs, integrateOptions(opts)).forEach((w, j) => {
      perEpochJ[j] += w.energy_j;
      coveredS[j] += w.covered_ms / 1000 / series.length;
    });
  }
  const epochS = boundariesMs.slice(1).map((b, i) => (b - boundariesMs[i]) / 1000);
  return { perEpochJ, coveredS, epochS };
}

/** carbontracker-style prediction: total ≈ mean J per measured epoch × epochs. */
export function extrapolateEnergyJ(measuredEpochJ: readonly number[], totalEpochs: number): number {
  if (measuredEpochJ.length === 0) throw new RangeError("extrapolateEnergyJ needs at least one measured epoch");
  const mean = measuredEpochJ.reduce((a, b) => a + b, 0) / measuredEpochJ.length;
  return mean * totalEpochs;
}

/** E = P̄ · t, in joules: an estimate from an average power (W) and a wall time (s). */
export function energyJFromAveragePower(powerW: number, seconds: number): number {
  if (!(powerW >= 0) || !Number.isFinite(powerW)) throw new RangeError(`average power must be a finite number ≥ 0 W but got ${powerW}`);
  if (!(seconds >= 0)) throw new RangeError(`wall time must be ≥ 0 s but got ${seconds}`);
  return powerW * seconds;
}

// ---------------------------------------------------------------------------------------------
// Device power model (Zeus NSDI'23 traces)

/** Watts and time scaling of one workload on one GPU at one power limit. */
export interface ZeusPowerModel {
  gpu: string;
  workload: string;
  powerLimitW: number;
  /** Average power drawn at that limit, W. */
  averagePowerW: number;
  timePerEpochS: number;
  /** time_per_epoch(limit) / time_per_epoch(highest limit): how much slower capping makes an epoch. */
  timeScale: number;
  /** Power limits the trace has for this workload. */
  limitsW: number[];
  source: string;
}

/**
 * Picks a workload's row at a power limit from a Zeus power table. `workload` is a full key
 * or a prefix matching exactly one (e.g. "squad/bert_base_uncased"); the limit defaults to the highest.
 */
export function devicePowerModel(rows: readonly PowerSweepRow[], opts: { gpu: string; workload: string; powerLimitW?: number; file?: string }): ZeusPowerModel {
  const keys = [...new Set(rows.map(workloadKey))].sort();
  const want = opts.workload.trim();
  const matches = keys.includes(want) ? [want] : keys.filter((k) => k.startsWith(want.endsWith("/") ? want : want + "/"));
  const where = opts.file ? ` in ${opts.file}` : "";
  if (matches.length !== 1) {
    const shown = (matches.length ? matches : keys).slice(0, 12).join(", ");
    throw new RangeError(
      matches.length === 0
        ? `workload ${JSON.stringify(want)} not found${where}; workloads are: ${shown}${keys.length > 12 ? ", …" : ""}`
        : `workload ${JSON.stringify(want)} matches ${matches.length} workloads${where}: ${shown}; give the full dataset/network/batch_size/optimizer`,
    );
  }
  const key = matches[0];
  const mine = rows.filter((r) => workloadKey(r) === key).sort((a, b) => a.power_limit - b.power_limit);
  const limits = mine.map((r) => r.power_limit);
  const top = mine[mine.length - 1];
  const limit = opts.powerLimitW ?? top.power_limit;
  const row = mine.find((r) => r.power_limit === limit);
  if (!row) throw new RangeError(`power limit ${limit} W is not in the trace for ${key}${where}; limits are ${limits.join(", ")} W`);
  const timeScale = row.time_per_epoch / top.time_per_epoch;
  return {
    gpu: opts.gpu,
    workload: key,
    powerLimitW: limit,
    averagePowerW: row.average_power,
    timePerEpochS: row.time_per_epoch,
    timeScale,
    limitsW: limits,
    source:
      `estimated: Zeus NSDI'23 ${opts.gpu.toUpperCase()} trace, ${key} at a ${limit} W limit: ` +
      `${row.average_power.toFixed(1)} W average × recorded wall time × ${timeScale.toFixed(3)} (epoch time vs the ${top.power_limit} W limit)`,
  };
}
