// predict against the real parts: MLflow (PostgreSQL metadata, artifacts in SeaweedFS S3 behind
// the artifact proxy), the lake on the same S3 server, and the local gateway on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startGateway } from '../../packages/gateway/index.js';
import { openLake } from '../../packages/lake/index.js';
import { MlflowClient, type ModelVersion } from '../../packages/mlflow/index.js';
import { startMlflow, type MlflowServer } from '../../packages/testkit/mlflow-server.js';
import { freePort } from '../../packages/testkit/process-utils.js';
import { startPostgres, type PostgresServer } from '../../packages/testkit/postgres.js';
import { startSeaweed, weedAvailable, type Seaweed } from '../../packages/testkit/seaweed.js';
import { runLoad, type LoadResponse } from './bench/load.js';
import { createPredictFunction } from './handler.js';
import type { SwapEvent } from './model-holder.js';
import { registerFixtureVersion, trainFixtureModel } from './test-fixtures.js';

const venv = process.env.CASA_MLFLOW_VENV ?? resolve(import.meta.dirname, '..', '..', '.venv-mlflow');
const missing = [...(existsSync(join(venv, 'bin', 'mlflow')) ? [] : [`${venv} (run scripts/setup-mlflow.sh)`]), ...(weedAvailable() ? [] : ['SeaweedFS (run scripts/setup-weed.sh)'])];
const skip = missing.length > 0 ? `predict's MLflow integration needs ${missing.join(' and ')}` : false;
if (skip) console.warn(`SKIPPED: ${skip}`);

const MODEL = 'casa-house-price-it';
const listing = { status: 'sold', bed: 3, bath: 2, acre_lot: 0.3, city: 'Boston', state: 'Massachusetts', zip_code: '02108', house_size: 1600, prev_sold_date: '2012-03-04' };
const silent = () => undefined;

