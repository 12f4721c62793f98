import { z } from 'zod';
import { InvalidInputError } from '../../packages/core/index.js';
import { FEATURE_NAMES, STATES, STATUSES, type ListingFields } from '../../packages/features/index.js';

/** A valid listing, shown in the OpenAPI document and reused by the tests and the demo. */
export const EXAMPLE_LISTING = Object.freeze({
  status: 'for_sale',
  bed: 3,
  bath: 2,
  acre_lot: 0.25,
  city: 'Worcester',
  state: 'Massachusetts',
  zip_code: '01609',
  house_size: 1800,
  prev_sold_date: '2015-06-30',
});

/**
 * Bounds a listing must respect to be priced. They are clean's quarantine thresholds
 * (functions/clean/rules.ts THRESHOLDS): the model never saw a row outside them, so a
 * prediction there would be an extrapolation presented as a price.
 */
export const LISTING_BOUNDS = {
  maxRooms: 100,
  minHouseSize: 100,
  maxHouseSize: 75_000,
  maxAcreLot: 10_000,
  minPrevSoldDate: '1900-01-01',
} as const;

/** Largest batch (array) accepted in one request; larger arrays get a 422 at `/`. */
export const MAX_BATCH = 100;
/** Largest request body in bytes (413 above): a full batch of verbose listings fits comfortably. */
export const MAX_BODY_BYTES = 256 * 1024;

const id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(LISTING_BOUNDS.maxRooms);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'is not a calendar date')
  .refine((s) => s >= LISTING_BOUNDS.minPrevSoldDate && s <= new Date().toISOString().slice(0, 10), `must lie between ${LISTING_BOUNDS.minPrevSoldDate} and today`);

/**
 * One listing to price: the data API's record without `price`. IDs (`brokered_by`, `street`)
 * are optional; every other field must be present and may be `null` when unknown (the model
 * treats it as missing). Unknown keys are refused, `__proto__` included.
 */
export const ListingSchema = z
  .strictObject({
    brokered_by: id.nullable().optional().describe('broker id (an integer; the data API sends it as a float)'),
    street: id.nullable().optional().describe('street id (an integer)'),
    status: z.enum(STATUSES).describe('listing status'),
    bed: count.nullable().describe('bedrooms'),
    bath: count.nullable().describe('bathrooms'),
    acre_lot: z.number().min(0).max(LISTING_BOUNDS.maxAcreLot).nullable().describe('lot size in acres'),
    city: z.string().min(1).max(100).nullable().describe('city name'),
    state: z.enum(STATES).describe('US state or territory, spelled as the realtor dataset spells it'),
    zip_code: z
      .union([z.string().regex(/^\d{5}$/, 'must be 5 digits'), z.number().int().min(0).max(99_999)])
      .nullable()
      .describe('ZIP code: "01609", or 1609 as the data API sends it (leading zeros restored)'),
    house_size: z.number().min(LISTING_BOUNDS.minHouseSize).max(LISTING_BOUNDS.maxHouseSize).nullable().describe('living area in square feet'),
    prev_sold_date: isoDate.nullable().describe('date of the previous sale, YYYY-MM-DD'),
  })
  .meta({ title: 'Listing', examples: [{ ...EXAMPLE_LISTING }] });

export type Listing = z.infer<typeof ListingSchema>;

/** The request body: one listing, or an array of 1…MAX_BATCH listings. */
export const PredictRequestSchema = z.union([ListingSchema, z.array(ListingSchema).min(1).max(MAX_BATCH)]);

const FeatureValues = z.record(z.enum(FEATURE_NAMES as [string, ...string[]]), z.number());

export const ModelRefSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    alias: z.string().nullable().describe('the alias it was resolved by (champion), null when found by stage'),
    stage: z.string().describe('the registry stage of the version'),
    run_id: z.string(),
  })
  .meta({ title: 'ModelRef' });

export const PredictionSchema = z
  .object({
    price: z.number().describe('predicted price in US dollars'),
    log_price: z.number().describe('the model output, natural log of the price; equals shap.base_value + sum(shap.values)'),
    shap: z
      .object({
        space: z.literal('log_price'),
        base_value: z.number().describe('expected model output (bias), log dollars'),
        values: FeatureValues.describe('exact TreeSHAP contribution of each feature, log dollars'),
      })
      .describe('additive explanation in the model output space: base_value + Σ values = log_price'),
    shap_dollars: z
      .object({
        note: z.string(),
        base_price: z.number().describe('exp(base_value), dollars'),
        factors: FeatureValues.describe('exp(value): the factor each feature multiplies the price by'),
        steps: z
          .array(z.object({ feature: z.string(), dollars: z.number() }))
          .describe('waterfall in dollars: the factors applied one at a time, largest |value| first; base_price + Σ dollars = price'),
      })
      .describe('a dollar view derived from the log-space values; NOT additive SHAP values'),
  })
  .meta({ title: 'Prediction' });

export const PredictResponseSchema = z
  .object({ request_id: z.string(), model: ModelRefSchema })
  .extend(PredictionSchema.shape)
  .meta({ title: 'PredictResponse' });

export const BatchPredictResponseSchema = z
  .object({ request_id: z.string(), model: ModelRefSchema, predictions: z.array(PredictionSchema) })
  .meta({ title: 'BatchPredictResponse' });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
    errorId: z.string().optional(),
  })
  .meta({ title: 'Problem' });

/** The listing as packages/features reads it (zip code zero-padded, IDs dropped). */
export function toListingFields(l: Listing): ListingFields {
  return {
    status: l.status,
    bed: l.bed,
    bath: l.bath,
    acre_lot: l.acre_lot,
    city: l.city,
    state: l.state,
    zip_code: l.zip_code === null ? null : typeof l.zip_code === 'number' ? String(l.zip_code).padStart(5, '0') : l.zip_code,
    house_size: l.house_size,
    prev_sold_date: l.prev_sold_date,
  };
}

/** Escapes one JSON-pointer segment (RFC 6901). */
const segment = (s: PropertyKey) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Validates a parsed body; throws InvalidInputError (422) with one JSON pointer per bad field,
 * one per unknown key.
 */
export function parsePredictRequest(body: unknown): Listing[] {
  const r = PredictRequestSchema.safeParse(body);
  if (r.success) return Array.isArray(r.data) ? r.data : [r.data];
  const issues = issuesOf(Array.isArray(body) ? z.array(ListingSchema).min(1).max(MAX_BATCH).safeParse(body).error : ListingSchema.safeParse(body).error, body);
  throw new InvalidInputError(
    Array.isArray(body) ? `the batch is not an array of 1–${MAX_BATCH} valid listings` : 'the listing is not valid',
    issues,
  );
}

function issuesOf(err: z.ZodError | undefined, body: unknown): { pointer: string; message: string }[] {
  if (!err) return [{ pointer: '', message: Array.isArray(body) ? 'not a valid batch' : 'must be a listing object' }];
  const out: { pointer: string; message: string }[] = [];
  for (const i of err.issues) {
    const base = i.path.map((p) => `/${segment(p)}`).join('');
    if (i.code === 'unrecognized_keys') for (const k of i.keys) out.push({ pointer: `${base}/${segment(k)}`, message: 'unknown field' });
    else out.push({ pointer: base, message: i.message });
  }
  return out;
}

