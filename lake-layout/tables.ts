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
import { INGEST_TABLES } from './ingest-tables.js';

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

export const TABLES = {
  // RAW and CLEAN tables of ingest and clean: declared beside their writers' protocol notes.
  ...INGEST_TABLES,
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
