/**
 * Population Stability Index of a numeric feature, with bins cut at the reference's quantiles.
 *
 * Binning: with B bins (default 10), the cut points are the reference's inverted-CDF quantiles at
 * 1/B … (B−1)/B — the value at sorted position ⌈n·k/B⌉ − 1 — with repeated cut points merged, so
 * a heavily tied reference gets fewer, wider bins instead of empty ones. Bins are closed on the
 * right: bin k holds values in (cut[k−1], cut[k]]; the first is (−∞, cut[0]], the last
 * (cut[B−2], +∞), so every current value lands somewhere however far it moved.
 * Empty bins: a share of 0 is floored at ε = 1e-4 (not renormalised) before
 * PSI = Σ (current − reference) · ln(current / reference), so one empty bin adds a large but
 * finite amount. Missing values are not binned: PSI compares the non-missing distributions, and
 * missingness is reported on its own as the missing-rate difference.
 */
import { toNumericSample } from './numeric-sample.js';

export const DEFAULT_PSI_BINS = 10;
export const PSI_EPSILON = 1e-4;

export interface PsiResult {
  value: number;
  /** Upper edges of every bin but the last (which is open above), ascending and distinct. */
  cutPoints: number[];
  /** Share of the reference's non-missing values in each bin, before the ε floor. */
  referenceShares: number[];
  /** Share of the current sample's non-missing values in each bin, before the ε floor. */
  currentShares: number[];
  epsilon: number;
}

/** Cut points from the reference's quantiles, duplicates merged. */
export function quantileCutPoints(referenceSorted: Float64Array, bins: number): number[] {
  const n = referenceSorted.length;
  const cuts: number[] = [];
  for (let k = 1; k < bins; k++) {
    const position = Math.floor((n * k + bins - 1) / bins) - 1;
    const cut = referenceSorted[Math.max(0, position)]!;
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]!) cuts.push(cut);
  }
  return cuts;
}

/** Shares of a sorted sample in the right-closed bins bounded by the cut points. */
function binShares(sorted: Float64Array, cuts: number[]): number[] {
  const counts = new Array<number>(cuts.length + 1).fill(0);
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const value = sorted[i]!;
    while (bin < cuts.length && value > cuts[bin]!) bin++;
    counts[bin]!++;
  }
  return counts.map((c) => c / sorted.length);
}

/** PSI of two samples sorted ascending and free of missing values. */
export function populationStabilityIndexSorted(
  referenceSorted: Float64Array,
  currentSorted: Float64Array,
  bins: number = DEFAULT_PSI_BINS,
): PsiResult {
  if (referenceSorted.length === 0 || currentSorted.length === 0) {
    throw new RangeError('PSI needs at least one value in each sample');
  }
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError(`PSI needs an integer number of bins ≥ 2, got ${bins}`);
  const cutPoints = quantileCutPoints(referenceSorted, bins);
  const referenceShares = binShares(referenceSorted, cutPoints);
  const currentShares = binShares(currentSorted, cutPoints);
  let value = 0;
  for (let k = 0; k < referenceShares.length; k++) {
    const r = Math.max(referenceShares[k]!, PSI_EPSILON);
    const c = Math.max(currentShares[k]!, PSI_EPSILON);
    value += (c - r) * Math.log(c / r);
  }
  return { value, cutPoints, referenceShares, currentShares, epsilon: PSI_EPSILON };
}

/** PSI on raw values; missing values (NaN, ±Infinity) are dropped first. */
export function populationStabilityIndex(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins: number = DEFAULT_PSI_BINS,
): PsiResult {
  return populationStabilityIndexSorted(toNumericSample(reference).sorted, toNumericSample(current).sorted, bins);
}
