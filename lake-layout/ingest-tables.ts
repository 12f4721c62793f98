/**
 * The RAW and CLEAN tables written by functions/ingest and functions/clean, declared as data
 * (same shape as tables.ts; tables.ts includes them by name).
 *
 * RAW keeps what the data API sent: every record field is stored as DuckDB `JSON` — the value
 * exactly as it arrived (a number stays a number, `"3"` stays a string, null stays null), so
 * wrong types and absurd values survive into RAW and only clean decides what they mean.
 * CLEAN holds typed, validated, deduplicated rows; rejected rows go to `quarantine` with a reason.
 *
 * A batch is identified by its ordinal: our position in the data API's sequence since the last
 * restart of that sequence (0-based), verified by the content hash of what was sent.
 */
import type { ColumnSpec, TableSpec } from './tables.js';
// The 12 record fields of the data API contract, in wire order, are defined with the wire format.
import { RECORD_FIELDS } from '../packages/simulator/wire.js';

export { RECORD_FIELDS };
export type RecordField = (typeof RECORD_FIELDS)[number];

const RAW_FIELD_COLUMNS: ColumnSpec[] = RECORD_FIELDS.map((name) => ({
  name,
  type: 'JSON',
  doc: 'the value as sent (JSON); SQL NULL = JSON null, or absent when record_json is set',
}));

export const INGEST_TABLES = {
  raw_batches: {
    doc: 'RAW: one row per batch taken from the data API (written last: a batch is committed when its row is here).',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER', doc: 'our request ordinal since the last restart of the API sequence (0-based)' },
      { name: 'epoch', type: 'INTEGER', doc: 'how many times we restarted the sequence before this batch was fetched' },
      { name: 'batch_number', type: 'INTEGER', doc: "the server's batch_number (recorded, never trusted as identity)" },
      { name: 'group_number', type: 'INTEGER' },
      { name: 'status', type: 'VARCHAR', doc: "'ok' | 'unparseable' (body kept whole at payload_key; clean quarantines the batch)" },
      { name: 'reason', type: 'VARCHAR', doc: 'why the batch is unparseable' },
      { name: 'row_count', type: 'BIGINT' },
      { name: 'content_sha256', type: 'VARCHAR', doc: 'SHA-256 of the `data` array bytes as received (the whole body when unparseable)' },
      { name: 'bytes', type: 'BIGINT', doc: 'size of the hashed bytes' },
      { name: 'payload_key', type: 'VARCHAR', doc: 'object key of the raw body, when kept' },
      { name: 'request_key', type: 'VARCHAR', doc: "the caller's idempotency key, if any" },
      { name: 'source_url', type: 'VARCHAR', doc: 'the /data URL, without credentials' },
      { name: 'seconds', type: 'DOUBLE', doc: 'wall time of the fetch and the RAW write' },
      { name: 'ingested_at', type: 'TIMESTAMPTZ' },
    ],
  },
  raw_records: {
    doc: 'RAW: every record as the API sent it, with its batch ordinal and position in the batch.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'row_index', type: 'INTEGER', doc: 'position in the response array (0-based)' },
      ...RAW_FIELD_COLUMNS,
      {
        name: 'record_json',
        type: 'JSON',
        doc: 'the whole record as sent, only when it is not an object with exactly the 12 fields (else NULL)',
      },
    ],
  },
  clean_listings: {
    doc: 'CLEAN: typed, validated, deduplicated listings. A batch is clean when batch_quality has its row.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'row_index', type: 'INTEGER', doc: 'position in the RAW batch' },
      { name: 'listing_id', type: 'VARCHAR', doc: '16 hex digits of the MD5 of the property identity (broker, street, city, state, zip, bed, bath, lot, size): stable across price and status changes' },
      { name: 'record_hash', type: 'VARCHAR', doc: '16 hex digits of the MD5 of every typed field: equal hashes are the same observation (dedupe key)' },
      { name: 'brokered_by', type: 'BIGINT' },
      { name: 'status', type: 'VARCHAR' },
      { name: 'price', type: 'DOUBLE' },
      { name: 'bed', type: 'INTEGER' },
      { name: 'bath', type: 'INTEGER' },
      { name: 'acre_lot', type: 'DOUBLE' },
      { name: 'street', type: 'BIGINT' },
      { name: 'city', type: 'VARCHAR' },
      { name: 'state', type: 'VARCHAR' },
      { name: 'zip_code', type: 'VARCHAR', doc: '5 characters, zero-padded' },
      { name: 'house_size', type: 'DOUBLE' },
      { name: 'prev_sold_date', type: 'DATE' },
    ],
  },
  quarantine: {
    doc: 'CLEAN: rejected rows (validation rules and duplicates) with the reason that rejected them.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'row_index', type: 'INTEGER', doc: 'NULL when the whole batch is quarantined' },
      { name: 'reason', type: 'VARCHAR', doc: 'the first failing rule, e.g. price_not_positive (codes in functions/clean/rules.ts)' },
      { name: 'reasons', type: 'VARCHAR[]', doc: 'every failing rule' },
      { name: 'detail', type: 'VARCHAR' },
      { name: 'record_json', type: 'JSON', doc: 'the record as sent' },
    ],
  },
  batch_quality: {
    doc: 'CLEAN: the data-quality summary of each cleaned batch (its presence marks the batch as clean).',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'content_sha256', type: 'VARCHAR', doc: 'the RAW batch this summary was computed from' },
      { name: 'rows_in', type: 'BIGINT' },
      { name: 'rows_clean', type: 'BIGINT' },
      { name: 'rows_quarantined', type: 'BIGINT', doc: 'rejected by a validation rule' },
      { name: 'rows_duplicate', type: 'BIGINT', doc: 'removed as duplicates (within the batch or of an earlier batch)' },
      { name: 'quarantined_by_reason', type: 'JSON', doc: '{"reason": count, ...} over validation rules and duplicates' },
      { name: 'null_rates', type: 'JSON', doc: '{"field": share of rows_in sent as null or absent}' },
      { name: 'rules_version', type: 'VARCHAR', doc: 'hash of the rule set that was applied' },
      { name: 'seconds', type: 'DOUBLE' },
      { name: 'cleaned_at', type: 'TIMESTAMPTZ' },
    ],
  },
} as const satisfies Record<string, TableSpec>;

export type IngestTableName = keyof typeof INGEST_TABLES;
