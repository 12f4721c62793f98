import { InvalidInputError } from '../../packages/core/index.js';
import { FEATURE_COUNT, FEATURE_NAMES, fitLocationLevels, outOfFoldLocationLevels, type LocationLevels } from '../../packages/features/index.js';
import { DEFAULT_HOLDOUT_FRACTION, isHoldout, isValidation, listingBucket, metricsByGroup, subsetDataset, withLocationLevels, type Dataset, type Metrics } from '../../packages/evaluation/index.js';
import { computeShapImportance, FEATURE_TYPES_FOR_ENGINE, type ShapImportance } from '../../packages/model-format/index.js';
import { Booster, loadXGBoost, XGBoostPool, type MatrixSpec, type Params } from '../../packages/xgboost-wasm/index.js';

/** One XGBoost setting of the search. */
export interface CandidateSpec {
  name: string;
  params: Params;
}

/**
 * The search: a few settings around the usual good region for ~10 tabular features, from
 * shallow-and-fast to deep-and-regularised. hist on every one; 500 rounds at most, stopped
 * early on a validation slice of the train side (never the holdout).
 */
export const DEFAULT_CANDIDATES: readonly CandidateSpec[] = [
  { name: 'xgb-d6-eta0.1', params: { max_depth: 6, eta: 0.1, min_child_weight: 1, subsample: 0.8, colsample_bytree: 1 } },
  { name: 'xgb-d8-eta0.05', params: { max_depth: 8, eta: 0.05, min_child_weight: 5, subsample: 0.8, colsample_bytree: 0.9 } },
  { name: 'xgb-d4-eta0.15', params: { max_depth: 4, eta: 0.15, min_child_weight: 1, subsample: 1, colsample_bytree: 1 } },
  { name: 'xgb-d10-eta0.05', params: { max_depth: 10, eta: 0.05, min_child_weight: 10, subsample: 0.7, colsample_bytree: 0.9 } },
];

export const BASELINE_NAME = 'baseline-median-per-state';

export interface TrainingOptions {
  candidates?: readonly CandidateSpec[];
  holdoutFraction?: number;
  validationFraction?: number;
  numBoostRound?: number;
  earlyStoppingRounds?: number;
  /** Refuse below this many train-side rows (default 500). */
  minTrainRows?: number;
  /** Refuse below this many holdout rows (default 50). */
  minHoldoutRows?: number;
  pool?: XGBoostPool;
  seed?: number;
}

export interface CandidateOutcome {
  name: string;
  kind: 'xgboost' | 'baseline';
  params: Record<string, string | number | boolean>;
  bestIteration: number;
  /** RMSE (log) on the early-stopping validation slice: what picks the best candidate. */
  validRmseLog: number;
  holdout: { overall: Metrics; byBatch: Record<string, Metrics>; completeByBatch: Record<string, Metrics> };
  /** Trimmed to the best iteration (xgboost only). */
  model?: Uint8Array;
  seconds: number;
}

export interface TrainingOutcome {
  trainRows: number;
  validRows: number;
  holdoutRows: number;
  holdoutFraction: number;
  candidates: CandidateOutcome[];
  best: CandidateOutcome;
  baseline: CandidateOutcome;
  shapImportance: ShapImportance;
  params: Record<string, string | number | boolean>;
  /** The location table of every candidate (fitted on the fit rows): saved with the model, used when serving. */
  locationLevels: LocationLevels;
}

/** Too few rows to train or evaluate on: a refusal (422), not a failure. */
export class TrainingSetTooSmallError extends InvalidInputError {
  override readonly code: string = 'training-set-too-small';
}

function spec(d: Dataset, weights?: Float32Array): MatrixSpec {
  return { data: d.x, nrow: d.n, ncol: FEATURE_COUNT, labels: Float32Array.from(d.y), ...(weights ? { weights } : {}), featureNames: FEATURE_NAMES, featureTypes: FEATURE_TYPES_FOR_ENGINE };
}

