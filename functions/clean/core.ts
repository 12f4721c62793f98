import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError } from '../../packages/core/index.js';
import { allOn, runOn, type DuckDBConnection, type SqlParams } from '../../packages/duckdb/index.js';
import { sharedDuck, writeParquet } from '../ingest/shared-duck.js';
import { STATES, STATUSES } from '../../packages/features/index.js';
import { INGEST_TABLES, RECORD_FIELDS } from '../../lake-layout/ingest-tables.js';
import type { Lake } from '../../packages/lake/index.js';
import { RULES_VERSION, THRESHOLDS } from './rules.js';
import { CLEAN_COLUMNS_SQL, FIRST_FAILURE_DETAIL, checkedRowsSql } from './typed-sql.js';

export interface CleanDeps {
  lake: Lake;
  /** Local scratch directory (default: <lake cache>/clean). */
  workDir?: string;
  now?: () => Date;
  onEvent?: (event: { type: 'cleaning'; ordinal: number } | { type: 'cleaned'; summary: BatchQuality }) => void;
}

/** One batch's data-quality summary, as batch_quality stores it. */
export interface BatchQuality {
  batch_ordinal: number;
  content_sha256: string;
  rows_in: number;
  rows_clean: number;
  rows_quarantined: number;
  rows_duplicate: number;
  quarantined_by_reason: Record<string, number>;
  null_rates: Record<string, number>;
  rules_version: string;
  seconds: number;
  cleaned_at: string;
}

interface RawBatch {
  batch_ordinal: number;
  status: string;
  reason: string | null;
  content_sha256: string;
  payload_key: string | null;
  ingested_at: string;
}

/**
 * Cleans RAW batch `ordinal` into CLEAN: typed rows that pass every rule (rules.ts) and are not
 * duplicates go to clean_listings; the others to quarantine with a reason; a summary row to
 * batch_quality. Idempotent: each table's partition of the batch is replaced in one commit, and
 * batch_quality is written last, so a batch counts as clean only once all three are in.
 * Batches are cleaned in order (duplicates are judged against earlier clean batches), so
 * cleaning batch k needs 0..k-1 clean: ConflictError otherwise.
 */
