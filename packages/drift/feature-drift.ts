/**
 * Per-feature drift between a reference sample (what the champion was trained on) and a current
 * one (a new batch), with every number behind each verdict, as plain JSON-serialisable objects.
 *
 * Statistics are computed on non-missing values only; missingness is compared on its own.
 * Numeric: KS two-sample test, Wasserstein-1 (raw and divided by the reference's spread), PSI.
 * Categorical: chi-squared homogeneity, Jensen–Shannon distance (base 2), share of unseen categories.
 */
import { z } from 'zod';
import { InvalidInputError } from '../core/index.js';
import { countCategories } from './category-counts.js';
import { chiSquaredHomogeneity, type ChiSquaredResult } from './chi-squared-homogeneity.js';
import { jensenShannonDistance } from './jensen-shannon-distance.js';
import { ksTwoSampleSorted, type KsTwoSampleResult } from './ks-two-sample.js';
import { linearQuantile, meanAndStd, toNumericSample, type NumericSample } from './numeric-sample.js';
import { DEFAULT_PSI_BINS, populationStabilityIndexSorted, type PsiResult } from './population-stability-index.js';
import { referenceSpread, wassersteinDistanceSorted, type SpreadKind } from './wasserstein.js';

export type FeatureKind = 'numeric' | 'categorical';
/** Feature name → kind. */
export type FeatureSpec = Record<string, FeatureKind>;
/** A numeric column (NaN = missing) or a categorical one (null = missing). */
export type Column = Float64Array | readonly (string | null)[];
/** Column-wise data: column name → column; all columns of one sample have the same length. */
export type Columns = Record<string, Column>;

/**
 * When a feature counts as drifted. A feature is flagged when any rule of its kind fires:
 * - numeric: KS p-value < ksPValue AND KS D > ksStatistic AND normalised Wasserstein >
 *   wassersteinNormalised; or PSI > psi;
 * - categorical: chi-squared p-value < chiSquaredPValue AND Jensen–Shannon distance > jensenShannon;
 *   or the share of current rows in categories unseen in the reference > unseenShare;
 * - both kinds: |current missing rate − reference missing rate| > missingRateDifference.
 * A significance test alone is not enough: with batches of 10⁵ rows every trivial difference is
 * "significant", so each test is paired with an effect size that says the difference matters.
 * The KS rule needs two: Wasserstein says how far values moved, but in heavy tails it is noise —
 * two samples of the real realtor data from one distribution differ by 18 IQRs in acre_lot —
 * so D, which tails cannot inflate, must show the move too.
 */
export interface DriftThresholds {
  ksPValue: number;
  ksStatistic: number;
  wassersteinNormalised: number;
  psi: number;
  chiSquaredPValue: number;
  jensenShannon: number;
  unseenShare: number;
  missingRateDifference: number;
}

/**
 * Defaults: p < 0.01 for both tests (strict, as many features are tested per batch); ECDFs 5
 * points apart (same-distribution samples of the real data differ by < 0.02) and a mean transport
 * of a tenth of the reference's IQR; PSI 0.2, the usual line between "moderate" and
 * "significant" population shift; JS distance 0.1 in base 2 (≈ 0.01 bit of divergence); 5 % of
 * rows in categories the model never saw; 10 points of missing-rate change.
 */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({
  ksPValue: 0.01,
  ksStatistic: 0.05,
  wassersteinNormalised: 0.1,
  psi: 0.2,
  chiSquaredPValue: 0.01,
  jensenShannon: 0.1,
  unseenShare: 0.05,
  missingRateDifference: 0.1,
});

const probability = z.number().min(0).max(1);
const nonNegative = z.number().nonnegative().finite();
const thresholdsSchema = z
  .object({
    ksPValue: probability,
    ksStatistic: probability,
    wassersteinNormalised: nonNegative,
    psi: nonNegative,
    chiSquaredPValue: probability,
    jensenShannon: probability,
    unseenShare: probability,
    missingRateDifference: probability,
  })
  .strict()
  .partial();
const featureKindSchema = z.enum(['numeric', 'categorical']);
const specSchema = z.record(z.string().min(1), featureKindSchema);
const optionsSchema = z
  .object({
    thresholds: thresholdsSchema.optional(),
    target: z.object({ name: z.string().min(1), kind: featureKindSchema }).strict().optional(),
    psiBins: z.number().int().min(2).max(1000).optional(),
  })
  .strict();

export interface DriftOptions {
  /** Overrides of DEFAULT_DRIFT_THRESHOLDS, e.g. from configuration. */
  thresholds?: Partial<DriftThresholds>;
  /** The label, assessed with the same statistics and reported apart from the features. */
  target?: { name: string; kind: FeatureKind };
  /** Number of PSI bins (default 10). */
  psiBins?: number;
}

