import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { InvalidInputError } from '../core/index.js';
import { FEATURE_COUNT, LOCATION_LEVEL_COLUMN, locationLevel, toTarget, writeFeatures, type ListingFields, type Location, type LocationLevels } from '../features/index.js';
import { Duck, sqlString } from '../duckdb/index.js';
import type { Lake } from '../lake/index.js';

/**
 * Labelled listings in the form training and evaluation use: the feature matrix (row-major,
 * NaN = missing, built by packages/features), the log-price target, each row's batch and
 * listing id, and whether every feature is present.
 */
export interface Dataset {
  n: number;
  listingIds: string[];
  states: string[];
  /** Each row's state, city and ZIP: what a model's location levels are looked up by. */
  locations: Location[];
  batches: Int32Array;
  /** ln(price). */
  y: Float64Array;
  /** n × FEATURE_COUNT, row-major. location_level is NaN until a model's levels are applied (withLocationLevels). */
  x: Float32Array;
  /** 1 when every listing field the features read is present (location_level aside: it is the model's, not the listing's). */
  complete: Uint8Array;
  /** MD5 of the rows' ids, batches, prices and features in order: names the exact training data. */
  digest: string;
}

/** One CLEAN-shaped row: the listing's fields plus its id, batch and price. */
export interface LabelledRow extends ListingFields {
  listing_id: string;
  batch_ordinal: number;
  price: number;
}

/** Builds a Dataset from rows (rows without a positive, finite price are left out). */
export function datasetFromRows(rows: readonly LabelledRow[]): Dataset {
  const kept = rows.filter((r) => typeof r.price === 'number' && Number.isFinite(r.price) && r.price > 0);
  const n = kept.length;
  const x = new Float32Array(n * FEATURE_COUNT);
  const y = new Float64Array(n);
  const batches = new Int32Array(n);
  const complete = new Uint8Array(n);
  const listingIds: string[] = new Array(n);
  const states: string[] = new Array(n);
  const locations: Location[] = new Array(n);
  const hash = createHash('md5');
  kept.forEach((r, i) => {
    writeFeatures(r, null, x, i * FEATURE_COUNT);
    y[i] = toTarget(r.price);
    batches[i] = r.batch_ordinal;
    listingIds[i] = r.listing_id;
    states[i] = r.state;
    locations[i] = { state: r.state, city: r.city ?? null, zip_code: r.zip_code };
    let ok = 1;
    for (let c = 0; c < FEATURE_COUNT; c++) if (c !== LOCATION_LEVEL_COLUMN && Number.isNaN(x[i * FEATURE_COUNT + c]!)) ok = 0;
    complete[i] = ok;
    hash.update(`${r.listing_id}|${r.batch_ordinal}|${r.price}|${r.city ?? ''}|`);
  });
  hash.update(Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  return { n, listingIds, states, locations, batches, y, x, complete, digest: hash.digest('hex') };
}

/**
 * The dataset as one model sees it: location_level filled from that model's table, or, for
 * training rows, from per-row values (out-of-fold levels). The other columns are shared.
 */
export function withLocationLevels(d: Dataset, levels: LocationLevels | Float64Array): Dataset {
  const x = d.x.slice();
  for (let i = 0; i < d.n; i++) x[i * FEATURE_COUNT + LOCATION_LEVEL_COLUMN] = levels instanceof Float64Array ? levels[i]! : locationLevel(levels, d.locations[i]!);
  return { ...d, x };
}

/** The rows `indices` of a dataset, as a new dataset (digest recomputed over the subset's ids). */
export function subsetDataset(d: Dataset, indices: ArrayLike<number>): Dataset {
  const m = indices.length;
  const x = new Float32Array(m * FEATURE_COUNT);
  const y = new Float64Array(m);
  const batches = new Int32Array(m);
  const complete = new Uint8Array(m);
  const listingIds: string[] = new Array(m);
  const states: string[] = new Array(m);
  const locations: Location[] = new Array(m);
  const hash = createHash('md5');
  for (let k = 0; k < m; k++) {
    const i = indices[k]!;
    x.set(d.x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), k * FEATURE_COUNT);
    y[k] = d.y[i]!;
    batches[k] = d.batches[i]!;
    complete[k] = d.complete[i]!;
    listingIds[k] = d.listingIds[i]!;
    states[k] = d.states[i]!;
    locations[k] = d.locations[i]!;
    hash.update(`${listingIds[k]}|${batches[k]}|${y[k]}|`);
  }
  return { n: m, listingIds, states, locations, batches, y, x, complete, digest: hash.digest('hex') };
}

const CLEAN_SQL = `
SELECT listing_id, batch_ordinal, status, price, bed, bath, acre_lot, city, state, zip_code, house_size,
       strftime(prev_sold_date, '%Y-%m-%d') AS prev_sold_date
FROM clean_listings
WHERE batch_ordinal <= $upTo AND batch_ordinal >= $from
ORDER BY batch_ordinal, row_index`;

