import { InvalidArgumentError, type Command } from 'commander';
import { ingestNextBatch, type IngestEvent, type IngestResult } from './core.js';
import { ingestDepsFromEnv } from './deps.js';

export interface IngestCommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

const positiveInt = (what: string) => (v: string) => {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) throw new InvalidArgumentError(`${what} must be a positive integer.`);
  return Number(v);
};

/**
 * `casa ingest [--data-api URL] [--group N] [--lake URL] [--all]`: takes the next batch from the
 * data API into RAW (or every remaining batch with --all). Prints one JSON result per batch on
 * stdout and progress on stderr; exits 0 on `exhausted`.
 */
export function registerIngestCommand(program: Command, io: IngestCommandIo = {}): void {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  program
    .command('ingest')
    .description(
      'Take the next batch from the data API into the lake\'s RAW tables, exactly once: a crash or timeout is recovered by restarting the API\'s sequence and replaying it (content-hash checked), never by a blind retry.',
    )
    .option('--data-api <url>', 'data API base URL (default: $CASA_DATA_API_URL)')
    .option('--group <n>', 'group number (default: $CASA_GROUP_NUMBER or 1)', positiveInt('--group'))
    .option('--lake <url>', 'lake location: a path, file:///path or s3://bucket/prefix (default: $CASA_LAKE_URL or .casa/lake)')
    .option('--all', 'repeat until the data API says the data is exhausted')
    .option('--timeout <seconds>', 'upper bound for one /data answer (default: $CASA_DATA_API_TIMEOUT_MS or 300 s)', positiveInt('--timeout'))
    .option('--idempotency-key <key>', 'a retried call with the same key answers already-committed instead of taking another batch')
    .addHelpText(
      'after',
      '\nOutput: one JSON object per batch on stdout, e.g.\n  {"status":"committed","ordinal":0,"batch_number":0,"rows":73784,"content_sha256":"…","seconds":2.1,"batch_status":"ok"}\n  {"status":"exhausted","committed_batches":6}\n',
    )
    .action(async (opts: { dataApi?: string; group?: number; lake?: string; all?: boolean; timeout?: number; idempotencyKey?: string }) => {
      const progress = progressPrinter(err);
      const deps = await ingestDepsFromEnv({
        env: io.env ?? process.env,
        ...(opts.lake ? { lakeUrl: opts.lake } : {}),
        dataApi: {
          ...(opts.dataApi ? { baseUrl: opts.dataApi } : {}),
          ...(opts.group ? { groupNumber: opts.group } : {}),
          ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
        },
        onEvent: progress,
      });
      try {
        for (;;) {
          const result: IngestResult = await ingestNextBatch(deps, opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {});
          progress.done();
          out(`${JSON.stringify(result)}\n`);
          if (!opts.all || result.status !== 'committed') break;
        }
      } finally {
        deps.lake.close();
      }
    });
}

/** Progress on stderr: a live byte counter on a terminal, plain lines otherwise. */
function progressPrinter(err: (t: string) => void): ((e: IngestEvent) => void) & { done(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let live = false;
  let lastShown = 0;
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const line = (text: string) => {
    if (live) err('\r\x1b[K');
    live = false;
    err(`${text}\n`);
  };
  const print = (e: IngestEvent) => {
    switch (e.type) {
      case 'fetching':
        if (tty) {
          err(`batch ${e.ordinal}: requesting…`);
          live = true;
        }
        return;
      case 'received':
        if (tty && Date.now() - lastShown > 200) {
          lastShown = Date.now();
          err(`\r\x1b[Kbatch ${e.ordinal}: ${mb(e.bytes)} received`);
          live = true;
        }
        return;
      case 'recovering':
        return line(`recovering (epoch ${e.epoch}): ${e.reason}; replaying ${e.replay} committed batch(es)`);
      case 'replayed':
        return line(`  replayed batch ${e.ordinal} of ${e.of}: content hash matches RAW`);
      case 'writing':
        return line(`batch ${e.ordinal}: ${mb(e.bytes)} received, writing RAW…`);
      case 'committed':
        return line(`batch ${e.ordinal}: committed ${e.rows.toLocaleString('en-US')} rows in ${e.seconds.toFixed(1)} s`);
    }
  };
  return Object.assign(print, { done: () => live && line('') });
}
