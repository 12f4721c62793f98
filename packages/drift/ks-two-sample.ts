/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, reproducing scipy.stats.ks_2samp with its
 * default method='auto': the exact distribution when both samples have at most 10,000 values
 * (falling back to the asymptotic one if the exact computation fails), otherwise
 * kstwo.sf(D, round(n·m/(n+m))).
 */
import { kolmogorovSmirnovSurvival } from './kolmogorov-distribution.js';
import { toNumericSample } from './numeric-sample.js';
import { roundHalfEven } from './special-functions.js';

export interface KsTwoSampleResult {
  /** D = sup |F_reference − F_current| over the pooled values. */
  statistic: number;
  pValue: number;
  /** How the p-value was computed, with scipy's names. */
  method: 'exact' | 'asymp';
  /** A value at which the largest gap is reached (the first such, in scipy's order). */
  location: number;
  /** +1 when F_reference > F_current there (current values tend larger), −1 when below. */
  sign: 1 | -1;
}

/** scipy's MAX_AUTO_N: above this many values in either sample, 'auto' goes asymptotic. */
const MAX_EXACT_N = 10_000;

function greatestCommonDivisor(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Pr(D_{n,n} ≥ h/n) by the alternating binomial sum, in scipy's Horner-like form. */
function probabilityOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm(m,n),
 * by Viehmann's recursion for 1 − p (scipy's _compute_outer_prob_inside_method).
 */
function probabilityOutsideBand(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(lenA, maxj - minj + (lastlen - curlen)));
  }
  return A[maxj - minj - 1]!;
}

/** scipy's _attempt_exact_2kssamp for the two-sided case: D is snapped to a multiple of 1/lcm. */
function exactTwoSided(n1: number, n2: number, g: number, d: number): { ok: boolean; d: number; p: number } {
  const lcm = Math.floor(n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const snapped = h / lcm;
  if (h === 0) return { ok: true, d: snapped, p: 1 };
  const p = n1 === n2 ? probabilityOutsideSquare(n1, h) : probabilityOutsideBand(n1, n2, g, h);
  return { ok: Number.isFinite(p) && p >= 0 && p <= 1, d: snapped, p };
}

/** The two-sided test on samples already sorted ascending and free of missing values. */
export function ksTwoSampleSorted(reference: Float64Array, current: Float64Array): KsTwoSampleResult {
  const n1 = reference.length;
  const n2 = current.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks two-sample test needs at least one value in each sample');

  // Walk both sorted samples once; at every distinct value v, the gap F1(v) − F2(v). scipy's argmax
  // takes the first index in concat(reference, current), so the earliest reference value wins ties,
  // then the earliest current one.
  let i = 0;
  let j = 0;
  let maxRef = Number.NEGATIVE_INFINITY;
  let maxRefAt = Number.NaN;
  let maxCur = Number.NEGATIVE_INFINITY;
  let maxCurAt = Number.NaN;
  let minRef = Number.POSITIVE_INFINITY;
  let minRefAt = Number.NaN;
  let minCur = Number.POSITIVE_INFINITY;
  let minCurAt = Number.NaN;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && reference[i]! <= current[j]!) ? reference[i]! : current[j]!;
    const inReference = i < n1 && reference[i] === v;
    const inCurrent = j < n2 && current[j] === v;
    while (i < n1 && reference[i] === v) i++;
    while (j < n2 && current[j] === v) j++;
    const gap = i / n1 - j / n2;
    if (inReference) {
      if (gap > maxRef) {
        maxRef = gap;
        maxRefAt = v;
      }
      if (gap < minRef) {
        minRef = gap;
        minRefAt = v;
      }
    }
    if (inCurrent) {
      if (gap > maxCur) {
        maxCur = gap;
        maxCurAt = v;
      }
      if (gap < minCur) {
        minCur = gap;
        minCurAt = v;
      }
    }
  }
  const maxGap = Math.max(maxRef, maxCur);
  const maxAt = maxRef === maxGap ? maxRefAt : maxCurAt;
  const minGap = Math.min(minRef, minCur);
  const minAt = minRef === minGap ? minRefAt : minCurAt;
  const minS = Math.min(1, Math.max(0, -minGap));
  const maxS = maxGap;
  let d = minS > maxS ? minS : maxS;
  const sign: 1 | -1 = minS > maxS ? -1 : 1;
  const location = minS > maxS ? minAt : maxAt;

  const g = greatestCommonDivisor(n1, n2);
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const exact = exactTwoSided(n1, n2, g, d);
    d = exact.d;
    if (exact.ok) return { statistic: d, pValue: exact.p, method: 'exact', location, sign };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const pValue = kolmogorovSmirnovSurvival(roundHalfEven(en), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, pValue)), method: 'asymp', location, sign };
}

/** Two-sided two-sample KS test on raw values; missing values (NaN, ±Infinity) are dropped first. */
export function ksTwoSample(reference: ArrayLike<number>, current: ArrayLike<number>): KsTwoSampleResult {
  return ksTwoSampleSorted(toNumericSample(reference).sorted, toNumericSample(current).sorted);
}
