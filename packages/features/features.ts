import { locationLevel, type LocationLevels } from './location-levels.js';
import { stateCode, statusCode } from './vocabulary.js';

/**
 * Feature engineering, in one place for clean, train and predict, so that training and
 * serving cannot disagree. A listing is the CLEAN row's typed fields (price excluded);
 * a missing value is `null` and becomes NaN, which XGBoost treats as missing.
 */
export interface ListingFields {
  status: string;
  bed: number | null;
  bath: number | null;
  acre_lot: number | null;
  city?: string | null;
  state: string;
  zip_code: string | null;
  house_size: number | null;
  /** `YYYY-MM-DD` */
  prev_sold_date: string | null;
}

/** The model's inputs, in column order. `type` follows XGBoost's feature_types ('q' = quantitative). */
export const FEATURES = [
  { name: 'bed', type: 'q', doc: 'bedrooms' },
  { name: 'bath', type: 'q', doc: 'bathrooms' },
  { name: 'house_size', type: 'q', doc: 'living area, square feet' },
  { name: 'acre_lot', type: 'q', doc: 'lot size, acres' },
  { name: 'state', type: 'q', doc: 'state, as its position in the vocabulary' },
  { name: 'status', type: 'q', doc: 'for_sale / sold / ready_to_build, as a code' },
  { name: 'zip3', type: 'q', doc: 'first three ZIP digits: a coarse, ordered location' },
  { name: 'zip', type: 'q', doc: 'the five-digit ZIP as a number: a fine location (neighbouring ZIPs are numerically close)' },
  { name: 'prev_sold_year', type: 'q', doc: 'year of the previous sale, with the day as a fraction' },
  { name: 'location_level', type: 'q', doc: "the typical log price of the listing's ZIP in the training data, shrunk toward its city's and state's (see location-levels.ts)" },
] as const;

export const FEATURE_NAMES: string[] = FEATURES.map((f) => f.name);
export const FEATURE_TYPES: string[] = FEATURES.map((f) => f.type);
export const FEATURE_COUNT = FEATURES.length;
/** The one feature learned from training prices rather than read off the listing: not part of a row's completeness. */
export const LOCATION_LEVEL_COLUMN = FEATURE_NAMES.indexOf('location_level');

const orNaN = (v: number | null | undefined): number => (v === null || v === undefined || !Number.isFinite(v) ? NaN : v);

/** Decimal year of a `YYYY-MM-DD` date, NaN when absent or malformed. */
export function decimalYear(date: string | null): number {
  if (date === null) return NaN;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return NaN;
  const year = Number(m[1]);
  const start = Date.UTC(year, 0, 1);
  const day = Date.UTC(year, Number(m[2]) - 1, Number(m[3]));
  const length = Date.UTC(year + 1, 0, 1) - start;
  return year + (day - start) / length;
}

/**
 * Writes one listing's features into `out` at `offset` (row-major), so a batch fills one
 * Float32Array. `levels` is the model's location table (null: location_level is NaN, for
 * callers that set it themselves, e.g. training's out-of-fold levels).
 */
export function writeFeatures(listing: ListingFields, levels: LocationLevels | null, out: Float32Array, offset = 0): void {
  const zip5 = listing.zip_code !== null && /^\d{5}$/.test(listing.zip_code) ? Number(listing.zip_code) : NaN;
  const zip3 = Math.floor(zip5 / 100);
  out[offset] = orNaN(listing.bed);
  out[offset + 1] = orNaN(listing.bath);
  out[offset + 2] = orNaN(listing.house_size);
  out[offset + 3] = orNaN(listing.acre_lot);
  out[offset + 4] = orNaN(stateCode(listing.state));
  out[offset + 5] = orNaN(statusCode(listing.status));
  out[offset + 6] = zip3;
  out[offset + 7] = zip5;
  out[offset + 8] = decimalYear(listing.prev_sold_date);
  out[offset + 9] = locationLevel(levels, listing);
}

/** Features of many listings as one row-major matrix. */
export function featureMatrix(listings: readonly ListingFields[], levels: LocationLevels | null): Float32Array {
  const out = new Float32Array(listings.length * FEATURE_COUNT);
  listings.forEach((l, i) => writeFeatures(l, levels, out, i * FEATURE_COUNT));
  return out;
}

/** The model is trained on log price; these convert both ways in one place. */
export const toTarget = (price: number): number => Math.log(price);
export const fromTarget = (target: number): number => Math.exp(target);
