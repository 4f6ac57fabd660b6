/**
 * Power-limit advice from a sweep (Zeus trace format): for each workload, the GPU power
 * limit that minimises energy per epoch, or Zeus's weighted cost η·E + (1 − η)·P_max·T,
 * with its time cost against the maximum limit. Pure.
 */

/** One measured point of a sweep: a workload at one power limit. */
export interface PowerSweepRow {
  dataset: string;
  network: string;
  /** null when the sweep has no batch_size column. */
  batch_size: number | null;
  optimizer: string;
  /** W. */
  power_limit: number;
  /** s. */
  time_per_epoch: number;
  /** W. */
  average_power: number;
}

export interface PowerLimitPoint {
  power_limit: number;
  time_per_epoch: number;
  average_power: number;
  /** time_per_epoch × average_power, J. */
  energy_per_epoch: number;
  /** η·E + (1 − η)·P_max·T, J. */
  cost: number;
}

export interface PowerLimitRecommendation {
  dataset: string;
  network: string;
  batch_size: number | null;
  optimizer: string;
  /** The chosen limit, W. */
  power_limit: number;
  /** J per epoch at the chosen limit. */
  energy_per_epoch: number;
  /** s per epoch at the chosen limit. */
  time_per_epoch: number;
  average_power: number;
  /** The same at the highest limit in the sweep (the default, uncapped setting). */
  at_max: { power_limit: number; energy_per_epoch: number; time_per_epoch: number; average_power: number };
  /** 1 − E_chosen / E_max. */
  energy_saving_fraction: number;
  /** T_chosen / T_max − 1: the extra time per epoch, as a fraction. */
  time_cost_fraction: number;
  /** Every limit of the sweep, ascending. */
  points: PowerLimitPoint[];
}

export interface PowercapOptions {
  /** Weight of energy in the cost, in [0, 1]; 1 minimises energy alone (default). */
  eta?: number;
  /** Only limits whose time per epoch is at most (1 + this) × the time at the maximum limit. */
  maxTimeIncrease?: number;
}

/**
 * Workload key of a row, `dataset/network/batch_size/optimizer`: the one spelling, shown to the
 * user and taken back (e.g. a device power model's workload), and the key rows are grouped by.
 */
export function workloadKey(r: Pick<PowerSweepRow, "dataset" | "network" | "batch_size" | "optimizer">): string {
  return `${r.dataset}/${r.network}/${r.batch_size ?? ""}/${r.optimizer}`;
}

/**
 * One recommendation per workload, in first-appearance order. The chosen limit minimises
 * cost (ties: the shorter time, then the lower limit).
 */
export function adviseFromSweep(rows: readonly PowerSweepRow[], opts: PowercapOptions = {}): PowerLimitRecommendation[] {
  const eta = opts.eta ?? 1;
  if (!(eta >= 0 && eta <= 1)) throw new RangeError(`eta must be in [0, 1] but got ${eta}`);
  if (opts.maxTimeIncrease !== undefined && !(opts.maxTimeIncrease >= 0)) {
    throw new RangeError(`maxTimeIncrease must be ≥ 0 but got ${opts.maxTimeIncrease}`);
  }
  const groups = new Map<string, PowerSweepRow[]>();
  for (const r of rows) {
    const k = workloadKey(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: PowerLimitRecommendation[] = [];
  for (const g of groups.values()) {
    const sorted = [...g].sort((a, b) => a.power_limit - b.power_limit);
    const pMax = sorted[sorted.length - 1].power_limit;
    const points: PowerLimitPoint[] = sorted.map((r) => {
      const e = r.time_per_epoch * r.average_power;
      return { power_limit: r.power_limit, time_per_epoch: r.time_per_epoch, average_power: r.average_power, energy_per_epoch: e, cost: eta * e + (1 - eta) * pMax * r.time_per_epoch };
    });
    const max = points[points.length - 1];
    const allowed = opts.maxTimeIncrease === undefined ? points : points.filter((p) => p.time_per_epoch <= (1 + opts.maxTimeIncrease!) * max.time_per_epoch);
    const best = [...(allowed.length ? allowed : [max])].sort((a, b) => a.cost - b.cost || a.time_per_epoch - b.time_per_epoch || a.power_limit - b.power_limit)[0];
    const first = g[0];
    out.push({
      dataset: first.dataset,
      network: first.network,
      batch_size: first.batch_size,
      optimizer: first.optimizer,
      power_limit: best.power_limit,
      energy_per_epoch: best.energy_per_epoch,
      time_per_epoch: best.time_per_epoch,
      average_power: best.average_power,
      at_max: { power_limit: max.power_limit, energy_per_epoch: max.energy_per_epoch, time_per_epoch: max.time_per_epoch, average_power: max.average_power },
      energy_saving_fraction: max.energy_per_epoch > 0 ? 1 - best.energy_per_epoch / max.energy_per_epoch : 0,
      time_cost_fraction: max.time_per_epoch > 0 ? best.time_per_epoch / max.time_per_epoch - 1 : 0,
      points,
    });
  }
  return out;
}
