/**
 * Energy per notebook cell from the kernel's live meter. Pure. At every instant the power of
 * every metered device goes to the cell executing then; time between cells is idle, kept apart,
 * so that kernel total = Σ cells + idle (attribute.ts does the splitting; series.ts integrates).
 * A cell that ended after the last sample holds that sample's reading to the cell's end
 * (holdSeriesUntil); the exact value follows once a later sample has arrived. attributeCells
 * splits a whole session; cellEnergyJ gives one cell the same value, cheaply (the kernel's path).
 */
import { attributeEnergy, type ActiveInterval } from "./attribute";
import { windowEnergy, type DeviceSeries } from "./series";

/** One executed cell: its key (a cell id, or the execution count) and when it ran, ms since the epoch. */
export interface CellSpan {
  key: string;
  start_ms: number;
  end_ms: number;
}

export interface CellEnergy {
  joules: number;
  seconds: number;
  /** joules / seconds; 0 for a cell of no duration. */
  average_w: number;
  /** Time of the cell with no usable sample on some device (before the meter's first sample), ms summed over devices. */
  missing_ms: number;
}

export interface CellAttribution {
  by_cell: Record<string, CellEnergy>;
  /** Energy while no cell ran, J. */
  idle_j: number;
  /** All devices' energy over the sampled span (up to `untilMs` when given), J: Σ cells + idle. */
  total_j: number;
}

/**
 * Extends each series to `untilMs` by holding its last reading: a power series repeats its last
 * watts, an energy counter keeps rising at the rate of its last two readings. Series already
 * reaching `untilMs` are returned unchanged. Used for the interval since the last sample.
 * `maxHoldMs`: hold at most this long after a series' last sample (a meter that stopped
 * sampling leaves the rest missing rather than repeating a stale reading). Default: no limit.
 */
export function holdSeriesUntil(series: readonly DeviceSeries[], untilMs: number, maxHoldMs = Infinity): DeviceSeries[] {
  return series.map((s) => {
    let i = s.t_ms.length - 1;
    while (i >= 0 && (s.values[i] === null || !Number.isFinite(s.values[i] as number))) i--;
    if (i < 0) return s;
    untilMs = Math.min(untilMs, s.t_ms[i] + maxHoldMs);
    if (!(untilMs > s.t_ms[i])) return s;
    const last = s.values[i] as number;
    let value = last;
    if (s.kind === "energy-counter") {
      let j = i - 1;
      while (j >= 0 && (s.values[j] === null || !Number.isFinite(s.values[j] as number))) j--;
      const rate = j >= 0 && s.t_ms[i] > s.t_ms[j] ? Math.max(0, (last - (s.values[j] as number)) / (s.t_ms[i] - s.t_ms[j])) : 0;
      value = last + rate * (untilMs - s.t_ms[i]);
    }
    return { ...s, t_ms: [...s.t_ms, untilMs], values: [...s.values, value] };
  });
}

/**
 * Splits the devices' energy among cells (every device; cells must not overlap, as a kernel runs
 * one at a time) and idle time. `untilMs`: integrate up to this instant, holding the last readings
 * after the last sample (the live case); without it only sampled time counts.
 */
export function attributeCells(series: readonly DeviceSeries[], cells: readonly CellSpan[], opts: { untilMs?: number } = {}): CellAttribution {
  const seen = new Set<string>();
  for (const c of cells) {
    if (!(Number.isFinite(c.start_ms) && Number.isFinite(c.end_ms) && c.end_ms >= c.start_ms)) {
      throw new RangeError(`cell ${c.key}: end_ms must be a time ≥ start_ms but got ${c.start_ms}..${c.end_ms}`);
    }
    if (seen.has(c.key)) throw new RangeError(`cell key ${c.key} appears twice; give each execution its own key`);
    seen.add(c.key);
  }
  const held = opts.untilMs === undefined ? series : holdSeriesUntil(series, opts.untilMs);
  const intervals: ActiveInterval[] = cells.map((c) => ({ key: c.key, start_ms: c.start_ms, end_ms: c.end_ms }));
  const a = attributeEnergy(held, intervals);
  const by_cell: Record<string, CellEnergy> = {};
  for (const c of cells) {
    const joules = a.by_key[c.key] ?? 0;
    const seconds = (c.end_ms - c.start_ms) / 1000;
    by_cell[c.key] = { joules, seconds, average_w: seconds > 0 ? joules / seconds : 0, missing_ms: a.missing_ms_by_key[c.key] ?? 0 };
  }
  return { by_cell, idle_j: a.unattributed_j, total_j: a.total_j };
}

/**
 * The energy of one cell from startMs to endMs, J, summed over devices, holding the last readings
 * up to `untilMs`: what attributeCells gives a lone cell, by the one integrator directly (the
 * kernel computes it before every execute_reply, so it must cost microseconds).
 */
export function cellEnergyJ(series: readonly DeviceSeries[], startMs: number, endMs: number, untilMs: number = endMs, maxHoldMs = Infinity): number {
  if (!(endMs >= startMs)) throw new RangeError(`endMs must be ≥ startMs but got ${startMs}..${endMs}`);
  let j = 0;
  for (const s of holdSeriesUntil(series, untilMs, maxHoldMs)) j += windowEnergy(s, startMs, endMs).energy_j;
  return j;
}
