import { FEATURE_COUNT, FEATURE_NAMES, fromTarget, writeFeatures } from '../../packages/features/index.js';
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
  const x = new Float32Array(n * FEATURE_COUNT);
  listings.forEach((l, i) => writeFeatures(toListingFields(l), x, i * FEATURE_COUNT));
  const dm = DMatrix.fromRows(x, n, FEATURE_COUNT, { featureNames: FEATURE_NAMES });
  let contributions: Float32Array;
  try {
    contributions = model.booster.predictContributions(dm).values;
  } finally {
    dm.dispose();
  }
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

/**
 * Validates a parsed request body, prices it with `model` (the one acquired when the request
 * started, so a swap meanwhile does not change it), and returns the body and the log rows.
 * Throws InvalidInputError (422).
 */
export function predictRequest(model: ServingModel, body: unknown, requestId: string, startedAt: Date, started: number): PredictOutcome {
    const listings = parsePredictRequest(body);
    const predictions = predictListings(model, listings);
    const { source: _source, ...ref } = model.ref;
    const isBatch = Array.isArray(body);
    const responseBody = isBatch ? { request_id: requestId, model: ref, predictions } : { request_id: requestId, model: ref, ...predictions[0]! };
    const latency = performance.now() - started;
    const logRows = listings.map((listing, i) => ({
      log_date: startedAt.toISOString().slice(0, 10),
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
