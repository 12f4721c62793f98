import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { createGatewayApp } from '../../packages/gateway/index.js';
import { startDataApi, type DataApiServer } from '../../packages/simulator/index.js';
import { createCleanFunction } from '../clean/handler.js';
import { registerCleanCommand } from '../clean/cli.js';
import { createIngestFunction } from './handler.js';
import { registerIngestCommand } from './cli.js';
import { tempDirs } from './test-helpers.js';

const dirs = await tempDirs('casa-ingest-http');
let api: DataApiServer;
before(async () => {
  api = await startDataApi({ scale: 0.002, seed: 21 });
});
after(async () => {
  await api.close();
  await dirs.removeAll();
});

async function envFor(group: number): Promise<NodeJS.ProcessEnv> {
  const lake = await dirs.make('lake');
  return { CASA_DATA_API_URL: api.url, CASA_GROUP_NUMBER: String(group), CASA_LAKE_URL: lake, CASA_LAKE_CACHE_DIR: join(lake, '.cache') };
}

describe('POST /function/ingest and /function/clean through the gateway', () => {
  test('ingest answers committed, then already-committed for a repeated Idempotency-Key; clean answers the batch summary', async (t) => {
    // Prepare
    const env = await envFor(1);
    const ingest = createIngestFunction({ env });
    const clean = createCleanFunction({ env });
    const app = createGatewayApp([ingest, clean]);
    t.after(() => Promise.all([ingest.close!(), clean.close!()]));
    const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    // Act
    const first = await post('/function/ingest', undefined, { 'idempotency-key': 'dag-run-1' });
    const again = await post('/function/ingest', { idempotency_key: 'dag-run-1' });
    const cleaned = await post('/function/clean', { batch: 0 });
    // Assess
    assert.equal(first.status, 200);
    const body = (await first.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['batch_number', 'batch_status', 'content_sha256', 'ordinal', 'rows', 'seconds', 'status']);
    assert.equal(body['status'], 'committed');
    assert.equal(((await again.json()) as { status: string }).status, 'already-committed');
    assert.equal(cleaned.status, 200);
    const summary = (await cleaned.json()) as { status: string; batches: { batch_ordinal: number; rows_in: number; rows_clean: number }[] };
    assert.equal(summary.status, 'cleaned');
    assert.equal(summary.batches[0]!.rows_in, body['rows']);
  });

  test('errors are problem+json: 405 for GET, 422 for a bad body, 409 for a batch cleaned out of order, 404 for an unknown batch', async (t) => {
    const env = await envFor(2);
    const ingest = createIngestFunction({ env });
    const clean = createCleanFunction({ env });
    const app = createGatewayApp([ingest, clean]);
    t.after(() => Promise.all([ingest.close!(), clean.close!()]));
    await app.request('/function/ingest', { method: 'POST' });
    await app.request('/function/ingest', { method: 'POST' });

    assert.equal((await app.request('/function/ingest')).status, 405);
    const bad = await app.request('/function/ingest', { method: 'POST', body: '{"idempotency_key": 5}' });
    assert.equal(bad.status, 422);
    assert.equal(bad.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(((await bad.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer), ['/idempotency_key']);
    const badBatch = await app.request('/function/clean', { method: 'POST', body: '{"batch": "one"}' });
    assert.equal(badBatch.status, 422);
    const outOfOrder = await app.request('/function/clean', { method: 'POST', body: '{"batch": 1}' });
    assert.equal(outOfOrder.status, 409);
    assert.match(((await outOfOrder.json()) as { detail: string }).detail, /clean batch 0 first/);
    const unknown = await app.request('/function/clean', { method: 'POST', body: '{"batch": 40}' });
    assert.equal(unknown.status, 404);
  });

  test('{"restart": true} restarts the sequence and replays the committed batches (hash-checked); the next ingest takes the next batch', async (t) => {
    // Prepare: two batches committed, then the simulator's cursor moved on behind our back
    const env = await envFor(5);
    const ingest = createIngestFunction({ env });
    const app = createGatewayApp([ingest]);
    t.after(() => ingest.close!());
    const post = (body: unknown) => app.request('/function/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post({});
    await post({});
    await fetch(`${api.url}/data?group_number=5`);
    // Act
    const replay = await post({ restart: true });
    const next = (await (await post({})).json()) as { status: string; ordinal: number; recovered?: unknown };
    // Assess
    assert.equal(replay.status, 200);
    assert.deepEqual(await replay.json(), { status: 'replayed', epoch: 1, replayed: 2, committed_batches: 2 });
    assert.equal(next.status, 'committed');
    assert.equal(next.ordinal, 2);
    assert.equal(next.recovered, undefined, 'the cursor was already in step: no second recovery');
  });

  test('an unconfigured ingest answers 503 naming the missing setting, and the gateway still serves', async (t) => {
    const ingest = createIngestFunction({ env: { CASA_LAKE_URL: await dirs.make('nolake') } });
    t.after(() => ingest.close!());
    const res = await createGatewayApp([ingest]).request('/function/ingest', { method: 'POST' });
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { detail: string }).detail, /CASA_DATA_API_URL/);
  });
});

describe('casa ingest / casa clean', () => {
  test('ingest --all takes every batch and ends on exhausted; clean --all prints the per-batch table', async () => {
    // Prepare
    const env = await envFor(3);
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('casa').exitOverride();
    registerIngestCommand(program, { out: (t) => out.push(t), err: (t) => err.push(t), env });
    registerCleanCommand(program, { out: (t) => out.push(t), err: (t) => err.push(t), env });
    // Act
    await program.parseAsync(['ingest', '--all', '--data-api', api.url, '--group', '3'], { from: 'user' });
    const ingested = out.splice(0).join('').trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    await program.parseAsync(['clean', '--all'], { from: 'user' });
    const table = out.join('');
    // Assess
    assert.deepEqual(ingested.map((r) => r.status), ['committed', 'committed', 'committed', 'committed', 'committed', 'committed', 'exhausted']);
    assert.match(err.join(''), /batch 5: committed/);
    assert.match(table, /^batch\s+rows in\s+clean\s+quarantined\s+duplicates\s+by reason\s+seconds$/m);
    assert.equal(table.trim().split('\n').length, 2 + 6);
  });

  test('clean needs exactly one of --batch or --all', async () => {
    const program = new Command('casa').exitOverride();
    registerCleanCommand(program, { out: () => undefined, err: () => undefined, env: await envFor(4) });
    await assert.rejects(program.parseAsync(['clean'], { from: 'user' }), /exactly one of --batch N or --all/);
  });
});
