import {
  choleskyWithJitter,
  GaussianProcess,
  logMarginalLikelihoodWithGradient,
  matern52,
  type GpHyper,
  type GpOptions,
} from "../../kernel/src/ribbon/gp";
import { erfc, logNormCdf, normCdf } from "../../kernel/src/ribbon/normal";
import { expectedImprovement, logFeasibleSaving } from "../../kernel/src/ribbon/search";

const PLAIN: GpOptions = {
  ard: false,
  alpha: 1e-12,
  lengthBounds: [1e-3, 1e3],
  signalBounds: [1, 1],
  noiseBounds: [0, 0],
  normalizeY: false,
  roundInputs: false,
  starts: [{ lengthScales: [1], signalVariance: 1, noiseVariance: 0 }],
  maxIterations: 50,
};

const hyper = (l: number | number[], s2 = 1, noise = 0): GpHyper => ({ lengthScales: Array.isArray(l) ? l : [l], signalVariance: s2, noiseVariance: noise });

function predict1(gp: GaussianProcess, x: number[]): [number, number] {
  const mu = new Float64Array(1);
  const sd = new Float64Array(1);
  gp.predict(Float64Array.from(x), 1, mu, sd);
  return [mu[0], sd[0]];
}

describe("Matern 5/2 kernel", () => {
  it("matches (1 + √5 r + 5r²/3) e^{−√5 r} at hand-computed points", () => {
    expect(matern52(0)).toBe(1);
    expect(matern52(0.5)).toBeCloseTo(0.8286491424181255, 14);
    expect(matern52(1)).toBeCloseTo(0.5239941088318203, 14);
  });
});

describe("GP posterior, hand-checked", () => {
  it("one point: mean k·y, variance 1 − k²", () => {
    const gp = GaussianProcess.withHyper(Float64Array.from([0]), 1, 1, [2.5], hyper(2), PLAIN);
    const k = 0.8286491424181255; // k(r = 1/2)
    const [mu, sd] = predict1(gp, [1]);
    expect(mu).toBeCloseTo(k * 2.5, 10);
    expect(sd * sd).toBeCloseTo(1 - k * k, 10);
    const [mu0, sd0] = predict1(gp, [0]);
    expect(mu0).toBeCloseTo(2.5, 9);
    expect(sd0).toBeLessThan(1e-5);
  });

  it("two points at 0 and 1 with y = ±1: symmetric midpoint, hand-solved 2×2 system at x = 2", () => {
    const gp = GaussianProcess.withHyper(Float64Array.from([0, 1]), 2, 1, [1, -1], hyper(1), PLAIN);
    expect(predict1(gp, [0.5])[0]).toBeCloseTo(0, 12);
    const [mu, sd] = predict1(gp, [2]);
    expect(mu).toBeCloseTo(-0.8095149594633316, 10);
    expect(sd * sd).toBeCloseTo(0.6999674596109591, 10);
  });

  it("one point: log marginal likelihood −y²/2(1+α) − ½log(1+α) − ½log 2π", () => {
    const alpha = 0.25;
    const gp = GaussianProcess.withHyper(Float64Array.from([3]), 1, 1, [2], hyper(1), { ...PLAIN, alpha });
    expect(gp.logMarginalLikelihood).toBeCloseTo(-0.5 * (4 / 1.25) - 0.5 * Math.log(1.25) - 0.5 * Math.log(2 * Math.PI), 12);
  });

  it("standardises y and predicts in the original units", () => {
    const gp = GaussianProcess.withHyper(Float64Array.from([0, 5]), 2, 1, [1, 3], hyper(1), { ...PLAIN, normalizeY: true });
    expect(gp.yMean).toBe(2);
    expect(gp.yStd).toBe(1);
    expect(predict1(gp, [0])[0]).toBeCloseTo(1, 8);
    expect(predict1(gp, [5])[0]).toBeCloseTo(3, 8);
    expect(predict1(gp, [100])[0]).toBeCloseTo(2, 8); // far away: the mean of y
    expect(predict1(gp, [100])[1]).toBeCloseTo(1, 8); // and the prior sd in y units
  });

  it("uses per-dimension length scales (ARD)", () => {
    const X = Float64Array.from([0, 0]);
    const gp = GaussianProcess.withHyper(X, 1, 2, [1], hyper([1, 100]), { ...PLAIN, ard: true });
    // Moving 1 along the long-scale axis barely changes the correlation; along the short one it does.
    expect(predict1(gp, [0, 1])[0]).toBeGreaterThan(0.999);
    expect(predict1(gp, [1, 0])[0]).toBeCloseTo(0.5239941088318203, 6);
  });

  it("rounds inputs inside the kernel when asked (constant on integer cells)", () => {
    const gp = GaussianProcess.withHyper(Float64Array.from([1, 4]), 2, 1, [0.2, 0.9], hyper(1.5), { ...PLAIN, roundInputs: true });
    expect(predict1(gp, [2.3])[0]).toBe(predict1(gp, [1.7])[0]);
    expect(predict1(gp, [2.3])[0]).toBe(predict1(gp, [2])[0]);
  });

  it("rejects mismatched shapes and non-finite targets", () => {
    expect(() => GaussianProcess.withHyper(Float64Array.from([0, 1]), 2, 1, [1], hyper(1), PLAIN)).toThrow(RangeError);
    expect(() => GaussianProcess.withHyper(Float64Array.from([0]), 1, 1, [NaN], hyper(1), PLAIN)).toThrow(/not finite/);
  });
});

