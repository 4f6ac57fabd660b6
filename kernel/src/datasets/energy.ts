/**
 * Energy from GPU power series. Pure.
 *
 * Per GPU, samples in time order, nulls skipped: E_g = Σ ½(P_k + P_{k+1})(t_{k+1} − t_k) J;
 * a job's energy is Σ_g E_g over its GPUs on all its nodes.
 */

/** E = Σ ½(P_k + P_{k+1})(t_{k+1} − t_k), in joules; t in seconds, P in watts. NaN samples are skipped. */
export function energyJFromPower(tS: ArrayLike<number>, powerW: ArrayLike<number>, maxGapS = Infinity): number {
  return integrate(tS, powerW, maxGapS).energyJ;
}

interface Integral {
  energyJ: number;
  coveredS: number;
  gapS: number;
  gaps: number;
  samples: number;
}

function integrate(tS: ArrayLike<number>, powerW: ArrayLike<number>, maxGapS: number): Integral {
  if (tS.length !== powerW.length) throw new RangeError(`tS and powerW must have the same length but got ${tS.length} and ${powerW.length}`);
  let e = 0;
  let covered = 0;
  let gapS = 0;
  let gaps = 0;
  let samples = 0;
  let pt = NaN;
  let pp = NaN;
  for (let i = 0; i < tS.length; i++) {
    const t = tS[i];
    const p = powerW[i];
    if (!Number.isFinite(t) || !Number.isFinite(p)) continue;
    samples++;
    if (Number.isFinite(pt)) {
      const dt = t - pt;
      if (dt < 0) throw new RangeError(`samples must be in time order; t[${i}] = ${t} < ${pt}`);
      if (dt > maxGapS) {
        gapS += dt;
        gaps++;
      } else {
        e += 0.5 * (p + pp) * dt;
        covered += dt;
      }
    }
    pt = t;
    pp = p;
  }
  return { energyJ: e, coveredS: covered, gapS, gaps, samples };
}

/**
 * Gives rows that share a whole-second timestamp evenly spaced times within that second,
 * in row order (files with integer timestamps write ~10 rows per second per GPU, in order).
 * Times that are not all whole seconds are returned unchanged.
 */
export function spreadWholeSeconds(tS: ArrayLike<number>): { tS: Float64Array; spread: boolean } {
  const out = Float64Array.from(tS);
  let whole = true;
  let dup = false;
  for (let i = 0; i < out.length; i++) {
    if (Number.isFinite(out[i]) && !Number.isInteger(out[i])) whole = false;
    if (i > 0 && out[i] === out[i - 1]) dup = true;
  }
  if (!whole || !dup) return { tS: out, spread: false };
  let i = 0;
  while (i < out.length) {
    let j = i + 1;
    while (j < out.length && out[j] === out[i]) j++;
    const n = j - i;
    for (let k = 1; k < n; k++) out[i + k] = out[i] + k / n;
    i = j;
  }
  return { tS: out, spread: true };
}

/** Energy of one GPU of one node. */
export interface GpuEnergy {
  node: string | null;
  gpu_index: number;
  energy_j: number;
  /** Power samples used. */
  samples: number;
  /** Seconds between the first and last sample, excluding skipped gaps. */
  duration_s: number;
  /** energy_j / duration_s; null when duration is 0. */
  mean_power_w: number | null;
  /** Intervals longer than maxGapS are left out (logger stopped): count and seconds. */
  gaps: number;
  gap_s: number;
  /** "ms" for fractional timestamps; "whole-second" when rows sharing a second were spread over it. */
  timestamps: "ms" | "whole-second";
}

/** A job's GPU energy, as TPE reads it: `energy_j`, with the unit and how it was obtained. */
export interface JobEnergy {
  job_id: string;
  energy_j: number;
  energy_wh: number;
  unit: "J";
  source: string;
  measured: true;
  per_gpu: GpuEnergy[];
}

export interface EnergyOptions {
  /** Intervals between samples longer than this (s) are not integrated; default 60. */
  maxGapS?: number;
}

/**
 * Energy per (node, GPU) from GPU series columns. `tMs`: timestamps in ms; `gpuIndex` per row;
 * `powerW` (NaN or null = missing); `node` per row or one node for all.
 */
