import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TABLES, type TableSpec } from '../../lake-layout/tables.js';
import {
  Duck,
  StatementType,
  allOn,
  copyToParquetOn,
  runOn,
  sqlIdent,
  sqlString,
  statementTypesOn,
  tableOn,
  withPrepared,
  type DuckDBConnection,
  type Row,
  type SqlParams,
} from '../duckdb/index.js';
import {
  InvalidPartitionError,
  InvalidTableError,
  LakeError,
  ManifestConflictError,
  PreconditionFailedError,
  QueryFailedError,
  QueryRefusedError,
  SchemaMismatchError,
} from './errors.js';
import { checkKey, checkTableName } from './keys.js';
import {
  MANIFEST_FORMAT,
  decodeManifest,
  encodeManifest,
  latestHintKey,
  manifestKey,
  manifestsPrefix,
  partitionMatches,
  versionOfKey,
  type CommitInfo,
  type DataFile,
  type Manifest,
  type Partition,
} from './manifest.js';
import type { ObjectStore } from './object-store.js';

export interface Snapshot {
  table: string;
  /** 0 for a table with no commit yet. */
  version: number;
  files: DataFile[];
  commits: CommitInfo[];
}

export interface CommitOptions {
  /** Parquet files to add, each with its full partition (every partition column of the table). */
  add?: { localParquetPath: string; partition: Partition }[];
  /** Remove every committed file whose partition matches (a subset of columns is allowed) in the same commit. */
  replacePartition?: Partition | Partition[];
  metadata?: Record<string, unknown>;
  /** A commit whose key is already in the table's history is a no-op returning the existing commit. */
  idempotencyKey?: string;
  /** Give up after this many lost races for the next version (default 200). */
  maxAttempts?: number;
}

export interface CommitResult {
  table: string;
  version: number;
  commit: CommitInfo;
  /** false when the idempotency key was already committed (nothing was written). */
  created: boolean;
}

/** Rows to write: a SELECT (may read the lake's tables by name, and local files) or plain objects. */
export type TableSource = string | { sql: string; params?: SqlParams } | readonly Record<string, unknown>[];

export interface WriteOptions extends Omit<CommitOptions, 'add' | 'replacePartition'> {
  /** Replace the files already committed under this partition (idempotent re-writes, e.g. re-cleaning a batch). */
  replace?: boolean;
}

export interface ReadOptions {
  /** Only files whose partition matches, per table name, e.g. `{ raw_records: { batch_ordinal: '3' } }`. */
  filters?: Record<string, Partition>;
  /** Read these versions instead of the newest, per table name. */
  versions?: Record<string, number>;
}

export interface TableSummary {
  name: string;
  version: number;
  files: number;
  rows: number;
  partitionBy: readonly string[];
}

/** Upper bound of the random wait between two tries of a lost commit race. */
const BACKOFF_CAP_MS = 200;
const PARTITION_VALUE = /^[A-Za-z0-9_+@-][A-Za-z0-9_.+@-]{0,127}$/;
/** First keywords refused even when DuckDB classifies the statement as a SELECT (e.g. PRAGMA). */
const REFUSED_KEYWORDS = new Set(['PRAGMA', 'COPY', 'ATTACH', 'DETACH', 'INSTALL', 'LOAD', 'SET', 'RESET', 'CALL', 'EXPORT', 'IMPORT', 'USE', 'CHECKPOINT', 'VACUUM']);

/**
 * A lake: tables declared in lake-layout/, stored as Parquet through an ObjectStore, committed by
 * manifests (protocol in manifest.ts), read and written with DuckDB on local files.
 */
export class Lake {
  private duckPromise: Promise<Duck> | undefined;
  private queryDuckPromise: Promise<Duck> | undefined;
  private readonly manifests = new Map<string, Manifest>();
  private readonly knownVersion = new Map<string, number>();
  private readonly downloads = new Map<string, Promise<string>>();
  private readonly tableQueues = new Map<string, Promise<void>>();
  private readonly localRoot: string | undefined;

  constructor(
    readonly store: ObjectStore,
    readonly cacheDir: string,
    readonly tables: Record<string, TableSpec> = TABLES,
  ) {
    for (const name of Object.keys(tables)) checkTableName(name);
    this.localRoot = store.localPath ? (store as { root?: string }).root : undefined;
  }

