/**
 * The measured run, in its own process (so its peak RSS is its own): ingest every batch from
 * the data API into a fresh local lake and clean each one, exactly as `casa ingest` and
 * `casa clean` do. Cleaning batch k overlaps with ingesting batch k+1 (one ingest at a time,
 * batches cleaned in order). Prints per-batch lines on stderr and one JSON line on stdout.
 * Environment: CASA_DATA_API_URL, CASA_GROUP_NUMBER, CASA_LAKE_URL, CASA_LAKE_CACHE_DIR.
 */
import { cleanBatch, type BatchQuality } from '../../functions/clean/core.js';
import { ingestNextBatch } from '../../functions/ingest/core.js';
import { ingestDepsFromEnv } from '../../functions/ingest/deps.js';
import { processCpuSeconds } from '../testkit/cpu-share.js';

const phase = { fetchStarted: 0, fetchSeconds: 0, totalFetch: 0 };
const deps = await ingestDepsFromEnv({
  onEvent: (e) => {
    if (e.type === 'fetching') phase.fetchStarted = performance.now();
    if (e.type === 'writing') {
      phase.fetchSeconds = (performance.now() - phase.fetchStarted) / 1000;
      phase.totalFetch += phase.fetchSeconds;
    }
  },
});
const started = performance.now();
let rows = 0;
let cleaning: Promise<BatchQuality | void> = Promise.resolve();
const cleaned: BatchQuality[] = [];
try {
  for (;;) {
    const r = await ingestNextBatch(deps);
    if (r.status !== 'committed') break;
    rows += r.rows;
    process.stderr.write(
      `  ingested batch ${r.ordinal}: ${r.rows.toLocaleString('en-US')} rows in ${r.seconds.toFixed(2)} s (${phase.fetchSeconds.toFixed(2)} s receiving from the data API)\n`,
    );
    const ordinal = r.ordinal;
    cleaning = cleaning.then(() =>
      cleanBatch({ lake: deps.lake }, ordinal).then((q) => {
        cleaned.push(q);
        process.stderr.write(`  cleaned batch ${q.batch_ordinal}: ${q.rows_clean.toLocaleString('en-US')} clean of ${q.rows_in.toLocaleString('en-US')} in ${q.seconds.toFixed(2)} s\n`);
      }),
    );
  }
  await cleaning;
} finally {
  deps.lake.close();
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ rows, clean_rows: cleaned.reduce((n, q) => n + q.rows_clean, 0), batches: cleaned.length, seconds, receive_seconds: phase.totalFetch, cpu_seconds: processCpuSeconds(), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
