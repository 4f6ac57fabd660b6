/**
 * Device power series and their energy: the one power-series type and the one integrator of
 * the library (whole series, one window, or many windows in one pass). Pure. Times are
 * milliseconds since the Unix epoch.
 *
 * Rules, the same for every caller:
 * - Power is linear between consecutive samples (trapezoid rule):
 *   E = Σ ½(P_k + P_{k+1})(t_{k+1} − t_k); a cumulative counter counts its increase.
 * - Gap rule: a segment between consecutive usable samples longer than maxGapMs (default ∞)
 *   is missing data: it is not integrated and its time is reported as missing, never filled in.
 *   Time before the first or after the last sample is missing too.
 * - Null and non-finite samples are dropped; samples are put in time order; of several samples
 *   in one millisecond the first is kept (a counter keeps the latest, see cleanSeries).
 */

/** How a series' values read: instantaneous watts, or a cumulative energy counter in joules. */
export type SeriesKind = "power" | "energy-counter";

/** One device's samples; null values (e.g. `[N/A]`) are skipped. */
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
  const estimated = s.estimated ?? false;
  // Readers and meters mostly hand over clean series already: use their arrays as they are.
  if (isClean(s)) return { device: s.device, kind: s.kind, t: s.t_ms, v: s.values as number[], estimated };
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
  return { device: s.device, kind: s.kind, t, v, estimated };
}

/** True when every value is a finite number and times strictly increase (nothing to clean). */
function isClean(s: DeviceSeries): boolean {
  const t = s.t_ms;
  const v = s.values;
  for (let i = 0; i < t.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isFinite(x) || !Number.isFinite(t[i])) return false;
    if (i > 0 && !(t[i] > t[i - 1])) return false;
  }
  return true;
}

/** Value of a clean series at time x by linear interpolation; x must lie within [t_k, t_{k+1}]. */
function interpAt(c: CleanSeries, k: number, x: number): number {
  const t0 = c.t[k];
  const t1 = c.t[k + 1];
  // The sample values themselves at the ends, so whole segments add up exactly as the plain sum.
  if (x === t0 || t1 === t0) return c.v[k];
  if (x === t1) return c.v[k + 1];
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

function asClean(series: DeviceSeries | CleanSeries): CleanSeries {
  return "values" in series ? cleanSeries(series) : series;
}

/**
 * Energy of one device in each window [b_i, b_{i+1}] of non-decreasing boundaries `boundariesMs`
 * (e.g. epoch ends), in one pass over samples and windows: O(N + M). Power is interpolated
 * linearly at the boundaries, so the windows add up to the energy over their whole span.
 */
export function windowEnergies(series: DeviceSeries | CleanSeries, boundariesMs: readonly number[], opts: IntegrateOptions = {}): WindowEnergy[] {
  for (let i = 0; i + 1 < boundariesMs.length; i++) {
    if (!(boundariesMs[i + 1] >= boundariesMs[i])) throw new RangeError(`window boundaries must be non-decreasing, but ${boundariesMs[i + 1]} follows ${boundariesMs[i]}`);
  }
  const m = Math.max(0, boundariesMs.length - 1);
  const energy = new Array<number>(m).fill(0);
  const covered = new Array<number>(m).fill(0);
  const c = asClean(series);
  const maxGap = opts.maxGapMs ?? Infinity;
  const t = c.t;
  const v = c.v;
  const power = c.kind === "power";
  // First segment that can reach the first window (binary search), then one pass.
  let lo = 0;
  let hi = Math.max(0, t.length - 1);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid + 1] <= (boundariesMs[0] ?? Infinity)) lo = mid + 1;
    else hi = mid;
  }
  let w = 0; // first window that can still meet the current segment
  for (let k = lo; k + 1 < t.length && w < m; k++) {
    const a = t[k];
    const b = t[k + 1];
    if (b - a > maxGap) continue;
    while (w < m && boundariesMs[w + 1] <= a) w++;
    for (let j = w; j < m && boundariesMs[j] < b; j++) {
      const from = Math.max(a, boundariesMs[j]);
      const to = Math.min(b, boundariesMs[j + 1]);
      if (to <= from) continue;
      // A whole power segment is the plain trapezoid (the hot case: whole series, long windows).
      energy[j] += power && from === a && to === b ? (0.5 * (v[k] + v[k + 1]) * (b - a)) / 1000 : segmentEnergyJ(c, k, from, to);
      covered[j] += to - from;
    }
  }
  return energy.map((e, j) => ({ energy_j: e, covered_ms: covered[j], missing_ms: boundariesMs[j + 1] - boundariesMs[j] - covered[j] }));
}