describe('predict with MLflow, the lake and the gateway', { skip }, () => {
  let pg: PostgresServer | undefined;
  let s3: Seaweed | undefined;
  let mlflow: MlflowServer | undefined;
  let client: MlflowClient;
  let v1: ModelVersion;
  let v2: ModelVersion;
  const running: { close(): Promise<void> }[] = [];

  const envFor = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    MLFLOW_TRACKING_URI: mlflow!.url,
    CASA_MODEL_NAME: MODEL,
    CASA_MODEL_REFRESH_SECONDS: '0.1',
    CASA_PREDICT_LOG: 'off',
    ...extra,
  });
  const gatewayWith = async (env: NodeJS.ProcessEnv) => {
    const fn = createPredictFunction({ env, log: silent });
    const gw = await startGateway({ port: 0, functions: [fn], log: silent });
    running.push(gw);
    return { fn, gw, url: `${gw.url}/function/predict` };
  };
  const predict = (url: string, body: unknown = listing) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    [pg, s3] = await Promise.all([startPostgres({ database: 'mlflow' }), startSeaweed({ buckets: ['mlflow', 'lake'] })]);
    mlflow = await startMlflow({
      backendStoreUri: pg.url,
      artifactsDestination: 's3://mlflow/artifacts',
      s3: { endpoint: s3.endpoint, accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey, region: s3.region },
    });
    client = new MlflowClient({ trackingUri: mlflow.url, retry: { maxAttempts: 2, initialDelayMs: 50 } });
    v1 = await registerFixtureVersion(client, MODEL, await trainFixtureModel({ seed: 1 }));
    v2 = await registerFixtureVersion(client, MODEL, await trainFixtureModel({ seed: 2, priceFactor: 2 }));
    await client.setRegisteredModelAlias(MODEL, 'champion', v1.version);
  });

  after(async () => {
    for (const r of running) await r.close().catch(() => undefined);
    await mlflow?.stop();
    await Promise.all([pg?.stop(), s3?.stop()]);
  });

  it('cold-starts from the champion alias in under 2 s and logs every request into the lake on close', async () => {
    // Prepare
    const lakeEnv = s3!.lakeEnv('predict-it');
    const started = performance.now();
    const fn = createPredictFunction({ env: envFor({ ...lakeEnv, CASA_PREDICT_LOG: 'lake', CASA_PREDICT_LOG_FLUSH_SECONDS: '3600', CASA_LAKE_CACHE_DIR: join(s3!.dir, 'cache') }), log: silent });
    const gw = await startGateway({ port: 0, functions: [fn], log: silent });
    const url = `${gw.url}/function/predict`;
    // Act
    while ((await fetch(`${url}/_/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 5));
    const readyMs = performance.now() - started;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await predict(url, { ...listing, bed: i + 1 }));
    await gw.close(); // what the gateway does on SIGTERM
    // Assess
    console.log(`cold start to ready: ${readyMs.toFixed(0)} ms (holder: ${fn.holder.health().cold_start_ms?.toFixed(0)} ms)`);
    assert.ok(readyMs < 2_000, `ready after ${readyMs} ms`);
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.equal(a.headers.get('x-model-version'), v1.version);
    }
    const body = (await predict(url).catch(() => undefined)) ?? null;
    assert.equal(body, null, 'the gateway is closed');
    const first = (await answers[0]!.json()) as { model: Record<string, unknown> };
    assert.deepEqual(first.model, { name: MODEL, version: v1.version, alias: 'champion', stage: 'None', run_id: v1.runId });
    const lake = await openLake({ env: { ...lakeEnv, CASA_LAKE_CACHE_DIR: join(s3!.dir, 'cache-read') } });
    try {
      const { rows } = await lake.queryTable('SELECT model_version, predicted_price FROM predictions');
      assert.equal(rows.length, 5, 'every request was flushed on close');
      assert.ok(rows.every((r) => r.model_version === v1.version));
    } finally {
      lake.close();
    }
  });

  it('falls back to the stage Production when the alias is unset', async () => {
    await client.deleteRegisteredModelAlias(MODEL, 'champion');
    await client.transitionModelVersionStage(MODEL, v2.version, 'Production');
    try {
      const { fn, url } = await gatewayWith(envFor());
      await fn.holder.waitUntilReady(10_000);
      const res = await predict(url);
      const body = (await res.json()) as { model: { version: string; alias: string | null; stage: string } };
      assert.equal(res.status, 200);
      assert.deepEqual([body.model.version, body.model.alias, body.model.stage], [v2.version, null, 'Production']);
    } finally {
      await client.setRegisteredModelAlias(MODEL, 'champion', v1.version);
    }
  });

  it('answers 503 with Retry-After, never crashing, while MLflow is unreachable at cold start', async () => {
    const closedPort = await freePort();
    const { url } = await gatewayWith(envFor({ MLFLOW_TRACKING_URI: `http://127.0.0.1:${closedPort}` }));
    await new Promise((r) => setTimeout(r, 300));
    const res = await predict(url);
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal((await fetch(`${url}/_/ready`)).status, 503);
    const health = (await (await fetch(`${url}/_/health`)).json()) as { model: { status: string; registry_reachable: boolean } };
    assert.deepEqual([health.model.status, health.model.registry_reachable], ['unavailable', false]);
  });

  it('swaps between two versions 30 times under load: 0 non-2xx, every answer from the version in force when it started', async () => {
    // Prepare
    const { fn, url } = await gatewayWith(envFor());
    await fn.holder.waitUntilReady(10_000);
    const priceOf: Record<string, number> = {};
    for (const v of [v1, v2]) {
      await client.setRegisteredModelAlias(MODEL, 'champion', v.version);
      await waitForVersion(fn.holder, v.version);
      priceOf[v.version] = ((await (await predict(url)).json()) as { price: number }).price;
    }
    const swapsBefore = fn.holder.swaps.length;
    const responses: LoadResponse[] = [];
    let flipping = true;
    // Act: load through the gateway while the alias flips 30 times
    const load = runLoad({ url, body: JSON.stringify(listing), concurrency: 8, durationMs: 120_000, stop: () => !flipping, onResponse: (r) => responses.push(r) });
    try {
      for (let i = 0; i < 30; i++) {
        const target = i % 2 === 0 ? v1.version : v2.version;
        await client.setRegisteredModelAlias(MODEL, 'champion', target);
        await waitForVersion(fn.holder, target);
        await new Promise((r) => setTimeout(r, 50)); // let requests run on each version
      }
    } finally {
      flipping = false;
    }
    const result = await load;
    const swaps = fn.holder.swaps.slice(swapsBefore);
    const settled = responses;
    // Assess
    assert.equal(swaps.length, 30, 'each flip was picked up once');
    assert.ok(settled.length > 300, `enough traffic: ${settled.length}`);
    assert.equal(result.errors, 0, 'no transport errors');
    assert.equal(settled.filter((r) => r.status < 200 || r.status >= 300).length, 0, 'no non-2xx');
    for (const r of settled) {
      assert.ok(r.version === v1.version || r.version === v2.version, `version ${r.version}`);
      const body = r.body as { price: number; model: { version: string } };
      assert.equal(body.model.version, r.version, 'body and header agree');
      assert.equal(body.price, priceOf[r.version!], 'the price is the named version\'s');
      assert.ok(inForceDuring(fn.holder.swaps, r.startedAt, r.endedAt).has(r.version!), `v${r.version} was not production while the request ran`);
    }
    console.log(`swap under load: ${settled.length} responses, ${swaps.length} swaps, 0 non-2xx`);
  });

  it('keeps serving the last good model when MLflow goes away, and says so in health', async () => {
    const { fn, url } = await gatewayWith(envFor());
    await fn.holder.waitUntilReady(10_000);
    const version = fn.holder.health().model!.version;
    await mlflow!.stop();
    await fn.holder.refresh();
    const res = await predict(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-model-version'), version);
    const health = (await (await fetch(`${url}/_/health`)).json()) as { model: { status: string; registry_reachable: boolean } };
    assert.deepEqual([health.model.status, health.model.registry_reachable], ['ready', false]);
    assert.equal((await fetch(`${url}/_/ready`)).status, 200);
  });
});

async function waitForVersion(holder: { health(): { model: { version: string } | null } }, version: string): Promise<void> {
  const until = performance.now() + 10_000;
  while (holder.health().model?.version !== version) {
    if (performance.now() > until) throw new Error(`predict did not move to version ${version}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The versions predict served at some instant of [from, to], from its swap log. */
function inForceDuring(swaps: readonly SwapEvent[], from: number, to: number): Set<string> {
  const out = new Set<string>();
  let atStart: string | undefined;
  for (const s of swaps) {
    if (s.at <= from) atStart = s.to;
    else if (s.at <= to) out.add(s.to);
  }
  if (atStart) out.add(atStart);
  return out;
}