  get url(): string {
    return this.store.url;
  }

  /** The declared spec of `table`; InvalidTableError when the name is unsafe or not declared. */
  tableSpec(table: string): TableSpec {
    checkTableName(table);
    const spec = Object.prototype.hasOwnProperty.call(this.tables, table) ? this.tables[table] : undefined;
    if (!spec) throw new InvalidTableError(`table ${JSON.stringify(table)} is not declared in lake-layout (known: ${Object.keys(this.tables).join(', ')})`);
    return spec;
  }

  // ── reading committed state ──────────────────────────────────────────────────────────────

  /** The committed state of `table`: newest version (or `version`), its files and commit history. */
  async snapshot(table: string, options: { version?: number } = {}): Promise<Snapshot> {
    this.tableSpec(table);
    const m = options.version !== undefined ? await this.readManifest(table, options.version) : await this.readLatest(table);
    if (!m) {
      if (options.version !== undefined && options.version !== 0) throw new LakeError(`table ${table} has no version ${options.version}`);
      return { table, version: 0, files: [], commits: [] };
    }
    return { table, version: m.version, files: m.files, commits: m.commits };
  }

  private async readManifest(table: string, version: number): Promise<Manifest | null> {
    if (version === 0) return null;
    const cacheKey = `${table}@${version}`;
    const cached = this.manifests.get(cacheKey);
    if (cached) return cached;
    const obj = await this.store.get(manifestKey(table, version));
    if (!obj) return null;
    const m = decodeManifest(table, version, obj.body);
    this.manifests.set(cacheKey, m);
    if (version > (this.knownVersion.get(table) ?? 0)) this.knownVersion.set(table, version);
    return m;
  }

  /** Newest manifest: start from the best known version (memory, `_latest` hint, else a listing) and probe forward. */
  private async readLatest(table: string): Promise<Manifest | null> {
    let start = this.knownVersion.get(table) ?? 0;
    const hint = await this.store.get(latestHintKey(table));
    const hinted = hint ? Number(new TextDecoder().decode(hint.body).trim()) : NaN;
    if (Number.isInteger(hinted) && hinted > start) start = hinted;
    if (start === 0) {
      const versions = (await this.store.list(manifestsPrefix(table))).map((k) => versionOfKey(table, k)).filter((v): v is number => v !== null);
      start = versions.length ? Math.max(...versions) : 0;
    }
    let current = await this.readManifest(table, start);
    if (start > 0 && !current) throw new LakeError(`manifest version ${start} of table ${table} is missing`);
    for (;;) {
      const next = await this.readManifest(table, (current?.version ?? 0) + 1);
      if (!next) return current;
      current = next;
    }
  }

  /** The newest manifest, reading forward from `version` (which must exist). */
  private async readForward(table: string, version: number): Promise<Manifest> {
    let current = await this.readManifest(table, version);
    if (!current) throw new LakeError(`manifest version ${version} of table ${table} is missing`);
    for (;;) {
      const next = await this.readManifest(table, current.version + 1);
      if (!next) return current;
      current = next;
    }
  }

  // ── committing ───────────────────────────────────────────────────────────────────────────

