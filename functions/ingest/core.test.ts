import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConflictError } from '../../packages/core/index.js';
import { DataApiClient, DataApiHttpError, DataApiTimeoutError, DataApiUnavailableError } from '../../packages/data-api-client/index.js';
import { startDataApi, type DataApiServer } from '../../packages/simulator/index.js';
import type { Lake } from '../../packages/lake/index.js';
import { ingestNextBatch, payloadKey, readCommittedBatches, type IngestDeps } from './core.js';
import { openLakeWithIngestTables } from './deps.js';
import { SequenceDivergedError } from './errors.js';
import { INTENT_FORMAT, intentKey, type IntentRecord } from './intent.js';
import { dataBody, startFaultProxy, startScriptedDataApi, tempDirs, type FaultProxy } from './test-helpers.js';

const SCALE = 0.002;
const dirs = await tempDirs('casa-ingest');
let api: DataApiServer;
let proxy: FaultProxy;
const lakes: Lake[] = [];
let nextGroup = 0;

before(async () => {
  api = await startDataApi({ scale: SCALE, seed: 11, groups: 1000 });
  proxy = await startFaultProxy(api.url);
});
after(async () => {
  for (const l of lakes) l.close();
  await Promise.all([api.close(), proxy.close()]);
  await dirs.removeAll();
});

/** Fresh lake and a group of its own (the simulator keeps one cursor per group). */
async function setup(options: { url?: string; timeoutMs?: number; group?: number; lakeDir?: string } = {}): Promise<IngestDeps> {
  const lakeDir = options.lakeDir ?? (await dirs.make('lake'));
  const lake = await openLakeWithIngestTables({ env: { CASA_LAKE_URL: lakeDir, CASA_LAKE_CACHE_DIR: join(lakeDir, '.cache') } });
  lakes.push(lake);
  const client = new DataApiClient({ baseUrl: options.url ?? api.url, groupNumber: options.group ?? ++nextGroup, timeoutMs: options.timeoutMs ?? 20_000, controlTimeoutMs: 5_000 });
  return { lake, client, leaseMs: 60_000 };
}

/** What the simulator sends for batch i: the data array's SHA-256 and row count. */
function expected(server: DataApiServer, i: number): { sha: string; rows: number } {
  const body = Buffer.concat([...server.simulator.batchBody(i, 1)].map((c) => Buffer.from(c)));
  const text = body.toString('latin1');
  return {
    sha: createHash('sha256').update(body.subarray(text.indexOf('"data":') + 7, text.lastIndexOf(']') + 1)).digest('hex'),
    rows: server.simulator.generator.rows[i]!,
  };
}

/** RAW holds batches 0..n-1 exactly as the simulator sends them: no gap, no duplicate, no stray file. */
async function assertRawIsPrefix(deps: IngestDeps, server: DataApiServer, n: number): Promise<void> {
  const { lake } = deps;
  const batches = await readCommittedBatches(lake);
  assert.deepEqual(batches.map((b) => b.batch_ordinal), Array.from({ length: n }, (_, i) => i));
  for (const b of batches) {
    const e = expected(server, b.batch_ordinal);
    assert.equal(b.content_sha256, e.sha, `batch ${b.batch_ordinal} content`);
    assert.equal(b.row_count, e.rows, `batch ${b.batch_ordinal} rows`);
  }
  const [counts] = await lake.query<{ n: bigint; d: bigint }>('SELECT count(*) AS n, count(DISTINCT (batch_ordinal, row_index)) AS d FROM raw_records');
  const total = batches.reduce((s, b) => s + b.row_count, 0);
  assert.equal(Number(counts!.n), total, 'no lost or doubled rows');
  assert.equal(Number(counts!.d), total, 'no duplicated (batch, row)');
  for (const table of ['raw_records', 'raw_batches']) {
    const snap = await lake.snapshot(table);
    assert.equal(new Set(snap.files.map((f) => f.partition['batch_ordinal'])).size, snap.files.length, `${table}: one file per batch`);
  }
}

const intentOf = async (deps: IngestDeps): Promise<IntentRecord | null> => {
  const obj = await deps.lake.store.get(intentKey(deps.client.config.groupNumber));
  return obj ? (JSON.parse(new TextDecoder().decode(obj.body)) as IntentRecord) : null;
};

async function putIntent(deps: IngestDeps, patch: Partial<IntentRecord>): Promise<void> {
  const at = new Date().toISOString();
  const record: IntentRecord = {
    format: INTENT_FORMAT,
    group_number: deps.client.config.groupNumber,
    ordinal: 0,
    phase: 'fetching',
    epoch: 0,
    request_key: null,
    owner: { host: 'elsewhere', pid: 1, token: 'other' },
    started_at: at,
    heartbeat_at: at,
    abandoned: null,
    ...patch,
  };
  await deps.lake.store.put(intentKey(deps.client.config.groupNumber), new TextEncoder().encode(JSON.stringify(record)));
}

