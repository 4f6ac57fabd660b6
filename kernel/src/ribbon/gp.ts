/**
 * Gaussian-process regression with a Matern 5/2 kernel,
 * k(r) = σ² (1 + √5 r + 5r²/3) e^{−√5 r}, r = ‖(x − x′)/ℓ‖ (isotropic ℓ or one per input, ARD),
 * hyper-parameters fitted by maximising the log marginal likelihood (projected BFGS in log space,
 * analytic gradients), Cholesky factorisation with adaptive jitter, y optionally standardised.
 * Inputs and targets are flat Float64Arrays (row-major, n × d).
 */

// Module-level aliases: hot loops then avoid global lookups, which are slow inside vm contexts (jest).
const exp = Math.exp;
const sqrt = Math.sqrt;
const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/** Kernel hyper-parameters. */
export interface GpHyper {
  /** One length scale (isotropic) or one per input dimension (ARD). */
  lengthScales: number[];
  /** Signal variance σ² (1 in RIBBON's faithful mode: no amplitude term). */
  signalVariance: number;
  /** Noise variance added to the diagonal, in standardised-y units (besides `alpha`). */
  noiseVariance: number;
}

/** How a GP is fitted. Bounds are inclusive; a parameter with equal bounds is fixed. */
export interface GpOptions {
  /** One length scale per input (true) or one shared (false). */
  ard: boolean;
  /** Fixed value added to the diagonal (scikit-learn's alpha). */
  alpha: number;
  lengthBounds: [number, number];
  signalBounds: [number, number];
  noiseBounds: [number, number];
  /** Standardise y (scikit-learn's normalize_y); predictions are in the original units. */
  normalizeY: boolean;
  /** Round inputs to integers inside the kernel (RIBBON's integer treatment). */
  roundInputs: boolean;
  /** Starting points of the local optimisation; the best end point wins. */
  starts: GpHyper[];
  /** Largest number of BFGS iterations per start. */
  maxIterations: number;
}

/** RIBBON faithful mode: isotropic, no amplitude, no noise term, alpha 1e-6, ℓ from 1 within [1e-5, 1e5]. */
export function faithfulGpOptions(): GpOptions {
  return {
    ard: false,
    alpha: 1e-6,
    lengthBounds: [1e-5, 1e5],
    signalBounds: [1, 1],
    noiseBounds: [0, 0],
    normalizeY: true,
    roundInputs: true,
    starts: [{ lengthScales: [1], signalVariance: 1, noiseVariance: 0 }],
    maxIterations: 50,
  };
}

/** Result of one Cholesky attempt series: the factor and the extra jitter that made it work. */
export interface CholeskyResult {
  /** Lower-triangular factor, row-major n × n (upper part zero). */
  L: Float64Array;
  /** Jitter added to the diagonal beyond the given matrix (0 if none was needed). */
  jitter: number;
}

/**
 * Cholesky factor of a symmetric matrix, adding jitter ε·mean(diag) to the diagonal with ε =
 * 1e-12, 1e-11, … up to `maxRelJitter` until it is positive definite. Returns null if even that fails.
 */
export function choleskyWithJitter(A: Float64Array, n: number, maxRelJitter = 1e-2): CholeskyResult | null {
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += A[i * n + i];
  meanDiag = n > 0 ? Math.abs(meanDiag / n) || 1 : 1;
  const L = new Float64Array(n * n);
  let jitter = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    if (cholesky(A, n, jitter, L)) return { L, jitter };
    jitter = jitter === 0 ? 1e-12 * meanDiag : jitter * 10;
    if (jitter > maxRelJitter * meanDiag) break;
  }
  return null;
}

/** In-place Cholesky of A + jitter·I into L; false when a pivot is not positive. */
export function cholesky(A: Float64Array, n: number, jitter: number, L: Float64Array): boolean {
  L.fill(0);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const s = A[rj + j] + jitter - dot(L, rj, L, rj, j);
    if (!(s > 0) || !Number.isFinite(s)) return false;
    const ljj = sqrt(s);
    L[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      L[ri + j] = (A[ri + j] - dot(L, ri, L, rj, j)) * inv;
    }
  }
  return true;
}

