/**
 * The lake's tables, declared as data: name → columns (DuckDB types) and partition columns.
 * packages/lake reads this module to validate table names, partition values and the columns
 * written by `lake.writeTable`; changing a table is editing its entry here (see README.md).
 *
 * Every table is stored as immutable Parquet files under
 *   tables/<table>/<partition col>=<value>/…/<uuid>.parquet
 * and its committed state is the newest manifest tables/<table>/_manifests/<version>.json.
 * Partition columns are also stored inside each file, so a file is self-describing.
 */
export interface ColumnSpec {
  name: string;
  /** A DuckDB type, e.g. INTEGER, BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMPTZ, BOOLEAN, JSON. */
  type: string;
  doc?: string;
}

export interface TableSpec {
  doc: string;
  /** Partition columns, outermost first; each must be one of `columns`. */
  partitionBy: readonly string[];
  columns: readonly ColumnSpec[];
}

/** The 12 record fields exactly as the data API sends them (every number a JSON float). */
const API_RECORD_COLUMNS: ColumnSpec[] = [
  { name: 'brokered_by', type: 'DOUBLE', doc: 'broker id, as sent (a float)' },
  { name: 'status', type: 'VARCHAR' },
  { name: 'price', type: 'DOUBLE' },
  { name: 'bed', type: 'DOUBLE' },
  { name: 'bath', type: 'DOUBLE' },
  { name: 'acre_lot', type: 'DOUBLE' },
  { name: 'street', type: 'DOUBLE', doc: 'street id, as sent (a float)' },
  { name: 'city', type: 'VARCHAR' },
  { name: 'state', type: 'VARCHAR' },
  { name: 'zip_code', type: 'DOUBLE', doc: 'as sent: a float, leading zero lost' },
  { name: 'house_size', type: 'DOUBLE' },
  { name: 'prev_sold_date', type: 'VARCHAR', doc: 'YYYY-MM-DD as sent' },
];

export const TABLES = {
  raw_batches: {
    doc: 'RAW: one row per batch taken from the data API.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER', doc: 'our request ordinal since the last restart of the API sequence (0-based)' },
      { name: 'batch_number', type: 'INTEGER', doc: "the server's batch_number (not trusted as identity)" },
      { name: 'group_number', type: 'INTEGER' },
      { name: 'row_count', type: 'BIGINT' },
      { name: 'content_sha256', type: 'VARCHAR', doc: 'hash of the response body as received' },
      { name: 'ingested_at', type: 'TIMESTAMPTZ' },
      { name: 'source_url', type: 'VARCHAR' },
    ],
  },
  raw_records: {
    doc: 'RAW: every record as the API sent it, plus its batch ordinal and position in the batch.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'row_index', type: 'INTEGER', doc: 'position in the response array' },
      ...API_RECORD_COLUMNS,
    ],
  },
  clean_listings: {
    doc: 'CLEAN: typed, validated, deduplicated listings.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'row_index', type: 'INTEGER' },
      { name: 'listing_id', type: 'VARCHAR', doc: 'stable hash of the listing identity (dedup key)' },
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
    doc: 'CLEAN: rejected rows with the rule that rejected them.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'row_index', type: 'INTEGER' },
      { name: 'reason', type: 'VARCHAR', doc: 'reason code, e.g. price_not_positive' },
      { name: 'detail', type: 'VARCHAR' },
      { name: 'record_json', type: 'VARCHAR', doc: 'the raw record as JSON' },
    ],
  },
  batch_quality: {
    doc: 'CLEAN: the data-quality summary of each cleaned batch.',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'rows_in', type: 'BIGINT' },
      { name: 'rows_clean', type: 'BIGINT' },
      { name: 'rows_quarantined', type: 'BIGINT' },
      { name: 'rows_duplicate', type: 'BIGINT' },
      { name: 'quarantined_by_reason', type: 'JSON', doc: '{"reason": count, ...}' },
      { name: 'cleaned_at', type: 'TIMESTAMPTZ' },
    ],
  },
  predictions: {
    doc: 'RAW: the request log of the predict function.',
    partitionBy: ['log_date'],
    columns: [
      { name: 'log_date', type: 'DATE', doc: 'UTC day of requested_at' },
      { name: 'request_id', type: 'VARCHAR' },
      { name: 'requested_at', type: 'TIMESTAMPTZ' },
      { name: 'model_name', type: 'VARCHAR' },
      { name: 'model_version', type: 'VARCHAR' },
      { name: 'input_json', type: 'JSON' },
      { name: 'output_json', type: 'JSON' },
      { name: 'predicted_price', type: 'DOUBLE' },
      { name: 'latency_ms', type: 'DOUBLE' },
    ],
  },
  decisions: {
    doc: 'functions/assess: the retrain / no-retrain decision taken for each batch, with its reasons, and the explanation report (rewritten with the training and promotion when they follow).',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'decision', type: 'VARCHAR', doc: 'retrain | no-retrain' },
      { name: 'lead_rule', type: 'VARCHAR', doc: 'the rule that decided (no-champion, min-batch-size, degradation, weighted-drift), null when none fired' },
      { name: 'lead_reason', type: 'VARCHAR', doc: 'the lead reason, with its numbers' },
      { name: 'reasons_json', type: 'JSON', doc: 'every reason, lead first (JSON array of strings)' },
      { name: 'champion_version', type: 'VARCHAR', doc: 'the champion assessed against (null for the first batch)' },
      { name: 'batch_rows', type: 'BIGINT' },
      { name: 'trained_version', type: 'VARCHAR', doc: 'the version trained on this decision, if any' },
      { name: 'promotion', type: 'VARCHAR', doc: 'promoted | rejected | … when a training followed' },
      { name: 'production_version', type: 'VARCHAR', doc: 'the champion after this batch was handled' },
      { name: 'report_json', type: 'JSON', doc: 'the explanation report (functions/assess/report.ts)' },
      { name: 'report_md', type: 'VARCHAR', doc: 'the same report in Markdown' },
      { name: 'decided_at', type: 'TIMESTAMPTZ' },
    ],
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];
