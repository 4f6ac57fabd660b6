/**
 * Device power series and their energy: trapezoid integration, windows, gaps.
 * Pure: takes samples, returns joules. Times are milliseconds since the Unix epoch.
 */
import { energyJFromPower } from "../tpe/energy";

// One trapezoid integration for the whole library (it can also skip long gaps).
export { energyJFromPower };

/** How a series' values read: instantaneous watts, or a cumulative energy counter in joules. */
export type SeriesKind = "power" | "energy-counter";

/** One device's samples, sorted by time; null values (e.g. `[N/A]`) are skipped. */
export interface DeviceSeries {
  /** Device label, e.g. "gpu0@node-1", "cpu-package-0", "cpu". */
  device: string;
  kind: SeriesKind;
  t_ms: number[];
  /** Watts for "power", cumulative joules for "energy-counter". */
  values: (number | null)[];
  /** True when values come from a model (utilisation × power model), not a sensor. */
  estimated?: boolean;
}

export interface IntegrateOptions {
  /**
   * Segments between consecutive samples longer than this are missing data: not integrated,
   * counted in `missing_ms`. Default: Infinity (trust every segment).
   */
  maxGapMs?: number;
}


/** A series reduced to finite samples in time order (stable for equal times). */
export interface CleanSeries {
  device: string;
  kind: SeriesKind;
  t: number[];
  v: number[];
  estimated: boolean;
}

/** Drops null/non-finite values and sorts by time; equal times keep their order, later ones dropped. */
export function cleanSeries(s: DeviceSeries): CleanSeries {
  if (s.t_ms.length !== s.values.length) {
    throw new RangeError(`series ${s.device}: ${s.t_ms.length} times but ${s.values.length} values`);
  }
  const idx: number[] = [];
  for (let i = 0; i < s.t_ms.length; i++) {
    const v = s.values[i];
    if (typeof v === "number" && Number.isFinite(v) && Number.isFinite(s.t_ms[i])) idx.push(i);
  }
  idx.sort((a, b) => s.t_ms[a] - s.t_ms[b] || a - b);
  const t: number[] = [];
  const v: number[] = [];
  for (const i of idx) {
    // Several samples in one millisecond: keep one. For a cumulative counter keep the latest
    // reading, except at the very start, so that last − first still spans all the energy.
    if (t.length && t[t.length - 1] === s.t_ms[i]) {
      if (s.kind === "energy-counter" && t.length > 1) v[v.length - 1] = s.values[i] as number;
      continue;
    }
    t.push(s.t_ms[i]);
    v.push(s.values[i] as number);
  }
  return { device: s.device, kind: s.kind, t, v, estimated: s.estimated ?? false };
}

/** Value of a clean series at time x by linear interpolation; x must lie within [t_k, t_{k+1}]. */
function interpAt(c: CleanSeries, k: number, x: number): number {
  const t0 = c.t[k];
  const t1 = c.t[k + 1];
  if (t1 === t0) return c.v[k];
  return c.v[k] + ((c.v[k + 1] - c.v[k]) * (x - t0)) / (t1 - t0);
}

/**
 * Energy in joules between a and b (ms), both inside sample segment k (t_k ≤ a ≤ b ≤ t_{k+1}):
 * trapezoid of the linearly interpolated power, or the counter's linear increase.
 */
export function segmentEnergyJ(c: CleanSeries, k: number, a: number, b: number): number {
  if (c.kind === "energy-counter") {
    const d = interpAt(c, k, b) - interpAt(c, k, a);
    return Math.max(0, d);
  }
  return (0.5 * (interpAt(c, k, a) + interpAt(c, k, b)) * (b - a)) / 1000;
}

export interface WindowEnergy {
  energy_j: number;
  /** Time in the window covered by usable samples. */
  covered_ms: number;
  /** Time in the window not covered: before the first sample, after the last, or in gaps over maxGapMs. */
  missing_ms: number;
}

/** Energy of one device between fromMs and toMs, integrating only covered segments. */
export function windowEnergy(series: DeviceSeries | CleanSeries, fromMs: number, toMs: number, opts: IntegrateOptions = {}): WindowEnergy {
  const c = "values" in series ? cleanSeries(series) : series;
  const maxGap = opts.maxGapMs ?? Infinity;
  let e = 0;
  let covered = 0;
  if (toMs <= fromMs) return { energy_j: 0, covered_ms: 0, missing_ms: 0 };
  for (let k = 0; k + 1 < c.t.length; k++) {
    const a = Math.max(fromMs, c.t[k]);
    const b = Math.min(toMs, c.t[k + 1]);
    if (b <= a) continue;
    if (c.t[k + 1] - c.t[k] > maxGap) continue;
    e += segmentEnergyJ(c, k, a, b);
    covered += b - a;
  }
  return { energy_j: e, covered_ms: covered, missing_ms: toMs - fromMs - covered };
}

/** Energy of a whole series (from its first to its last sample). */
export function seriesEnergy(series: DeviceSeries, opts: IntegrateOptions = {}): WindowEnergy {
  const c = cleanSeries(series);
  if (c.t.length < 2) return { energy_j: 0, covered_ms: 0, missing_ms: 0 };
  return windowEnergy(c, c.t[0], c.t[c.t.length - 1], opts);
}

/** Mean power in watts of a window (energy / covered time); null when nothing is covered. */
export function meanPowerW(w: WindowEnergy): number | null {
  return w.covered_ms > 0 ? (1000 * w.energy_j) / w.covered_ms : null;
}
