/**
 * A child process for the kill test: runs ONE ingest from the environment (CASA_DATA_API_URL,
 * CASA_GROUP_NUMBER, CASA_LAKE_URL, CASA_LAKE_CACHE_DIR) and prints its result. It writes
 * "ready" on stderr once its modules are loaded, so the parent can time its kill from there.
 */
import { ingestNextBatch } from './core.js';
import { ingestDepsFromEnv } from './deps.js';

process.stderr.write('ready\n');
const deps = await ingestDepsFromEnv();
try {
  process.stdout.write(`${JSON.stringify(await ingestNextBatch(deps))}\n`);
} finally {
  deps.lake.close();
}