export interface MissingRates {
  /** Missing rows / all rows, per sample (0 for an empty sample). */
  reference: number;
  current: number;
  /** current − reference. */
  difference: number;
  referenceCount: number;
  currentCount: number;
}

export interface NumericSummary {
  min: number;
  q25: number;
  median: number;
  q75: number;
  max: number;
  mean: number;
  std: number;
}

export interface WassersteinResult {
  distance: number;
  /** distance / spread. */
  normalised: number;
  spread: number;
  /** 'iqr' normally; 'std' when the reference's IQR is 0; 'unit' (spread 1) when the reference is constant. */
  spreadKind: SpreadKind;
}

interface FeatureDriftBase {
  feature: string;
  drifted: boolean;
  /** One sentence per rule that fired, with its numbers; empty when not drifted. */
  reasons: string[];
  /** Why some statistics are null (a sample without non-missing values), else null. */
  unavailable: string | null;
  /** Non-missing rows the statistics were computed on. */
  counts: { reference: number; current: number };
  missing: MissingRates;
}

export interface NumericFeatureDrift extends FeatureDriftBase {
  kind: 'numeric';
  summary: { reference: NumericSummary | null; current: NumericSummary | null };
  ks: KsTwoSampleResult | null;
  wasserstein: WassersteinResult | null;
  psi: PsiResult | null;
}

export interface CategoryShift {
  category: string;
  referenceShare: number;
  currentShare: number;
}

export interface CategoricalFeatureDrift extends FeatureDriftBase {
  kind: 'categorical';
  /** Distinct categories in each sample and in their union. */
  categories: { reference: number; current: number; union: number };
  chiSquared: ChiSquaredResult | null;
  jensenShannon: { distance: number; base: 2 } | null;
  /** Current rows (of the non-missing) whose category never appears in the reference. */
  unseen: { share: number; count: number; topCategories: string[] } | null;
  /** Up to five categories whose share moved most, largest move first. */
  largestShifts: CategoryShift[];
}

export type FeatureDriftResult = NumericFeatureDrift | CategoricalFeatureDrift;

export interface DriftReport {
  referenceRows: number;
  currentRows: number;
  thresholds: DriftThresholds;
  /** One entry per feature of the spec, in the spec's order. */
  features: FeatureDriftResult[];
  /** Names of the drifted features, in the spec's order. */
  driftedFeatures: string[];
  /** The label's drift, when options.target names it; never counted among the features. */
  target: FeatureDriftResult | null;
}