/**
 * Row weights (mean batch rows / the row's batch rows)^power. Batches are cut by price band and
 * status with quotas of their own, so unweighted, the largest bands pull every prediction toward
 * their prices and the small early batches are predicted too high (by 0.18 in log on batch 0 at
 * scale 0.05). Power 1 (equal weight per batch) over-corrects the other way. Measured on the
 * simulator at scale 0.05, worst batch's holdout RMSE over its noise floor: power 0 (unweighted)
 * 1.12, 0.3 1.06, 0.4 1.07, 0.5 1.08, 1 1.14; 0.35 is kept.
 */
export const BATCH_WEIGHT_POWER = 0.35;
export function batchBalanceWeights(batches: Int32Array): Float32Array {
  const counts = new Map<number, number>();
  for (const b of batches) counts.set(b, (counts.get(b) ?? 0) + 1);
  const mean = batches.length / counts.size;
  // Normalised so the weights average ~1 (keeps min_child_weight meaning "about that many rows").
  const raw = Float64Array.from(batches, (b) => (mean / counts.get(b)!) ** BATCH_WEIGHT_POWER);
  const scale = raw.length / raw.reduce((a, v) => a + v, 0);
  return Float32Array.from(raw, (v) => v * scale);
}

/** The fold (0..4) of a training row for out-of-fold location levels: stable per listing. */
const levelFold = (listingId: string): number => Math.min(4, Math.floor(listingBucket(listingId, 'casa-levels-v1') * 5));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The baseline: median log price per state on the train side (global median for unseen states). */
export function fitStateMedians(train: Dataset): { byState: Record<string, number>; global: number } {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < train.n; i++) {
    let g = groups.get(train.states[i]!);
    if (!g) groups.set(train.states[i]!, (g = []));
    g.push(train.y[i]!);
  }
  const byState: Record<string, number> = {};
  for (const [s, ys] of groups) byState[s] = median(ys);
  return { byState, global: median(Array.from(train.y)) };
}

export function predictStateMedians(model: { byState: Record<string, number>; global: number }, d: Dataset): Float64Array {
  return Float64Array.from(d.states, (s) => model.byState[s] ?? model.global);
}

/** Splits a dataset by the stable listing hash: train side (fit + validation slice) and holdout. */
export function splitDataset(d: Dataset, holdoutFraction = DEFAULT_HOLDOUT_FRACTION, validationFraction = 0.1): { fit: Dataset; valid: Dataset; holdout: Dataset } {
  const fit: number[] = [];
  const valid: number[] = [];
  const holdout: number[] = [];
  for (let i = 0; i < d.n; i++) {
    const id = d.listingIds[i]!;
    if (isHoldout(id, holdoutFraction)) holdout.push(i);
    else if (isValidation(id, validationFraction)) valid.push(i);
    else fit.push(i);
  }
  return { fit: subsetDataset(d, fit), valid: subsetDataset(d, valid), holdout: subsetDataset(d, holdout) };
}

function evaluate(holdout: Dataset, predLog: ArrayLike<number>): CandidateOutcome['holdout'] {
  const { overall, byGroup } = metricsByGroup(holdout.batches, holdout.y, predLog);
  const idx: number[] = [];
  for (let i = 0; i < holdout.n; i++) if (holdout.complete[i]) idx.push(i);
  const complete = metricsByGroup(idx.map((i) => holdout.batches[i]!), idx.map((i) => holdout.y[i]!), idx.map((i) => predLog[i]!));
  return { overall, byBatch: byGroup, completeByBatch: complete.byGroup };
}

function rmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / a.length);
}

/**
 * Trains every candidate in worker threads plus the baseline, evaluates each on the holdout
 * (overall, per batch, per batch on complete rows), picks the best XGBoost candidate by its
 * validation RMSE and computes its global SHAP importance. No tracking, no I/O.
 */
