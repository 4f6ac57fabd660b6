/**
 * Loss-curve fit estimator (LCGA: Zhao, Frey, Gadepally, Samsi, IPDPSW 2022): fit
 * L̂(k) = 1/(b1 + b2·k) + b3 with b ≥ 0 to the first epochs' training losses (scaled by their
 * maximum) and rank trials by the mean fitted slope after a burn-in, or by the fitted curve
 * extrapolated to the last epoch. Pure.
 */
import type { TrialCurve } from "./curves";

export interface LcfitOptions {
  /** Epochs ignored when averaging the slope (upstream default 2); capped at T − 1. */
  burnInEpochs?: number;
  /** Divide losses by their maximum before fitting (upstream default true). */
  normalize?: boolean;
  /** `d1`: mean of L̂′; `d1/sqrt(d2)`: mean of L̂′/√L̂″. Default `d1`. */
  variant?: "d1" | "d1/sqrt(d2)";
  /** Epoch budget T_end, for the extrapolated final loss. */
  totalEpochs?: number;
}

/** Fitted parameters of L̂(k) = 1/(b1 + b2·k) + b3. */
export interface InverseCurveFit {
  b1: number;
  b2: number;
  b3: number;
  /** Sum of squared residuals at the solution. */
  sse: number;
  iterations: number;
}

/** L̂(k) = 1/(b1 + b2·k) + b3. */
export function inverseCurveAt(fit: Pick<InverseCurveFit, "b1" | "b2" | "b3">, k: number): number {
  return 1 / (fit.b1 + fit.b2 * k) + fit.b3;
}

/** L̂′(k) = −b2/(b1 + b2·k)². */
export function inverseCurveSlope(fit: Pick<InverseCurveFit, "b1" | "b2">, k: number): number {
  const d = fit.b1 + fit.b2 * k;
  return -fit.b2 / (d * d);
}

/** L̂″(k) = 2·b2²/(b1 + b2·k)³. */
export function inverseCurveCurvature(fit: Pick<InverseCurveFit, "b1" | "b2">, k: number): number {
  const d = fit.b1 + fit.b2 * k;
  return (2 * fit.b2 * fit.b2) / (d * d * d);
}

function sseOf(p: readonly number[], k: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = p[0] + p[1] * k[i];
    if (!(d > 0)) return Infinity;
    const r = 1 / d + p[2] - y[i];
    s += r * r;
  }
  return s;
}

/** Solves the 3×3 system A x = b by Gaussian elimination with partial pivoting; null if singular. */
function solve3(A: number[][], b: number[]): number[] | null {
  const m = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < 3; c++) {
    let piv = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    if (!(Math.abs(m[piv][c]) > 1e-300)) return null;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = c + 1; r < 3; r++) {
      const f = m[r][c] / m[c][c];
      for (let j = c; j < 4; j++) m[r][j] -= f * m[c][j];
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let s = m[r][3];
    for (let j = r + 1; j < 3; j++) s -= m[r][j] * x[j];
    x[r] = s / m[r][r];
  }
  return x.every(Number.isFinite) ? x : null;
}

/** Projected Levenberg–Marquardt from `p0`, keeping every parameter ≥ 0. */
function levenbergMarquardt(p0: number[], k: ArrayLike<number>, y: ArrayLike<number>, maxIter: number): { p: number[]; sse: number; iterations: number } {
  let p = p0.slice();
  let sse = sseOf(p, k, y);
  let lambda = 1e-3;
  let it = 0;
  for (; it < maxIter && Number.isFinite(sse); it++) {
    const A = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const g = [0, 0, 0];
    for (let i = 0; i < y.length; i++) {
      const d = p[0] + p[1] * k[i];
      const r = 1 / d + p[2] - y[i];
      const j = [-1 / (d * d), -k[i] / (d * d), 1];
      for (let a = 0; a < 3; a++) {
        g[a] += j[a] * r;
        for (let b = 0; b < 3; b++) A[a][b] += j[a] * j[b];
      }
    }
    let improved = false;
    while (lambda < 1e10) {
      const M = A.map((row, a) => row.map((v, b) => (a === b ? v + lambda * Math.max(v, 1e-12) : v)));
      const delta = solve3(M, g.map((v) => -v));
      if (delta) {
        const q = p.map((v, a) => Math.max(0, v + delta[a]));
        const s = sseOf(q, k, y);
        if (s < sse) {
          const rel = (sse - s) / Math.max(sse, 1e-300);
          p = q;
          sse = s;
          lambda = Math.max(lambda / 3, 1e-12);
          improved = true;
          if (rel < 1e-10) return { p, sse, iterations: it + 1 };
          break;
        }
      }
      lambda *= 4;
    }
    if (!improved) break;
  }
  return { p, sse, iterations: it };
}

/** Fewest loss values the three-parameter fit takes (without step losses: epochs). */
export const LCFIT_MIN_POINTS = 3;

/**
 * Bounded least squares for L̂(k) = 1/(b1 + b2·k) + b3, b ≥ 0. Starts from the linearised fit
 * 1/(y − c) ≈ b1 + b2·k for a few offsets c below min(y) and keeps the best LM solution.
 * Needs at least 3 finite points with k > 0.
 */
