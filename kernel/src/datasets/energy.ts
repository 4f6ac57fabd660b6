/**
 * Energy of Supercloud jobs from their GPU power series. Pure. Per GPU, energy/'s one
 * integrator and gap rule (trapezoids, gaps over maxGapS left out), after spreading
 * whole-second timestamps; a job's energy is Σ_g E_g over its GPUs on all its nodes.
 */
import { seriesEnergy, spreadWholeSeconds } from "../energy/series";

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
    // Spread only over the rows that carry a power value, so the spacing reflects real samples.
    const t: number[] = [];
    const p: number[] = [];
    for (const r of rows) {
      const v = cols.powerW[r];
      if (v === null || !Number.isFinite(v) || !Number.isFinite(cols.tMs[r])) continue;
      t.push(cols.tMs[r]);
      p.push(v);
    }
    const { t_ms, spread } = spreadWholeSeconds(t);
    const e = seriesEnergy({ device: `gpu${g.gpu}`, kind: "power", t_ms, values: p }, { maxGapMs: maxGapS * 1000 });
    out.push({
      node: g.node,
      gpu_index: g.gpu,
      energy_j: e.energy_j,
      samples: e.samples,
      duration_s: e.covered_ms / 1000,
      mean_power_w: e.covered_ms > 0 ? (1000 * e.energy_j) / e.covered_ms : null,
      gaps: e.gaps,
      gap_s: e.missing_ms / 1000,
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

/** Code-point order (locale-independent, so output is the same everywhere). */
function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
