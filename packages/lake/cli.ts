import type { Command } from 'commander';
import { openLake, type OpenLakeOptions } from './index.js';
import { parseLakeUrl, lakeConfigFromEnv } from './config.js';
import type { Lake } from './lake.js';

export interface LakeCommandIo {
  /** Where results go (default: process.stdout). */
  out?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Open the lake (tests inject one); default openLake with the environment and --lake. */
  open?: (options: OpenLakeOptions) => Promise<Lake>;
}

/**
 * `casa lake query "SELECT …" [--json] [--lake URL]` and `casa lake tables [--json] [--lake URL]`.
 * Queries run read-only over the tables by name (each a view over its committed files); anything
 * but a single SELECT is refused with the lake's QueryRefusedError (exit 1, message only).
 */
export function registerLakeCommand(program: Command, io: LakeCommandIo = {}): void {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const open = io.open ?? openLake;
  const withLake = async <T>(lakeUrl: string | undefined, fn: (lake: Lake) => Promise<T>): Promise<T> => {
    const env = io.env ?? process.env;
    const config = lakeConfigFromEnv(lakeUrl ? { ...env, CASA_LAKE_URL: lakeUrl } : env);
    if (lakeUrl) parseLakeUrl(lakeUrl); // fail early on a bad --lake
    const lake = await open({ ...config, env, verifyConditionalWrites: false }); // read-only: no probe write
    try {
      return await fn(lake);
    } finally {
      lake.close();
    }
  };

  const lake = program.command('lake').description('Query the lake: tables by name, read-only, with DuckDB.');
  lake
    .command('query')
    .description('Run one read-only SELECT over the lake tables (e.g. casa lake query "SELECT count(*) FROM raw_records").')
    .argument('<sql>', 'a single SELECT; table names are views over their committed Parquet files')
    .option('--json', 'print one JSON object per row (JSON Lines)')
    .option('--lake <url>', 'lake location: file:///path, a path, or s3://bucket/prefix (default: $CASA_LAKE_URL or .casa/lake)')
    .action(async (sql: string, opts: { json?: boolean; lake?: string }) => {
      await withLake(opts.lake, async (l) => {
        const { columns, rows } = await l.queryTable(sql, {}, { json: true });
        out(opts.json ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : formatTable(columns, rows));
      });
    });
  lake
    .command('tables')
    .description('List the declared tables with their committed version, file count and row count.')
    .option('--json', 'print JSON Lines')
    .option('--lake <url>', 'lake location (default: $CASA_LAKE_URL or .casa/lake)')
    .action(async (opts: { json?: boolean; lake?: string }) => {
      await withLake(opts.lake, async (l) => {
        const tables = await l.describeTables();
        const rows = tables.map((t) => ({ name: t.name, version: t.version, files: t.files, rows: t.rows, partitioned_by: t.partitionBy.join(',') }));
        out(opts.json ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : formatTable(['name', 'version', 'files', 'rows', 'partitioned_by'], rows));
      });
    });
}

/** A plain aligned text table; numbers right-aligned, NULL shown as NULL. */
export function formatTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const grid = rows.map((r) => columns.map((c) => cell(r[c])));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === 'number' || (typeof r[c] === 'string' && /^-?\d+(\.\d+)?$/.test(r[c] as string))));
  const widths = columns.map((c, i) => Math.max(c.length, ...grid.map((g) => g[i]!.length)));
  const line = (cells: string[]) => cells.map((s, i) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  const text = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...grid.map(line)];
  text.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return `${text.join('\n')}\n`;
}
