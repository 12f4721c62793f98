import { FEATURE_COUNT, FEATURE_NAMES, fromTarget, writeFeatures, type LocationLevels } from '../../packages/features/index.js';
import { DMatrix } from '../../packages/xgboost-wasm/index.js';
import { parsePredictRequest, toListingFields, type Listing } from './listing-schema.js';
import type { ServingModel } from './model-holder.js';
import type { ModelRef } from './model-source.js';
import type { PredictionLogRow } from './request-log.js';

export interface Prediction {
  price: number;
  log_price: number;
  shap: { space: 'log_price'; base_value: number; values: Record<string, number> };
  shap_dollars: { note: string; base_price: number; factors: Record<string, number>; steps: { feature: string; dollars: number }[] };
}

export type PublicModelRef = Omit<ModelRef, 'source'>;

export interface PredictOutcome {
  /** The response body: one prediction, or `{predictions: [...]}` for a batch. */
  body: Record<string, unknown>;
  model: PublicModelRef;
  /** One log row per listing. */
  logRows: PredictionLogRow[];
}

const DOLLAR_NOTE =
  'Dollar view of the log-price SHAP values, not SHAP values themselves: price = base_price × Π factors; ' +
  'steps apply the factors one at a time, largest |value| first, so each step depends on that order.';

/**
 * Prices listings with one model and explains each with exact TreeSHAP. The log price IS the
 * sum of the contributions (base + Σ values, in double precision), so the explanation adds up
 * exactly; it differs from XGBoost's own float32 margin by < 1e-5.
 */
export function predictListings(model: ServingModel, listings: readonly Listing[]): Prediction[] {
  const n = listings.length;
  // No feature names on the matrix: the columns are FEATURE_NAMES by construction and the model's
  // names were checked against them at load (setting names costs more than the prediction's setup).
  const dm = DMatrix.fromRows(featuresOf(listings, model.locationLevels), n, FEATURE_COUNT);
  try {
    return predictionsFrom(model.booster.predictContributions(dm, { validateFeatures: false }).values, n);
  } finally {
    dm.dispose();
  }
}

/** The listings' features, row-major, as packages/features computes them for training, with the model's location levels. */
export function featuresOf(listings: readonly Listing[], levels: LocationLevels): Float32Array {
  const x = new Float32Array(listings.length * FEATURE_COUNT);
  listings.forEach((l, i) => writeFeatures(toListingFields(l), levels, x, i * FEATURE_COUNT));
  return x;
}

/** Predictions from TreeSHAP contributions ([rows, features + 1], bias last). */
export function predictionsFrom(contributions: Float32Array, n: number): Prediction[] {
  const width = FEATURE_COUNT + 1;
  const out: Prediction[] = [];
  for (let r = 0; r < n; r++) {
    const row = contributions.subarray(r * width, (r + 1) * width);
    const base = row[FEATURE_COUNT]!;
    const values: Record<string, number> = {};
    const factors: Record<string, number> = {};
    let logPrice = base;
    for (let f = 0; f < FEATURE_COUNT; f++) {
      const v = row[f]!;
      values[FEATURE_NAMES[f]!] = v;
      factors[FEATURE_NAMES[f]!] = Math.exp(v);
      logPrice += v;
    }
    const basePrice = fromTarget(base);
    const order = FEATURE_NAMES.map((name, f) => ({ name, v: row[f]! })).sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
    const steps: { feature: string; dollars: number }[] = [];
    let cumulative = base;
    let before = basePrice;
    for (const { name, v } of order) {
      cumulative += v;
      const after = fromTarget(cumulative);
      steps.push({ feature: name, dollars: after - before });
      before = after;
    }
    out.push({
      price: fromTarget(logPrice),
      log_price: logPrice,
      shap: { space: 'log_price', base_value: base, values },
      shap_dollars: { note: DOLLAR_NOTE, base_price: basePrice, factors, steps },
    });
  }
  return out;
}

/** Scores listings with a model: predictListings itself, or a ShapBatcher that coalesces requests. */
export type Scorer = (model: ServingModel, listings: readonly Listing[]) => Prediction[] | Promise<Prediction[]>;

/** One request's listings waiting to be scored with the version it acquired. */
export interface ScoreJob {
  model: ServingModel;
  listings: readonly Listing[];
  resolve: (p: Prediction[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Removes from `queue` and returns the jobs of its first job's model, in order, up to `maxRows`
 * listings (always at least that first job): one engine call's worth.
 */
export function takeGroup<J extends ScoreJob>(queue: J[], maxRows: number): J[] {
  const model = queue[0]!.model;
  const group: J[] = [];
  let rows = 0;
  for (let i = 0; i < queue.length; ) {
    const j = queue[i]!;
    if (j.model === model && (rows === 0 || rows + j.listings.length <= maxRows)) {
      group.push(j);
      rows += j.listings.length;
      queue.splice(i, 1);
    } else i++;
  }
  return group;
}

/** Scores a group's listings in one call and gives each job exactly its own rows (or the error). */
export async function settleGroup(group: readonly ScoreJob[], score: (listings: Listing[]) => Prediction[] | Promise<Prediction[]>): Promise<void> {
  try {
    const all = await score(group.flatMap((j) => j.listings));
    let at = 0;
    for (const j of group) {
      j.resolve(all.slice(at, at + j.listings.length));
      at += j.listings.length;
    }
  } catch (err) {
    for (const j of group) j.reject(err);
  }
}

/**
 * Coalesces the listings of requests that arrive in the same turn of the event loop into one
 * engine call per model version (up to `maxRows`): a TreeSHAP call has a fixed cost (matrix,
 * per-tree setup) that a batch pays once. Each request still gets exactly its own rows, from
 * the version it acquired.
 */
export class ShapBatcher {
  private queue: ScoreJob[] = [];
  private scheduled = false;

  constructor(private readonly maxRows = 128) {}

  readonly score: Scorer = (model, listings) =>
    new Promise<Prediction[]>((resolve, reject) => {
      this.queue.push({ model, listings, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.run());
      }
    });

  private async run(): Promise<void> {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    while (jobs.length > 0) {
      const group = takeGroup(jobs, this.maxRows);
      await settleGroup(group, (listings) => predictListings(group[0]!.model, listings));
    }
  }
}

/**
 * Validates a parsed request body, prices it with `model` (the one acquired when the request
 * started, so a swap meanwhile does not change it), and returns the body and the log rows.
 * Throws InvalidInputError (422).
 */
export async function predictRequest(model: ServingModel, body: unknown, requestId: string, startedAt: Date, started: number, score: Scorer = predictListings): Promise<PredictOutcome> {
  const listings = parsePredictRequest(body);
  const predictions = await score(model, listings);
  const { source: _source, ...ref } = model.ref;
  const isBatch = Array.isArray(body);
  const responseBody = isBatch ? { request_id: requestId, model: ref, predictions } : { request_id: requestId, model: ref, ...predictions[0]! };
  const latency = performance.now() - started;
  const day = startedAt.toISOString().slice(0, 10);
  const logRows = listings.map((listing, i) => ({
    log_date: day,
    request_id: isBatch ? `${requestId}#${i}` : requestId,
    requested_at: startedAt.toISOString(),
    model_name: ref.name,
    model_version: ref.version,
    input_json: JSON.stringify(listing),
    output_json: JSON.stringify({ price: predictions[i]!.price, log_price: predictions[i]!.log_price, shap: predictions[i]!.shap, model: ref }),
    predicted_price: predictions[i]!.price,
    latency_ms: latency,
  }));
  return { body: responseBody, model: ref, logRows };
}