/** Σ_{k<len} a[ia + k]·b[ib + k], four accumulators (breaks the add dependency chain). */
function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ia + k] * b[ib + k];
    s1 += a[ia + k + 1] * b[ib + k + 1];
    s2 += a[ia + k + 2] * b[ib + k + 2];
    s3 += a[ia + k + 3] * b[ib + k + 3];
  }
  for (; k < len; k++) s0 += a[ia + k] * b[ib + k];
  return s0 + s1 + (s2 + s3);
}

/** Solves L z = b in place (forward substitution). */
export function solveLower(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[ri + k] * b[k];
    b[i] = s / L[ri + i];
  }
}

/** Solves Lᵀ x = z in place (backward substitution). */
export function solveUpperT(L: Float64Array, n: number, z: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * z[k];
    z[i] = s / L[i * n + i];
  }
}

/**
 * σ²·Matern 5/2 for an isotropic kernel as a function of the raw squared distance Σ Δ_j²:
 * RIBBON's inputs are rounded counts, so raw squared distances are small integers and each
 * distinct one costs a single exp per kernel evaluation.
 */
class IsoIntCache {
  // One scratch table for every instance: an entry is valid when its stamp is this instance's
  // generation, so no per-call allocation or clearing (calls never interleave: all synchronous).
  private static readonly table = new Float64Array(4096);
  private static readonly stamp = new Int32Array(4096);
  private static generation = 0;
  readonly iso: boolean;
  private readonly gen: number;

  constructor(
    private readonly w: Float64Array,
    private readonly s2: number,
  ) {
    let iso = true;
    for (let j = 1; j < w.length; j++) if (w[j] !== w[0]) iso = false;
    this.iso = iso;
    IsoIntCache.generation = (IsoIntCache.generation + 1) | 0;
    if (IsoIntCache.generation === 0) {
      IsoIntCache.stamp.fill(0);
      IsoIntCache.generation = 1;
    }
    this.gen = IsoIntCache.generation;
  }

  /** Kernel value at raw squared distance `raw` (iso only). */
  value(raw: number): number {
    const cacheable = raw < 4096 && (raw | 0) === raw;
    if (cacheable && IsoIntCache.stamp[raw] === this.gen) return IsoIntCache.table[raw];
    const a = SQRT5 * sqrt(raw * this.w[0]);
    const v = this.s2 * (1 + a + (a * a) / 3) * exp(-a);
    if (cacheable) {
      IsoIntCache.table[raw] = v;
      IsoIntCache.stamp[raw] = this.gen;
    }
    return v;
  }
}

/** Matern 5/2 correlation at scaled distance r: (1 + √5 r + 5r²/3) e^{−√5 r}. */
export function matern52(r: number): number {
  const a = SQRT5 * r;
  return (1 + a + (a * a) / 3) * exp(-a);
}

interface Factored {
  L: Float64Array;
  /** K⁻¹ y (standardised). */
  alphaVec: Float64Array;
  lml: number;
  jitter: number;
}

function prepareInputs(X: Float64Array, round: boolean): Float64Array {
  if (!round) return X;
  const out = new Float64Array(X.length);
  for (let i = 0; i < X.length; i++) out[i] = Math.round(X[i]);
  return out;
}

/** Squared coordinate differences of every pair i > k (pair index i(i−1)/2 + k), per dimension. */
function pairSquares(X: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let p = 0;
  for (let i = 1; i < n; i++) {
    for (let k = 0; k < i; k++) {
      for (let j = 0; j < d; j++) {
        const t = X[i * d + j] - X[k * d + j];
        out[p++] = t * t;
      }
    }
  }
  return out;
}

/** Inverse squared length scale per dimension. */
function inverseSquares(h: GpHyper, d: number): Float64Array {
  const w = new Float64Array(d);
  const ard = h.lengthScales.length === d && d > 1;
  for (let j = 0; j < d; j++) {
    const l = ard ? h.lengthScales[j] : h.lengthScales[0];
    w[j] = 1 / (l * l);
  }
  return w;
}

/**
 * Factors K = σ²·M(r) + (alpha + noise)·I from cached pair squares; with `grad`, also returns
 * ∂ log p(y) / ∂ log θ for θ = length scale(s), then σ² and noise when `fitSignal` / `fitNoise`.
 */