export async function trainCandidates(data: Dataset, options: TrainingOptions = {}): Promise<TrainingOutcome> {
  const holdoutFraction = options.holdoutFraction ?? DEFAULT_HOLDOUT_FRACTION;
  const split = splitDataset(data, holdoutFraction, options.validationFraction ?? 0.1);
  const weights = batchBalanceWeights(split.fit.batches);
  // Location levels come from the fit rows only: validation and holdout see the table a served
  // model would use, and each fit row sees levels made without its own fold.
  const locationLevels = fitLocationLevels(split.fit.locations, split.fit.y, { weights });
  const fit = withLocationLevels(split.fit, outOfFoldLocationLevels(split.fit.locations, split.fit.y, split.fit.listingIds.map(levelFold), { weights }));
  const valid = withLocationLevels(split.valid, locationLevels);
  const holdout = withLocationLevels(split.holdout, locationLevels);
  const minTrain = options.minTrainRows ?? 500;
  const minHoldout = options.minHoldoutRows ?? 50;
  if (fit.n + valid.n < minTrain || valid.n < 10 || holdout.n < minHoldout) {
    throw new TrainingSetTooSmallError(
      `the training set is too small: ${data.n} rows (${fit.n + valid.n} train side, ${valid.n} validation, ${holdout.n} holdout); need at least ${minTrain} train-side and ${minHoldout} holdout rows`,
      [{ pointer: '/upToBatch', message: `${data.n} usable rows` }],
    );
  }
  const candidates = options.candidates ?? DEFAULT_CANDIDATES;
  const numBoostRound = options.numBoostRound ?? 500;
  const earlyStoppingRounds = options.earlyStoppingRounds ?? 20;
  const ownPool = !options.pool;
  const pool = options.pool ?? new XGBoostPool();
  // max_bin 1024: ZIP codes are a fine numeric feature; the default 256 bins merge neighbouring ZIPs.
  const base: Params = { objective: 'reg:squarederror', tree_method: 'hist', max_bin: 1024, eval_metric: 'rmse', seed: options.seed ?? 42 };
  let results;
  try {
    results = await pool.trainAll(
      candidates.map((c) => ({
        params: { ...base, ...c.params },
        dtrain: spec(fit, weights),
        evals: [{ name: 'valid', data: spec(valid) }],
        numBoostRound,
        earlyStoppingRounds,
        predict: [{ data: spec(holdout), iterationRange: 'best' as const }, { data: spec(valid), iterationRange: 'best' as const }],
      })),
      { transfer: false },
    );
  } finally {
    if (ownPool) await pool.close();
  }
  await loadXGBoost();
  const outcomes: CandidateOutcome[] = results.map((r, i) => {
    const c = candidates[i]!;
    // The saved model keeps only the rounds up to the best one, so every reader (Python included) predicts the same.
    using full = Booster.loadModel(r.model);
    using trimmed = full.slice(0, r.bestIteration + 1);
    return {
      name: c.name,
      kind: 'xgboost' as const,
      params: { ...base, ...c.params, num_boost_round: numBoostRound, early_stopping_rounds: earlyStoppingRounds, batch_weight_power: BATCH_WEIGHT_POWER } as Record<string, string | number | boolean>,
      bestIteration: r.bestIteration,
      validRmseLog: rmse(valid.y, r.predictions[1]!),
      holdout: evaluate(holdout, r.predictions[0]!),
      model: trimmed.saveModel('ubj'),
      seconds: r.seconds,
    };
  });
  const t0 = performance.now();
  const trainSide = subsetDataset(data, [...Array(data.n).keys()].filter((i) => !isHoldout(data.listingIds[i]!, holdoutFraction)));
  const medians = fitStateMedians(trainSide);
  const baseline: CandidateOutcome = {
    name: BASELINE_NAME,
    kind: 'baseline',
    params: { model: 'median log price per state', states: Object.keys(medians.byState).length },
    bestIteration: 0,
    validRmseLog: rmse(valid.y, predictStateMedians(medians, valid)),
    holdout: evaluate(holdout, predictStateMedians(medians, holdout)),
    seconds: (performance.now() - t0) / 1000,
  };
  const best = outcomes.reduce((a, b) => (b.validRmseLog < a.validRmseLog ? b : a));
  using booster = Booster.loadModel(best.model!);
  const shapImportance = computeShapImportance(booster, holdout.x, holdout.n);
  return {
    trainRows: fit.n + valid.n,
    validRows: valid.n,
    holdoutRows: holdout.n,
    holdoutFraction,
    candidates: [...outcomes, baseline],
    best,
    baseline,
    shapImportance,
    params: best.params,
    locationLevels,
  };
}
