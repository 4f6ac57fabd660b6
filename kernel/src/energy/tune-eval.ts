/**
 * The tuner's replay experiment on recorded sweeps (pure): each workload of a sweep is a new
 * job whose probes are read from the sweep; the recommended limit is scored against the
 * sweep's own minimum (over the limits meeting the slowdown bound, when one is given).
 * Baselines on the same jobs: probe low/middle/high and take the best; a quadratic through
 * those three probes; the full sweep. Used by bench/energy-tune.bench.js and the tests.
 */
import { workloadKey, type PowerSweepRow } from "./powercap";
import { tunePowerLimit, type TuneOptions, type TunePrior } from "./tune";

export interface TuneScore {
  jobs: number;
  /** Share of jobs whose chosen limit's energy is within 3% (2%) of the minimum. */
  within3: number;
  within2: number;
  meanProbes: number;
  /** Mean and worst E(chosen)/E(min) − 1 (a chosen limit beyond the bound counts as worst: Infinity). */
  meanExcess: number;
  worstExcess: number;
}

interface Job {
  key: string;
  rows: PowerSweepRow[];
}

function jobsFromRows(rows: readonly PowerSweepRow[]): Job[] {
  const m = new Map<string, PowerSweepRow[]>();
  for (const r of rows) {
    const k = workloadKey(r);
    const g = m.get(k);
    if (g) g.push(r);
    else m.set(k, [r]);
  }
  return [...m].map(([key, g]) => ({ key, rows: [...g].sort((a, b) => a.power_limit - b.power_limit) }));
}

const energy = (r: PowerSweepRow) => r.time_per_epoch * r.average_power;

/** A quadratic's least-squares coefficients [a, b, c] of y = a + b·x + c·x² through (x, y). */
function quadratic(x: readonly number[], y: readonly number[]): [number, number, number] {
  // normal equations, 3×3, solved by Cramer's rule (three points: exact)
  const s = (f: (i: number) => number) => x.reduce((a, _, i) => a + f(i), 0);
  const m = [
    [x.length, s((i) => x[i]), s((i) => x[i] ** 2)],
    [s((i) => x[i]), s((i) => x[i] ** 2), s((i) => x[i] ** 3)],
    [s((i) => x[i] ** 2), s((i) => x[i] ** 3), s((i) => x[i] ** 4)],
  ];
  const v = [s((i) => y[i]), s((i) => x[i] * y[i]), s((i) => x[i] ** 2 * y[i])];
  const det = (a: number[][]) => a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  const col = (j: number) => det(m.map((row, i) => row.map((c, k) => (k === j ? v[i] : c))));
  return [col(0) / d, col(1) / d, col(2) / d];
}

/** Scores every method on every job of `rows`. Keys: tuner, low/mid/high, quadratic, full sweep. */
export async function evaluateTuner(args: { rows: readonly PowerSweepRow[]; priors: readonly TunePrior[]; maxSlowdown?: number; maxProbes?: number; useWorkload?: boolean; tuneOptions?: Partial<TuneOptions> }): Promise<Record<string, TuneScore>> {
  const bound = args.maxSlowdown;
  const maxProbes = args.maxProbes ?? 4;
  const picks: Record<string, { excess: number; probes: number }[]> = {};
  const add = (name: string, excess: number, probes: number) => (picks[name] ??= []).push({ excess, probes });
  for (const job of jobsFromRows(args.rows)) {
    const top = job.rows[job.rows.length - 1];
    const ok = (r: PowerSweepRow) => bound === undefined || r.time_per_epoch <= (1 + bound) * top.time_per_epoch * (1 + 1e-12);
    const eMin = Math.min(...job.rows.filter(ok).map(energy));
    const score = (limit: number) => {
      const r = job.rows.find((q) => q.power_limit === limit)!;
      return ok(r) ? energy(r) / eMin - 1 : Infinity;
    };
    const byLimit = new Map(job.rows.map((r) => [r.power_limit, r]));
    const tuned = await tunePowerLimit((l) => byLimit.get(l)!, {
      limits: job.rows.map((r) => r.power_limit),
      maxProbes,
      maxSlowdown: bound,
      priors: args.priors,
      workload: args.useWorkload === false ? undefined : job.key,
      ...args.tuneOptions,
    });
    add(`tuner (${maxProbes} probes${args.useWorkload === false ? ", no --workload" : ""})`, score(tuned.power_limit), tuned.probes_used);

    const n = job.rows.length;
    const three = [job.rows[0], job.rows[Math.floor((n - 1) / 2)], top];
    const bestOf3 = three.filter(ok).sort((a, b) => energy(a) - energy(b))[0];
    add("low/mid/high best", score(bestOf3.power_limit), 3);

    const x = three.map((r) => r.power_limit);
    const qe = quadratic(x, three.map(energy));
    const qt = quadratic(x, three.map((r) => r.time_per_epoch));
    const at = (q: number[], l: number) => q[0] + q[1] * l + q[2] * l * l;
    const qOk = job.rows.filter((r) => bound === undefined || at(qt, r.power_limit) <= (1 + bound) * top.time_per_epoch);
    const qPick = (qOk.length ? qOk : [top]).sort((a, b) => at(qe, a.power_limit) - at(qe, b.power_limit))[0];
    add("quadratic (3 probes)", score(qPick.power_limit), 3);

    add("full sweep", 0, n);
  }
  const out: Record<string, TuneScore> = {};
  for (const [name, ps] of Object.entries(picks)) {
    const finite = ps.map((p) => p.excess).filter(Number.isFinite);
    out[name] = {
      jobs: ps.length,
      within3: ps.filter((p) => p.excess <= 0.03).length / ps.length,
      within2: ps.filter((p) => p.excess <= 0.02).length / ps.length,
      meanProbes: ps.reduce((a, p) => a + p.probes, 0) / ps.length,
      meanExcess: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN,
      worstExcess: Math.max(...ps.map((p) => p.excess)),
    };
  }
  return out;
}
