/**
 * The one module that owns DuckDB (@duckdb/node-api). Everything else in casa calls these
 * helpers: an in-memory instance, static SQL with values bound as `$name` parameters (never
 * spliced), rows read as plain objects, Parquet written with COPY. Prepared statements and
 * connections are always released in `finally`.
 *
 * DuckDB here works on local files only: the npm package bundles parquet/json/icu but not
 * httpfs, so remote objects are downloaded first (packages/lake does that).
 */
import { DuckDBInstance, StatementType, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

export { StatementType, type DuckDBConnection, type DuckDBValue };

/** Values bound to `$name` parameters. JS numbers bind as INTEGER/BIGINT/DOUBLE, strings as VARCHAR. */
export type SqlParams = Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

export interface DuckOptions {
  /**
   * Sandbox the instance: no file access outside these directories (read or write), no
   * extension install/load, and the configuration locked so SQL cannot undo it.
   */
  restrictToDirectories?: string[];
  threads?: number;
  /** e.g. '1GB'. */
  memoryLimit?: string;
  /** Spill directory for large sorts/joins. */
  tempDirectory?: string;
}

export class Duck {
  private constructor(private readonly instance: DuckDBInstance) {}

  /** Opens an in-memory instance. */
  static async open(options: DuckOptions = {}): Promise<Duck> {
    const config: Record<string, string> = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'true' };
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
    if (options.tempDirectory !== undefined) config['temp_directory'] = options.tempDirectory;
    const instance = await DuckDBInstance.create(':memory:', config);
    const duck = new Duck(instance);
    if (options.restrictToDirectories) {
      const dirs = options.restrictToDirectories.map((d) => (d.endsWith('/') ? d : `${d}/`));
      // SET does not take parameters; the list is built from our own paths, quoted.
      await duck.withConnection(async (c) => {
        await c.run(`SET allowed_directories = [${dirs.map(sqlString).join(', ')}]`);
        await c.run('SET enable_external_access = false');
        await c.run('SET lock_configuration = true');
      });
    }
    return duck;
  }

  /** Runs `fn` on a fresh connection (its temp views are private to it), closed afterwards. */
  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  /** Runs one statement for its effect. */
  run(sql: string, params: SqlParams = {}): Promise<void> {
    return this.withConnection((c) => runOn(c, sql, params));
  }

  /** Runs one query and returns its rows (BIGINT as bigint; `json: true` gives JSON-safe values). */
  all<T extends Row = Row>(sql: string, params: SqlParams = {}, options: { json?: boolean } = {}): Promise<T[]> {
    return this.withConnection((c) => allOn<T>(c, sql, params, options));
  }

  /** Writes the rows of `selectSql` to a Parquet file; returns the number of rows written. */
  copyToParquet(selectSql: string, params: SqlParams, outPath: string): Promise<number> {
    return this.withConnection((c) => copyToParquetOn(c, selectSql, params, outPath));
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** Prepares `sql`, binds `params`, runs `use(prepared)`, and always destroys the statement. */
export async function withPrepared<T>(
  conn: DuckDBConnection,
  sql: string,
  params: SqlParams,
  use: (prepared: Awaited<ReturnType<DuckDBConnection['prepare']>>) => Promise<T>,
): Promise<T> {
  const prepared = await conn.prepare(sql);
  try {
    if (Object.keys(params).length > 0) prepared.bind(params);
    return await use(prepared);
  } finally {
    prepared.destroySync();
  }
}

export async function runOn(conn: DuckDBConnection, sql: string, params: SqlParams = {}): Promise<void> {
  await withPrepared(conn, sql, params, (p) => p.run());
}

export async function allOn<T extends Row = Row>(conn: DuckDBConnection, sql: string, params: SqlParams = {}, options: { json?: boolean } = {}): Promise<T[]> {
  return withPrepared(conn, sql, params, async (p) => {
    const reader = await p.runAndReadAll();
    return (options.json ? reader.getRowObjectsJson() : reader.getRowObjectsJS()) as T[];
  });
}

/** Columns and rows of a query, for printing. */
export async function tableOn(conn: DuckDBConnection, sql: string, params: SqlParams = {}): Promise<{ columns: string[]; rows: Row[] }> {
  return withPrepared(conn, sql, params, async (p) => {
    const reader = await p.runAndReadAll();
    return { columns: reader.deduplicatedColumnNames(), rows: reader.getRowObjectsJson() as Row[] };
  });
}

export async function copyToParquetOn(conn: DuckDBConnection, selectSql: string, params: SqlParams, outPath: string): Promise<number> {
  const sql = `COPY (${selectSql}) TO ${sqlString(outPath)} (FORMAT parquet, COMPRESSION zstd)`;
  return withPrepared(conn, sql, params, async (p) => {
    const result = await p.run();
    return Number(result.rowsChanged);
  });
}

/**
 * The statement types of `sql`, one per statement, as DuckDB's parser and binder see them
 * (a prepared statement's own type, not a guess from the text).
 */
export async function statementTypesOn(conn: DuckDBConnection, sql: string): Promise<StatementType[]> {
  const extracted = await conn.extractStatements(sql);
  const types: StatementType[] = [];
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i);
    try {
      types.push(prepared.statementType);
    } finally {
      prepared.destroySync();
    }
  }
  return types;
}

/** A SQL string literal for values that cannot be parameters (COPY targets, view file lists). */
export function sqlString(value: string): string {
  if (value.includes('\u0000')) throw new Error('NUL in SQL string literal');
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
