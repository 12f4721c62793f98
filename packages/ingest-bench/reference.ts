/**
 * The bench's reference, run in its own process: plain DuckDB, each saved `/data` response
 * straight to Parquet with read_json's own detection (no casa code). Prints one JSON line.
 * Usage: node --import tsx reference.ts OUT_DIR BODY_FILE...
 */
import { join } from 'node:path';
import { Duck, sqlString } from '../duckdb/index.js';

const [outDir, ...bodies] = process.argv.slice(2);
if (!outDir || bodies.length === 0) throw new Error('usage: reference.ts OUT_DIR BODY_FILE...');
const duck = await Duck.open();
const started = performance.now();
let rows = 0;
for (const [i, body] of bodies.entries()) {
  // A response body is one object {group_number, batch_number, data: [...]}: unnest its records.
  rows += await duck.copyToParquet(
    `SELECT unnest(data, recursive := true) FROM read_json(${sqlString(body)}, maximum_object_size = 1000000000)`,
    {},
    join(outDir, `reference-${i}.parquet`),
  );
}
const seconds = (performance.now() - started) / 1000;
duck.close();
process.stdout.write(`${JSON.stringify({ rows, seconds, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
