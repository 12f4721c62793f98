import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../core/index.js';
import { EXHAUSTED_DETAIL as SIMULATOR_EXHAUSTED, startDataApi, type DataApiServer } from '../simulator/index.js';
import { startFaultProxy, tempDirs, type FaultProxy } from '../../functions/ingest/test-helpers.js';
import { DataApiClient, EXHAUSTED_DETAIL, dataApiConfigFromEnv, DataApiHttpError, DataApiTimeoutError, DataApiUnavailableError, type DataApiConfig } from './index.js';

const dirs = await tempDirs('casa-client');
let api: DataApiServer;
let slowApi: DataApiServer;
let proxy: FaultProxy;
let dir: string;
let group = 0;

before(async () => {
  api = await startDataApi({ scale: 0.002, seed: 7 });
  slowApi = await startDataApi({ scale: 0.002, seed: 7, latencyScale: 2 });
  proxy = await startFaultProxy(api.url);
  dir = await dirs.make('bodies');
});
after(async () => {
  await Promise.all([api.close(), slowApi.close(), proxy.close()]);
  await dirs.removeAll();
});

/** Each test uses its own group, so the simulator's cursors never interfere. */
function client(overrides: Partial<DataApiConfig> = {}): DataApiClient {
  return new DataApiClient({ baseUrl: api.url, groupNumber: ++group, timeoutMs: 20_000, controlTimeoutMs: 5_000, ...overrides });
}

/** SHA-256 of the data array the simulator sends for batch i. */
function expectedSha(i: number, groupNumber: number): string {
  const body = Buffer.concat([...api.simulator.batchBody(i, groupNumber)].map((c) => Buffer.from(c)));
  const text = body.toString('latin1');
  return createHash('sha256').update(body.subarray(text.indexOf('"data":') + 7, text.lastIndexOf(']') + 1)).digest('hex');
}

describe('DataApiClient against the simulator', () => {
  test('the exhaustion text is the contract one', () => {
    assert.equal(EXHAUSTED_DETAIL, SIMULATOR_EXHAUSTED);
  });

  test('takes the six batches in order, then answers exhausted; a restart serves batch 0 again, same hash', async () => {
    // Prepare
    const c = client();
    const seen: number[] = [];
    // Act
    for (let i = 0; i < 6; i++) {
      const r = await c.fetchBatchToFile(join(dir, `g${c.config.groupNumber}-${i}`));
      assert.equal(r.kind, 'array');
      if (r.kind !== 'array') return;
      assert.equal(r.sha256, expectedSha(i, c.config.groupNumber));
      assert.equal(r.groupNumber, c.config.groupNumber);
      seen.push(r.batchNumber);
    }
    const exhausted = await c.fetchBatchToFile(join(dir, 'x'));
    await c.restart();
    const again = await c.fetchBatchToFile(join(dir, 'again'));
    // Assess
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(exhausted, { kind: 'exhausted' });
    assert.equal(again.kind === 'array' && again.sha256, expectedSha(0, c.config.groupNumber));
    assert.equal(await c.health(), 'OK');
  });

  test('the file holds exactly the records as sent', async () => {
    const c = client();
    const r = await c.fetchBatchToFile(join(dir, 'records'));
    assert.equal(r.kind, 'array');
    const records = JSON.parse(await readFile(r.kind === 'array' ? r.path : '', 'utf8')) as unknown[];
    assert.deepEqual(records, [...api.simulator.generateBatch(0)]);
  });

  test('a refused group number is a 422 that did not move the cursor', async () => {
    const c = client({ groupNumber: 999 });
    const err = await c.fetchBatchToFile(join(dir, 'refused')).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DataApiHttpError);
    assert.equal(err.httpStatus, 422);
    assert.equal(err.cursorMayHaveMoved, false);
  });

  test('a 500 is a typed error that may have moved the cursor', async () => {
    const c = new DataApiClient({ ...client().config, baseUrl: proxy.url });
    proxy.inject({ kind: 'http-500-after-forward' });
    const err = await c.fetchBatchToFile(join(dir, 'five-hundred')).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DataApiHttpError);
    assert.equal(err.httpStatus, 500);
    assert.equal(err.cursorMayHaveMoved, true);
  });

  test('a connection cut mid-body is an error, and leaves no file behind', async () => {
    // Prepare
    const c = new DataApiClient({ ...client().config, baseUrl: proxy.url });
    proxy.inject({ kind: 'cut-body', bytes: 5_000 });
    const path = join(dir, 'cut');
    // Act
    const err = await c.fetchBatchToFile(path).then(() => undefined, (e: unknown) => e);
    // Assess
    assert.ok(err instanceof DataApiUnavailableError, String(err));
    assert.equal(err.cursorMayHaveMoved, true);
    assert.match(err.message, /broke after \d+ bytes/);
    assert.ok(!(await readdir(dir)).includes('cut'));
  });

  test('no complete answer within the timeout is a DataApiTimeoutError (the cursor moved anyway)', async () => {
    const c = new DataApiClient({ ...client().config, baseUrl: slowApi.url, timeoutMs: 100 });
    const err = await c.fetchBatchToFile(join(dir, 'slow')).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DataApiTimeoutError, String(err));
    assert.equal(err.cursorMayHaveMoved, true);
    assert.equal(slowApi.simulator.cursor(c.config.groupNumber), 1, 'the simulator handed out batch 0 to nobody');
  });

  test('a refused connection is unavailable and cannot have moved the cursor', async () => {
    const port = await freePort();
    const c = client({ baseUrl: `http://127.0.0.1:${port}` });
    const err = await c.fetchBatchToFile(join(dir, 'refused-conn')).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DataApiUnavailableError);
    assert.equal(err.cursorMayHaveMoved, false);
  });

  test('the public URL never carries credentials; day is sent when configured', () => {
    const c = client({ baseUrl: 'http://user:secret@10.0.0.1:8080', day: 'Tuesday' });
    assert.equal(c.publicDataUrl, `http://10.0.0.1:8080/data?group_number=${c.config.groupNumber}&day=Tuesday`);
  });
});

describe('dataApiConfigFromEnv', () => {
  test('reads the URL, group and timeouts; CLI overrides win', () => {
    const cfg = dataApiConfigFromEnv({ CASA_DATA_API_URL: 'http://h:1/', CASA_GROUP_NUMBER: '4', CASA_DATA_API_TIMEOUT_MS: '1000' }, { groupNumber: 5 });
    assert.deepEqual(cfg, { baseUrl: 'http://h:1', groupNumber: 5, timeoutMs: 1000, controlTimeoutMs: 30_000 });
  });

  test('a missing URL or a bad group fails naming the variable', () => {
    assert.throws(() => dataApiConfigFromEnv({}), (e: unknown) => e instanceof ConfigError && /CASA_DATA_API_URL/.test(e.message));
    assert.throws(() => dataApiConfigFromEnv({ CASA_DATA_API_URL: 'http://h', CASA_GROUP_NUMBER: 'two' }), (e: unknown) => e instanceof ConfigError && /CASA_GROUP_NUMBER/.test(e.message));
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
