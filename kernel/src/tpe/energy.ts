/**
 * Energy accounting for trials: trapezoidal integration of power logs per GPU (summed over
 * GPUs), split at epoch boundaries; average power × wall time; and a device power model from
 * the Zeus (NSDI'23) traces. Every estimate says how it was obtained. Pure.
 */

/** One GPU's power samples, sorted by time: seconds (any origin) and watts. */
export interface PowerSeries {
  gpu: string;
  tS: Float64Array;
  powerW: Float64Array;
}

export interface IntegrationOptions {
  /** Gaps between samples longer than this (seconds) count as missing, not integrated. Default ∞. */
  maxGapS?: number;
}

/** E = Σ ½(P_k + P_{k+1})(t_{k+1} − t_k), in joules; samples sorted by time, gaps > maxGapS skipped. */
export function energyJFromPower(tS: ArrayLike<number>, powerW: ArrayLike<number>, opts: IntegrationOptions = {}): number {
  if (tS.length !== powerW.length) throw new RangeError(`energyJFromPower: ${tS.length} times but ${powerW.length} powers`);
  const maxGap = opts.maxGapS ?? Infinity;
  let e = 0;
  for (let k = 0; k + 1 < tS.length; k++) {
    const dt = tS[k + 1] - tS[k];
    if (dt < 0) throw new RangeError(`energyJFromPower: times must be sorted, but t[${k + 1}] = ${tS[k + 1]} < t[${k}] = ${tS[k]}`);
    if (dt > maxGap) continue;
    e += 0.5 * (powerW[k] + powerW[k + 1]) * dt;
  }
  return e;
}

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

/** Energy of each GPU (trapezoidal rule) and of all together: E_trial = Σ_g E_g. */
export function energyByGpu(series: readonly PowerSeries[], opts: IntegrationOptions = {}): { gpus: GpuEnergy[]; joules: number } {
  const maxGap = opts.maxGapS ?? Infinity;
  const gpus = series.map((s) => {
    const joules = energyJFromPower(s.tS, s.powerW, opts);
    let missing = 0;
    for (let k = 0; k + 1 < s.tS.length; k++) {
      const dt = s.tS[k + 1] - s.tS[k];
      if (dt > maxGap) missing += dt;
    }
    const spanS = s.tS.length ? s.tS[s.tS.length - 1] - s.tS[0] : 0;
    const covered = spanS - missing;
    return { gpu: s.gpu, joules, samples: s.tS.length, spanS, missingS: missing, meanPowerW: covered > 0 ? joules / covered : NaN };
  });
  return { gpus, joules: gpus.reduce((a, g) => a + g.joules, 0) };
}

/** Power at time t by linear interpolation between samples k and k+1. */
function lerp(s: PowerSeries, k: number, t: number): number {
  const t0 = s.tS[k];
  const t1 = s.tS[k + 1];
  if (t1 === t0) return s.powerW[k];
  return s.powerW[k] + ((s.powerW[k + 1] - s.powerW[k]) * (t - t0)) / (t1 - t0);
}

/** Energy of each epoch of a run and the seconds of each that the log covers. */
export interface EpochEnergy {
  perEpochJ: number[];
  /** Seconds of each epoch covered by samples (gaps and time outside the log excluded). */
  coveredS: number[];
  /** Length of each epoch, seconds. */
  epochS: number[];
}

/**
 * Splits the trapezoidal energy of every GPU at epoch boundaries `boundariesS`
 * (start of epoch 1, end of epoch 1, …, end of epoch n; same clock as the samples),
 * interpolating the power linearly at each boundary. Gaps > maxGapS are not integrated.
 */
export function epochEnergyFromPower(series: readonly PowerSeries[], boundariesS: readonly number[], opts: IntegrationOptions = {}): EpochEnergy {
  if (boundariesS.length < 2) throw new RangeError("epochEnergyFromPower needs at least 2 boundaries (start and end of epoch 1)");
  for (let i = 0; i + 1 < boundariesS.length; i++) {
    if (!(boundariesS[i + 1] >= boundariesS[i])) throw new RangeError(`epoch boundaries must be non-decreasing, but ${boundariesS[i + 1]} follows ${boundariesS[i]}`);
  }
  const maxGap = opts.maxGapS ?? Infinity;
  const n = boundariesS.length - 1;
  const perEpochJ = new Array<number>(n).fill(0);
  const coveredS = new Array<number>(n).fill(0);
  for (const s of series) {
    let e = 0; // epoch index of the current piece
    for (let k = 0; k + 1 < s.tS.length; k++) {
      const a = s.tS[k];
      const b = s.tS[k + 1];
      if (b - a > maxGap || b <= a) continue;
      // intersect [a, b] with each epoch [B_e, B_{e+1}]
      while (e > 0 && boundariesS[e] > a) e--;
      while (e < n && boundariesS[e + 1] <= a) e++;
      for (let j = e; j < n && boundariesS[j] < b; j++) {
        const lo = Math.max(a, boundariesS[j]);
        const hi = Math.min(b, boundariesS[j + 1]);
        if (hi <= lo) continue;
        perEpochJ[j] += 0.5 * (lerp(s, k, lo) + lerp(s, k, hi)) * (hi - lo);
        coveredS[j] += (hi - lo) / series.length;
      }
    }
  }
  const epochS = boundariesS.slice(1).map((b, i) => b - boundariesS[i]);
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

/** One row of Zeus's `summary_power_<gpu>.csv`. */
export interface ZeusPowerRow {
  dataset: string;
  network: string;
  batch_size: number;
  optimizer: string;
  /** GPU power limit, W. */
  power_limit: number;
  /** Seconds per epoch at that limit. */
  time_per_epoch: number;
  /** Average GPU power at that limit, W. */
  average_power: number;
}

/** Workload key `dataset/network/batch_size/optimizer`. */
export function zeusWorkloadKey(r: Pick<ZeusPowerRow, "dataset" | "network" | "batch_size" | "optimizer">): string {
  return `${r.dataset}/${r.network}/${r.batch_size}/${r.optimizer}`;
}

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
export function devicePowerModel(rows: readonly ZeusPowerRow[], opts: { gpu: string; workload: string; powerLimitW?: number; file?: string }): ZeusPowerModel {
  const keys = [...new Set(rows.map(zeusWorkloadKey))].sort();
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
  const mine = rows.filter((r) => zeusWorkloadKey(r) === key).sort((a, b) => a.power_limit - b.power_limit);
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