export function gpuEnergies(
  cols: { tMs: ArrayLike<number>; gpuIndex: ArrayLike<number>; powerW: ArrayLike<number | null>; node?: ArrayLike<string | null> | string },
  opts: EnergyOptions = {},
): GpuEnergy[] {
  const maxGapS = opts.maxGapS ?? 60;
  if (!(maxGapS > 0)) throw new RangeError(`maxGapS must be > 0 but got ${maxGapS}`);
  const n = cols.tMs.length;
  if (cols.gpuIndex.length !== n || cols.powerW.length !== n) throw new RangeError("tMs, gpuIndex and powerW must have the same length");
  const groups = new Map<string, { node: string | null; gpu: number; rows: number[] }>();
  for (let i = 0; i < n; i++) {
    const node = typeof cols.node === "string" ? cols.node : cols.node ? cols.node[i] : null;
    const gpu = cols.gpuIndex[i];
    const key = `${node ?? ""}\u0000${gpu}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { node: node ?? null, gpu, rows: [] }));
    g.rows.push(i);
  }
  const out: GpuEnergy[] = [];
  for (const g of groups.values()) {
    // Stable sort by time keeps the row order of equal (whole-second) timestamps.
    const rows = g.rows.slice().sort((a, b) => cols.tMs[a] - cols.tMs[b] || a - b);
    const t = rows.map((r) => cols.tMs[r] / 1000);
    const p = rows.map((r) => {
      const v = cols.powerW[r];
      return v === null ? NaN : v;
    });
    // Spread only over the rows that carry a power value, so the spacing reflects real samples.
    const keep = rows.map((_, k) => Number.isFinite(p[k]) && Number.isFinite(t[k]));
    const tk = t.filter((_, k) => keep[k]);
    const pk = p.filter((_, k) => keep[k]);
    const { tS, spread } = spreadWholeSeconds(tk);
    const r = integrate(tS, pk, maxGapS);
    out.push({
      node: g.node,
      gpu_index: g.gpu,
      energy_j: r.energyJ,
      samples: r.samples,
      duration_s: r.coveredS,
      mean_power_w: r.coveredS > 0 ? r.energyJ / r.coveredS : null,
      gaps: r.gaps,
      gap_s: r.gapS,
      timestamps: spread ? "whole-second" : "ms",
    });
  }
  out.sort((a, b) => cmpText(a.node ?? "", b.node ?? "") || a.gpu_index - b.gpu_index);
  return out;
}

/** A job's energy from its per-GPU energies. */
export function jobEnergy(jobId: string, perGpu: GpuEnergy[]): JobEnergy {
  const e = perGpu.reduce((a, g) => a + g.energy_j, 0);
  return {
    job_id: jobId,
    energy_j: e,
    energy_wh: e / 3600,
    unit: "J",
    source: "measured: Supercloud GPU power series (nvidia-smi power_draw_W), trapezoidal per GPU, summed",
    measured: true,
    per_gpu: perGpu,
  };
}

/**
 * Energy in each interval [b_i, b_{i+1}) (e.g. epochs, for TPE's epoch_energy), in joules.
 * Power is linear between samples; intervals outside the samples get 0. Boundaries in seconds, ascending.
 */
export function energyByIntervals(tS: ArrayLike<number>, powerW: ArrayLike<number>, boundariesS: readonly number[]): number[] {
  for (let i = 1; i < boundariesS.length; i++) {
    if (!(boundariesS[i] >= boundariesS[i - 1])) throw new RangeError(`boundaries must ascend but b[${i}] = ${boundariesS[i]} < ${boundariesS[i - 1]}`);
  }
  const out = new Array<number>(Math.max(0, boundariesS.length - 1)).fill(0);
  const t: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < tS.length; i++) if (Number.isFinite(tS[i]) && Number.isFinite(powerW[i])) (t.push(tS[i]), p.push(powerW[i]));
  const at = (x: number, k: number) => p[k] + ((p[k + 1] - p[k]) * (x - t[k])) / (t[k + 1] - t[k]);
  for (let k = 0; k + 1 < t.length; k++) {
    const a = t[k];
    const b = t[k + 1];
    if (b < a) throw new RangeError(`samples must be in time order; t[${k + 1}] = ${b} < ${a}`);
    if (b === a) continue;
    for (let i = 0; i < out.length; i++) {
      const lo = Math.max(a, boundariesS[i]);
      const hi = Math.min(b, boundariesS[i + 1]);
      if (hi > lo) out[i] += 0.5 * (at(lo, k) + at(hi, k)) * (hi - lo);
    }
  }
  return out;
}

/** Code-point order (locale-independent, so output is the same everywhere). */
function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