export function fitInverseCurve(k: ArrayLike<number>, y: ArrayLike<number>, maxIter = 500): InverseCurveFit {
  if (k.length !== y.length) throw new RangeError(`fitInverseCurve: k and y differ in length (${k.length} vs ${y.length})`);
  if (y.length < LCFIT_MIN_POINTS) throw new RangeError(`fitInverseCurve needs at least ${LCFIT_MIN_POINTS} points but got ${y.length}`);
  let yMin = Infinity;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]) || !Number.isFinite(k[i]) || k[i] <= 0) throw new RangeError(`fitInverseCurve: point ${i} is not finite with k > 0`);
    yMin = Math.min(yMin, y[i]);
  }
  const starts: number[][] = [[1, 1, 1]];
  for (const frac of [0, 0.5, 0.9, 0.99]) {
    const c = yMin > 0 ? frac * yMin : 0;
    let n = 0;
    let sk = 0;
    let sz = 0;
    let skk = 0;
    let skz = 0;
    for (let i = 0; i < y.length; i++) {
      const dy = y[i] - c;
      if (!(dy > 0)) continue;
      const z = 1 / dy;
      n++;
      sk += k[i];
      sz += z;
      skk += k[i] * k[i];
      skz += k[i] * z;
    }
    const den = n * skk - sk * sk;
    if (n < 2 || !(Math.abs(den) > 0)) continue;
    const b2 = Math.max((n * skz - sk * sz) / den, 1e-9);
    const b1 = Math.max((sz - b2 * sk) / n, 1e-9);
    starts.push([b1, b2, c]);
  }
  // LM from the two starts that fit best already (the linearised ones are usually close).
  const ranked = starts.map((p) => ({ p, sse: sseOf(p, k, y) })).sort((a, b) => a.sse - b.sse);
  let best: { p: number[]; sse: number; iterations: number } | null = null;
  for (const { p: s } of ranked.slice(0, 2)) {
    const r = levenbergMarquardt(s, k, y, maxIter);
    if (!best || r.sse < best.sse) best = r;
  }
  const b = best as { p: number[]; sse: number; iterations: number };
  return { b1: b.p[0], b2: b.p[1], b3: b.p[2], sse: b.sse, iterations: b.iterations };
}

/** LCGA estimate from the losses of the first epochs. */
export interface LcgaEstimate {
  /** Mean of L̂′ (or L̂′/√L̂″) over the points after burn-in, in loss units per point. */
  slope: number;
  /** Fitted curve extrapolated to `totalEpochs` (loss units); NaN without it. */
  finalLoss: number;
  fit: InverseCurveFit;
  /** Divisor applied before fitting (max loss, or 1). */
  scale: number;
  /** Points fitted and points per epoch. */
  points: number;
  pointsPerEpoch: number;
}

/**
 * Fits the first `epochs.length` epochs of losses (steps per epoch, or one value per epoch)
 * and averages the slope after `burnInEpochs`; points are numbered k = 1..n in log order.
 */
export function lcgaEstimate(epochs: readonly (readonly number[])[], opts: LcfitOptions = {}): LcgaEstimate {
  const cutoff = epochs.length;
  const burnIn = opts.burnInEpochs ?? 2;
  if (!Number.isInteger(burnIn) || burnIn < 0) throw new RangeError(`burnInEpochs must be an integer ≥ 0 but got ${burnIn}`);
  if (burnIn >= cutoff) throw new RangeError(`burn-in (${burnIn} epochs) must be shorter than the fitted epochs (${cutoff})`);
  const flat = epochs.flat();
  let max = -Infinity;
  for (const v of flat) max = Math.max(max, v);
  const scale = opts.normalize === false ? 1 : max;
  const y = flat.map((v) => v / scale);
  const k = y.map((_, i) => i + 1);
  const fit = fitInverseCurve(k, y);
  const perEpoch = Math.floor(flat.length / cutoff);
  const from = burnIn * perEpoch;
  let s = 0;
  let n = 0;
  for (let i = from; i < k.length; i++) {
    const d1 = inverseCurveSlope(fit, k[i]) * scale;
    if (opts.variant === "d1/sqrt(d2)") {
      const d2 = inverseCurveCurvature(fit, k[i]) * scale;
      s += d1 / Math.sqrt(d2);
    } else s += d1;
    n++;
  }
  const total = opts.totalEpochs;
  return {
    slope: s / n,
    finalLoss: total !== undefined ? inverseCurveAt(fit, total * perEpoch) * scale : NaN,
    fit,
    scale,
    points: flat.length,
    pointsPerEpoch: perEpoch,
  };
}

/**
 * The `lcfit` (mean slope) or `lcfit-final` (extrapolated loss) score of a trial after epoch T:
 * step losses of epochs 1..T when recorded, else the epoch means. NaN when undefined
 * (fewer than 3 points, a non-finite loss, a failed fit).
 */
export function lcfitScore(curve: TrialCurve, T: number, kind: "slope" | "final", opts: LcfitOptions = {}): number {
  if (T > curve.trainLoss.length && !(curve.stepLoss && T <= curve.stepLoss.length)) return NaN;
  const epochs: number[][] = [];
  for (let t = 0; t < T; t++) {
    const steps = curve.stepLoss?.[t];
    if (steps && steps.length > 0) epochs.push(steps.slice());
    else {
      const v = curve.trainLoss[t];
      if (typeof v !== "number") return NaN;
      epochs.push([v]);
    }
  }
  const flat = epochs.flat();
  if (flat.length < LCFIT_MIN_POINTS || flat.some((v) => !Number.isFinite(v))) return NaN;
  try {
    const est = lcgaEstimate(epochs, { ...opts, burnInEpochs: Math.min(opts.burnInEpochs ?? 2, T - 1) });
    const v = kind === "slope" ? est.slope : est.finalLoss;
    return Number.isFinite(v) ? v : NaN;
  } catch {
    return NaN;
  }
}