  /**
   * Commits added files and/or partition replacements as the table's next version with ONE
   * put-if-absent of the next manifest; retries on a lost race (see manifest.ts).
   */
  async commit(table: string, options: CommitOptions): Promise<CommitResult> {
    const spec = this.tableSpec(table);
    const adds = (options.add ?? []).map((a) => ({ ...a, partition: this.checkPartition(table, spec, a.partition, true) }));
    const replaces = (options.replacePartition === undefined ? [] : Array.isArray(options.replacePartition) ? options.replacePartition : [options.replacePartition]).map(
      (p) => this.checkPartition(table, spec, p, false),
    );
    const idempotencyKey = options.idempotencyKey ?? null;
    if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > 512)) {
      throw new LakeError('idempotencyKey must be 1..512 characters');
    }

    let base = await this.readLatest(table);
    const existing = findCommit(base, idempotencyKey);
    if (existing) return { table, version: existing.version, commit: existing, created: false };

    // 1. Data files first, under fresh unique names: invisible until a manifest names them.
    const uploaded: Omit<DataFile, 'addedIn'>[] = [];
    try {
      for (const add of adds) {
        const rows = await this.checkParquetFile(table, spec, add.localParquetPath, add.partition);
        const key = `tables/${table}/${partitionPath(spec, add.partition)}${randomUUID()}.parquet`;
        checkKey(key);
        if (this.store.putFile) await this.store.putFile(key, add.localParquetPath);
        else await this.store.put(key, await readFile(add.localParquetPath));
        uploaded.push({ key, partition: add.partition, rows, bytes: (await stat(add.localParquetPath)).size });
      }
    } catch (err) {
      await this.deleteQuietly(uploaded.map((f) => f.key));
      throw err;
    }

    // 2. One conditional write of the next manifest; on a lost race rebuild on the winner's.
    //    Commits to one table from this Lake instance queue up, so only other processes (or
    //    other instances) race for a version: far fewer doomed conditional PUTs under load.
    return this.serialized(table, async () => {
      if (idempotencyKey !== null) {
        base = await this.readLatest(table);
        const earlier = findCommit(base, idempotencyKey);
        if (earlier) {
          await this.deleteQuietly(uploaded.map((f) => f.key));
          return { table, version: earlier.version, commit: earlier, created: false };
        }
      } else if (base && (this.knownVersion.get(table) ?? 0) > base.version) {
        base = await this.readForward(table, this.knownVersion.get(table)!);
      }
      const maxAttempts = options.maxAttempts ?? 200;
      const metadata = options.metadata ?? {};
      JSON.stringify(metadata); // fails early on cycles / BigInt
      for (let attempt = 1; ; attempt++) {
        const version = (base?.version ?? 0) + 1;
        const kept = (base?.files ?? []).filter((f) => !replaces.some((r) => partitionMatches(f.partition, r)));
        const removed = (base?.files ?? []).filter((f) => !kept.includes(f)).map((f) => f.key);
        const info: CommitInfo = {
          version,
          commitId: randomUUID(),
          committedAt: new Date().toISOString(),
          idempotencyKey,
          metadata,
          added: uploaded.map((f) => f.key),
          removed,
        };
        const next: Manifest = {
          format: MANIFEST_FORMAT,
          table,
          version,
          files: [...kept, ...uploaded.map((f) => ({ ...f, addedIn: version }))],
          commits: [...(base?.commits ?? []), info],
        };
        try {
          await this.store.putIfAbsent(manifestKey(table, version), encodeManifest(next));
        } catch (err) {
          if (!(err instanceof PreconditionFailedError)) throw err;
          // Version N+1 exists now: read forward from it to the newest (GETs take no lock on the
          // server, unlike conditional PUTs, so losers should look before they leap again).
          base = await this.readForward(table, version);
          const winner = findCommit(base, idempotencyKey);  // the history is cumulative: N+1 has every earlier key
          if (winner) {
            await this.deleteQuietly(uploaded.map((f) => f.key));
            return { table, version: winner.version, commit: winner, created: false };
          }
          if (attempt >= maxAttempts) {
            throw new ManifestConflictError(`gave up committing to ${table} after ${attempt} lost races for the next version (uploaded files left unreferenced)`);
          }
          await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, 2 ** Math.min(attempt, 8)));
          continue;
        }
        this.manifests.set(`${table}@${version}`, next);
        this.knownVersion.set(table, version);
        await this.store.put(latestHintKey(table), new TextEncoder().encode(`${version}\n`)).catch(() => undefined);
        return { table, version, commit: info, created: true };
      }
    });
  }

  /**
   * Writes rows (from a SELECT or plain objects) as one Parquet file of `partition` and commits
   * it. With `replace: true` the partition's previous files are replaced in the same commit.
   */
  async writeTable(table: string, source: TableSource, partition: Partition, options: WriteOptions = {}): Promise<CommitResult> {
    const spec = this.tableSpec(table);
    const part = this.checkPartition(table, spec, partition, true);
    if (options.idempotencyKey !== undefined) {
      const existing = findCommit(await this.readLatest(table), options.idempotencyKey);
      if (existing) return { table, version: existing.version, commit: existing, created: false };
    }
    const out = join(await this.tmpDir(), `${randomUUID()}.parquet`);
    try {
      await this.writeParquet(table, source, part, out);
      const { replace, ...commitOptions } = options;
      return await this.commit(table, { ...commitOptions, add: [{ localParquetPath: out, partition: part }], ...(replace ? { replacePartition: part } : {}) });
    } finally {
      await rm(out, { force: true });
    }
  }

  /**
   * Writes rows to a local Parquet file in the table's schema (columns in declared order, cast
   * to declared types; partition columns filled from `partition` when the source lacks them).
   * Use with `commit` to add several files in one commit. Returns the row count.
   */
  async writeParquet(table: string, source: TableSource, partition: Partition, outPath: string, options: ReadOptions = {}): Promise<number> {
    const spec = this.tableSpec(table);
    const part = this.checkPartition(table, spec, partition, true);
    const duck = await this.duck();
    let rowsFile: string | undefined;
    try {
      let sql: string;
      let params: SqlParams = {};
      if (typeof source === 'string') sql = source;
      else if (Array.isArray(source)) {
        rowsFile = join(await this.tmpDir(), `${randomUUID()}.ndjson`);
        sql = await this.rowsToSql(table, spec, source as readonly Record<string, unknown>[], rowsFile);
      } else {
        const s = source as { sql: string; params?: SqlParams };
        sql = s.sql;
        params = s.params ?? {};
      }
      return await duck.withConnection(async (conn) => {
        await this.createViews(conn, sql, options);
        const columns = await sourceColumnNames(conn, sql, params);
        const partitionCols = new Set(spec.partitionBy);
        const declared = new Set(spec.columns.map((c) => c.name));
        const extra = columns.filter((c) => !declared.has(c));
        const missing = spec.columns.filter((c) => !partitionCols.has(c.name) && !columns.includes(c.name)).map((c) => c.name);
        if (extra.length || missing.length) {
          throw new SchemaMismatchError(
            `rows for ${table} do not match its declared columns:${missing.length ? ` missing ${missing.join(', ')};` : ''}${extra.length ? ` undeclared ${extra.join(', ')};` : ''}`,
          );
        }
        const partParams: SqlParams = {};
        const select = spec.columns.map((c, i) => {
          if (partitionCols.has(c.name) && !columns.includes(c.name)) {
            partParams[`casa_part_${i}`] = part[c.name] ?? null;
            return `CAST($casa_part_${i} AS ${c.type}) AS ${sqlIdent(c.name)}`;
          }
          return `CAST(src.${sqlIdent(c.name)} AS ${c.type}) AS ${sqlIdent(c.name)}`;
        });
        try {
          return await copyToParquetOn(conn, `SELECT ${select.join(', ')} FROM (${sql}) AS src`, { ...params, ...partParams }, outPath);
        } catch (err) {
          throw new SchemaMismatchError(`writing ${table} failed: ${(err as Error).message}`, { cause: err });
        }
      });
    } finally {
      if (rowsFile) await rm(rowsFile, { force: true });
    }
  }

  private async rowsToSql(table: string, spec: TableSpec, rows: readonly Record<string, unknown>[], file: string): Promise<string> {
    const declared = new Set(spec.columns.map((c) => c.name));
    const present = new Set<string>();
    // Written a slice at a time, each awaited: serialising thousands of rows in one go would hold
    // the event loop for tens of milliseconds (predict's request log flushes on its serving thread).
    const out = await open(file, 'w');
    try {
      for (let start = 0; start < rows.length; start += ROWS_PER_WRITE) {
        const lines: string[] = [];
        for (let i = start; i < Math.min(rows.length, start + ROWS_PER_WRITE); i++) {
          const row = rows[i]!;
          for (const k of Object.keys(row)) {
            if (!declared.has(k)) throw new SchemaMismatchError(`row ${i} for ${table} has undeclared column ${JSON.stringify(k)}`);
            present.add(k);
          }
          lines.push(toJsonLine(row));
        }
        await out.write(`${lines.join('\n')}\n`);
      }
    } finally {
      await out.close();
    }
    // Non-partition columns always (absent keys read as NULL); partition columns only if the rows carry them.
    const cols = spec.columns.filter((c) => !spec.partitionBy.includes(c.name) || present.has(c.name));
    const struct = cols.map((c) => `${sqlString(c.name)}: ${sqlString(c.type === 'JSON' ? 'VARCHAR' : c.type)}`).join(', ');
    return `SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${struct}})`;
  }

  // ── reading data ─────────────────────────────────────────────────────────────────────────

  /** Local paths of the committed files of `table` (optionally one partition / one version), for DuckDB. */
  async localFiles(table: string, options: { partition?: Partition; version?: number } = {}): Promise<string[]> {
    const snap = await this.snapshot(table, options.version !== undefined ? { version: options.version } : {});
    const files = options.partition ? snap.files.filter((f) => partitionMatches(f.partition, options.partition!)) : snap.files;
    return mapLimit(files, 8, (f) => this.localFile(f.key));
  }

  private async localFile(key: string): Promise<string> {
    if (this.store.localPath) return this.store.localPath(key);
    const path = join(this.s3CacheDir(), key);
    if (existsSync(path)) return path; // data files are immutable: a cached copy never goes stale
    let pending = this.downloads.get(path);
    if (!pending) {
      pending = (async () => {
        if (this.store.getToFile) {
          if (!(await this.store.getToFile(key, path))) throw new LakeError(`committed file ${key} is missing from ${this.store.url}`);
        } else {
          const obj = await this.store.get(key);
          if (!obj) throw new LakeError(`committed file ${key} is missing from ${this.store.url}`);
          const temp = `${path}.part-${randomUUID()}`;
          await mkdir(join(path, '..'), { recursive: true });
          await writeFile(temp, obj.body);
          await rename(temp, path);
        }
        return path;
      })().finally(() => this.downloads.delete(path));
      this.downloads.set(path, pending);
    }
    return pending;
  }

  /**
   * Runs ONE read-only SELECT over the lake's tables, each visible as a view named after it over
   * its committed files. Refused (QueryRefusedError): several statements, anything DuckDB does not
   * classify as SELECT, PRAGMA/SET/COPY/ATTACH/INSTALL/LOAD/CALL, and file access outside the lake
   * (the query runs in a sandboxed DuckDB that can only read the lake's own files).
   */
  async query<T extends Row = Row>(sql: string, params: SqlParams = {}, options: ReadOptions & { json?: boolean } = {}): Promise<T[]> {
    return (await this.queryTable(sql, params, options)).rows as T[];
  }

  /** Like `query`, also returning the column names in order (for printing). Values are JSON-safe when `json`. */
  async queryTable(sql: string, params: SqlParams = {}, options: ReadOptions & { json?: boolean } = {}): Promise<{ columns: string[]; rows: Row[] }> {
    const duck = await this.queryDuck();
    return duck.withConnection(async (conn) => {
      await this.checkReadOnly(conn, sql);
      await this.createViews(conn, sql, options);
      try {
        const types = await statementTypesOn(conn, sql);
        if (types.length !== 1 || types[0] !== StatementType.SELECT) {
          throw new QueryRefusedError(`only a single SELECT may run on the lake (got ${types.map((t) => StatementType[t]).join(', ')})`);
        }
        if (options.json) return await tableOn(conn, sql, params);
        const rows = await allOn(conn, sql, params);
        const names = rows.length ? Object.keys(rows[0]!) : [];
        return { columns: names, rows };
      } catch (err) {
        throw toQueryError(err);
      }
    });
  }

  /**
   * Parser-level gate, before any view or file is touched: DuckDB's own parser must see exactly
   * one statement and classify it as a SELECT (json_serialize_sql accepts only SELECTs), and the
   * first keyword must not be one that DuckDB rewrites into a SELECT (PRAGMA …).
   */
  private async checkReadOnly(conn: DuckDBConnection, sql: string): Promise<void> {
    const [row] = await allOn(conn, 'SELECT json_serialize_sql($sql::VARCHAR) AS parsed', { sql });
    const parsed = JSON.parse(String(row?.['parsed'])) as { error?: boolean; error_message?: string; statements?: unknown[] };
    if (parsed.error) {
      if (/only SELECT statements/i.test(parsed.error_message ?? '')) throw new QueryRefusedError('only a single SELECT may run on the lake');
      throw new QueryFailedError(parsed.error_message ?? 'the query does not parse');
    }
    const count = parsed.statements?.length ?? 0;
    if (count !== 1) throw new QueryRefusedError(`exactly one statement may run on the lake (got ${count})`);
    const first = stripSqlComments(sql).trim().split(/[\s(;]+/, 1)[0]?.toUpperCase() ?? '';
    if (REFUSED_KEYWORDS.has(first)) throw new QueryRefusedError(`${first} statements may not run on the lake; only SELECT`);
  }

  /** Creates a temp view per declared table that `sql` mentions, over its committed files. */
  private async createViews(conn: DuckDBConnection, sql: string, options: ReadOptions): Promise<void> {
    const mentioned = Object.keys(this.tables).filter((t) => new RegExp(`\\b${t}\\b`, 'i').test(sql));
    for (const table of mentioned) {
      const spec = this.tableSpec(table);
      const version = options.versions?.[table];
      const partition = options.filters?.[table];
      const files = await this.localFiles(table, { ...(version !== undefined ? { version } : {}), ...(partition ? { partition } : {}) });
      const body = files.length
        ? `SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false)`
        : `SELECT ${spec.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${sqlIdent(c.name)}`).join(', ')} LIMIT 0`;
      await runOn(conn, `CREATE OR REPLACE TEMP VIEW ${sqlIdent(table)} AS ${body}`);
    }
  }

  /** Every declared table with its version, file count and row count (from the manifests). */
  async describeTables(): Promise<TableSummary[]> {
    return mapLimit(Object.keys(this.tables), 4, async (name) => {
      const snap = await this.snapshot(name);
      return { name, version: snap.version, files: snap.files.length, rows: snap.files.reduce((n, f) => n + f.rows, 0), partitionBy: this.tableSpec(name).partitionBy };
    });
  }

  /**
   * Deletes data files of `table` that the newest manifest does not name and that are older than
   * `olderThanMs` (default 1 h, so an in-flight writer's uploads survive). Older versions that
   * named a deleted file can no longer be read. Returns the deleted keys.
   */
  async vacuum(table: string, options: { olderThanMs?: number; now?: number } = {}): Promise<string[]> {
    this.tableSpec(table);
    const snap = await this.snapshot(table);
    const live = new Set(snap.files.map((f) => f.key));
    const keys = (await this.store.list(`tables/${table}/`)).filter((k) => !k.startsWith(manifestsPrefix(table)) && !live.has(k));
    const cutoff = (options.now ?? Date.now()) - (options.olderThanMs ?? 3_600_000);
    const doomed: string[] = [];
    for (const key of keys) {
      // Only the local store can tell a file's age cheaply; remote files are judged by the caller's threshold 0.
      const path = this.store.localPath?.(key);
      const mtime = path ? (await stat(path)).mtimeMs : -Infinity;
      if (mtime < cutoff || options.olderThanMs === 0) doomed.push(key);
    }
    await this.deleteQuietly(doomed);
    return doomed;
  }

  close(): void {
    for (const p of [this.duckPromise, this.queryDuckPromise]) void p?.then((d) => d.close()).catch(() => undefined);
    this.duckPromise = undefined;
    this.queryDuckPromise = undefined;
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────

  private duck(): Promise<Duck> {
    this.duckPromise ??= Duck.open();
    return this.duckPromise;
  }

  /** The sandboxed instance for analyst queries: it can read only the lake's own files. */
  private queryDuck(): Promise<Duck> {
    this.queryDuckPromise ??= (async () => {
      const dir = this.localRoot ?? this.s3CacheDir();
      await mkdir(dir, { recursive: true });
      return Duck.open({ restrictToDirectories: [dir] });
    })();
    return this.queryDuckPromise;
  }

  private s3CacheDir(): string {
    return join(this.cacheDir, 'objects', createHash('sha256').update(this.store.url).digest('hex').slice(0, 16));
  }

  private async tmpDir(): Promise<string> {
    const dir = join(this.cacheDir, 'tmp');
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Validates partition values; `full` requires exactly the table's partition columns. */
  private checkPartition(table: string, spec: TableSpec, partition: Partition, full: boolean): Partition {
    if (typeof partition !== 'object' || partition === null) throw new InvalidPartitionError(`partition for ${table} must be an object`);
    const out: Partition = {};
    for (const [k, raw] of Object.entries(partition)) {
      if (!spec.partitionBy.includes(k)) throw new InvalidPartitionError(`${JSON.stringify(k)} is not a partition column of ${table} (partitioned by ${spec.partitionBy.join(', ') || 'nothing'})`);
      const v = String(raw);
      if (!PARTITION_VALUE.test(v)) throw new InvalidPartitionError(`partition value ${JSON.stringify(v)} of ${table}.${k} is not a safe path segment`);
      out[k] = v;
    }
    if (full) {
      const missing = spec.partitionBy.filter((c) => !(c in out));
      if (missing.length) throw new InvalidPartitionError(`partition for ${table} lacks ${missing.join(', ')}`);
    }
    return out;
  }

  /** A file to commit must have exactly the declared columns and types, and its partition columns equal to the partition. Returns its row count. */
  private async checkParquetFile(table: string, spec: TableSpec, path: string, partition: Partition): Promise<number> {
    const duck = await this.duck();
    return duck.withConnection(async (conn) => {
      const src = `read_parquet(${sqlString(path)})`;
      let actual: Row[];
      try {
        actual = await allOn(conn, `DESCRIBE SELECT * FROM ${src}`);
      } catch (err) {
        throw new SchemaMismatchError(`${path} is not a readable Parquet file: ${(err as Error).message}`, { cause: err });
      }
      const expected = await allOn(conn, `DESCRIBE SELECT ${spec.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${sqlIdent(c.name)}`).join(', ')}`);
      const show = (rows: Row[]) => rows.map((r) => `${String(r['column_name'])} ${String(r['column_type'])}`).join(', ');
      if (show(actual) !== show(expected)) {
        throw new SchemaMismatchError(`${path} does not match the schema of ${table}:\n  expected ${show(expected)}\n  found    ${show(actual)}`);
      }
      const checks = spec.partitionBy.map((c, i) => `count(*) FILTER (WHERE ${sqlIdent(c)} IS DISTINCT FROM CAST($p${i} AS ${spec.columns.find((x) => x.name === c)!.type}))`);
      const params: SqlParams = Object.fromEntries(spec.partitionBy.map((c, i) => [`p${i}`, partition[c] ?? null]));
      const [row] = await allOn(conn, `SELECT count(*) AS n${checks.map((c, i) => `, ${c} AS bad${i}`).join('')} FROM ${src}`, params);
      for (const [i, c] of spec.partitionBy.entries()) {
        const bad = Number(row?.[`bad${i}`] ?? 0);
        if (bad > 0) throw new InvalidPartitionError(`${bad} rows of ${path} have ${c} different from the partition value ${JSON.stringify(partition[c])}`);
      }
      return Number(row?.['n'] ?? 0);
    });
  }

  /** Runs `fn` after every earlier call for the same table in this instance has settled. */
  private serialized<T>(table: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tableQueues.get(table) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.tableQueues.set(table, settled);
    void settled.then(() => {
      if (this.tableQueues.get(table) === settled) this.tableQueues.delete(table);
    });
    return run;
  }

  private async deleteQuietly(keys: string[]): Promise<void> {
    await mapLimit(keys, 8, (k) => this.store.delete(k).catch(() => undefined));
  }
}

