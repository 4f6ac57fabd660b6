/**
 * Standard normal density, CDF and log-CDF through an erfc that keeps full relative precision
 * far into the tails (series below 2.5, continued fraction above), so acquisition values of
 * nearly hopeless points stay ordered instead of underflowing to 0.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** For x ≥ 2.5: erfc(x) = exp(−x²) / (√π · cf(x)); returns cf(x) (backward continued fraction). */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return f;
}

/** erf(x) for 0 ≤ x < 2.5 by the series (2/√π) e^{−x²} Σ 2^n x^{2n+1} / (2n+1)!!, whose terms are all positive. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return ((2 / SQRT_PI) * Math.exp(-x2)) * sum;
}

/** Complementary error function erfc(x) = 1 − erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erfSeries(x);
  if (x > 27) return 0;
  return Math.exp(-x * x) / (SQRT_PI * erfcContinuedFraction(x));
}

/** log erfc(x), finite for every finite x. */
export function logErfc(x: number): number {
  if (x < 2.5) return Math.log(erfc(x));
  return -x * x - Math.log(SQRT_PI * erfcContinuedFraction(x));
}

/** φ(z) = e^{−z²/2} / √(2π). */
export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** Φ(z) = ½ erfc(−z/√2). */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

/** log Φ(z), accurate for very negative z. */
export function logNormCdf(z: number): number {
  if (z > 5) return Math.log1p(-0.5 * erfc(z * SQRT1_2));
  return Math.log(0.5) + logErfc(-z * SQRT1_2);
}
