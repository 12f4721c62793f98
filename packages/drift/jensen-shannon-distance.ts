/**
 * Jensen–Shannon distance between two distributions given as counts (or weights) over the same
 * categories, as scipy.spatial.distance.jensenshannon(p, q, base=2) computes it: each row
 * normalised to sum 1, m = (p + q)/2, distance = sqrt((KL(p‖m) + KL(q‖m)) / (2 ln 2)).
 * Base 2 bounds it to [0, 1]: 0 for identical distributions, 1 for disjoint supports.
 */

/** Σ p·ln(p/m) with scipy's rel_entr convention 0·ln(0/m) = 0. */
function relativeEntropy(p: Float64Array, m: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) sum += p[i]! * Math.log(p[i]! / m[i]!);
  return sum;
}

/** Jensen–Shannon distance in base 2 between two non-negative weight vectors of equal length. */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  if (p.length === 0 || p.length !== q.length) throw new RangeError('jensen-shannon needs two equally long, non-empty vectors');
  let pTotal = 0;
  let qTotal = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i]! >= 0) || !(q[i]! >= 0)) throw new RangeError('weights must be non-negative');
    pTotal += p[i]!;
    qTotal += q[i]!;
  }
  if (!(pTotal > 0) || !(qTotal > 0)) throw new RangeError('each vector needs a positive total');
  const pn = Float64Array.from(p, (x) => x / pTotal);
  const qn = Float64Array.from(q, (x) => x / qTotal);
  const m = pn.map((x, i) => (x + qn[i]!) / 2);
  const js = (relativeEntropy(pn, m) + relativeEntropy(qn, m)) / Math.log(2);
  // Rounding can leave a hair below zero for near-identical inputs; scipy would return NaN there.
  return Math.sqrt(Math.max(0, js / 2));
}