/** Energy of one device between fromMs and toMs, integrating only covered segments. */
export function windowEnergy(series: DeviceSeries | CleanSeries, fromMs: number, toMs: number, opts: IntegrateOptions = {}): WindowEnergy {
  if (!(toMs > fromMs)) return { energy_j: 0, covered_ms: 0, missing_ms: 0 };
  return windowEnergies(series, [fromMs, toMs], opts)[0];
}

/** A whole series' energy, with how many samples it used and how many gaps it skipped. */
export interface SeriesEnergy extends WindowEnergy {
  /** Usable samples (after dropping nulls and same-millisecond repeats). */
  samples: number;
  /** Segments left out as gaps over maxGapMs; their time is `missing_ms`. */
  gaps: number;
}

/** Energy of a whole series (from its first to its last sample). */
export function seriesEnergy(series: DeviceSeries | CleanSeries, opts: IntegrateOptions = {}): SeriesEnergy {
  const c = asClean(series);
  const n = c.t.length;
  if (n < 2) return { energy_j: 0, covered_ms: 0, missing_ms: 0, samples: n, gaps: 0 };
  const maxGap = opts.maxGapMs ?? Infinity;
  let gaps = 0;
  for (let k = 0; k + 1 < n; k++) if (c.t[k + 1] - c.t[k] > maxGap) gaps++;
  return { ...windowEnergies(c, [c.t[0], c.t[n - 1]], opts)[0], samples: n, gaps };
}

/** Mean power in watts of a window (energy / covered time); null when nothing is covered. */
export function meanPowerW(w: WindowEnergy): number | null {
  return w.covered_ms > 0 ? (1000 * w.energy_j) / w.covered_ms : null;
}

/**
 * E = Σ ½(P_k + P_{k+1})(t_{k+1} − t_k), in joules, for plain arrays: t in seconds, P in watts.
 * Non-finite samples are skipped; the others must be in time order. Gaps over maxGapS are left out.
 */
export function energyJFromPower(tS: ArrayLike<number>, powerW: ArrayLike<number>, opts: { maxGapS?: number } = {}): number {
  if (tS.length !== powerW.length) throw new RangeError(`energyJFromPower: ${tS.length} times but ${powerW.length} powers; they must have the same length`);
  const t_ms: number[] = [];
  const values: number[] = [];
  let prev = -Infinity;
  for (let i = 0; i < tS.length; i++) {
    if (!Number.isFinite(tS[i]) || !Number.isFinite(powerW[i])) continue;
    if (tS[i] < prev) throw new RangeError(`energyJFromPower: times must be sorted (in time order), but t[${i}] = ${tS[i]} < ${prev}`);
    prev = tS[i];
    t_ms.push(tS[i] * 1000);
    values.push(powerW[i]);
  }
  return seriesEnergy({ device: "", kind: "power", t_ms, values }, { maxGapMs: (opts.maxGapS ?? Infinity) * 1000 }).energy_j;
}

/**
 * Whole-second timestamps (Supercloud files, nvidia-smi logs without milliseconds) put ~10 rows
 * of a GPU in one second, in row order. When every time of a series is a whole second and some
 * repeat, the rows sharing a second are spread evenly over it, in row order; other series are
 * returned unchanged. Times in ms; the input must be in time order.
 */
export function spreadWholeSeconds(tMs: ArrayLike<number>): { t_ms: number[]; spread: boolean } {
  const out = Array.from(tMs);
  let whole = true;
  let dup = false;
  for (let i = 0; i < out.length; i++) {
    if (Number.isFinite(out[i]) && out[i] % 1000 !== 0) whole = false;
    if (i > 0 && out[i] === out[i - 1]) dup = true;
  }
  if (!whole || !dup) return { t_ms: out, spread: false };
  let i = 0;
  while (i < out.length) {
    let j = i + 1;
    while (j < out.length && out[j] === out[i]) j++;
    const n = j - i;
    for (let k = 1; k < n; k++) out[i + k] = out[i] + (1000 * k) / n;
    i = j;
  }
  return { t_ms: out, spread: true };
}