export async function cleanBatch(deps: CleanDeps, ordinal: number): Promise<BatchQuality> {
  const started = performance.now();
  const { lake } = deps;
  const raw = (await readRawBatches(lake)).find((b) => b.batch_ordinal === ordinal);
  if (!raw) throw new NotFoundError(`RAW has no batch ${ordinal}: ingest it first`);
  const cleaned = new Set((await readBatchQuality(lake)).map((q) => q.batch_ordinal));
  const missing = Array.from({ length: ordinal }, (_, i) => i).filter((i) => !cleaned.has(i));
  if (missing.length) throw new ConflictError(`clean batch ${missing[0]} first: duplicates in batch ${ordinal} are judged against every earlier clean batch (not yet clean: ${missing.join(', ')})`);
  deps.onEvent?.({ type: 'cleaning', ordinal });

  const workDir = deps.workDir ?? join(lake.cacheDir, 'clean');
  await mkdir(workDir, { recursive: true });
  const out = { clean: join(workDir, `${randomUUID()}.parquet`), quarantine: join(workDir, `${randomUUID()}.parquet`), quality: join(workDir, `${randomUUID()}.parquet`) };
  const partition = { batch_ordinal: String(ordinal) };
  const now = deps.now ?? (() => new Date());
  const duck = await sharedDuck();
  try {
    const counts = await duck.withConnection(async (conn) => {
      await createVocabulary(conn);
      if (raw.status !== 'ok') return writeUnparseable(conn, raw, out);
      const rawFiles = await lake.localFiles('raw_records', { partition });
      const earlier = (await lake.snapshot('clean_listings')).files.filter((f) => Number(f.partition['batch_ordinal']) < ordinal);
      const earlierFiles = await Promise.all(earlier.map((f) => lake.localFiles('clean_listings', { partition: f.partition }))).then((l) => [...new Set(l.flat())]);
      return writeCleaned(conn, raw, rawFiles, earlierFiles, out);
    });
    const summary: BatchQuality = {
      batch_ordinal: ordinal,
      content_sha256: raw.content_sha256,
      ...counts,
      rules_version: RULES_VERSION,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      cleaned_at: now().toISOString(),
    };
    await duck.withConnection((conn) =>
      writeParquet(
        conn,
        `SELECT CAST($ordinal AS INTEGER) AS batch_ordinal, CAST($sha AS VARCHAR) AS content_sha256, CAST($rows_in AS BIGINT) AS rows_in,
                CAST($rows_clean AS BIGINT) AS rows_clean, CAST($rows_quarantined AS BIGINT) AS rows_quarantined,
                CAST($rows_duplicate AS BIGINT) AS rows_duplicate, CAST($by_reason AS JSON) AS quarantined_by_reason,
                CAST($null_rates AS JSON) AS null_rates, CAST($rules_version AS VARCHAR) AS rules_version,
                CAST($seconds AS DOUBLE) AS seconds, CAST($cleaned_at AS TIMESTAMPTZ) AS cleaned_at`,
        {
          ordinal,
          sha: summary.content_sha256,
          rows_in: summary.rows_in,
          rows_clean: summary.rows_clean,
          rows_quarantined: summary.rows_quarantined,
          rows_duplicate: summary.rows_duplicate,
          by_reason: JSON.stringify(summary.quarantined_by_reason),
          null_rates: JSON.stringify(summary.null_rates),
          rules_version: summary.rules_version,
          seconds: summary.seconds,
          cleaned_at: summary.cleaned_at,
        },
        out.quality,
      ),
    );
    const metadata = { content_sha256: raw.content_sha256, rules_version: RULES_VERSION };
    // Order matters: batch_quality last marks the batch clean only when the other two are in.
    await lake.commit('clean_listings', { add: counts.rows_clean > 0 ? [{ localParquetPath: out.clean, partition }] : [], replacePartition: partition, metadata });
    const quarantined = counts.rows_quarantined + counts.rows_duplicate + (raw.status === 'ok' ? 0 : 1);
    await lake.commit('quarantine', { add: quarantined > 0 ? [{ localParquetPath: out.quarantine, partition }] : [], replacePartition: partition, metadata });
    await lake.commit('batch_quality', { add: [{ localParquetPath: out.quality, partition }], replacePartition: partition, metadata });
    deps.onEvent?.({ type: 'cleaned', summary });
    return summary;
  } finally {
    await Promise.all(Object.values(out).map((p) => rm(p, { force: true })));
  }
}

/** Cleans every RAW batch that has no batch_quality row yet, in order. */
export async function cleanUncleaned(deps: CleanDeps): Promise<BatchQuality[]> {
  const cleaned = new Set((await readBatchQuality(deps.lake)).map((q) => q.batch_ordinal));
  const todo = (await readRawBatches(deps.lake)).map((b) => b.batch_ordinal).filter((o) => !cleaned.has(o));
  const out: BatchQuality[] = [];
  for (const ordinal of todo) out.push(await cleanBatch(deps, ordinal));
  return out;
}

/** batch_quality's rows (one per clean batch), in ordinal order. */
export async function readBatchQuality(lake: Lake): Promise<BatchQuality[]> {
  const rows = await lake.query<Record<string, unknown>>(
    `SELECT CAST(batch_ordinal AS INTEGER) AS batch_ordinal, content_sha256, CAST(rows_in AS DOUBLE) AS rows_in,
            CAST(rows_clean AS DOUBLE) AS rows_clean, CAST(rows_quarantined AS DOUBLE) AS rows_quarantined,
            CAST(rows_duplicate AS DOUBLE) AS rows_duplicate, CAST(quarantined_by_reason AS VARCHAR) AS quarantined_by_reason,
            CAST(null_rates AS VARCHAR) AS null_rates, rules_version, seconds, CAST(cleaned_at AS VARCHAR) AS cleaned_at
     FROM batch_quality ORDER BY batch_ordinal`,
  );
  return rows.map((r) => ({
    batch_ordinal: Number(r['batch_ordinal']),
    content_sha256: String(r['content_sha256']),
    rows_in: Number(r['rows_in']),
    rows_clean: Number(r['rows_clean']),
    rows_quarantined: Number(r['rows_quarantined']),
    rows_duplicate: Number(r['rows_duplicate']),
    quarantined_by_reason: JSON.parse(String(r['quarantined_by_reason'] ?? '{}')) as Record<string, number>,
    null_rates: JSON.parse(String(r['null_rates'] ?? '{}')) as Record<string, number>,
    rules_version: String(r['rules_version']),
    seconds: Number(r['seconds']),
    cleaned_at: String(r['cleaned_at']),
  }));
}