/** CLEAN rows of batches `from`..`upTo` (inclusive), read through the lake's committed manifests. */
export async function loadCleanDataset(lake: Lake, upTo: number, from = 0): Promise<Dataset> {
  const rows = await lake.query<LabelledRow & Record<string, unknown>>(CLEAN_SQL, { upTo, from });
  return datasetFromRows(rows);
}

/** The batch ordinals present in CLEAN up to `upTo`. */
export async function cleanBatchesUpTo(lake: Lake, upTo: number): Promise<number[]> {
  const rows = await lake.query<{ b: number }>('SELECT DISTINCT batch_ordinal AS b FROM clean_listings WHERE batch_ordinal <= $upTo ORDER BY 1', { upTo });
  return rows.map((r) => Number(r.b));
}

/**
 * Reads a CSV in the realtor dataset's own format (the columns of ../shared/data/realtor-sample.csv)
 * with DuckDB and types it like CLEAN: zip codes as 5 digits, dates as YYYY-MM-DD, a listing id
 * from the property's identity. Every input column is kept as text in `raw` for writing back.
 */
export async function readRealtorCsv(path: string): Promise<{ columns: string[]; raw: Record<string, string | null>[]; rows: (LabelledRow & { reason: string | null })[] }> {
  if (!existsSync(path)) throw new InvalidInputError(`${path}: no such file`, [{ pointer: '/csv', message: 'no such file' }]);
  const duck = await Duck.open({ threads: 2 });
  try {
    // read_csv's path cannot be a bound parameter; it is quoted as a literal.
    const src = `read_csv(${sqlString(path)}, header = true, all_varchar = true)`;
    const cols = (await duck.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${src})`)).map((r) => r.column_name);
    const required = ['status', 'bed', 'bath', 'acre_lot', 'state', 'zip_code', 'house_size', 'prev_sold_date'];
    const missing = required.filter((c) => !cols.includes(c));
    if (missing.length) throw new InvalidInputError(`${path}: missing column(s) ${missing.join(', ')} (expected the realtor dataset's columns)`);
    const has = (c: string) => cols.includes(c);
    const opt = (c: string) => (has(c) ? `"${c}"` : 'NULL');
    const raw = await duck.all<Record<string, string | null>>(`SELECT * FROM ${src}`);
    const typed = await duck.all<LabelledRow & { reason: string | null } & Record<string, unknown>>(`
      SELECT
        md5(concat_ws('|', coalesce(${opt('brokered_by')}, ''), coalesce(${opt('street')}, ''), coalesce(${opt('city')}, ''), coalesce(state, ''),
                           coalesce(zip_code, ''), coalesce(bed, ''), coalesce(bath, ''), coalesce(acre_lot, ''), coalesce(house_size, ''))) AS listing_id,
        0 AS batch_ordinal,
        trim(status) AS status,
        TRY_CAST(${opt('price')} AS DOUBLE) AS price,
        TRY_CAST(bed AS DOUBLE) AS bed,
        TRY_CAST(bath AS DOUBLE) AS bath,
        TRY_CAST(acre_lot AS DOUBLE) AS acre_lot,
        ${opt('city')} AS city,
        trim(state) AS state,
        CASE WHEN regexp_full_match(trim(zip_code), '\\d{1,5}(\\.0*)?') THEN lpad(split_part(trim(zip_code), '.', 1), 5, '0') END AS zip_code,
        TRY_CAST(house_size AS DOUBLE) AS house_size,
        strftime(TRY_CAST(prev_sold_date AS DATE), '%Y-%m-%d') AS prev_sold_date,
        concat_ws(';',
          CASE WHEN bed IS NOT NULL AND TRY_CAST(bed AS DOUBLE) IS NULL THEN 'bed_not_a_number' END,
          CASE WHEN bath IS NOT NULL AND TRY_CAST(bath AS DOUBLE) IS NULL THEN 'bath_not_a_number' END,
          CASE WHEN acre_lot IS NOT NULL AND TRY_CAST(acre_lot AS DOUBLE) IS NULL THEN 'acre_lot_not_a_number' END,
          CASE WHEN house_size IS NOT NULL AND TRY_CAST(house_size AS DOUBLE) IS NULL THEN 'house_size_not_a_number' END,
          CASE WHEN prev_sold_date IS NOT NULL AND TRY_CAST(prev_sold_date AS DATE) IS NULL THEN 'prev_sold_date_not_a_date' END
        ) AS reason
      FROM ${src}`);
    return { columns: cols, raw, rows: typed.map((r) => ({ ...r, reason: r.reason ? r.reason : null })) };
  } finally {
    duck.close();
  }
}
