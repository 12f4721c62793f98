import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DataApiClient, DataApiUnavailableError } from '../../packages/data-api-client/index.js';
import type { Lake } from '../../packages/lake/index.js';
import { startDataApi, type DataApiServer } from '../../packages/simulator/index.js';
import { startSeaweed, weedAvailable, weedBinaryPath, type Seaweed } from '../../packages/testkit/seaweed.js';
import { cleanUncleaned } from '../clean/core.js';
import { ingestNextBatch, readCommittedBatches } from './core.js';
import { openLakeWithIngestTables } from './deps.js';
import { intentKey } from './intent.js';
import { startFaultProxy, tempDirs, type FaultProxy } from './test-helpers.js';

const skip = process.env['CASA_SKIP_SEAWEED'] === '1' ? 'CASA_SKIP_SEAWEED=1' : !weedAvailable() ? `SeaweedFS not found at ${weedBinaryPath()} (run scripts/setup-weed.sh)` : false;
if (skip) console.warn(`!! ingest on S3 SKIPPED: ${skip}`);

const dirs = await tempDirs('casa-ingest-s3');
let s3: Seaweed | undefined;
let api: DataApiServer;
let proxy: FaultProxy;
let lake: Lake | undefined;

before(async () => {
  if (skip) return;
  [s3, api] = await Promise.all([startSeaweed({ buckets: ['casa-ingest'] }), startDataApi({ scale: 0.002, seed: 31 })]);
  proxy = await startFaultProxy(api.url);
});
after(async () => {
  lake?.close();
  await Promise.all([s3?.stop(), api?.close(), proxy?.close()]);
  await dirs.removeAll();
});

test('ingest and clean on a real S3 server: a cut body is recovered, RAW and CLEAN hold every batch once', { skip }, async () => {
  // Prepare
  lake = await openLakeWithIngestTables({ env: { ...s3!.lakeEnv('ingest'), CASA_LAKE_CACHE_DIR: await dirs.make('cache') } });
  const client = new DataApiClient({ baseUrl: proxy.url, groupNumber: 1, timeoutMs: 20_000, controlTimeoutMs: 5_000 });
  await ingestNextBatch({ lake, client });
  proxy.inject({ kind: 'cut-body', bytes: 2_000 });
  // Act
  await assert.rejects(ingestNextBatch({ lake, client }), DataApiUnavailableError);
  const recovered = await ingestNextBatch({ lake, client });
  const cleaned = await cleanUncleaned({ lake });
  // Assess
  assert.equal(recovered.status === 'committed' && recovered.ordinal, 1);
  const batches = await readCommittedBatches(lake);
  for (const b of batches) {
    const body = Buffer.concat([...api.simulator.batchBody(b.batch_ordinal, 1)].map((c) => Buffer.from(c)));
    const text = body.toString('latin1');
    const sha = createHash('sha256').update(body.subarray(text.indexOf('"data":') + 7, text.lastIndexOf(']') + 1)).digest('hex');
    assert.equal(b.content_sha256, sha);
  }
  const [n] = await lake.query<{ n: bigint; d: bigint }>('SELECT count(*) AS n, count(DISTINCT (batch_ordinal, row_index)) AS d FROM raw_records');
  assert.equal(Number(n!.n), api.simulator.generator.rows[0]! + api.simulator.generator.rows[1]!);
  assert.equal(Number(n!.d), Number(n!.n));
  assert.deepEqual(cleaned.map((q) => q.batch_ordinal), [0, 1]);
  assert.equal(cleaned.reduce((s, q) => s + q.rows_clean + q.rows_quarantined + q.rows_duplicate, 0), Number(n!.n));
  assert.equal(await lake.store.get(intentKey(1)), null);
});