describe('ingestNextBatch', () => {
  test('takes every batch in order, exactly as sent, then answers exhausted (a normal answer)', async () => {
    // Prepare
    const deps = await setup();
    // Act
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await ingestNextBatch(deps));
    // Assess
    assert.deepEqual(results.map((r) => r.status), ['committed', 'committed', 'committed', 'committed', 'committed', 'committed', 'exhausted']);
    assert.deepEqual(results[6], { status: 'exhausted', committed_batches: 6 });
    await assertRawIsPrefix(deps, api, 6);
    const rows = await deps.lake.query<{ r: string }>(
      `SELECT CAST(json_object('brokered_by', brokered_by, 'status', status, 'price', price, 'bed', bed, 'bath', bath, 'acre_lot', acre_lot,
              'street', street, 'city', city, 'state', state, 'zip_code', zip_code, 'house_size', house_size, 'prev_sold_date', prev_sold_date) AS VARCHAR) AS r
       FROM raw_records WHERE batch_ordinal = 3 ORDER BY row_index`,
    );
    assert.deepEqual(rows.map((r) => JSON.parse(r.r) as unknown), [...api.simulator.generateBatch(3)], 'RAW keeps each record, in order, as sent');
    assert.equal(await intentOf(deps), null, 'no intent left');
  });

  test('a second call with the same idempotency key answers already-committed and takes nothing', async () => {
    const deps = await setup();
    const first = await ingestNextBatch(deps, { idempotencyKey: 'run-1' });
    const second = await ingestNextBatch(deps, { idempotencyKey: 'run-1' });
    assert.equal(first.status, 'committed');
    assert.deepEqual(second, { status: 'already-committed', ordinal: 0, batch_number: 0, rows: expected(api, 0).rows, content_sha256: expected(api, 0).sha });
    assert.equal(api.simulator.cursor(deps.client.config.groupNumber), 1, 'the data API was not called again');
    await assertRawIsPrefix(deps, api, 1);
  });

  test('a crash after the commit but before the intent was removed does not take the batch again', async () => {
    // Prepare: batch 0 committed, then a dead owner's intent for it
    const deps = await setup({ url: proxy.url });
    await ingestNextBatch(deps);
    await putIntent(deps, { ordinal: 0, phase: 'committing', owner: { host: hostname(), pid: 2 ** 22 + 7, token: 'dead' } });
    const before = proxy.dataRequests;
    // Act
    const r = await ingestNextBatch(deps);
    // Assess
    assert.equal(r.status === 'committed' && r.ordinal, 1);
    assert.equal(r.status === 'committed' && r.recovered, undefined, 'no replay was needed');
    assert.equal(proxy.dataRequests - before, 1);
    await assertRawIsPrefix(deps, api, 2);
  });

  test('a client timeout after the server moved its cursor is recovered without skipping the batch', async () => {
    // Prepare: a slow data API; batch 0 taken normally
    const slow = await startDataApi({ scale: SCALE, seed: 11, latencyScale: 1 });
    try {
      const lakeDir = await dirs.make('timeout');
      const deps = await setup({ url: slow.url, lakeDir });
      await ingestNextBatch(deps);
      const impatient = await setup({ url: slow.url, lakeDir, timeoutMs: 100, group: deps.client.config.groupNumber });
      // Act 1: the call for batch 1 times out after the server handed batch 1 out
      await assert.rejects(ingestNextBatch(impatient), DataApiTimeoutError);
      assert.equal(slow.simulator.cursor(deps.client.config.groupNumber), 2, 'the server moved past batch 1');
      assert.match((await intentOf(deps))?.abandoned ?? '', /no complete answer/);
      // Act 2
      const r = await ingestNextBatch(deps);
      // Assess: batch 1 (not 2) is committed next, after a verified replay of batch 0
      assert.equal(r.status, 'committed');
      assert.equal(r.status === 'committed' && r.ordinal, 1);
      assert.equal(r.status === 'committed' && r.content_sha256, expected(slow, 1).sha);
      assert.deepEqual(r.status === 'committed' && r.recovered && { epoch: r.recovered.epoch, replayed: r.recovered.replayed }, { epoch: 1, replayed: 1 });
      await assertRawIsPrefix(deps, slow, 2);
      assert.deepEqual((await readCommittedBatches(deps.lake)).map((b) => b.epoch), [0, 1]);
    } finally {
      await slow.close();
    }
  });

  test('a data API restarted behind our back is detected by the content hash and replayed (its wrong batch_number is harmless)', async () => {
    // Prepare: a server that repeats the previous batch_number after a restart (the real API once did)
    const buggy = await startDataApi({ scale: SCALE, seed: 11, staleBatchNumberAfterRestart: true });
    try {
      const deps = await setup({ url: buggy.url });
      await ingestNextBatch(deps);
      await ingestNextBatch(deps);
      await fetch(`${buggy.url}/restart_data_generation?group_number=${deps.client.config.groupNumber}`);
      // Act
      const r = await ingestNextBatch(deps);
      // Assess
      assert.equal(r.status === 'committed' && r.ordinal, 2);
      assert.match(r.status === 'committed' ? (r.recovered?.reason ?? '') : '', /behind our back/);
      await assertRawIsPrefix(deps, buggy, 3);
    } finally {
      await buggy.close();
    }
  });

  test('an HTTP 500 after the server moved its cursor: a typed error now, the same batch next call', async () => {
    const deps = await setup({ url: proxy.url });
    await ingestNextBatch(deps);
    proxy.inject({ kind: 'http-500-after-forward' });
    const err = await ingestNextBatch(deps).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DataApiHttpError && err.httpStatus === 500);
    const r = await ingestNextBatch(deps);
    assert.equal(r.status === 'committed' && r.ordinal, 1);
    await assertRawIsPrefix(deps, api, 2);
  });

  test('an HTTP 500 that did not reach the server (refused before) also ends safely', async () => {
    const deps = await setup({ url: proxy.url });
    proxy.inject({ kind: 'http-500-before-forward' });
    await assert.rejects(ingestNextBatch(deps), DataApiHttpError);
    const r = await ingestNextBatch(deps);
    assert.equal(r.status === 'committed' && r.ordinal, 0);
    await assertRawIsPrefix(deps, api, 1);
  });

  test('a connection cut mid-body: an error, no scratch file left, nothing half-committed, the same batch next call', async () => {
    // Prepare
    const deps = await setup({ url: proxy.url });
    await ingestNextBatch(deps);
    proxy.inject({ kind: 'cut-body', bytes: 3_000 });
    // Act
    await assert.rejects(ingestNextBatch(deps), DataApiUnavailableError);
    // Assess
    await assertRawIsPrefix(deps, api, 1);
    assert.deepEqual(await readdir(join(deps.lake.cacheDir, 'ingest')), [], 'no scratch file left');
    const r = await ingestNextBatch(deps);
    assert.equal(r.status === 'committed' && r.ordinal, 1);
    await assertRawIsPrefix(deps, api, 2);
  });

  test('a replay that differs raises SequenceDivergedError, commits nothing and keeps blocking', async () => {
    // Prepare: RAW from seed 11, then a data API serving other data, and an interrupted call
    const other = await startDataApi({ scale: SCALE, seed: 12 });
    try {
      const lakeDir = await dirs.make('diverged');
      const deps = await setup({ lakeDir });
      await ingestNextBatch(deps);
      await ingestNextBatch(deps);
      const moved = await setup({ lakeDir, url: other.url, group: deps.client.config.groupNumber });
      await putIntent(moved, { ordinal: 2, abandoned: 'simulated crash' });
      // Act
      const err = await ingestNextBatch(moved).then(() => undefined, (e: unknown) => e);
      // Assess
      assert.ok(err instanceof SequenceDivergedError, String(err));
      assert.match(err.message, /different batch 0/);
      await assertRawIsPrefix(deps, api, 2);
      await assert.rejects(ingestNextBatch(moved), SequenceDivergedError);
    } finally {
      await other.close();
    }
  });

  test('while another live ingest holds the group, a call gets a ConflictError (409) and changes nothing', async () => {
    // Prepare: the parent process is alive, on this host, with a fresh heartbeat
    const deps = await setup();
    await putIntent(deps, { owner: { host: hostname(), pid: process.ppid, token: 'someone-else' } });
    // Act
    const err = await ingestNextBatch(deps).then(() => undefined, (e: unknown) => e);
    // Assess
    assert.ok(err instanceof ConflictError && err.status === 409, String(err));
    assert.match(err.message, /another ingest of group/);
    assert.equal(api.simulator.cursor(deps.client.config.groupNumber), 0);
    assert.equal((await intentOf(deps))?.owner.token, 'someone-else');
  });

  test('two calls at once in one process: one commits, the other gets a ConflictError', async () => {
    const deps = await setup();
    const results = await Promise.allSettled([ingestNextBatch(deps), ingestNextBatch(deps)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(rejected.reason instanceof ConflictError);
    await assertRawIsPrefix(deps, api, 1);
  });

  test("an intent whose owner's lease ran out (another host) is taken over and recovered", async () => {
    const deps = await setup();
    await ingestNextBatch(deps);
    await ingestNextBatch(deps);
    await putIntent(deps, { ordinal: 2, heartbeat_at: new Date(Date.now() - 120_000).toISOString() });
    const r = await ingestNextBatch(deps);
    assert.equal(r.status === 'committed' && r.ordinal, 2);
    assert.equal(r.status === 'committed' && r.recovered?.replayed, 2);
    await assertRawIsPrefix(deps, api, 3);
  });
});