function evaluate(
  sq: Float64Array,
  n: number,
  d: number,
  y: Float64Array,
  h: GpHyper,
  alpha: number,
  grad: { nLen: number; fitSignal: boolean; fitNoise: boolean } | null,
): { f: Factored; grad: number[] } | null {
  const w = inverseSquares(h, d);
  const s2 = h.signalVariance;
  const K = new Float64Array(n * n);
  const npairs = (n * (n - 1)) / 2;
  const rs = grad ? new Float64Array(npairs) : null;
  const kernel = new IsoIntCache(w, s2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    K[i * n + i] = s2 + alpha + h.noiseVariance;
    for (let k = 0; k < i; k++, p++) {
      const base = p * d;
      let v: number;
      if (kernel.iso) {
        let raw = 0;
        for (let j = 0; j < d; j++) raw += sq[base + j];
        v = kernel.value(raw);
        if (rs) rs[p] = sqrt(raw * w[0]);
      } else {
        let r2 = 0;
        for (let j = 0; j < d; j++) r2 += sq[base + j] * w[j];
        const r = sqrt(r2);
        if (rs) rs[p] = r;
        const a = SQRT5 * r;
        v = s2 * (1 + a + (a * a) / 3) * exp(-a);
      }
      K[i * n + k] = v;
      K[k * n + i] = v;
    }
  }
  const ch = choleskyWithJitter(K, n);
  if (!ch) return null;
  const av = Float64Array.from(y);
  solveLower(ch.L, n, av);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += av[i] * av[i];
  solveUpperT(ch.L, n, av);
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(ch.L[i * n + i]);
  const f: Factored = { L: ch.L, alphaVec: av, lml: -0.5 * quad - logDet - 0.5 * n * LOG_2PI, jitter: ch.jitter };
  if (!grad || !rs) return { f, grad: [] };
  // ∂lml/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ); pairs i > k count twice, the diagonal once.
  const Kinv = inverseFromCholesky(ch.L, n);
  const np = grad.nLen + (grad.fitSignal ? 1 : 0) + (grad.fitNoise ? 1 : 0);
  const g = new Array<number>(np).fill(0);
  p = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++, p++) {
      const wgt = av[i] * av[k] - Kinv[i * n + k];
      const r = rs[p];
      const a = SQRT5 * r;
      const e = exp(-a);
      // ∂k/∂log ℓ_j = σ² (5/3)(1 + √5 r) e^{−√5 r} · (Δ_j/ℓ_j)²
      const common = wgt * s2 * (5 / 3) * (1 + a) * e;
      if (grad.nLen === 1) g[0] += common * r * r;
      else {
        const base = p * d;
        for (let j = 0; j < d; j++) g[j] += common * sq[base + j] * w[j];
      }
      if (grad.fitSignal) g[grad.nLen] += wgt * s2 * (1 + a + (a * a) / 3) * e;
    }
  }
  if (grad.fitSignal) {
    let tr = 0;
    for (let i = 0; i < n; i++) tr += av[i] * av[i] - Kinv[i * n + i];
    g[grad.nLen] += 0.5 * tr * s2;
  }
  if (grad.fitNoise) {
    let tr = 0;
    for (let i = 0; i < n; i++) tr += av[i] * av[i] - Kinv[i * n + i];
    g[np - 1] = 0.5 * tr * h.noiseVariance;
  }
  return { f, grad: g };
}

function factor(X: Float64Array, n: number, d: number, y: Float64Array, h: GpHyper, alpha: number): Factored | null {
  const r = evaluate(pairSquares(X, n, d), n, d, y, h, alpha, null);
  return r ? r.f : null;
}

/** K⁻¹ from its Cholesky factor (n³/3 flops). */
function inverseFromCholesky(L: Float64Array, n: number): Float64Array {
  // Linv: lower-triangular inverse of L.
  const Li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    Li[j * n + j] = 1 / L[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * n + k] * Li[k * n + j];
      Li[i * n + j] = s / L[i * n + i];
    }
  }
  // K⁻¹ = Liᵀ Li, symmetric.
  const Kinv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k * n + i] * Li[k * n + j];
      Kinv[i * n + j] = s;
      Kinv[j * n + i] = s;
    }
  }
  return Kinv;
}