describe("Cholesky with adaptive jitter", () => {
  it("factors a well-conditioned matrix without jitter", () => {
    const r = choleskyWithJitter(Float64Array.from([4, 2, 2, 3]), 2);
    expect(r?.jitter).toBe(0);
    expect(Array.from(r!.L)).toEqual([2, 0, 1, Math.sqrt(2)]);
  });

  it("adds the smallest jitter that works for exact duplicates", () => {
    const r = choleskyWithJitter(Float64Array.from([1, 1, 1, 1]), 2);
    expect(r).not.toBeNull();
    expect(r!.jitter).toBeGreaterThan(0);
    expect(r!.jitter).toBeLessThan(1e-9);
  });

  it("gives up on an indefinite matrix", () => {
    expect(choleskyWithJitter(Float64Array.from([1, 3, 3, 1]), 2)).toBeNull();
  });

  it("keeps the GP stable on near-duplicate points (no alpha, no noise)", () => {
    const n = 30;
    const X = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X[i] = i < 25 ? 3 + i * 1e-9 : i; // a cluster of 25 nearly identical inputs
      y[i] = i < 25 ? 1 + (i % 2) * 1e-6 : Math.sin(i);
    }
    const opts = { ...PLAIN, alpha: 0 };
    const gp = GaussianProcess.withHyper(X, n, 1, y, hyper(2), opts);
    expect(gp.jitter).toBeGreaterThan(0);
    const [mu, sd] = predict1(gp, [3]);
    expect(Number.isFinite(mu) && Number.isFinite(sd)).toBe(true);
    expect(mu).toBeCloseTo(1, 4);
    const fitted = GaussianProcess.fit(X, n, 1, y, { ...opts, normalizeY: true });
    expect(Number.isFinite(fitted.logMarginalLikelihood)).toBe(true);
    expect(predict1(fitted, [3])[0]).toBeCloseTo(1, 3);
  });
});