/** Short, readable numbers for the reasons: 3 significant digits, exponent form when tiny. */
export function formatNumber(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  if (Math.abs(x) < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

function missingRates(referenceMissing: number, referenceRows: number, currentMissing: number, currentRows: number): MissingRates {
  const reference = referenceRows === 0 ? 0 : referenceMissing / referenceRows;
  const current = currentRows === 0 ? 0 : currentMissing / currentRows;
  return { reference, current, difference: current - reference, referenceCount: referenceMissing, currentCount: currentMissing };
}

function missingReason(missing: MissingRates, thresholds: DriftThresholds): string | null {
  if (!(Math.abs(missing.difference) > thresholds.missingRateDifference)) return null;
  return `missing rate moved from ${formatNumber(missing.reference)} to ${formatNumber(missing.current)} (|Δ| > ${thresholds.missingRateDifference})`;
}

function unavailableReason(referenceCount: number, currentCount: number): string | null {
  if (referenceCount > 0 && currentCount > 0) return null;
  const sides = [referenceCount === 0 ? 'reference' : null, currentCount === 0 ? 'current' : null].filter(Boolean);
  return `no non-missing values in the ${sides.join(' and ')} sample`;
}

function summarise(sample: NumericSample): NumericSummary | null {
  const sorted = sample.sorted;
  if (sorted.length === 0) return null;
  const { mean, std } = meanAndStd(sorted);
  return {
    min: sorted[0]!,
    q25: linearQuantile(sorted, 0.25),
    median: linearQuantile(sorted, 0.5),
    q75: linearQuantile(sorted, 0.75),
    max: sorted[sorted.length - 1]!,
    mean,
    std,
  };
}

/** Drift of one numeric column; missing values are NaN (and ±Infinity). */
export function numericFeatureDrift(
  feature: string,
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
  psiBins: number = DEFAULT_PSI_BINS,
): NumericFeatureDrift {
  const ref = toNumericSample(reference);
  const cur = toNumericSample(current);
  const missing = missingRates(ref.missing, ref.total, cur.missing, cur.total);
  const unavailable = unavailableReason(ref.sorted.length, cur.sorted.length);
  let ks: KsTwoSampleResult | null = null;
  let wasserstein: WassersteinResult | null = null;
  let psi: PsiResult | null = null;
  const reasons: string[] = [];
  if (unavailable === null) {
    ks = ksTwoSampleSorted(ref.sorted, cur.sorted);
    const distance = wassersteinDistanceSorted(ref.sorted, cur.sorted);
    const { spread, kind } = referenceSpread(ref.sorted);
    wasserstein = { distance, normalised: distance / spread, spread, spreadKind: kind };
    psi = populationStabilityIndexSorted(ref.sorted, cur.sorted, psiBins);
    const ksFires = ks.pValue < thresholds.ksPValue && ks.statistic > thresholds.ksStatistic;
    if (ksFires && wasserstein.normalised > thresholds.wassersteinNormalised) {
      reasons.push(
        `KS p-value ${formatNumber(ks.pValue)} < ${thresholds.ksPValue}, D ${formatNumber(ks.statistic)} > ${thresholds.ksStatistic} and ` +
          `Wasserstein distance ${formatNumber(distance)} = ${formatNumber(wasserstein.normalised)} × reference ` +
          `${kind === 'unit' ? 'unit' : kind.toUpperCase()} > ${thresholds.wassersteinNormalised}`,
      );
    }
    if (psi.value > thresholds.psi) reasons.push(`PSI ${formatNumber(psi.value)} > ${thresholds.psi}`);
  }
  const missingMoved = missingReason(missing, thresholds);
  if (missingMoved) reasons.push(missingMoved);
  return {
    feature,
    kind: 'numeric',
    drifted: reasons.length > 0,
    reasons,
    unavailable,
    counts: { reference: ref.sorted.length, current: cur.sorted.length },
    missing,
    summary: { reference: summarise(ref), current: summarise(cur) },
    ks,
    wasserstein,
    psi,
  };
}

/** Drift of one categorical column; missing values are null (or undefined). */
export function categoricalFeatureDrift(
  feature: string,
  reference: ArrayLike<string | null | undefined>,
  current: ArrayLike<string | null | undefined>,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): CategoricalFeatureDrift {
  const counts = countCategories(reference, current);
  const missing = missingRates(counts.referenceMissing, reference.length, counts.currentMissing, current.length);
  const unavailable = unavailableReason(counts.referenceTotal, counts.currentTotal);
  const k = counts.categories.length;
  let chiSquared: ChiSquaredResult | null = null;
  let jensenShannon: { distance: number; base: 2 } | null = null;
  let unseen: CategoricalFeatureDrift['unseen'] = null;
  let largestShifts: CategoryShift[] = [];
  const reasons: string[] = [];
  if (unavailable === null) {
    chiSquared = chiSquaredHomogeneity(counts.referenceCounts, counts.currentCounts);
    jensenShannon = { distance: jensenShannonDistance(counts.referenceCounts, counts.currentCounts), base: 2 };
    const unseenIndexes = counts.categories.map((_, i) => i).filter((i) => counts.referenceCounts[i] === 0);
    const unseenCount = unseenIndexes.reduce((s, i) => s + counts.currentCounts[i]!, 0);
    unseen = {
      share: unseenCount / counts.currentTotal,
      count: unseenCount,
      topCategories: unseenIndexes
        .sort((a, b) => counts.currentCounts[b]! - counts.currentCounts[a]!)
        .slice(0, 10)
        .map((i) => counts.categories[i]!),
    };
    largestShifts = counts.categories
      .map((category, i) => ({
        category,
        referenceShare: counts.referenceCounts[i]! / counts.referenceTotal,
        currentShare: counts.currentCounts[i]! / counts.currentTotal,
      }))
      .sort((a, b) => Math.abs(b.currentShare - b.referenceShare) - Math.abs(a.currentShare - a.referenceShare))
      .slice(0, 5);
    if (chiSquared.pValue < thresholds.chiSquaredPValue && jensenShannon.distance > thresholds.jensenShannon) {
      reasons.push(
        `chi-squared p-value ${formatNumber(chiSquared.pValue)} < ${thresholds.chiSquaredPValue} ` +
          `(χ² = ${formatNumber(chiSquared.statistic)}, ${chiSquared.degreesOfFreedom} dof) and ` +
          `Jensen–Shannon distance ${formatNumber(jensenShannon.distance)} > ${thresholds.jensenShannon}`,
      );
    }
    if (unseen.share > thresholds.unseenShare) {
      reasons.push(`${formatNumber(unseen.share * 100)} % of current rows are in categories unseen in the reference (> ${thresholds.unseenShare * 100} %)`);
    }
  }
  const missingMoved = missingReason(missing, thresholds);
  if (missingMoved) reasons.push(missingMoved);
  return {
    feature,
    kind: 'categorical',
    drifted: reasons.length > 0,
    reasons,
    unavailable,
    counts: { reference: counts.referenceTotal, current: counts.currentTotal },
    missing,
    categories: {
      reference: counts.referenceCounts.filter((c) => c > 0).length,
      current: counts.currentCounts.filter((c) => c > 0).length,
      union: k,
    },
    chiSquared,
    jensenShannon,
    unseen,
    largestShifts,
  };
}

function rowCount(columns: Columns, side: 'reference' | 'current'): number {
  const lengths = new Set(Object.values(columns).map((c) => c.length));
  if (lengths.size > 1) {
    throw new InvalidInputError(`the ${side} sample's columns differ in length`, [
      { pointer: `/${side}`, message: `column lengths ${[...lengths].join(', ')}; all must be equal` },
    ]);
  }
  return lengths.size === 0 ? 0 : [...lengths][0]!;
}

function checkColumn(columns: Columns, side: 'reference' | 'current', name: string, kind: FeatureKind) {
  const column = columns[name];
  const pointer = `/${side}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  if (column === undefined) return { pointer, message: `missing ${kind} column` };
  if (kind === 'numeric' && !(column instanceof Float64Array)) return { pointer, message: 'numeric columns must be a Float64Array (NaN = missing)' };
  if (kind === 'categorical') {
    if (!Array.isArray(column)) return { pointer, message: 'categorical columns must be an array of string | null' };
    const bad = column.findIndex((v) => v !== null && typeof v !== 'string');
    if (bad >= 0) return { pointer: `${pointer}/${bad}`, message: `categorical values must be strings or null, got ${typeof column[bad]}` };
  }
  return null;
}

function driftOf(name: string, kind: FeatureKind, reference: Columns, current: Columns, thresholds: DriftThresholds, psiBins: number) {
  return kind === 'numeric'
    ? numericFeatureDrift(name, reference[name] as Float64Array, current[name] as Float64Array, thresholds, psiBins)
    : categoricalFeatureDrift(name, reference[name] as readonly (string | null)[], current[name] as readonly (string | null)[], thresholds);
}

/**
 * Compares every feature of `spec` between the reference and current samples and flags drift by
 * the thresholds (defaults DEFAULT_DRIFT_THRESHOLDS); the target, if named in options, is assessed
 * the same way and reported apart. Throws InvalidInputError for a missing or mistyped column, a
 * target that is also a feature, columns of unequal length, or invalid thresholds.
 */
export function featureDrift(reference: Columns, current: Columns, spec: FeatureSpec, options: DriftOptions = {}): DriftReport {
  const parsedSpec = specSchema.safeParse(spec);
  const parsedOptions = optionsSchema.safeParse(options);
  const issues: { pointer: string; message: string }[] = [];
  if (!parsedSpec.success) issues.push(...parsedSpec.error.issues.map((i) => ({ pointer: `/spec/${i.path.join('/')}`, message: i.message })));
  if (!parsedOptions.success) issues.push(...parsedOptions.error.issues.map((i) => ({ pointer: `/options/${i.path.join('/')}`, message: i.message })));
  if (issues.length > 0) throw new InvalidInputError('invalid drift spec or options', issues);
  const thresholds: DriftThresholds = { ...DEFAULT_DRIFT_THRESHOLDS, ...parsedOptions.data!.thresholds };
  const psiBins = parsedOptions.data!.psiBins ?? DEFAULT_PSI_BINS;
  const target = parsedOptions.data!.target;

  const wanted: [string, FeatureKind][] = Object.entries(spec);
  if (target) {
    if (target.name in spec) issues.push({ pointer: '/options/target/name', message: `"${target.name}" is also a feature; the target is reported apart` });
    wanted.push([target.name, target.kind]);
  }
  for (const [name, kind] of wanted) {
    for (const side of ['reference', 'current'] as const) {
      const issue = checkColumn(side === 'reference' ? reference : current, side, name, kind);
      if (issue) issues.push(issue);
    }
  }
  if (issues.length > 0) throw new InvalidInputError('drift input does not match its spec', issues);
  const referenceRows = rowCount(reference, 'reference');
  const currentRows = rowCount(current, 'current');

  const features = Object.entries(spec).map(([name, kind]) => driftOf(name, kind, reference, current, thresholds, psiBins));
  return {
    referenceRows,
    currentRows,
    thresholds,
    features,
    driftedFeatures: features.filter((f) => f.drifted).map((f) => f.feature),
    target: target ? driftOf(target.name, target.kind, reference, current, thresholds, psiBins) : null,
  };
}
