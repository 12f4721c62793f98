import { createHash } from 'node:crypto';
import { RECORD_FIELDS, type RecordField } from '../../lake-layout/ingest-tables.js';
import { sqlIdent } from '../../packages/duckdb/index.js';

/**
 * Clean's validation rules, written as data. Each rule is a SQL predicate over one typed row
 * (the columns of clean_listings, plus `raw_record_json` and the per-field `<field>__bad` type
 * flags), TRUE when the row FAILS; NULL counts as passing, so a rule never fires on a missing
 * value (that is `missing_required`'s job). Thresholds are bound parameters (THRESHOLDS).
 * A row failing any rule goes to `quarantine` with the FIRST failing code as its reason and
 * every failing code in `reasons`; order therefore matters: structural problems first.
 *
 * Thresholds were chosen on ../shared/data/realtor-sample.csv (10,308 real listings) so that a
 * real listing is kept unless it cannot be a sale of a home:
 *   price   real min $445 (a lot rent), 4 rows < $1,000, max $60M (the full dataset: $515M)
 *           → < $1,000 is a placeholder (the dataset's $1 listings), > $1B is absurd.
 *   price per sq ft: real median $191, 99.9th percentile $3,276, max $5,000 (sample and holdout)
 *           → > $20,000 per sq ft (above the dearest penthouse sales) is a mistyped price.
 *   house_size real 181 – 49,658 sq ft, then 99,999 (a sentinel) and 1,450,112
 *           → < 100 or > 75,000 sq ft is absurd (the largest US homes are ~60k sq ft).
 *   acre_lot real 0 – 1,287 at the 99.9th percentile, then 3 rows of exactly 100,000
 *           → > 10,000 acres is absurd (0 is kept: condominiums).
 *   bed/bath real up to 86/56, but on 35,666 sq ft (≥ 400 sq ft per bedroom): many rooms are
 *           real (multi-family) but not in a small house → absurd when 12+ bedrooms or 10+
 *           bathrooms share less than 200 sq ft each (real: 13 bedrooms in 600 sq ft), or above 100.
 *   Not caught on purpose: a lot typed ×1000 (0.25 → 250 acres) looks like the many real rural
 *           listings of 100–1,000 acres (1.4 % of the sample); no rule a person would defend
 *           separates them without geography.
 *   prev_sold_date real 1901-01-01 (a placeholder, kept) … 2022 → before 1900 or after the
 *           batch was ingested is impossible.
 */
export interface ValidationRule {
  code: string;
  description: string;
  /** SQL boolean over a typed row: TRUE when the row fails the rule. */
  failsWhen: string;
  /** SQL text (VARCHAR) explaining a failure, e.g. naming the fields; defaults to the description. */
  detail?: string;
}

export const THRESHOLDS = {
  min_price: 1_000,
  max_price: 1_000_000_000,
  min_house_size: 100,
  max_house_size: 75_000,
  max_acre_lot: 10_000,
  many_bedrooms: 12,
  many_bathrooms: 10,
  min_sqft_per_room: 200,
  max_price_per_sqft: 20_000,
  max_rooms: 100,
  min_prev_sold_date: '1900-01-01',
} as const;

/** How each record field is typed: the JSON type it must arrive as, and the CLEAN type it becomes. */
export const FIELD_KINDS: Record<RecordField, 'id' | 'text' | 'money' | 'count' | 'measure' | 'zip' | 'date'> = {
  brokered_by: 'id',
  status: 'text',
  price: 'money',
  bed: 'count',
  bath: 'count',
  acre_lot: 'measure',
  street: 'id',
  city: 'text',
  state: 'text',
  zip_code: 'zip',
  house_size: 'measure',
  prev_sold_date: 'date',
};

const typeFlags = RECORD_FIELDS.map((f) => `${sqlIdent(`${f}__bad`)}`);
const badFieldList = `array_to_string(list_filter([${RECORD_FIELDS.map((f) => `CASE WHEN ${sqlIdent(`${f}__bad`)} THEN '${f}' END`).join(', ')}], x -> x IS NOT NULL), ', ')`;

