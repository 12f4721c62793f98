/**
 * Wasserstein-1 (earth mover's) distance between two samples, as scipy.stats.wasserstein_distance
 * computes it in one dimension: the area between the two empirical CDFs.
 */
import { linearQuantile, meanAndStd, toNumericSample } from './numeric-sample.js';

/** The area between the ECDFs of two samples sorted ascending and free of missing values. */
export function wassersteinDistanceSorted(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) throw new RangeError('wasserstein distance needs at least one value in each sample');
  let i = 0;
  let j = 0;
  // Neumaier summation: 800k products of very different sizes, summed without drift.
  let sum = 0;
  let compensation = 0;
  let previous = Math.min(u[0]!, v[0]!);
  while (i < nu || j < nv) {
    const value = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    // Both ECDFs are flat on [previous, value): they count the values ≤ previous.
    const term = Math.abs(i / nu - j / nv) * (value - previous);
    const t = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
    while (i < nu && u[i] === value) i++;
    while (j < nv && v[j] === value) j++;
    previous = value;
  }
  return sum + compensation;
}

/** Wasserstein-1 distance on raw values; missing values (NaN, ±Infinity) are dropped first. */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return wassersteinDistanceSorted(toNumericSample(u).sorted, toNumericSample(v).sorted);
}

/** Which spread of the reference a Wasserstein distance was divided by. */
export type SpreadKind = 'iqr' | 'std' | 'unit';

/**
 * The reference's spread used to normalise the Wasserstein distance: the interquartile range
 * (numpy's linear percentiles 75 − 25), robust to the heavy tails of prices and lot sizes; the
 * population standard deviation when the IQR is 0 (a feature dominated by one value); 1 when the
 * reference is constant, so the distance is reported unscaled instead of divided by zero.
 */
export function referenceSpread(referenceSorted: Float64Array): { spread: number; kind: SpreadKind } {
  const iqr = linearQuantile(referenceSorted, 0.75) - linearQuantile(referenceSorted, 0.25);
  if (iqr > 0) return { spread: iqr, kind: 'iqr' };
  const { std } = meanAndStd(referenceSorted);
  if (std > 0) return { spread: std, kind: 'std' };
  return { spread: 1, kind: 'unit' };
}