async function readRawBatches(lake: Lake): Promise<RawBatch[]> {
  const rows = await lake.query<Record<string, unknown>>(
    `SELECT CAST(batch_ordinal AS INTEGER) AS batch_ordinal, status, reason, content_sha256, payload_key,
            strftime(ingested_at AT TIME ZONE 'UTC', '%Y-%m-%d') AS ingested_on
     FROM raw_batches ORDER BY batch_ordinal`,
  );
  return rows.map((r) => ({
    batch_ordinal: Number(r['batch_ordinal']),
    status: String(r['status']),
    reason: r['reason'] === null ? null : String(r['reason']),
    content_sha256: String(r['content_sha256']),
    payload_key: r['payload_key'] === null ? null : String(r['payload_key']),
    ingested_at: String(r['ingested_on']),
  }));
}

async function createVocabulary(conn: DuckDBConnection): Promise<void> {
  await runOn(conn, `CREATE OR REPLACE TEMP TABLE allowed_state AS SELECT unnest(CAST(from_json($v, '["VARCHAR"]') AS VARCHAR[])) AS v`, { v: JSON.stringify(STATES) });
  await runOn(conn, `CREATE OR REPLACE TEMP TABLE allowed_status AS SELECT unnest(CAST(from_json($v, '["VARCHAR"]') AS VARCHAR[])) AS v`, { v: JSON.stringify(STATUSES) });
}

type Counts = Pick<BatchQuality, 'rows_in' | 'rows_clean' | 'rows_quarantined' | 'rows_duplicate' | 'quarantined_by_reason' | 'null_rates'>;

const QUARANTINE_COLUMNS = Object.fromEntries(INGEST_TABLES.quarantine.columns.map((c) => [c.name, c.type])) as Record<string, string>;
const RAW_COLUMNS = INGEST_TABLES.raw_records.columns;
const RAW_FIELDS_JSON = `json_object(${RECORD_FIELDS.map((f) => `'${f}', r."${f}"`).join(', ')})`;
/** Share of rows whose field was sent as null or absent, per field. */
const NULL_RATE_PAIRS = RECORD_FIELDS.map((f) => `'${f}', CAST(count(*) FILTER (WHERE "${f}" IS NULL) AS DOUBLE) / greatest(count(*), 1)`).join(', ');

/** A batch RAW could not read: one quarantine row for the whole batch, no clean rows. */
async function writeUnparseable(conn: DuckDBConnection, raw: RawBatch, out: { quarantine: string }): Promise<Counts> {
  await writeParquet(
    conn,
    `SELECT CAST($ordinal AS INTEGER) AS batch_ordinal, CAST(NULL AS INTEGER) AS row_index, 'unparseable_batch' AS reason,
            ['unparseable_batch'] AS reasons, CAST($detail AS VARCHAR) AS detail, CAST(NULL AS ${QUARANTINE_COLUMNS['record_json']}) AS record_json`,
    { ordinal: raw.batch_ordinal, detail: `${raw.reason ?? 'unparseable'}; the body is kept whole at ${raw.payload_key ?? '(not stored)'}` },
    out.quarantine,
  );
  return { rows_in: 0, rows_clean: 0, rows_quarantined: 0, rows_duplicate: 0, quarantined_by_reason: { unparseable_batch: 1 }, null_rates: {} };
}

