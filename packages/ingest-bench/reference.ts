/**
 * The bench's reference, run in its own process: plain DuckDB, each saved `/data` response
 * straight to Parquet (no casa code). Two variants, both timed:
 *   plain — read_json with its own detection, the records unnested (what the issue asks for);
 *   typed — the same, with the record type spelled out, as a tuned hand-written job would.
 * Prints one JSON line. Usage: node --import tsx reference.ts OUT_DIR BODY_FILE...
 */
import { join } from 'node:path';
import { Duck, sqlString } from '../duckdb/index.js';

const [outDir, ...bodies] = process.argv.slice(2);
if (!outDir || bodies.length === 0) throw new Error('usage: reference.ts OUT_DIR BODY_FILE...');

const RECORD = `STRUCT(brokered_by DOUBLE, status VARCHAR, price DOUBLE, bed DOUBLE, bath DOUBLE, acre_lot DOUBLE, street DOUBLE,
  city VARCHAR, state VARCHAR, zip_code DOUBLE, house_size DOUBLE, prev_sold_date VARCHAR)[]`;
const variants = {
  plain: (body: string) => `SELECT unnest(data, recursive := true) FROM read_json(${sqlString(body)}, maximum_object_size = 1000000000)`,
  typed: (body: string) =>
    `SELECT unnest(data, recursive := true) FROM read_json(${sqlString(body)}, maximum_object_size = 1000000000,
       columns = {group_number: 'INTEGER', batch_number: 'INTEGER', data: ${sqlString(RECORD)}})`,
};

const result: Record<string, number> = {};
for (const [name, select] of Object.entries(variants)) {
  const duck = await Duck.open();
  const started = performance.now();
  const cpu = process.cpuUsage();
  let rows = 0;
  for (const [i, body] of bodies.entries()) rows += await duck.copyToParquet(select(body), {}, join(outDir, `${name}-${i}.parquet`));
  result[`${name}_seconds`] = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  result[`${name}_cpu_seconds`] = (used.user + used.system) / 1e6;
  result['rows'] = rows;
  duck.close();
}
process.stdout.write(`${JSON.stringify({ ...result, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