interface ParamLayout {
  nLen: number;
  fitSignal: boolean;
  fitNoise: boolean;
  lo: number[];
  hi: number[];
}

function layout(d: number, o: GpOptions): ParamLayout {
  const nLen = o.ard ? d : 1;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let j = 0; j < nLen; j++) {
    lo.push(Math.log(o.lengthBounds[0]));
    hi.push(Math.log(o.lengthBounds[1]));
  }
  const fitSignal = o.signalBounds[1] > o.signalBounds[0];
  const fitNoise = o.noiseBounds[1] > o.noiseBounds[0];
  if (fitSignal) {
    lo.push(Math.log(o.signalBounds[0]));
    hi.push(Math.log(o.signalBounds[1]));
  }
  if (fitNoise) {
    lo.push(Math.log(Math.max(o.noiseBounds[0], 1e-12)));
    hi.push(Math.log(o.noiseBounds[1]));
  }
  return { nLen, fitSignal, fitNoise, lo, hi };
}

function hyperFromTheta(theta: number[], lay: ParamLayout, o: GpOptions): GpHyper {
  const lengthScales = theta.slice(0, lay.nLen).map(Math.exp);
  let p = lay.nLen;
  const signalVariance = lay.fitSignal ? exp(theta[p++]) : o.signalBounds[0];
  const noiseVariance = lay.fitNoise ? exp(theta[p++]) : o.noiseBounds[0];
  return { lengthScales, signalVariance, noiseVariance };
}

function thetaFromHyper(h: GpHyper, lay: ParamLayout): number[] {
  const th: number[] = [];
  for (let j = 0; j < lay.nLen; j++) th.push(Math.log(h.lengthScales[Math.min(j, h.lengthScales.length - 1)]));
  if (lay.fitSignal) th.push(Math.log(h.signalVariance));
  if (lay.fitNoise) th.push(Math.log(Math.max(h.noiseVariance, 1e-12)));
  return th.map((v, i) => Math.min(lay.hi[i], Math.max(lay.lo[i], v)));
}

/**
 * Log marginal likelihood of (standardised) targets and its gradient with respect to the log
 * hyper-parameters that `options` leaves free: length scale(s), then σ², then noise.
 */
export function logMarginalLikelihoodWithGradient(
  X: Float64Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  hyper: GpHyper,
  options: GpOptions,
): { lml: number; grad: number[] } {
  checkShapes(X, n, d, y);
  const lay = layout(d, options);
  const { yn } = standardise(y, options.normalizeY);
  const r = evaluate(pairSquares(prepareInputs(X, options.roundInputs), n, d), n, d, yn, hyper, options.alpha, lay);
  if (!r) throw new Error("Gaussian process: the kernel matrix is not positive definite even with jitter");
  return { lml: r.f.lml, grad: r.grad };
}

/**
 * One free parameter: local maximisation without gradients. Steps uphill from the start
 * (step 0.5 in log units, doubling) until the likelihood falls, then golden-section search
 * in that bracket to 1e-3 in log units. Cholesky only, no inverse: cheap per evaluation.
 */
function maximise1d(
  sq: Float64Array,
  n: number,
  d: number,
  y: Float64Array,
  start: number,
  lay: ParamLayout,
  o: GpOptions,
): { theta: number[]; lml: number } | null {
  const lo = lay.lo[0];
  const hi = lay.hi[0];
  const at = (x: number): number => {
    const r = evaluate(sq, n, d, y, hyperFromTheta([x], lay, o), o.alpha, null);
    return r ? r.f.lml : -Infinity;
  };
  let b = Math.min(hi, Math.max(lo, start));
  let fb = at(b);
  if (fb === -Infinity) return null;
  // Which way is uphill?
  const step0 = 0.5;
  let dir = 1;
  let xr = Math.min(hi, b + step0);
  const fr = xr === b ? -Infinity : at(xr);
  if (fr <= fb) {
    const xl = Math.max(lo, b - step0);
    const fl = xl === b ? -Infinity : at(xl);
    if (fl <= fb) {
      // b is bracketed by xl and xr.
      return golden(at, xl, b, xr, fb);
    }
    dir = -1;
    xr = b;
    b = xl;
    fb = fl;
  } else {
    const t = b;
    b = xr;
    fb = fr;
    xr = t;
  }
  // Walk uphill: (prev, b) with f(b) > f(prev); double the step until f falls or a bound is hit.
  let prev = xr;
  let step = step0;
  for (let it = 0; it < 60; it++) {
    step *= 2;
    const next = Math.min(hi, Math.max(lo, b + dir * step));
    if (next === b) return { theta: [b], lml: fb };
    const fn = at(next);
    if (fn <= fb) return golden(at, Math.min(prev, next), b, Math.max(prev, next), fb);
    prev = b;
    b = next;
    fb = fn;
  }
  return { theta: [b], lml: fb };
}

