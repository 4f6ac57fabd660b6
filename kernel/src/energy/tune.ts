/**
 * Few-probe GPU power-limit tuner. Pure: the caller hands it a probe (limit → seconds per
 * epoch and average watts) and prior sweeps of other workloads or GPUs in the Zeus format.
 *
 * Model: each prior curve (one workload on one GPU) is normalised by its value at its own
 * highest limit and read against the fraction of that limit, so its shape transfers across
 * GPUs whose limits differ. The first probe is the job's highest limit (the reference for
 * savings and slowdown); each prior then predicts the job's time and power at every limit as
 * its shape × the job's values at the highest limit, corrected so that it passes through every
 * probe (log residuals interpolated in the limit fraction). The priors are weighted by how well
 * their shapes fit the probes (and by --workload matches); their weighted spread is the
 * uncertainty. The next probe is the limit with the largest expected improvement of the
 * objective over the best probe so far; the tuner stops when no limit is expected to improve
 * it by more than `minGain`, or after `maxProbes`. It recommends the best probed limit (a
 * measured value, never a guess), among those within the slowdown bound.
 */
import { checkpoint } from "../errors";
import { workloadKey, type PowerSweepRow } from "./powercap";

/** What a probe measures at one limit. */
export interface TuneProbe {
  /** W. */
  power_limit: number;
  /** s. */
  time_per_epoch: number;
  /** W. */
  average_power: number;
}

/** energy: J per epoch; time: s per epoch; cost: Zeus's η·E + (1 − η)·P_max·T. */
export type TuneObjective = "energy" | "time" | "cost";

/** Prior sweeps: rows of one file (one GPU); `source` names it in reports. */
export interface TunePrior {
  source: string;
  rows: readonly PowerSweepRow[];
}

export interface TuneOptions {
  /** The settable limits, W (any order; the highest is the reference). */
  limits: readonly number[];
  /** At most this many probes, the highest limit included. Default 4. */
  maxProbes?: number;
  /** Default "energy". */
  objective?: TuneObjective;
  /** Weight of energy in the cost objective, in [0, 1]. Default 0.5. */
  eta?: number;
  /** Only limits whose time per epoch is at most (1 + this) × the time at the highest limit. */
  maxSlowdown?: number;
  priors?: readonly TunePrior[];
  /** dataset/network/batch_size/optimizer: prior curves of this workload weigh more (same dataset/network a little more). */
  workload?: string;
  /** Stop when no limit is expected to improve the best probe by more than this fraction. Default 0.002. */
  minGain?: number;
  /** Relative spread of one prior's prediction (how far a job may stray from a shape). Default 0.03. */
  shapeSpread?: number;
  /** Spread of the log-shape fit, used to weight priors by their fit to the probes. Default 0.03. */
  fitSigma?: number;
  signal?: AbortSignal;
}

/** The prediction at one limit (mean ± sd over the weighted priors, each with its own spread τ; sd 0 where probed). */
export interface TunePredictedPoint {
  power_limit: number;
  probed: boolean;
  time_per_epoch: number;
  time_sd: number;
  average_power: number;
  power_sd: number;
  /** time × power, J. */
  energy_per_epoch: number;
  energy_sd: number;
  /** The objective's value (J for energy and cost, s for time). */
  objective: number;
  /** Weighted share of priors under which this limit meets --max-slowdown (1 without a bound). */
  p_within_bound: number;
}

export interface TuneResult {
  /** The recommended limit, W. */
  power_limit: number;
  /** In the order they were taken; the first is the highest limit. */
  probes: TuneProbe[];
  /** One per settable limit, ascending. */
  predicted: TunePredictedPoint[];
  /** 1 − E(chosen) / E(highest limit), measured. */
  saved_fraction: number;
  /** T(chosen) / T(highest limit) − 1, measured. */
  slowdown: number;
  probes_used: number;
  objective: TuneObjective;
  eta: number;
  max_slowdown: number | null;
  /** Prior curves used, and how many matched --workload. */
  prior_curves: number;
  matched_curves: number;
  /** Why the tuner stopped: "max-probes", "converged" or "all-limits". */
  stopped: "max-probes" | "converged" | "all-limits";
}

/** A prior's shape: ln(T/T_max) and ln(P/P_max) against the limit fraction L/L_max, ascending. */
interface Shape {
  key: string;
  weight: number;
  x: number[];
  lt: number[];
  lp: number[];
}