async function writeCleaned(
  conn: DuckDBConnection,
  raw: RawBatch,
  rawFiles: string[],
  earlierFiles: string[],
  out: { clean: string; quarantine: string },
): Promise<Counts> {
  const params: SqlParams = { ...THRESHOLDS, ingested_on: raw.ingested_at };
  // RAW is read once into memory: typing, the quarantine's record_json and the null rates all use it.
  await runOn(
    conn,
    `CREATE OR REPLACE TEMP TABLE raw AS ${
      rawFiles.length
        ? `SELECT ${RAW_COLUMNS.map((c) => `CAST("${c.name}" AS ${c.type}) AS "${c.name}"`).join(', ')} FROM read_parquet(${listParam(rawFiles.length, 'raw')}, hive_partitioning = false)`
        : `SELECT ${RAW_COLUMNS.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name}"`).join(', ')} LIMIT 0`
    }`,
    Object.fromEntries(rawFiles.map((f, i) => [`raw${i}`, f])),
  );
  await runOn(conn, `CREATE OR REPLACE TEMP TABLE checked AS ${checkedRowsSql('raw')}`, params);
  await runOn(
    conn,
    `CREATE OR REPLACE TEMP TABLE earlier AS ${
      earlierFiles.length
        ? `SELECT DISTINCT record_hash FROM read_parquet(${listParam(earlierFiles.length, 'e')}, hive_partitioning = false)`
        : 'SELECT CAST(NULL AS VARCHAR) AS record_hash LIMIT 0'
    }`,
    Object.fromEntries(earlierFiles.map((f, i) => [`e${i}`, f])),
  );
  // Rejected rows only (few): a failed rule, else a duplicate. Duplicates are judged among rows
  // that pass every rule: the first copy in the batch is kept, unless an earlier batch has it.
  await runOn(
    conn,
    `CREATE OR REPLACE TEMP TABLE rejected AS
     SELECT row_index, failed,
       CASE WHEN len(failed) > 0 THEN failed[1]
            WHEN in_earlier THEN 'duplicate_of_earlier_batch'
            ELSE 'duplicate_in_batch' END AS reason,
       CASE WHEN len(failed) > 0 THEN ${FIRST_FAILURE_DETAIL}
            WHEN in_earlier THEN 'the same observation (record_hash ' || record_hash || ') is clean in an earlier batch'
            ELSE 'the same observation as row ' || first_row || ' of this batch' END AS detail
     FROM (
       SELECT *, record_hash IN (SELECT record_hash FROM earlier) AS in_earlier,
              row_number() OVER w AS copy_rank, first_value(row_index) OVER w AS first_row
       FROM checked
       -- only rows that can be rejected go through the window: failures, and hashes seen twice or before
       WHERE len(failed) > 0
          OR record_hash IN (SELECT record_hash FROM earlier)
          OR record_hash IN (SELECT record_hash FROM checked WHERE len(failed) = 0 GROUP BY record_hash HAVING count(*) > 1)
       WINDOW w AS (PARTITION BY len(failed) = 0, record_hash ORDER BY row_index)
     )
     WHERE len(failed) > 0 OR in_earlier OR copy_rank > 1`,
    params,
  );
  const rowsClean = await writeParquet(
    conn,
    `SELECT ${CLEAN_COLUMNS_SQL} FROM checked WHERE row_index NOT IN (SELECT row_index FROM rejected) ORDER BY row_index`,
    {},
    out.clean,
  );
  await writeParquet(
    conn,
    `SELECT r.batch_ordinal, q.row_index, q.reason,
            CASE WHEN len(q.failed) > 0 THEN q.failed ELSE [q.reason] END AS reasons,
            q.detail,
            CAST(coalesce(r.record_json, ${RAW_FIELDS_JSON}) AS JSON) AS record_json
     FROM rejected q JOIN raw r ON r.row_index = q.row_index
     ORDER BY q.row_index`,
    {},
    out.quarantine,
  );
  const [summary] = await allOn<Record<string, unknown>>(
    conn,
    `SELECT (SELECT count(*) FROM raw) AS rows_in,
            count(*) FILTER (WHERE len(failed) > 0) AS rows_quarantined,
            count(*) FILTER (WHERE len(failed) = 0) AS rows_duplicate,
            (SELECT CAST(coalesce(json_group_object(reason, n), '{}') AS VARCHAR)
             FROM (SELECT reason, count(*) AS n FROM rejected GROUP BY reason ORDER BY reason)) AS by_reason,
            (SELECT CAST(json_object(${NULL_RATE_PAIRS}) AS VARCHAR) FROM raw) AS null_rates
     FROM rejected`,
  );
  const rates = JSON.parse(String(summary!['null_rates'])) as Record<string, number | null>;
  return {
    rows_in: Number(summary!['rows_in']),
    rows_clean: rowsClean,
    rows_quarantined: Number(summary!['rows_quarantined']),
    rows_duplicate: Number(summary!['rows_duplicate']),
    quarantined_by_reason: JSON.parse(String(summary!['by_reason'])) as Record<string, number>,
    null_rates: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, Math.round(Number(v ?? 0) * 1e6) / 1e6])),
  };
}

/** `[$p0, $p1, …]`: file lists are bound, never spliced into the SQL. */
function listParam(n: number, prefix: string): string {
  return `[${Array.from({ length: n }, (_, i) => `$${prefix}${i}`).join(', ')}]`;
}
