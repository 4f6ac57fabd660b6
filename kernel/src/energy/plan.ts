/**
 * Energy-to-accuracy plans (Zeus's headline: batch size and power limit chosen together). Pure.
 *
 * Per job (dataset, network, optimizer) and target metric:
 *   epochs(b) = median over runs of the epoch at which a run with batch size b reached the target
 *               (a batch size counts only if at least half of its runs reached it);
 *   E(b, L) = epochs(b) × time_per_epoch(b, L) × average_power(b, L), T(b, L) = epochs(b) × time_per_epoch(b, L).
 * The plan minimises Zeus's cost η·E + (1 − η)·P_max·T (η = 1: energy) over the (b, L) in both
 * traces, against the baseline: the default batch size at the highest limit.
 *
 * Default batch size: neither trace nor its README names one, so it is the given one
 * (`defaults`, keyed dataset/network/optimizer or dataset), else the median of the batch sizes
 * that reach the target and have a power sweep (the lower middle when their count is even).
 */
import { zeusCost } from "./tune";
import type { PowerSweepRow } from "./powercap";
import type { TrainTraceRow } from "./read-sweep";

export interface PlanPoint {
  batch_size: number;
  power_limit: number;
  /** Median epochs to the target over the runs that reached it. */
  epochs: number;
  /** J and s to reach the target. */
  energy_j: number;
  time_s: number;
}

export interface PlanRow {
  dataset: string;
  network: string;
  optimizer: string;
  target_metric: number;
  default_batch_size: number;
  /** "given" (from `defaults`) or "median" (the rule above). */
  default_from: "given" | "median";
  baseline: PlanPoint;
  best: PlanPoint;
  /** 1 − E(best) / E(baseline). */
  saved_fraction: number;
  /** T(best) / T(baseline) − 1. */
  time_change: number;
  /** Batch sizes that reached the target with a power sweep. */
  batch_sizes: number[];
}

export interface PlanOptions {
  /** Weight of energy in the cost, [0, 1]. Default 1 (energy alone). */
  eta?: number;
  /** Default batch size per "dataset/network/optimizer" or per "dataset". */
  defaults?: Readonly<Record<string, number>>;
}

/** The median of xs (mean of the two middle values when the count is even). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One plan row per (job, target metric) with a reachable target, in first-appearance order. */
export function planFromTraces(train: readonly TrainTraceRow[], power: readonly PowerSweepRow[], opts: PlanOptions = {}): PlanRow[] {
  const eta = opts.eta ?? 1;
  if (!(eta >= 0 && eta <= 1)) throw new RangeError(`eta must be in [0, 1] but got ${eta}`);
  const jobOf = (r: { dataset: string; network: string; optimizer: string }) => `${r.dataset}/${r.network}/${r.optimizer}`;
  // power rows by job and batch size
  const sweeps = new Map<string, PowerSweepRow[]>();
  for (const r of power) {
    if (r.batch_size === null) continue;
    const k = `${jobOf(r)}|${r.batch_size}`;
    const g = sweeps.get(k);
    if (g) g.push(r);
    else sweeps.set(k, [r]);
  }
  // runs per (job, batch) and reached epochs per (job, target, batch)
  const runs = new Map<string, Set<string>>();
  const reached = new Map<string, Map<number, number[]>>();
  for (const r of train) {
    const jb = `${jobOf(r)}|${r.batch_size}`;
    (runs.get(jb) ?? runs.set(jb, new Set()).get(jb)!).add(`${r.learning_rate}|${r.run}`);
    const jt = `${jobOf(r)}|${r.target_metric}`;
    const byBatch = reached.get(jt) ?? reached.set(jt, new Map()).get(jt)!;
    const epochs = byBatch.get(r.batch_size) ?? byBatch.set(r.batch_size, []).get(r.batch_size)!;
    if (r.target_epoch !== null) epochs.push(r.target_epoch);
  }
  const out: PlanRow[] = [];
  for (const [jt, byBatch] of reached) {
    const [job, target] = jt.split("|");
    const [dataset, network, optimizer] = job.split("/");
    const pMax = Math.max(...power.filter((r) => jobOf(r) === job).map((r) => r.power_limit));
    const points: PlanPoint[] = [];
    const batches: number[] = [];
    for (const [b, epochsList] of [...byBatch].sort((x, y) => x[0] - y[0])) {
      const sweep = sweeps.get(`${job}|${b}`);
      if (!sweep || epochsList.length === 0 || 2 * epochsList.length < runs.get(`${job}|${b}`)!.size) continue;
      batches.push(b);
      const epochs = median(epochsList);
      for (const s of sweep) points.push({ batch_size: b, power_limit: s.power_limit, epochs, energy_j: epochs * s.time_per_epoch * s.average_power, time_s: epochs * s.time_per_epoch });
    }
    if (!batches.length) continue;
    const given = opts.defaults?.[job] ?? opts.defaults?.[dataset];
    const defaultBatch = given !== undefined && batches.includes(given) ? given : batches[Math.floor((batches.length - 1) / 2)];
    const atDefault = points.filter((p) => p.batch_size === defaultBatch);
    const baseline = atDefault.reduce((a, p) => (p.power_limit > a.power_limit ? p : a));
    const cost = (p: PlanPoint) => zeusCost(eta, pMax, p.time_s, p.energy_j / p.time_s);
    const best = points.reduce((a, p) => (cost(p) < cost(a) || (cost(p) === cost(a) && p.time_s < a.time_s) ? p : a));
    out.push({
      dataset,
      network,
      optimizer,
      target_metric: Number(target),
      default_batch_size: defaultBatch,
      default_from: given !== undefined && batches.includes(given) ? "given" : "median",
      baseline,
      best,
      saved_fraction: 1 - best.energy_j / baseline.energy_j,
      time_change: best.time_s / baseline.time_s - 1,
      batch_sizes: batches,
    });
  }
  return out;
}