/** Linear interpolation of ys over ascending xs at x, extended linearly past the ends. */
function interp(xs: readonly number[], ys: readonly number[], x: number): number {
  const n = xs.length;
  if (n === 1) return ys[0];
  let k = 1;
  while (k < n - 1 && xs[k] < x) k++;
  const x0 = xs[k - 1];
  const x1 = xs[k];
  return ys[k - 1] + ((ys[k] - ys[k - 1]) * (x - x0)) / (x1 - x0);
}

/** Prior curves (one per workload and file, ≥ 2 limits), weighted by their match to `workload`. */
function shapesFromPriors(priors: readonly TunePrior[], workload: string | undefined): Shape[] {
  const want = workload?.split("/");
  const shapes: Shape[] = [];
  for (const prior of priors) {
    const groups = new Map<string, PowerSweepRow[]>();
    for (const r of prior.rows) {
      const k = workloadKey(r);
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
    for (const [key, g] of groups) {
      if (g.length < 2) continue;
      const s = [...g].sort((a, b) => a.power_limit - b.power_limit);
      const top = s[s.length - 1];
      let weight = 1;
      if (want) {
        const have = key.split("/");
        if (key === workload) weight = 20;
        else if (have[0] === want[0] && have[1] === want[1]) weight = 4;
      }
      shapes.push({
        key: `${prior.source}:${key}`,
        weight,
        x: s.map((r) => r.power_limit / top.power_limit),
        lt: s.map((r) => Math.log(r.time_per_epoch / top.time_per_epoch)),
        lp: s.map((r) => Math.log(r.average_power / top.average_power)),
      });
    }
  }
  return shapes;
}

/** A shape's log prediction at fractions xs, bent to pass through the probes' log residuals. */
function fitted(shape: Shape, xs: readonly number[], probes: readonly { x: number; lt: number; lp: number }[]): { lt: number[]; lp: number[]; misfit: number } {
  const base = xs.map((x) => [interp(shape.x, shape.lt, x), interp(shape.x, shape.lp, x)]);
  // residuals at the probes, ascending in x; between probes interpolated, beyond them held
  const res = probes
    .map((p) => ({ x: p.x, rt: p.lt - interp(shape.x, shape.lt, p.x), rp: p.lp - interp(shape.x, shape.lp, p.x) }))
    .sort((a, b) => a.x - b.x);
  let misfit = 0;
  for (const r of res) misfit += r.rt * r.rt + r.rp * r.rp;
  const rx = res.map((r) => r.x);
  const held = (ys: number[], x: number) => (x <= rx[0] ? ys[0] : x >= rx[rx.length - 1] ? ys[ys.length - 1] : interp(rx, ys, x));
  const rts = res.map((r) => r.rt);
  const rps = res.map((r) => r.rp);
  return { lt: xs.map((x, i) => base[i][0] + held(rts, x)), lp: xs.map((x, i) => base[i][1] + held(rps, x)), misfit };
}

function checkOptions(opts: TuneOptions): { limits: number[]; maxProbes: number; eta: number; objective: TuneObjective } {
  const limits = [...new Set(opts.limits)].sort((a, b) => a - b);
  if (limits.length === 0) throw new RangeError("limits must name at least one power limit");
  for (const l of limits) if (!(Number.isFinite(l) && l > 0)) throw new RangeError(`limits must be positive watts but got ${l}`);
  const maxProbes = opts.maxProbes ?? 4;
  if (!(Number.isInteger(maxProbes) && maxProbes >= 1)) throw new RangeError(`maxProbes must be an integer ≥ 1 but got ${maxProbes}`);
  const objective = opts.objective ?? "energy";
  if (!["energy", "time", "cost"].includes(objective)) throw new RangeError(`objective must be energy, time or cost but got ${objective}`);
  const eta = objective === "energy" ? 1 : objective === "time" ? 0 : (opts.eta ?? 0.5);
  if (!(eta >= 0 && eta <= 1)) throw new RangeError(`eta must be in [0, 1] but got ${eta}`);
  if (opts.maxSlowdown !== undefined && !(opts.maxSlowdown >= 0)) throw new RangeError(`maxSlowdown must be ≥ 0 but got ${opts.maxSlowdown}`);
  return { limits, maxProbes, eta, objective };
}

/**
 * E[max(0, best − Y)] for Y ~ Laplace(mean, scale): a prior's prediction with heavy tails
 * (a job may stray from any shape); closed form, and never exactly 0, so probes are spent.
 */
function expectedImprovement(best: number, mean: number, scale: number): number {
  if (!(scale > 0)) return Math.max(0, best - mean);
  const d = best - mean;
  return d <= 0 ? (scale / 2) * Math.exp(d / scale) : d + (scale / 2) * Math.exp(-d / scale);
}

/** Zeus's cost η·E + (1 − η)·P_max·T (η = 1: energy in J; η = 0: time × P_max). */
export function zeusCost(eta: number, pMaxW: number, timeS: number, powerW: number): number {
  return eta * timeS * powerW + (1 - eta) * pMaxW * timeS;
}

/**
 * Tunes the power limit of one job with at most `maxProbes` calls of `probe`.
 * @example const r = await tunePowerLimit(async (w) => run(w), { limits: [100, 150, 200, 250], priors: [{ source: "p100", rows }] });
 */
export async function tunePowerLimit(probe: (limitW: number) => Promise<TuneProbe> | TuneProbe, opts: TuneOptions): Promise<TuneResult> {
  const { limits, maxProbes, eta, objective } = checkOptions(opts);
  const top = limits[limits.length - 1];
  const xs = limits.map((l) => l / top);
  const shapes = shapesFromPriors(opts.priors ?? [], opts.workload);
  const sigma = opts.fitSigma ?? 0.03;
  const minGain = opts.minGain ?? 0;
  const tau = opts.shapeSpread ?? 0.03;
  const bound = opts.maxSlowdown;
  const measured = new Map<number, TuneProbe>();
  const probes: TuneProbe[] = [];
  const take = async (limit: number) => {
    await checkpoint(opts.signal);
    const m = await probe(limit);
    if (!(m.time_per_epoch > 0 && m.average_power > 0)) throw new RangeError(`the probe at ${limit} W gave time_per_epoch ${m.time_per_epoch} and average_power ${m.average_power}; expected positive numbers`);
    const p = { power_limit: limit, time_per_epoch: m.time_per_epoch, average_power: m.average_power };
    measured.set(limit, p);
    probes.push(p);
  };
  await take(top);
  const ref = measured.get(top)!;
  const obj = (t: number, p: number) => zeusCost(eta, top, t, p);
  const within = (t: number) => bound === undefined || t <= (1 + bound) * ref.time_per_epoch * (1 + 1e-12);

  /** Per prior: weight and predicted (time, power) at every limit. */
  const predict = () => {
    const pts = probes.map((p) => ({ x: p.power_limit / top, lt: Math.log(p.time_per_epoch / ref.time_per_epoch), lp: Math.log(p.average_power / ref.average_power) }));
    const fits = shapes.map((s) => {
      const f = fitted(s, xs, pts);
      return { w: s.weight * Math.exp(-f.misfit / (2 * sigma * sigma)), t: f.lt.map((v) => ref.time_per_epoch * Math.exp(v)), p: f.lp.map((v) => ref.average_power * Math.exp(v)) };
    });
    const total = fits.reduce((a, f) => a + f.w, 0);
    // every prior fits badly: weigh them alike rather than trust one by underflow
    for (const f of fits) f.w = total > 1e-300 ? f.w / total : 1 / fits.length;
    return fits;
  };

  let stopped: TuneResult["stopped"] = "max-probes";
  while (probes.length < maxProbes) {
    const open = limits.filter((l) => !measured.has(l));
    if (open.length === 0) {
      stopped = "all-limits";
      break;
    }
    const best = Math.min(...probes.filter((p) => within(p.time_per_epoch)).map((p) => obj(p.time_per_epoch, p.average_power)));
    let next: number | undefined;
    if (shapes.length === 0) {
      next = noPriorNext(limits, measured, obj);
    } else {
      const fits = predict();
      let bestGain = 0;
      for (const l of open) {
        const i = limits.indexOf(l);
        let gain = 0;
        for (const f of fits) if (within(f.t[i])) gain += f.w * expectedImprovement(best, obj(f.t[i], f.p[i]), tau * obj(f.t[i], f.p[i]));
        if (gain > bestGain) {
          bestGain = gain;
          next = l;
        }
      }
      if (bestGain <= minGain * best) next = undefined;
    }
    if (next === undefined) {
      stopped = "converged";
      break;
    }
    await take(next);
  }
  if (probes.length === limits.length) stopped = "all-limits";

  const chosen = [...probes].filter((p) => within(p.time_per_epoch)).sort((a, b) => obj(a.time_per_epoch, a.average_power) - obj(b.time_per_epoch, b.average_power) || a.time_per_epoch - b.time_per_epoch)[0];
  const fits = shapes.length ? predict() : [];
  const predicted: TunePredictedPoint[] = limits.map((l, i) => {
    const m = measured.get(l);
    if (m) {
      const e = m.time_per_epoch * m.average_power;
      return { power_limit: l, probed: true, time_per_epoch: m.time_per_epoch, time_sd: 0, average_power: m.average_power, power_sd: 0, energy_per_epoch: e, energy_sd: 0, objective: obj(m.time_per_epoch, m.average_power), p_within_bound: within(m.time_per_epoch) ? 1 : 0 };
    }
    const ms = fits.length ? fits : [];
    const mean = (g: (f: (typeof ms)[number]) => number) => ms.reduce((a, f) => a + f.w * g(f), 0);
    // spread between the priors plus each prior's own (Laplace, scale τ·value: variance 2(τ·value)²)
    const sd = (g: (f: (typeof ms)[number]) => number, mu: number) => Math.sqrt(Math.max(0, ms.reduce((a, f) => a + f.w * ((g(f) - mu) ** 2 + 2 * (tau * g(f)) ** 2), 0)));
    if (!ms.length) {
      // no priors: straight lines between probes (no spread known)
      const px = [...measured.keys()].sort((a, b) => a - b);
      const t = interp(px, px.map((k) => measured.get(k)!.time_per_epoch), l);
      const p = interp(px, px.map((k) => measured.get(k)!.average_power), l);
      return { power_limit: l, probed: false, time_per_epoch: t, time_sd: NaN, average_power: p, power_sd: NaN, energy_per_epoch: t * p, energy_sd: NaN, objective: obj(t, p), p_within_bound: within(t) ? 1 : 0 };
    }
    const t = mean((f) => f.t[i]);
    const p = mean((f) => f.p[i]);
    const e = mean((f) => f.t[i] * f.p[i]);
    return {
      power_limit: l,
      probed: false,
      time_per_epoch: t,
      time_sd: sd((f) => f.t[i], t),
      average_power: p,
      power_sd: sd((f) => f.p[i], p),
      energy_per_epoch: e,
      energy_sd: sd((f) => f.t[i] * f.p[i], e),
      objective: mean((f) => obj(f.t[i], f.p[i])),
      p_within_bound: mean((f) => (within(f.t[i]) ? 1 : 0)),
    };
  });
  const eRef = ref.time_per_epoch * ref.average_power;
  return {
    power_limit: chosen.power_limit,
    probes,
    predicted,
    saved_fraction: 1 - (chosen.time_per_epoch * chosen.average_power) / eRef,
    slowdown: chosen.time_per_epoch / ref.time_per_epoch - 1,
    probes_used: probes.length,
    objective,
    eta,
    max_slowdown: bound ?? null,
    prior_curves: shapes.length,
    matched_curves: shapes.filter((s) => s.weight > 1).length,
    stopped,
  };
}

/**
 * Without priors: the lowest limit after the highest, then the middle of the widest gap next
 * to the best probe so far (a bracketing search on the measured objective).
 */
function noPriorNext(limits: readonly number[], measured: ReadonlyMap<number, TuneProbe>, obj: (t: number, p: number) => number): number | undefined {
  if (!measured.has(limits[0])) return limits[0];
  const probed = limits.filter((l) => measured.has(l));
  const bestAt = probed.reduce((a, l) => {
    const m = measured.get(l)!;
    const b = measured.get(a)!;
    return obj(m.time_per_epoch, m.average_power) < obj(b.time_per_epoch, b.average_power) ? l : a;
  });
  const k = probed.indexOf(bestAt);
  const gaps = [k > 0 ? [probed[k - 1], bestAt] : null, k < probed.length - 1 ? [bestAt, probed[k + 1]] : null].filter((g): g is number[] => g !== null);
  let pick: number | undefined;
  let width = 0;
  for (const [lo, hi] of gaps) {
    const inside = limits.filter((l) => l > lo && l < hi);
    if (inside.length > width) {
      width = inside.length;
      pick = inside[Math.floor((inside.length - 1) / 2)];
    }
  }
  return pick;
}
