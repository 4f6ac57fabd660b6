/**
 * Attribution of device energy to the work running on it: at every instant, a device's
 * power is split among the intervals active on it (equally, or by weight). Energy while
 * nothing runs is "unattributed" (idle); time without samples is "missing". Pure.
 */
import { cleanSeries, segmentEnergyJ, type CleanSeries, type DeviceSeries } from "./series";

/** A span of time during which `key` (a trial, or a trial's epoch) ran on `device`. */
export interface ActiveInterval {
  key: string;
  /** Device label as in the series; undefined: every metered device. */
  device?: string;
  start_ms: number;
  end_ms: number;
  /** Share weight relative to the others active at the same time (default 1). */
  weight?: number;
}

export interface DeviceAttribution {
  /** Energy the device used over its sampled span, J. */
  total_j: number;
  attributed_j: number;
  /** Energy while no interval was active on the device (idle, other users), J. */
  unattributed_j: number;
  /** Sampled span skipped as a gap over maxGapMs. */
  gap_ms: number;
}

export interface Attribution {
  /** Joules per key, summed over devices. */
  by_key: Record<string, number>;
  /** Per key: interval time not covered by usable samples on some device, ms (summed over devices). */
  missing_ms_by_key: Record<string, number>;
  by_device: Record<string, DeviceAttribution>;
  total_j: number;
  attributed_j: number;
  unattributed_j: number;
}

export interface AttributeOptions {
  /** Sample gaps longer than this are missing data (not integrated). Default Infinity. */
  maxGapMs?: number;
}

function attributeDevice(c: CleanSeries, ivs: readonly ActiveInterval[], maxGap: number, out: Attribution): void {
  const dev: DeviceAttribution = { total_j: 0, attributed_j: 0, unattributed_j: 0, gap_ms: 0 };
  out.by_device[c.device] = dev;
  const usable = ivs.filter((iv) => iv.end_ms > iv.start_ms && (iv.weight ?? 1) > 0);
  for (const iv of usable) {
    if (!(iv.key in out.by_key)) out.by_key[iv.key] = 0;
    const first = c.t.length ? c.t[0] : Infinity;
    const last = c.t.length ? c.t[c.t.length - 1] : -Infinity;
    // time of the interval outside the sampled span
    const outside = Math.max(0, Math.min(iv.end_ms, first) - iv.start_ms) + Math.max(0, iv.end_ms - Math.max(iv.start_ms, last));
    const whole = iv.end_ms - iv.start_ms;
    out.missing_ms_by_key[iv.key] = (out.missing_ms_by_key[iv.key] ?? 0) + Math.min(whole, outside);
  }
  if (c.t.length < 2) return;
  const t0 = c.t[0];
  const tN = c.t[c.t.length - 1];
  const cuts = new Set<number>(c.t);
  for (const iv of usable) {
    if (iv.start_ms > t0 && iv.start_ms < tN) cuts.add(iv.start_ms);
    if (iv.end_ms > t0 && iv.end_ms < tN) cuts.add(iv.end_ms);
  }
  const times = [...cuts].sort((a, b) => a - b);
  const byStart = [...usable.keys()].sort((i, j) => usable[i].start_ms - usable[j].start_ms);
  let si = 0;
  const active = new Set<number>();
  let k = 0;
  for (let j = 0; j + 1 < times.length; j++) {
    const a = times[j];
    const b = times[j + 1];
    while (si < byStart.length && usable[byStart[si]].start_ms <= a) active.add(byStart[si++]);
    for (const i of active) if (usable[i].end_ms <= a) active.delete(i);
    while (c.t[k + 1] < b) k++;
    if (c.t[k + 1] - c.t[k] > maxGap) {
      dev.gap_ms += b - a;
      for (const i of active) out.missing_ms_by_key[usable[i].key] += b - a;
      continue;
    }
    const e = segmentEnergyJ(c, k, a, b);
    dev.total_j += e;
    if (active.size === 0) {
      dev.unattributed_j += e;
      continue;
    }
    let wsum = 0;
    for (const i of active) wsum += usable[i].weight ?? 1;
    for (const i of active) out.by_key[usable[i].key] += (e * (usable[i].weight ?? 1)) / wsum;
    dev.attributed_j += e;
  }
}

/**
 * Splits each device's energy among the intervals active on it. Energy is conserved:
 * Σ by_key + unattributed = Σ device totals (up to rounding).
 */
export function attributeEnergy(series: readonly DeviceSeries[], intervals: readonly ActiveInterval[], opts: AttributeOptions = {}): Attribution {
  const maxGap = opts.maxGapMs ?? Infinity;
  const out: Attribution = { by_key: {}, missing_ms_by_key: {}, by_device: {}, total_j: 0, attributed_j: 0, unattributed_j: 0 };
  const seen = new Set<string>();
  for (const s of series) {
    if (seen.has(s.device)) throw new RangeError(`device ${s.device} appears in two series; merge them first`);
    seen.add(s.device);
    const c = cleanSeries(s);
    attributeDevice(c, intervals.filter((iv) => iv.device === undefined || iv.device === s.device), maxGap, out);
  }
  for (const d of Object.values(out.by_device)) {
    out.total_j += d.total_j;
    out.attributed_j += d.attributed_j;
    out.unattributed_j += d.unattributed_j;
  }
  for (const iv of intervals) if (!(iv.key in out.by_key)) out.by_key[iv.key] = 0;
  return out;
}
