/**
 * Hardware selection from power sweeps of several GPU types (pure): the same job
 * (dataset/network/batch_size/optimizer) side by side, each GPU at its own best limit, and the
 * GPU that minimises the objective per epoch with its margin to the runner-up.
 * Objectives: energy (J), time (s), dollars (price per hour × time). The best limit per GPU
 * minimises energy for "energy" and time for "time" and "dollars" (adviseFromSweep).
 */
import { adviseFromSweep, workloadKey, type PowerSweepRow } from "./powercap";

export type GpuCompareObjective = "energy" | "time" | "dollars";

export interface GpuAtBest {
  gpu: string;
  power_limit: number;
  energy_per_epoch: number;
  time_per_epoch: number;
  /** $ per epoch; null without a price for this GPU. */
  dollars_per_epoch: number | null;
}

export interface GpuCompareRow {
  workload: string;
  /** One per GPU that has the job, in the order the sweeps were given. */
  gpus: GpuAtBest[];
  /** The GPU with the least objective. */
  pick: string;
  /** (runner-up − pick) / runner-up in the objective. */
  margin: number;
  runner_up: string;
}

export interface GpuCompareOptions {
  objective?: GpuCompareObjective;
  /** $ per hour per GPU name (needed for every GPU with objective "dollars"). */
  prices?: Readonly<Record<string, number>>;
  /** Only limits at most this fraction slower than each GPU's highest limit. */
  maxSlowdown?: number;
}

/** Jobs found in at least two sweeps, in the first sweep's order (then the others'). */
export function compareGpus(sweeps: readonly { gpu: string; rows: readonly PowerSweepRow[] }[], opts: GpuCompareOptions = {}): GpuCompareRow[] {
  const objective = opts.objective ?? "energy";
  const prices = opts.prices ?? {};
  if (objective === "dollars") {
    const missing = sweeps.map((s) => s.gpu).filter((g) => !(prices[g] > 0));
    if (missing.length) throw new RangeError(`objective dollars needs a price for every GPU; missing: ${missing.join(", ")} (give --price ${missing.map((g) => `${g}=USD_PER_HOUR`).join(",")})`);
  }
  const eta = objective === "energy" ? 1 : 0;
  const byJob = new Map<string, GpuAtBest[]>();
  for (const s of sweeps) {
    for (const r of adviseFromSweep(s.rows, { eta, maxTimeIncrease: opts.maxSlowdown })) {
      const k = workloadKey(r);
      const price = prices[s.gpu];
      const at: GpuAtBest = { gpu: s.gpu, power_limit: r.power_limit, energy_per_epoch: r.energy_per_epoch, time_per_epoch: r.time_per_epoch, dollars_per_epoch: price > 0 ? (price * r.time_per_epoch) / 3600 : null };
      (byJob.get(k) ?? byJob.set(k, []).get(k)!).push(at);
    }
  }
  const value = (g: GpuAtBest) => (objective === "energy" ? g.energy_per_epoch : objective === "time" ? g.time_per_epoch : (g.dollars_per_epoch as number));
  const out: GpuCompareRow[] = [];
  for (const [workload, gpus] of byJob) {
    if (gpus.length < 2) continue;
    const ranked = [...gpus].sort((a, b) => value(a) - value(b));
    const [first, second] = ranked;
    out.push({ workload, gpus, pick: first.gpu, runner_up: second.gpu, margin: (value(second) - value(first)) / value(second) });
  }
  return out;
}
