import { RECORD_FIELDS } from '../../lake-layout/ingest-tables.js';
import { allOn, runOn, sqlIdent, type DuckDBConnection, type Duck } from '../../packages/duckdb/index.js';
import { writeParquet } from './shared-duck.js';

export type RawRecordsResult =
  | { kind: 'parquet'; rows: number; path: 'exact' | 'salvaged' }
  | { kind: 'unparseable'; reason: string };

/**
 * Turns the `data` array bytes of one batch into the raw_records Parquet file, with DuckDB's
 * JSON reader (never JSON.parse in JavaScript). Every field is read as DuckDB `JSON`, so each
 * value is kept as sent: `"3"` stays a string, `1e999` stays `1e999`, null stays null.
 *
 * Fast path: `read_json` with the 12 contract fields as columns. It silently drops keys
 * outside the contract and reads an absent key like a null, so it is trusted only when the
 * bytes add up: 2 brackets + separators + per record the braces, commas and the 12 quoted keys,
 * plus the text of every value, must equal the array's size exactly. Any difference (an extra
 * or missing key, whitespace, a record that is not an object, a duplicate key) switches to the
 * salvage path, which reads each element whole and keeps it in `record_json` when it is not an
 * object with exactly the 12 fields, so nothing is lost and clean can quarantine it by name.
 * Bytes that are not JSON at all make the batch `unparseable`.
 */
export async function writeRawRecordsParquet(duck: Duck, arrayPath: string, arrayBytes: number, ordinal: number, outPath: string): Promise<RawRecordsResult> {
  return duck.withConnection(async (conn) => {
    try {
      const fast = await loadExact(conn, arrayPath, ordinal, arrayBytes);
      if (!fast) await loadSalvaged(conn, arrayPath, ordinal);
      const rows = await writeParquet(conn, 'SELECT * FROM raw_rows', {}, outPath);
      return { kind: 'parquet', rows, path: fast ? 'exact' : 'salvaged' } as const;
    } catch (err) {
      const reason = unparseableReason(err);
      if (reason) return { kind: 'unparseable', reason };
      throw err;
    } finally {
      await runOn(conn, 'DROP TABLE IF EXISTS raw_rows').catch(() => undefined);
    }
  });
}

/** Bytes of one record beyond its values: `{`, `}`, 11 commas and `"key":` for each of the 12 keys. */
export const RECORD_OVERHEAD_BYTES = 2 + (RECORD_FIELDS.length - 1) + RECORD_FIELDS.reduce((n, f) => n + f.length + 3, 0);

const FIELD_COLUMNS = `{${RECORD_FIELDS.map((f) => `${f}: 'JSON'`).join(', ')}}`;
const FIELD_LIST = RECORD_FIELDS.map((f) => sqlIdent(f)).join(', ');
const VALUE_BYTES = RECORD_FIELDS.map((f) => `strlen(coalesce(${sqlIdent(f)}, 'null'))`).join(' + ');

/** Reads with the contract's columns; false when the bytes do not add up (see above). */
async function loadExact(conn: DuckDBConnection, path: string, ordinal: number, arrayBytes: number): Promise<boolean> {
  try {
    await runOn(
      conn,
      `CREATE OR REPLACE TEMP TABLE raw_rows AS
       SELECT CAST($ordinal AS INTEGER) AS batch_ordinal, CAST(ordinality - 1 AS INTEGER) AS row_index, ${FIELD_LIST},
              CAST(NULL AS JSON) AS record_json
       FROM read_json($path, format = 'array', columns = ${FIELD_COLUMNS}) WITH ORDINALITY`,
      { ordinal, path },
    );
  } catch (err) {
    // A record that is not an object, or has a duplicate key: the salvage path reads it whole.
    if (/transform error|duplicate key|Expected OBJECT/i.test(String((err as Error).message))) return false;
    throw err;
  }
  const [sums] = await allOn<{ n: bigint; value_bytes: bigint | null }>(conn, `SELECT count(*) AS n, sum(${VALUE_BYTES}) AS value_bytes FROM raw_rows`);
  const n = Number(sums?.n ?? 0);
  const expected = n === 0 ? 2 : 2 + (n - 1) + n * RECORD_OVERHEAD_BYTES + Number(sums?.value_bytes ?? 0);
  return expected === arrayBytes;
}

const SORTED_FIELDS = [...RECORD_FIELDS].sort().join(',');
const EXTRACTED_FIELDS = RECORD_FIELDS.map(
  (f, i) => `CASE WHEN json_type(v[${i + 1}]) = 'NULL' THEN NULL ELSE v[${i + 1}] END AS ${sqlIdent(f)}`,
).join(',\n              ');
const FIELD_PATHS = `[${RECORD_FIELDS.map((f) => `'$.${f}'`).join(', ')}]`;

/** Reads every element whole; keeps it in record_json unless it is an object with exactly the 12 keys. */
async function loadSalvaged(conn: DuckDBConnection, path: string, ordinal: number): Promise<void> {
  await runOn(
    conn,
    `CREATE OR REPLACE TEMP TABLE raw_rows AS
     WITH src AS (
       SELECT json AS j, ordinality,
              json_extract(json, ${FIELD_PATHS}) AS v,
              CASE WHEN json_type(json) = 'OBJECT' THEN json_keys(json) END AS k
       FROM read_json_objects($path, format = 'array') WITH ORDINALITY
     )
     SELECT CAST($ordinal AS INTEGER) AS batch_ordinal, CAST(ordinality - 1 AS INTEGER) AS row_index,
            ${EXTRACTED_FIELDS},
            CASE WHEN k IS NOT NULL AND array_to_string(list_sort(k), ',') = $sorted THEN NULL ELSE CAST(j AS JSON) END AS record_json
     FROM src`,
    { ordinal, path, sorted: SORTED_FIELDS },
  );
}

/** The reason a batch's bytes cannot be read as JSON at all, or undefined for other failures (I/O, memory). */
function unparseableReason(err: unknown): string | undefined {
  const message = String((err as Error)?.message ?? err);
  if (!/Malformed JSON|invalid UTF-8|maximum_object_size|object size|Expected top-level JSON array|unexpected end of data/i.test(message)) return undefined;
  // DuckDB names our temp file; the path means nothing to a reader of the lake.
  return `not valid JSON: ${message.split('\n')[0]!.replace(/in file "[^"]*",?\s*/, '').replace(/^Invalid Input Error:\s*/, '')}`;
}