/**
 * Brent's method (parabolic steps, golden-section fallback) maximising f on [a, c], given an
 * interior b with f(b) ≥ f(a), f(c); absolute tolerance 1e-3 in log units.
 */
function golden(f: (x: number) => number, a: number, b: number, c: number, fb: number): { theta: number[]; lml: number } {
  const CGOLD = 0.3819660112501051;
  const tol = 1e-3;
  let lo = Math.min(a, c);
  let hi = Math.max(a, c);
  // Minimise g = −f.
  let x = b;
  let w = b;
  let v = b;
  let gx = -fb;
  let gw = gx;
  let gv = gx;
  let d = 0;
  let e = 0;
  for (let it = 0; it < 60; it++) {
    const xm = 0.5 * (lo + hi);
    const tol2 = 2 * tol;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (hi - lo)) break;
    let parabolic = false;
    if (Math.abs(e) > tol) {
      const r = (x - w) * (gx - gv);
      let q = (x - v) * (gx - gw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      const eOld = e;
      e = d;
      if (!(Math.abs(p) >= Math.abs(0.5 * q * eOld) || p <= q * (lo - x) || p >= q * (hi - x))) {
        d = p / q;
        const u = x + d;
        if (u - lo < tol2 || hi - u < tol2) d = xm >= x ? tol : -tol;
        parabolic = true;
      }
    }
    if (!parabolic) {
      e = x >= xm ? lo - x : hi - x;
      d = CGOLD * e;
    }
    const u = Math.abs(d) >= tol ? x + d : x + (d >= 0 ? tol : -tol);
    const gu = -f(u);
    if (gu <= gx) {
      if (u >= x) lo = x;
      else hi = x;
      v = w;
      gv = gw;
      w = x;
      gw = gx;
      x = u;
      gx = gu;
    } else {
      if (u < x) lo = u;
      else hi = u;
      if (gu <= gw || w === x) {
        v = w;
        gv = gw;
        w = u;
        gw = gu;
      } else if (gu <= gv || v === x || v === w) {
        v = u;
        gv = gu;
      }
    }
  }
  return { theta: [x], lml: -gx };
}

