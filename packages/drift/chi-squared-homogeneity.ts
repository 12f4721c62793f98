/**
 * Chi-squared test of homogeneity on the 2×k table (reference row, current row) of category
 * counts, as scipy.stats.chi2_contingency(table) computes it by default: Pearson's statistic
 * against expected counts row·column/total, k − 1 degrees of freedom, and Yates' continuity
 * correction only when there is exactly one degree of freedom (k = 2), each cell moved towards its
 * expected count by at most 0.5. With one category (0 degrees of freedom) the statistic is 0 and
 * the p-value 1.
 */
import { chiSquaredSurvival } from './special-functions.js';

export interface ChiSquaredResult {
  statistic: number;
  pValue: number;
  degreesOfFreedom: number;
  /** Whether Yates' correction was applied (exactly when degreesOfFreedom is 1). */
  yatesCorrection: boolean;
}

/** Pearson's chi-squared test that two rows of counts over the same categories share one distribution. */
export function chiSquaredHomogeneity(referenceCounts: readonly number[], currentCounts: readonly number[]): ChiSquaredResult {
  const k = referenceCounts.length;
  if (k === 0 || currentCounts.length !== k) {
    throw new RangeError('chi-squared homogeneity needs two equally long, non-empty rows of counts');
  }
  let referenceTotal = 0;
  let currentTotal = 0;
  for (let c = 0; c < k; c++) {
    const r = referenceCounts[c]!;
    const q = currentCounts[c]!;
    if (!(r >= 0) || !(q >= 0)) throw new RangeError('counts must be non-negative');
    if (r + q === 0) throw new RangeError('every category must be counted at least once (an expected count would be 0)');
    referenceTotal += r;
    currentTotal += q;
  }
  if (referenceTotal === 0 || currentTotal === 0) throw new RangeError('both rows need at least one count');
  const degreesOfFreedom = k - 1;
  if (degreesOfFreedom === 0) return { statistic: 0, pValue: 1, degreesOfFreedom, yatesCorrection: false };

  const total = referenceTotal + currentTotal;
  const yatesCorrection = degreesOfFreedom === 1;
  let statistic = 0;
  for (const [row, rowTotal] of [
    [referenceCounts, referenceTotal],
    [currentCounts, currentTotal],
  ] as const) {
    for (let c = 0; c < k; c++) {
      const expected = (rowTotal * (referenceCounts[c]! + currentCounts[c]!)) / total;
      let observed = row[c]!;
      if (yatesCorrection) {
        const gap = expected - observed;
        observed += Math.sign(gap) * Math.min(0.5, Math.abs(gap));
      }
      statistic += (observed - expected) ** 2 / expected;
    }
  }
  return { statistic, pValue: chiSquaredSurvival(statistic, degreesOfFreedom), degreesOfFreedom, yatesCorrection };
}
