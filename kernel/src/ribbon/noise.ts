/**
 * The noise of a measured QoS rate: a rate measured on n queries is a binomial proportion, so its
 * standard deviation is sd = 100·√(p(1 − p)/n) points (p = rate/100). Near 99 % with 2,000 queries
 * that is about 0.22 points; with the artifact's 25,000, about 0.06.
 */

/** Standard deviation, in rate points, of a rate (%) measured on `queries` queries: 100·√(p(1 − p)/n). */
export function rateNoiseSd(ratePct: number, queries: number): number {
  if (!(queries >= 1)) throw new RangeError(`queries must be ≥ 1 but got ${queries}`);
  const p = Math.min(1, Math.max(0, ratePct / 100));
  return 100 * Math.sqrt((p * (1 - p)) / queries);
}