/** Projected BFGS maximisation of the log marginal likelihood from one start. */
function maximise(
  sq: Float64Array,
  n: number,
  d: number,
  y: Float64Array,
  start: number[],
  lay: ParamLayout,
  o: GpOptions,
): { theta: number[]; lml: number } | null {
  const p = start.length;
  const clamp = (t: number[]) => t.map((v, i) => Math.min(lay.hi[i], Math.max(lay.lo[i], v)));
  const lmlAt = (th: number[]) => {
    const r = evaluate(sq, n, d, y, hyperFromTheta(th, lay, o), o.alpha, lay);
    return r ? { lml: r.f.lml, grad: r.grad } : null;
  };
  let theta = clamp(start);
  let cur = lmlAt(theta);
  if (!cur) return null;
  let H = identity(p);
  for (let it = 0; it < o.maxIterations; it++) {
    const g = cur.grad; // ascent direction for the maximum
    const dir = new Array<number>(p).fill(0);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) dir[i] += H[i * p + j] * g[j];
    for (let i = 0; i < p; i++) {
      if ((theta[i] <= lay.lo[i] && dir[i] < 0) || (theta[i] >= lay.hi[i] && dir[i] > 0)) dir[i] = 0;
    }
    // Converged when the projected gradient is flat (0.01 in lml per log unit is far below what matters).
    let gFree = 0;
    for (let i = 0; i < p; i++) {
      const outward = (theta[i] <= lay.lo[i] && g[i] < 0) || (theta[i] >= lay.hi[i] && g[i] > 0);
      if (!outward) gFree = Math.max(gFree, Math.abs(g[i]));
    }
    if (gFree < 1e-2) break;
    let maxStep = 0;
    for (const v of dir) maxStep = Math.max(maxStep, Math.abs(v));
    if (maxStep < 1e-9) break;
    const scale = maxStep > 2 ? 2 / maxStep : 1;
    let t = scale;
    let next: ReturnType<typeof lmlAt> = null;
    let nextTheta = theta;
    for (let ls = 0; ls < 12; ls++) {
      nextTheta = clamp(theta.map((v, i) => v + t * dir[i]));
      let gain = 0;
      for (let i = 0; i < p; i++) gain += g[i] * (nextTheta[i] - theta[i]);
      next = lmlAt(nextTheta);
      if (next && next.lml >= cur.lml + 1e-4 * gain) break;
      next = null;
      t *= 0.5;
    }
    if (!next) break;
    const s = nextTheta.map((v, i) => v - theta[i]);
    const yv = next.grad.map((v, i) => -(v - g[i])); // gradient of −lml
    const sy = s.reduce((acc, v, i) => acc + v * yv[i], 0);
    const improvement = next.lml - cur.lml;
    theta = nextTheta;
    cur = next;
    if (sy > 1e-12) H = bfgsUpdate(H, s, yv, sy, p);
    else H = identity(p);
    // A likelihood gain below 1e-4 per unit of |lml| no longer changes predictions.
    if (improvement < 1e-4 * Math.max(1, Math.abs(cur.lml)) || Math.max(...s.map(Math.abs)) < 1e-4) break;
  }
  return { theta, lml: cur.lml };
}

function identity(p: number): number[] {
  const H = new Array<number>(p * p).fill(0);
  for (let i = 0; i < p; i++) H[i * p + i] = 1;
  return H;
}

/** Inverse-Hessian BFGS update for minimisation with step s and gradient change y. */
function bfgsUpdate(H: number[], s: number[], y: number[], sy: number, p: number): number[] {
  const rho = 1 / sy;
  const Hy = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) Hy[i] += H[i * p + j] * y[j];
  const yHy = y.reduce((acc, v, i) => acc + v * Hy[i], 0);
  const out = new Array<number>(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      out[i * p + j] = H[i * p + j] - rho * (Hy[i] * s[j] + s[i] * Hy[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
    }
  }
  return out;
}

/** A fitted Gaussian process: posterior mean and standard deviation anywhere. */
export class GaussianProcess {
  readonly hyper: GpHyper;
  /** Log marginal likelihood of the standardised targets at the fitted hyper-parameters. */
  readonly logMarginalLikelihood: number;
  /** Extra diagonal jitter the Cholesky factorisation needed (0 if none). */
  readonly jitter: number;
  readonly yMean: number;
  readonly yStd: number;
  private readonly L: Float64Array;
  private readonly alphaVec: Float64Array;
  private readonly invLen: Float64Array;

  private constructor(
    private readonly X: Float64Array,
    readonly n: number,
    readonly d: number,
    private readonly options: GpOptions,
    hyper: GpHyper,
    f: Factored,
    yMean: number,
    yStd: number,
  ) {
    this.hyper = hyper;
    this.logMarginalLikelihood = f.lml;
    this.jitter = f.jitter;
    this.L = f.L;
    this.alphaVec = f.alphaVec;
    this.yMean = yMean;
    this.yStd = yStd;
    this.invLen = new Float64Array(d);
    for (let j = 0; j < d; j++) this.invLen[j] = 1 / (hyper.lengthScales.length === d && d > 1 ? hyper.lengthScales[j] : hyper.lengthScales[0]);
  }

