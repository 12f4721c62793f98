/**
 * A child process for the kill test: loads its modules, says "ready" on stderr, waits for "go"
 * on stdin (so the parent can start it while the previous child is still running), then runs
 * ONE ingest from the environment (CASA_DATA_API_URL, CASA_GROUP_NUMBER, CASA_LAKE_URL,
 * CASA_LAKE_CACHE_DIR) and prints its result.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ingestNextBatch } from './core.js';
import { ingestDepsFromEnv } from './deps.js';

process.stderr.write('ready\n');
const lines = createInterface({ input: process.stdin });
await once(lines, 'line');
lines.close();
const deps = await ingestDepsFromEnv();
try {
  process.stdout.write(`${JSON.stringify(await ingestNextBatch(deps))}\n`);
} finally {
  deps.lake.close();
}