describe("marginal-likelihood fit", () => {
  const n = 15;
  const X = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    X[i * 3] = (i * 7) % 9;
    X[i * 3 + 1] = (i * 5) % 11;
    X[i * 3 + 2] = (i * 3) % 4;
    y[i] = Math.sin(X[i * 3]) + 0.3 * X[i * 3 + 1] + 0.05 * ((i * 37) % 7);
  }

  it.each([
    ["isotropic", { ...PLAIN, normalizeY: true }, hyper(1.7)],
    ["ARD with σ² and noise", { ...PLAIN, ard: true, normalizeY: true, signalBounds: [0.01, 100] as [number, number], noiseBounds: [1e-6, 1] as [number, number] }, hyper([1.3, 2.1, 0.7], 1.4, 0.05)],
  ])("has the analytic gradient of the finite differences (%s)", (_name, opts, h) => {
    const { lml, grad } = logMarginalLikelihoodWithGradient(X, n, 3, y, h, opts);
    const eps = 1e-6;
    const bump = (i: number): GpHyper => {
      const c: GpHyper = { lengthScales: [...h.lengthScales], signalVariance: h.signalVariance, noiseVariance: h.noiseVariance };
      if (i < c.lengthScales.length) c.lengthScales[i] *= Math.exp(eps);
      else if (i === c.lengthScales.length && opts.signalBounds[1] > opts.signalBounds[0]) c.signalVariance *= Math.exp(eps);
      else c.noiseVariance *= Math.exp(eps);
      return c;
    };
    grad.forEach((g, i) => {
      const fd = (logMarginalLikelihoodWithGradient(X, n, 3, y, bump(i), opts).lml - lml) / eps;
      expect(g).toBeCloseTo(fd, 4);
    });
  });

  it("ends at a local maximum of the likelihood (isotropic, from ℓ = 1)", () => {
    const opts = { ...PLAIN, normalizeY: true };
    const gp = GaussianProcess.fit(X, n, 3, y, opts);
    const l = gp.hyper.lengthScales[0];
    const at = (s: number) => GaussianProcess.withHyper(X, n, 3, y, hyper(s), opts).logMarginalLikelihood;
    expect(gp.logMarginalLikelihood).toBeGreaterThanOrEqual(at(1) - 1e-9);
    expect(gp.logMarginalLikelihood).toBeGreaterThanOrEqual(at(l * 1.05) - 1e-6);
    expect(gp.logMarginalLikelihood).toBeGreaterThanOrEqual(at(l / 1.05) - 1e-6);
  });

  it("finds a long length scale for a smooth function and a short one for a rough one", () => {
    const m = 20;
    const Xs = Float64Array.from({ length: m }, (_, i) => i);
    const smooth = Xs.map((x) => Math.sin(x / 6));
    const rough = Xs.map((x) => ((x * 7919) % 13) / 13);
    const o = { ...PLAIN, normalizeY: true, alpha: 1e-6 };
    const ls = GaussianProcess.fit(Xs, m, 1, smooth, o).hyper.lengthScales[0];
    const lr = GaussianProcess.fit(Xs, m, 1, rough, o).hyper.lengthScales[0];
    expect(ls).toBeGreaterThan(3);
    expect(lr).toBeLessThan(1);
  });
});

describe("normal CDF and acquisitions", () => {
  it("matches reference values, far into the tails", () => {
    expect(normCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normCdf(-10) / 7.619853024160593e-24).toBeCloseTo(1, 10);
    expect(erfc(3) / 2.2090496998585438e-5).toBeCloseTo(1, 12);
    expect(logNormCdf(-40)).toBeCloseTo(-804.6084420137539, 8);
    expect(logNormCdf(0)).toBeCloseTo(Math.log(0.5), 14);
    expect(logNormCdf(8)).toBeCloseTo(-6.22096057427174e-16, 20);
  });

  it("expected improvement: a Φ(a/σ) + σ φ(a/σ), and max(a, 0) without uncertainty", () => {
    expect(expectedImprovement(1, 0.5, 0.6, 0.1)).toBeCloseTo(0.38433636612087774, 12);
    expect(expectedImprovement(1, 0, 0.6, 0.1)).toBeCloseTo(0.3, 14);
    expect(expectedImprovement(0.5, 0, 0.6, 0.1)).toBe(0);
    expect(expectedImprovement(-100, 1, 0, 0.1)).toBeGreaterThanOrEqual(0);
  });

  it("feasibility-weighted saving: log[(P_best − price) Φ((μ − t)/σ)], −∞ when nothing can be saved", () => {
    expect(logFeasibleSaving(2, 1, 1, 1)).toBeCloseTo(Math.log(1), 12);
    expect(logFeasibleSaving(0, 5, 1, 1)).toBe(-Infinity);
    expect(logFeasibleSaving(1, 0, 0, 1)).toBe(-Infinity);
    // deep in the infeasible tail the value is tiny but still ordered
    expect(logFeasibleSaving(1, -30, 1, 0)).toBeGreaterThan(logFeasibleSaving(1, -31, 1, 0));
  });
});