  /** Fits hyper-parameters by maximum marginal likelihood (each start optimised locally), then conditions. */
  static fit(X: Float64Array, n: number, d: number, y: ArrayLike<number>, options: GpOptions): GaussianProcess {
    checkShapes(X, n, d, y);
    const Xk = prepareInputs(X, options.roundInputs);
    const { yn, mean, std } = standardise(y, options.normalizeY);
    const lay = layout(d, options);
    const sq = pairSquares(Xk, n, d);
    let best: { theta: number[]; lml: number } | null = null;
    for (const s of options.starts) {
      const th = thetaFromHyper(s, lay);
      const r = th.length === 1 ? maximise1d(sq, n, d, yn, th[0], lay, options) : maximise(sq, n, d, yn, th, lay, options);
      if (r && (!best || r.lml > best.lml)) best = r;
    }
    if (!best) throw new Error("Gaussian process: the kernel matrix is not positive definite even with jitter (duplicate inputs with different targets and no noise?)");
    const hyper = hyperFromTheta(best.theta, lay, options);
    const f = factor(Xk, n, d, yn, hyper, options.alpha) as Factored;
    return new GaussianProcess(Xk, n, d, options, hyper, f, mean, std);
  }

  /** Conditions on data with given hyper-parameters (no fitting). */
  static withHyper(X: Float64Array, n: number, d: number, y: ArrayLike<number>, hyper: GpHyper, options: GpOptions): GaussianProcess {
    checkShapes(X, n, d, y);
    const Xk = prepareInputs(X, options.roundInputs);
    const { yn, mean, std } = standardise(y, options.normalizeY);
    const f = factor(Xk, n, d, yn, hyper, options.alpha);
    if (!f) throw new Error("Gaussian process: the kernel matrix is not positive definite even with jitter");
    return new GaussianProcess(Xk, n, d, options, hyper, f, mean, std);
  }

  /** Posterior mean and standard deviation at m points (row-major m × d), in the units of y. */
  predict(Xq: Float64Array, m: number, meanOut: Float64Array, sdOut: Float64Array): void {
    const { n, d, X, L, alphaVec, invLen } = this;
    const s2 = this.hyper.signalVariance;
    const round = this.options.roundInputs;
    const k = new Float64Array(n);
    const q = new Float64Array(d);
    const cache = new IsoIntCache(Float64Array.from(invLen, (v) => v * v), s2);
    for (let p = 0; p < m; p++) {
      for (let j = 0; j < d; j++) q[j] = round ? Math.round(Xq[p * d + j]) : Xq[p * d + j];
      let mu = 0;
      for (let i = 0; i < n; i++) {
        let v: number;
        if (cache.iso) {
          let raw = 0;
          for (let j = 0; j < d; j++) {
            const t = X[i * d + j] - q[j];
            raw += t * t;
          }
          v = cache.value(raw);
        } else {
          let r2 = 0;
          for (let j = 0; j < d; j++) {
            const t = (X[i * d + j] - q[j]) * invLen[j];
            r2 += t * t;
          }
          v = s2 * matern52(sqrt(r2));
        }
        k[i] = v;
        mu += v * alphaVec[i];
      }
      // v = L⁻¹ k; var = s² − vᵀv.
      let vv = 0;
      for (let i = 0; i < n; i++) {
        const ri = i * n;
        const z = (k[i] - dot(L, ri, k, 0, i)) / L[ri + i];
        k[i] = z;
        vv += z * z;
      }
      const variance = s2 - vv;
      meanOut[p] = mu * this.yStd + this.yMean;
      sdOut[p] = sqrt(variance > 0 ? variance : 0) * this.yStd;
    }
  }
}

function checkShapes(X: Float64Array, n: number, d: number, y: ArrayLike<number>): void {
  if (!(n >= 1 && d >= 1 && X.length === n * d && y.length === n)) {
    throw new RangeError(`GP data must be n × d inputs and n targets with n, d ≥ 1 but got ${X.length} inputs, n=${n}, d=${d}, ${y.length} targets`);
  }
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i])) throw new RangeError(`GP target #${i + 1} is not finite: ${y[i]}`);
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i])) throw new RangeError(`GP input value #${i + 1} is not finite: ${X[i]}`);
}

function standardise(y: ArrayLike<number>, normalise: boolean): { yn: Float64Array; mean: number; std: number } {
  const n = y.length;
  if (!normalise) return { yn: Float64Array.from(y), mean: 0, std: 1 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[i] - mean) ** 2;
  let std = sqrt(v / n);
  if (!(std > 0)) std = 1;
  const yn = new Float64Array(n);
  for (let i = 0; i < n; i++) yn[i] = (y[i] - mean) / std;
  return { yn, mean, std };
}
