import { featureDrift, type Columns, type DriftReport, type DriftThresholds, type FeatureDriftResult, type FeatureSpec } from '../../packages/drift/index.js';
import { computeMetrics, datasetFromRows, isHoldout, withLocationLevels, type Dataset, type LabelledRow, type Metrics } from '../../packages/evaluation/index.js';
import { FEATURE_COUNT, FEATURE_NAMES, type LocationLevels } from '../../packages/features/index.js';
import type { ShapImportance } from '../../packages/model-format/index.js';
import { predictLogPrices } from '../../packages/model-format/index.js';
import type { Booster } from '../../packages/xgboost-wasm/index.js';

/** A CLEAN row as assess reads it: the model's fields plus city (drift only) and price. */
export type AssessRow = LabelledRow & { city: string | null };

/**
 * The drift spec: the model's features as the model sees them (packages/features) plus city,
 * which the model does not use — its drift is reported but weighs nothing. zip3 is a location
 * code, so it is compared as categories, not as numbers. location_level is read with the
 * champion's table, so a batch from pricier places drifts in it as the model sees it.
 */
export const DRIFT_SPEC: FeatureSpec = {
  bed: 'numeric',
  bath: 'numeric',
  house_size: 'numeric',
  acre_lot: 'numeric',
  prev_sold_year: 'numeric',
  location_level: 'numeric',
  state: 'categorical',
  status: 'categorical',
  zip3: 'categorical',
  city: 'categorical',
};

const column = (name: string) => FEATURE_NAMES.indexOf(name);

/** Drift columns of rows already turned into a Dataset (same order; `datasetFromRows` drops non-positive prices first). */
export function driftColumns(rows: readonly AssessRow[], data: Dataset): Columns {
  const n = data.n;
  const kept = rows.filter((r) => typeof r.price === 'number' && Number.isFinite(r.price) && r.price > 0);
  const numeric = (name: string) => {
    const c = column(name);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = data.x[i * FEATURE_COUNT + c]!;
    return out;
  };
  const zip = column('zip3');
  const price = new Float64Array(n);
  for (let i = 0; i < n; i++) price[i] = Math.exp(data.y[i]!);
  return {
    bed: numeric('bed'),
    bath: numeric('bath'),
    house_size: numeric('house_size'),
    acre_lot: numeric('acre_lot'),
    prev_sold_year: numeric('prev_sold_year'),
    location_level: numeric('location_level'),
    state: kept.map((r) => r.state ?? null),
    status: kept.map((r) => r.status ?? null),
    zip3: Array.from({ length: n }, (_, i) => {
      const v = data.x[i * FEATURE_COUNT + zip]!;
      return Number.isNaN(v) ? null : String(v).padStart(3, '0');
    }),
    city: kept.map((r) => r.city ?? null),
    price,
  };
}

/** One feature's drift weighted by the champion's importance. */
export interface WeightedFeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  drifted: boolean;
  /** KS D (numeric) or Jensen–Shannon distance (categorical), both in [0, 1]. */
  score: number;
  /** The champion's mean |SHAP| of the feature / the sum over features (0 for features the model lacks). */
  importanceShare: number;
  /** score × importanceShare when drifted, else 0. */
  contribution: number;
  reasons: string[];
}

export function driftScore(f: FeatureDriftResult): number {
  if (f.kind === 'numeric') return f.ks?.statistic ?? 0;
  return f.jensenShannon?.distance ?? 0;
}

/** Importance shares from mean |SHAP| (sum 1 over the model's features). */
export function importanceShares(shap: ShapImportance | undefined): Record<string, number> {
  const entries = Object.entries(shap?.meanAbs ?? {});
  const total = entries.reduce((s, [, v]) => s + Math.abs(v), 0);
  return Object.fromEntries(entries.map(([k, v]) => [k, total > 0 ? Math.abs(v) / total : 0]));
}