function findCommit(m: Manifest | null, key: string | null): CommitInfo | undefined {
  return key === null || !m ? undefined : m.commits.find((c) => c.idempotencyKey === key);
}

function partitionPath(spec: TableSpec, partition: Partition): string {
  return spec.partitionBy.map((c) => `${c}=${partition[c]}/`).join('');
}

/** The result columns of `sql` (runs it with LIMIT 0: parameters must be bound for DuckDB to know them). */
async function sourceColumnNames(conn: DuckDBConnection, sql: string, params: SqlParams): Promise<string[]> {
  try {
    return await withPrepared(conn, `SELECT * FROM (${sql}) AS src LIMIT 0`, params, async (p) => (await p.runAndReadAll()).columnNames());
  } catch (err) {
    throw new SchemaMismatchError(`the source query failed: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

function toQueryError(err: unknown): LakeError {
  if (err instanceof LakeError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (/Permission Error|file system operations are disabled|configuration has been locked/i.test(message)) {
    return new QueryRefusedError(`refused: the query reaches outside the lake (${message.split('\n')[0]})`, { cause: err });
  }
  return new QueryFailedError(message.split('\n\n')[0] ?? message, { cause: err });
}

function stripSqlComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rows serialised per file write in rowsToSql (a millisecond or two of work each). */
const ROWS_PER_WRITE = 200;

/**
 * One row as a JSON line, BigInts as decimal strings. A replacer makes JSON.stringify several
 * times slower, and rows almost never carry BigInts, so it is used only when plain stringify
 * refuses one (predict's request log writes a thousand rows per flush on its serving thread).
 */
function toJsonLine(row: Record<string, unknown>): string {
  try {
    return JSON.stringify(row);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
}
