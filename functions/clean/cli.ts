import { InvalidArgumentError, type Command } from 'commander';
import { InvalidInputError } from '../../packages/core/index.js';
import { openLakeWithIngestTables } from '../ingest/deps.js';
import { cleanBatch, cleanUncleaned, type BatchQuality } from './core.js';

export interface CleanCommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * `casa clean --batch N | --all [--lake URL] [--json]`: RAW batch(es) → CLEAN (typed, validated,
 * deduplicated) with a quarantine and a per-batch quality summary, printed as a table.
 */
export function registerCleanCommand(program: Command, io: CleanCommandIo = {}): void {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  program
    .command('clean')
    .description('Clean RAW batches into CLEAN: typed columns, validation rules (functions/clean/rules.ts), duplicates removed, rejected rows quarantined with a reason.')
    .option('--batch <n>', 're-clean this RAW batch ordinal (idempotent: replaces its CLEAN rows)', (v) => {
      if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('--batch must be a batch ordinal (0, 1, 2, …).');
      return Number(v);
    })
    .option('--all', 'clean every RAW batch that is not clean yet, in order')
    .option('--lake <url>', 'lake location: a path, file:///path or s3://bucket/prefix (default: $CASA_LAKE_URL or .casa/lake)')
    .option('--json', 'print one JSON summary per batch instead of a table')
    .action(async (opts: { batch?: number; all?: boolean; lake?: string; json?: boolean }) => {
      if ((opts.batch === undefined) === !opts.all) throw new InvalidInputError('give exactly one of --batch N or --all');
      const lake = await openLakeWithIngestTables({ env: io.env ?? process.env, ...(opts.lake ? { lakeUrl: opts.lake } : {}) });
      try {
        const deps = {
          lake,
          onEvent: (e: { type: string; ordinal?: number; summary?: BatchQuality }) => {
            if (e.type === 'cleaning') err(`cleaning batch ${e.ordinal}…\n`);
          },
        };
        const results = opts.batch !== undefined ? [await cleanBatch(deps, opts.batch)] : await cleanUncleaned(deps);
        out(opts.json ? results.map((r) => `${JSON.stringify(r)}\n`).join('') : formatQualityTable(results));
      } finally {
        lake.close();
      }
    });
}

/** The per-batch table: rows in, clean, quarantined by reason, duplicates, seconds. */
export function formatQualityTable(rows: readonly BatchQuality[]): string {
  if (rows.length === 0) return 'nothing to clean: every RAW batch is clean\n';
  const n = (x: number) => x.toLocaleString('en-US');
  const head = ['batch', 'rows in', 'clean', 'quarantined', 'duplicates', 'by reason', 'seconds'];
  const body = rows.map((r) => [
    String(r.batch_ordinal),
    n(r.rows_in),
    n(r.rows_clean),
    n(r.rows_quarantined),
    n(r.rows_duplicate),
    Object.entries(r.quarantined_by_reason)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ') || '-',
    r.seconds.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const right = new Set([0, 1, 2, 3, 4, 6]);
  const fmt = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)].join('\n')}\n`;
}
