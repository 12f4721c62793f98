import { INGEST_TABLES, RECORD_FIELDS, type RecordField } from '../../lake-layout/ingest-tables.js';
import { sqlIdent } from '../../packages/duckdb/index.js';
import { FIELD_KINDS, VALIDATION_RULES } from './rules.js';

/**
 * The SQL that types RAW's JSON values, generated once from FIELD_KINDS and VALIDATION_RULES
 * (static text; values are bound). Three layers:
 *   1. per field: its number or string taken from the JSON text (`f__num`, `f__str`) and a
 *      flag when the JSON type is wrong (`f__jbad`);
 *   2. per field: the CLEAN value (NULL when unusable) and a type flag `f__bad`;
 *   3. per row: the failing rule codes, the listing id and the record hash.
 *
 * Layer 1 reads the JSON text directly instead of calling JSON functions on every value (five
 * times faster): RAW's JSON is DuckDB's canonical serialisation, so a JSON number is exactly
 * the text a DOUBLE cast accepts, a JSON string starts with a quote (unescaped only when it
 * contains a backslash), and anything else (true, [..], {..}) fails both and is flagged.
 */
const q = sqlIdent;

function extract(f: RecordField): string {
  const kind = FIELD_KINDS[f];
  const text = `CAST(${q(f)} AS VARCHAR)`;
  if (kind === 'text' || kind === 'date') {
    return `CASE WHEN starts_with(${text}, '"') THEN CASE WHEN contains(${text}, '\\') THEN json_extract_string(${q(f)}, '$') ELSE ${text}[2:-2] END END AS ${q(`${f}__str`)},
      (${q(f)} IS NOT NULL AND NOT starts_with(${text}, '"')) AS ${q(`${f}__jbad`)}`;
  }
  // A JSON string such as "12" keeps its quotes in the text, so the cast refuses it.
  return `TRY_CAST(${text} AS DOUBLE) AS ${q(`${f}__num`)},
      (${q(f)} IS NOT NULL AND TRY_CAST(${text} AS DOUBLE) IS NULL) AS ${q(`${f}__jbad`)}`;
}

function typed(f: RecordField): string {
  const num = q(`${f}__num`);
  const str = q(`${f}__str`);
  const jbad = q(`${f}__jbad`);
  const integral = `(isfinite(${num}) AND ${num} = trunc(${num}))`;
  switch (FIELD_KINDS[f]) {
    case 'text':
      return `${str} AS ${q(f)}, ${jbad} AS ${q(`${f}__bad`)}`;
    case 'date':
      return `CASE WHEN regexp_full_match(${str}, '\\d{4}-\\d{2}-\\d{2}') THEN TRY_CAST(${str} AS DATE) END AS ${q(f)},
      (${jbad} OR (${str} IS NOT NULL AND NOT coalesce(regexp_full_match(${str}, '\\d{4}-\\d{2}-\\d{2}') AND TRY_CAST(${str} AS DATE) IS NOT NULL, false))) AS ${q(`${f}__bad`)}`;
    case 'money':
    case 'measure':
      return `CASE WHEN isfinite(${num}) THEN ${num} END AS ${q(f)}, (${jbad} OR (${num} IS NOT NULL AND NOT isfinite(${num}))) AS ${q(`${f}__bad`)}`;
    case 'id':
      return `CASE WHEN ${integral} AND abs(${num}) < 9007199254740992 THEN CAST(${num} AS BIGINT) END AS ${q(f)},
      (${jbad} OR (${num} IS NOT NULL AND NOT (${integral} AND abs(${num}) < 9007199254740992))) AS ${q(`${f}__bad`)}`;
    case 'count':
      return `CASE WHEN ${integral} AND abs(${num}) < 2147483648 THEN CAST(${num} AS INTEGER) END AS ${q(f)},
      (${jbad} OR (${num} IS NOT NULL AND NOT (${integral} AND abs(${num}) < 2147483648))) AS ${q(`${f}__bad`)}`;
    case 'zip':
      return `CASE WHEN ${integral} THEN ${num} END AS zip_number,
      CASE WHEN ${integral} AND ${num} BETWEEN 1 AND 99999 THEN lpad(CAST(CAST(${num} AS INTEGER) AS VARCHAR), 5, '0') END AS ${q(f)},
      (${jbad} OR (${num} IS NOT NULL AND NOT ${integral})) AS ${q(`${f}__bad`)}`;
  }
}

/** Columns whose values identify the property (not the listing event: price, status and dates may change). */
export const IDENTITY_FIELDS: readonly RecordField[] = ['brokered_by', 'street', 'city', 'state', 'zip_code', 'bed', 'bath', 'acre_lot', 'house_size'];

/**
 * 16 hex digits (64 bits) of the MD5 of the fields' JSON text as RAW holds it (DuckDB's canonical
 * form of what was sent, so equal values from one API give equal text): stable across runs and
 * versions, five times cheaper than formatting typed values, and at a million rows the chance
 * that two different observations share one is about 3·10⁻⁸.
 */
const hashOf = (fields: readonly RecordField[]) => `md5(concat_ws('|', ${fields.map((f) => `coalesce(CAST(${q(f)} AS VARCHAR), '\\N')`).join(', ')}))[1:16]`;

const failedCodes = `list_filter([${VALIDATION_RULES.map((r) => `CASE WHEN (${r.failsWhen}) THEN '${r.code}' END`).join(',\n      ')}], x -> x IS NOT NULL)`;

/** Detail of the first failing rule (rules without one use their description). */
export const FIRST_FAILURE_DETAIL = `CASE ${VALIDATION_RULES.map(
  (r) => `WHEN (${r.failsWhen}) THEN ${r.detail ?? `'${r.description.replaceAll("'", "''")}'`}`,
).join('\n    ')} END`;

/**
 * `SELECT` of one typed, checked row per RAW row of `raw` (a relation with raw_records' columns).
 * Needs temp tables allowed_state(v) and allowed_status(v), and the parameters of THRESHOLDS
 * plus `$ingested_on` (the batch's ingestion day).
 */
export function checkedRowsSql(raw: string): string {
  return `
  SELECT *, ${failedCodes} AS failed
  FROM (
    SELECT batch_ordinal, row_index, raw_record_json, listing_id, record_hash,
      ${RECORD_FIELDS.map(typed).join(',\n      ')}
    FROM (
      SELECT batch_ordinal, row_index, record_json AS raw_record_json,
      ${hashOf(IDENTITY_FIELDS)} AS listing_id,
      ${hashOf(RECORD_FIELDS)} AS record_hash,
      ${RECORD_FIELDS.map(extract).join(',\n      ')}
      FROM ${raw}
    )
  )`;
}

/** The clean_listings columns, in declared order and types, from a checked row. */
export const CLEAN_COLUMNS_SQL = INGEST_TABLES.clean_listings.columns.map((c) => `CAST(${q(c.name)} AS ${c.type}) AS ${q(c.name)}`).join(', ');
