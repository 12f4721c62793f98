/**
 * Special functions the drift tests need, in plain double precision: log-gamma, the regularised
 * upper incomplete gamma function and the chi-squared survival function built on it.
 * Accuracy target: relative 1e-12 or better over the ranges drift statistics use
 * (chi-squared degrees of freedom up to tens of thousands, statistics up to ~1e7).
 */

const LANCZOS_G = 7;
// Godfrey's Lanczos coefficients for g = 7, n = 9: relative error ~1e-15 for real arguments > 0.
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Natural log of the gamma function for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in the range where it is accurate.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0]!;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) sum += LANCZOS_COEFFICIENTS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPSILON = Number.EPSILON;
const MAX_ITERATIONS = 100_000;
const TINY = 1e-300;

/** log(x^a e^-x / Γ(a)): the common prefactor of both incomplete gamma expansions. */
function logGammaPrefactor(a: number, x: number): number {
  return a * Math.log(x) - x - logGamma(a);
}

/** Lower regularised incomplete gamma P(a, x) by its power series; converges fast for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return sum * Math.exp(logGammaPrefactor(a, x));
}

/** Upper regularised incomplete gamma Q(a, x) by its continued fraction (modified Lentz); for x ≥ a + 1. */
function upperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(logGammaPrefactor(a, x)) * h;
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), for a > 0 and x ≥ 0
 * (scipy.special.gammaincc). Relative accuracy holds in the tail, where p-values live.
 */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0) || Number.isNaN(x)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < a + 1) return Math.min(1, Math.max(0, 1 - lowerGammaSeries(a, x)));
  return Math.min(1, Math.max(0, upperGammaContinuedFraction(a, x)));
}

/** Survival function of the chi-squared distribution with `dof` degrees of freedom (scipy.stats.chi2.sf). */
export function chiSquaredSurvival(statistic: number, dof: number): number {
  if (!(dof > 0)) return Number.NaN;
  if (statistic <= 0) return 1;
  return regularizedUpperGamma(dof / 2, statistic / 2);
}

/** Rounds half to even, like numpy's np.round, so sample-size arithmetic agrees with scipy's. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends .5 up; numpy sends it to the even neighbour.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