export const VALIDATION_RULES: readonly ValidationRule[] = [
  {
    code: 'malformed_record',
    description: 'the record is not a JSON object with exactly the 12 contract fields (a field missing or extra, or not an object)',
    failsWhen: 'raw_record_json IS NOT NULL',
  },
  {
    code: 'wrong_type',
    description: 'a field arrived with the wrong JSON type, as a non-finite number, as a fraction where an integer is due (IDs, zip, bed, bath), or as a date that is not YYYY-MM-DD',
    failsWhen: typeFlags.join(' OR '),
    detail: `'wrong type: ' || ${badFieldList}`,
  },
  {
    code: 'missing_required',
    description: 'price, status or state is null',
    failsWhen: 'price IS NULL OR status IS NULL OR state IS NULL',
    detail: `'null: ' || array_to_string(list_filter([CASE WHEN price IS NULL THEN 'price' END, CASE WHEN status IS NULL THEN 'status' END, CASE WHEN state IS NULL THEN 'state' END], x -> x IS NOT NULL), ', ')`,
  },
  {
    code: 'unknown_status',
    description: 'status is not one of the vocabulary (packages/features STATUSES)',
    failsWhen: 'status NOT IN (SELECT v FROM allowed_status)',
    detail: `'status ' || to_json(status)`,
  },
  {
    code: 'unknown_state',
    description: 'state is not one of the vocabulary (packages/features STATES)',
    failsWhen: 'state NOT IN (SELECT v FROM allowed_state)',
    detail: `'state ' || to_json(state)`,
  },
  { code: 'price_not_positive', description: 'price is zero or negative', failsWhen: 'price <= 0', detail: `'price ' || price` },
  {
    code: 'price_too_low',
    description: 'price below $1,000: a placeholder, not a sale price',
    failsWhen: 'price > 0 AND price < $min_price',
    detail: `'price ' || price`,
  },
  { code: 'price_absurd', description: 'price above $1,000,000,000', failsWhen: 'price > $max_price', detail: `'price ' || price` },
  {
    code: 'price_per_sqft_absurd',
    description: 'price above $20,000 per square foot of house_size (a mistyped price)',
    failsWhen: 'house_size >= $min_house_size AND price / house_size > $max_price_per_sqft',
    detail: `'price ' || price || ' for ' || house_size || ' sq ft'`,
  },
  {
    code: 'negative_value',
    description: 'bed, bath, acre_lot or house_size is negative',
    failsWhen: 'bed < 0 OR bath < 0 OR acre_lot < 0 OR house_size < 0',
  },
  {
    code: 'size_absurd',
    description: 'house_size below 100 or above 75,000 square feet',
    failsWhen: 'house_size >= 0 AND (house_size < $min_house_size OR house_size > $max_house_size)',
    detail: `'house_size ' || house_size`,
  },
  { code: 'lot_absurd', description: 'acre_lot above 10,000 acres', failsWhen: 'acre_lot > $max_acre_lot', detail: `'acre_lot ' || acre_lot` },
  {
    code: 'rooms_absurd',
    description: 'more than 100 bedrooms or bathrooms, or 12+ bedrooms / 10+ bathrooms with less than 200 square feet each',
    failsWhen:
      'bed > $max_rooms OR bath > $max_rooms OR (house_size > 0 AND ((bed >= $many_bedrooms AND house_size < $min_sqft_per_room * bed) OR (bath >= $many_bathrooms AND house_size < $min_sqft_per_room * bath)))',
    detail: `'bed ' || coalesce(CAST(bed AS VARCHAR), 'null') || ', bath ' || coalesce(CAST(bath AS VARCHAR), 'null') || ', house_size ' || coalesce(CAST(house_size AS VARCHAR), 'null')`,
  },
  {
    code: 'zip_invalid',
    description: 'zip_code is not a number from 1 to 99999',
    failsWhen: 'zip_number IS NOT NULL AND (zip_number < 1 OR zip_number > 99999)',
    detail: `'zip_code ' || zip_number`,
  },
  {
    code: 'date_out_of_range',
    description: 'prev_sold_date before 1900 or after the day the batch was ingested',
    failsWhen: 'prev_sold_date < CAST($min_prev_sold_date AS DATE) OR prev_sold_date > CAST($ingested_on AS DATE)',
    detail: `'prev_sold_date ' || prev_sold_date`,
  },
];

/** Reasons that are not row rules: the batch could not be read, or the row repeats another. */
export const BATCH_AND_DUPLICATE_REASONS = [
  { code: 'unparseable_batch', description: 'the batch body was not valid JSON/UTF-8; it is kept whole in RAW (raw_batches.payload_key)' },
  { code: 'duplicate_of_earlier_batch', description: 'the same observation (every typed field equal) is already in CLEAN from an earlier batch' },
  { code: 'duplicate_in_batch', description: 'the same observation appears earlier in this batch (the first one is kept)' },
] as const;

/** Every reason code clean can write, rules first. */
export const REASON_CODES: readonly string[] = [...VALIDATION_RULES.map((r) => r.code), ...BATCH_AND_DUPLICATE_REASONS.map((r) => r.code)];

/** A short hash of the rule set and thresholds, recorded with each batch's quality summary. */
export const RULES_VERSION = createHash('sha256')
  .update(JSON.stringify({ rules: VALIDATION_RULES, thresholds: THRESHOLDS, kinds: FIELD_KINDS }))
  .digest('hex')
  .slice(0, 12);
