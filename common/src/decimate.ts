/**
 * Min–max decimation for time series: each bucket of equal time width keeps its lowest and
 * highest sample, in time order, so spikes survive at any zoom. O(n) over the window.
 */
import { isNum } from "./guards";

/** A decimated series: times and values, null marking a gap. */
export interface Decimated {
  t: number[];
  v: (number | null)[];
}

/** First index i in sorted `t` with t[i] ≥ x (t.length if none). */
export function lowerBound(t: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i in sorted `t` with t[i] > x (t.length if none). */
export function upperBound(t: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Decimates samples [i0, i1) of a time-sorted series into at most `buckets` buckets
 * (≤ 2 points each). A bucket of only missing values becomes one null (a gap);
 * windows with ≤ 2·buckets samples are returned as they are.
 */
export function decimateMinMax(t: ArrayLike<number>, v: ArrayLike<number | null>, i0: number, i1: number, buckets: number): Decimated {
  if (!(Number.isInteger(buckets) && buckets >= 1)) throw new RangeError(`buckets must be an integer ≥ 1 but got ${buckets}`);
  const lo = Math.max(0, i0);
  const hi = Math.min(t.length, v.length, i1);
  const out: Decimated = { t: [], v: [] };
  if (hi <= lo) return out;
  if (hi - lo <= 2 * buckets) {
    for (let i = lo; i < hi; i++) {
      out.t.push(t[i]);
      out.v.push(isNum(v[i]) ? (v[i] as number) : null);
    }
    return out;
  }
  const t0 = t[lo];
  const span = t[hi - 1] - t0;
  const width = span > 0 ? span / buckets : 1;
  const bucketOf = (x: number) => Math.min(buckets - 1, Math.max(0, Math.floor((x - t0) / width)));
  let i = lo;
  while (i < hi) {
    const first = i;
    const b = bucketOf(t[i]);
    let iMin = -1;
    let iMax = -1;
    let gap = false;
    for (; i < hi && bucketOf(t[i]) === b; i++) {
      const x = v[i];
      if (!isNum(x)) {
        gap = true;
        continue;
      }
      if (iMin < 0 || x < (v[iMin] as number)) iMin = i;
      if (iMax < 0 || x > (v[iMax] as number)) iMax = i;
    }
    if (iMin < 0) {
      out.t.push(t[first]);
      out.v.push(null);
      continue;
    }
    const a = Math.min(iMin, iMax);
    const c = Math.max(iMin, iMax);
    out.t.push(t[a]);
    out.v.push(v[a] as number);
    if (c !== a) {
      out.t.push(t[c]);
      out.v.push(v[c] as number);
    }
    if (gap) {
      // Keep a visible break where samples were missing inside the bucket.
      out.t.push(t[c]);
      out.v.push(null);
    }
  }
  return out;
}