describe('ingestNextBatch with malformed bodies (a scripted data API)', () => {
  test('wrong types, nulls, absurd values and malformed records are kept as sent; bad bytes are kept whole as unparseable', async () => {
    // Prepare
    const good = { brokered_by: 1.0, status: 'for_sale', price: 100000.0, bed: 3.0, bath: 2.0, acre_lot: 0.1, street: 5.0, city: 'Añasco', state: 'Puerto Rico', zip_code: 610.0, house_size: 1200.0, prev_sold_date: '2020-01-02' };
    const typed = [good, { ...good, price: '12', bed: null }, { ...good, price: -5.0, house_size: 1e12 }];
    const { state: _omit, ...missingState } = good;
    const malformed = [good, missingState, { ...good, extra: 1 }, 5, [1, 2]];
    const invalidUtf8 = Buffer.concat([Buffer.from('{"group_number":1,"batch_number":2,"data":[{"city":"a'), Buffer.from([0xff]), Buffer.from('"}]}')]);
    const truncated = dataBody(1, 3, [good, good]).slice(0, -20);
    const scripted = await startScriptedDataApi([dataBody(1, 0, typed), dataBody(1, 1, malformed), invalidUtf8, truncated]);
    try {
      const deps = await setup({ url: scripted.url, group: 1 });
      // Act
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await ingestNextBatch(deps));
      // Assess
      assert.deepEqual(
        results.map((r) => (r.status === 'committed' ? [r.ordinal, r.batch_status, r.rows] : r.status)),
        [[0, 'ok', 3], [1, 'ok', 5], [2, 'unparseable', 0], [3, 'unparseable', 0], 'exhausted'],
      );
      const raw = await deps.lake.query<Record<string, string | null>>(
        'SELECT batch_ordinal, row_index, price, bed, house_size, state, record_json FROM raw_records ORDER BY batch_ordinal, row_index',
      );
      assert.deepEqual(raw.slice(0, 3).map((r) => [r['price'], r['bed'], r['house_size']]), [['100000', '3', '1200'], ['"12"', null, '1200'], ['-5', '3', '1000000000000']]);
      assert.deepEqual(
        raw.slice(3).map((r) => r['record_json'] === null ? null : JSON.parse(r['record_json']!)),
        [null, missingState, { ...good, extra: 1 }, 5, [1, 2]],
        'records outside the contract are kept whole',
      );
      const batches = await deps.lake.query<Record<string, string>>('SELECT batch_ordinal, reason, payload_key, content_sha256 FROM raw_batches WHERE status = \'unparseable\' ORDER BY 1');
      assert.match(batches[0]!['reason']!, /UTF-8/);
      assert.match(batches[1]!['reason']!, /never closed|not valid JSON/);
      assert.equal(batches[0]!['payload_key'], payloadKey(1, 2, batches[0]!['content_sha256']!));
      assert.deepEqual(Buffer.from((await deps.lake.store.get(batches[0]!['payload_key']!))!.body), invalidUtf8, 'the bytes are kept whole');
      assert.equal((await deps.lake.store.get(batches[1]!['payload_key']!))!.body.length, Buffer.byteLength(truncated));
    } finally {
      await scripted.close();
    }
  });

  test('a body whose JSON breaks inside the array (not at its end) is unparseable too', async () => {
    const body = '{"group_number":1,"batch_number":0,"data":[{"price":1.0},{"price" 2.0}]}';
    const scripted = await startScriptedDataApi([body]);
    try {
      const deps = await setup({ url: scripted.url, group: 1 });
      const r = await ingestNextBatch(deps);
      assert.equal(r.status === 'committed' && r.batch_status, 'unparseable');
      assert.match(r.status === 'committed' ? (r.reason ?? '') : '', /not valid JSON/);
      const obj = await deps.lake.store.get(payloadKey(1, 0, r.status === 'committed' ? r.content_sha256 : ''));
      assert.equal(new TextDecoder().decode(obj!.body), body);
    } finally {
      await scripted.close();
    }
  });
});