/** Every feature's drift × importance, drifted features first by contribution, then the rest by score. */
export function weightDrift(report: DriftReport, shares: Record<string, number>): { features: WeightedFeatureDrift[]; weightedDrift: number } {
  const features = report.features.map((f): WeightedFeatureDrift => {
    const score = driftScore(f);
    const importanceShare = shares[f.feature] ?? 0;
    return { feature: f.feature, kind: f.kind, drifted: f.drifted, score, importanceShare, contribution: f.drifted ? score * importanceShare : 0, reasons: f.reasons };
  });
  features.sort((a, b) => Number(b.drifted) - Number(a.drifted) || b.contribution - a.contribution || b.score - a.score);
  return { features, weightedDrift: features.reduce((s, f) => s + f.contribution, 0) };
}

/** RMSE with a one-sided lower confidence bound from the standard error of the squared errors. */
export function rmseWithLowerBound(trueLog: ArrayLike<number>, predLog: ArrayLike<number>, z: number): { rmse: number; lower: number } {
  const n = trueLog.length;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const e2 = (trueLog[i]! - predLog[i]!) ** 2;
    sum += e2;
    sumSq += e2 * e2;
  }
  const mse = sum / n;
  const variance = n > 1 ? Math.max(0, (sumSq - n * mse * mse) / (n - 1)) : Infinity;
  const lowerMse = Math.max(0, mse - (z * Math.sqrt(variance)) / Math.sqrt(n));
  return { rmse: Math.sqrt(mse), lower: Math.sqrt(lowerMse) };
}

export interface ChampionMeasurement {
  referenceRows: number;
  /** The champion's error on the holdout rows of its own training batches (measured now). */
  holdout: Metrics;
  /** Holdout error per reference batch. */
  holdoutByBatch: Record<string, Metrics>;
  /** The champion's error on every row of the new batch (it never trained on them). */
  batch: Metrics;
  batchRmseLogLower: number;
  drift: DriftReport;
  weighted: WeightedFeatureDrift[];
  weightedDrift: number;
  importanceShares: Record<string, number>;
}

/**
 * Measures everything the rules need about a champion and a new batch: drift of every feature
 * (and the price, apart) against the reference rows, the champion's error on the batch against
 * its error on its own holdout, and drift weighted by its SHAP importance.
 */
export function measureAgainstChampion(input: {
  reference: readonly AssessRow[];
  current: readonly AssessRow[];
  booster: Booster;
  /** The champion's location_level table. */
  locationLevels: LocationLevels;
  shap: ShapImportance | undefined;
  holdoutFraction: number;
  confidenceZ: number;
  thresholds?: Partial<DriftThresholds>;
}): ChampionMeasurement {
  const ref = withLocationLevels(datasetFromRows(input.reference), input.locationLevels);
  const cur = withLocationLevels(datasetFromRows(input.current), input.locationLevels);
  const drift = featureDrift(driftColumns(input.reference, ref), driftColumns(input.current, cur), DRIFT_SPEC, {
    target: { name: 'price', kind: 'numeric' },
    ...(input.thresholds ? { thresholds: input.thresholds } : {}),
  });
  const refPred = predictLogPrices(input.booster, ref.x, ref.n);
  const holdoutIdx: number[] = [];
  for (let i = 0; i < ref.n; i++) if (isHoldout(ref.listingIds[i]!, input.holdoutFraction)) holdoutIdx.push(i);
  const holdout = computeMetrics(holdoutIdx.map((i) => ref.y[i]!), holdoutIdx.map((i) => refPred[i]!));
  const holdoutByBatch: Record<string, Metrics> = {};
  for (const b of [...new Set(holdoutIdx.map((i) => ref.batches[i]!))].sort((a, z) => a - z)) {
    const idx = holdoutIdx.filter((i) => ref.batches[i] === b);
    holdoutByBatch[String(b)] = computeMetrics(idx.map((i) => ref.y[i]!), idx.map((i) => refPred[i]!));
  }
  const curPred = predictLogPrices(input.booster, cur.x, cur.n);
  const batch = computeMetrics(cur.y, curPred);
  const { lower } = rmseWithLowerBound(cur.y, curPred, input.confidenceZ);
  const shares = importanceShares(input.shap);
  const { features, weightedDrift } = weightDrift(drift, shares);
  return { referenceRows: ref.n, holdout, holdoutByBatch, batch, batchRmseLogLower: lower, drift, weighted: features, weightedDrift, importanceShares: shares };
}
