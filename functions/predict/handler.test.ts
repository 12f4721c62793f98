import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_COUNT, FEATURE_NAMES, STATES, featureMatrix } from '../../packages/features/index.js';
import { openLake, type Lake } from '../../packages/lake/index.js';
import { MlflowUnavailableError } from '../../packages/mlflow/index.js';
import { Booster, DMatrix } from '../../packages/xgboost-wasm/index.js';
import { predictListings, predictRequest } from './core.js';
import { createPredictApp } from './handler.js';
import { EXAMPLE_LISTING, MAX_BATCH, MAX_BODY_BYTES, toListingFields } from './listing-schema.js';
import { ModelHolder } from './model-holder.js';
import { RequestLog } from './request-log.js';
import { FIXTURE_LOCATION_LEVELS, memoryModelSource, modelDirectoryFiles, trainFixtureModel } from './test-fixtures.js';
import { checkModelDescriptor } from './model-artifacts.js';

const listing = EXAMPLE_LISTING;
const silent = () => undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
const json = (r: Response): Promise<any> => r.json();
const post = (app: { request: (p: string, i: RequestInit) => Response | Promise<Response> }, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  app.request('/', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('predict over HTTP (in process)', () => {
  let v1: Uint8Array;
  let v2: Uint8Array;
  let source: ReturnType<typeof memoryModelSource>;
  let holder: ModelHolder;
  let app: ReturnType<typeof createPredictApp>;

  before(async () => {
    v1 = await trainFixtureModel({ seed: 1 });
    v2 = await trainFixtureModel({ seed: 2, priceFactor: 2 });
    source = memoryModelSource({ '1': v1, '2': v2 });
    source.promote('1');
    holder = new ModelHolder(source, { refreshMs: 60_000, log: silent });
    holder.start();
    await holder.waitUntilReady();
    app = createPredictApp({ holder });
  });
  after(() => holder.close());

  it('prices one listing in dollars, names the model, and explains it additively in log space', async () => {
    // Act
    const res = await post(app, listing);
    const body = await json(res);
    // Assess
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-model-version'), '1');
    assert.deepEqual(body.model, { name: 'casa-house-price', version: '1', alias: 'champion', stage: 'Production', run_id: 'run-1' });
    assert.ok(Number.isFinite(body.price) && body.price > 10_000);
    assert.deepEqual(Object.keys(body.shap.values), FEATURE_NAMES);
    const sum = body.shap.base_value + Object.values<number>(body.shap.values).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - body.log_price) < 1e-12, 'base + Σ SHAP = log_price');
    assert.ok(Math.abs(Math.exp(body.log_price) - body.price) < 1e-6 * body.price);
    const steps = body.shap_dollars.steps.reduce((a: number, s: { dollars: number }) => a + s.dollars, 0);
    assert.ok(Math.abs(body.shap_dollars.base_price + steps - body.price) < 1e-6 * body.price, 'dollar waterfall ends at the price');
    assert.match(body.shap_dollars.note, /not SHAP values/);
  });

  it('answers alike when mounted under the gateway prefix (the gateway\'s in-process path)', async () => {
    // Prepare
    const mountedAt = '/function/predict';
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(listing) };
    // Act
    const direct = await json(await post(app, listing));
    const mounted = await app.fetch(new Request(`http://gw${mountedAt}`, init), { mountedAt });
    const ready = await app.fetch(new Request(`http://gw${mountedAt}/_/ready`), { mountedAt });
    const unknown = await app.fetch(new Request(`http://gw${mountedAt}/nope`), { mountedAt });
    // Assess
    assert.equal(mounted.status, 200);
    const body = await json(mounted);
    assert.equal(body.price, direct.price);
    assert.deepEqual(body.shap, direct.shap);
    assert.equal(ready.status, 200);
    assert.equal(unknown.status, 404);
  });

  it("agrees with XGBoost's own prediction of the same model", async () => {
    // Prepare
    using booster = Booster.loadModel(v1);
    using dm = DMatrix.fromRows(featureMatrix([toListingFields(listing as never)], FIXTURE_LOCATION_LEVELS), 1, FEATURE_COUNT, { featureNames: FEATURE_NAMES });
    const margin = booster.predict(dm)[0]!;
    // Act
    const body = await json(await post(app, listing));
    // Assess
    assert.ok(Math.abs(body.log_price - margin) < 1e-5, `${body.log_price} vs ${margin}`);
  });

  it('prices a batch with one model and refuses an empty or oversized one', async () => {
    const ok = await post(app, [listing, { ...listing, house_size: 3000 }, { ...listing, zip_code: 1609 }]);
    const body = await json(ok);
    assert.equal(ok.status, 200);
    assert.equal(body.predictions.length, 3);
    assert.ok(body.predictions[1].price > body.predictions[0].price);
    assert.equal(body.predictions[2].price, body.predictions[0].price, 'zip 1609 is "01609"');
    for (const bad of [[], Array.from({ length: MAX_BATCH + 1 }, () => listing)]) {
      const res = await post(app, bad);
      assert.equal(res.status, 422);
      assert.deepEqual((await json(res)).errors.map((e: { pointer: string }) => e.pointer), ['']);
    }
  });

  it('coalesced concurrent requests each get exactly their own prices', async () => {
    // Prepare: the same listings scored one by one, without the batcher
    const listings = Array.from({ length: 20 }, (_, i) => ({ ...listing, bed: 1 + (i % 6), house_size: 800 + 150 * i }));
    const model = holder.acquire();
    const alone = listings.map((l) => predictListings(model, [l as never])[0]!.price);
    model.release();
    // Act: all at once, so the batcher puts them in one engine call
    const answers = await Promise.all(listings.map(async (l, i) => json(await (i % 5 === 0 ? post(app, [l, l]) : post(app, l)))));
    // Assess
    answers.forEach((a, i) => {
      const prices = a.predictions ? a.predictions.map((p: { price: number }) => p.price) : [a.price];
      for (const p of prices) assert.ok(Math.abs(p - alone[i]!) < 1e-9 * alone[i]!, `listing ${i}: ${p} vs ${alone[i]}`);
    });
  });

  it('answers 415, 413, 400 and 405 as problem+json', async () => {
    const cases: [Response, number][] = [
      [await post(app, listing, {}), 415],
      [await post(app, listing, { 'content-type': 'text/plain' }), 415],
      [await post(app, JSON.stringify([listing]).padEnd(MAX_BODY_BYTES + 1, ' '), { 'content-type': 'application/json' }), 413],
      [await post(app, '{"status": "sold",', { 'content-type': 'application/json; charset=utf-8' }), 400],
      [await post(app, 'NaN', { 'content-type': 'application/json' }), 400],
      [await app.request('/', { method: 'GET' }), 405],
    ];
    for (const [res, status] of cases) {
      assert.equal(res.status, status);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.equal((await json(res)).status, status);
    }
  });

  it('answers 422 with one JSON pointer per bad field', async () => {
    const bad = JSON.parse(JSON.stringify({ ...listing, bed: -1, bath: 2.5, house_size: 1e9, state: 'Atlantis', status: 'rented', zip_code: '123', prev_sold_date: '2020-02-30', city: 7, extra: 1 }));
    const proto = '{"__proto__": {"x": 1}, ' + JSON.stringify(listing).slice(1);
    const res = await post(app, bad);
    const body = await json(res);
    assert.equal(res.status, 422);
    assert.deepEqual(
      body.errors.map((e: { pointer: string }) => e.pointer).sort(),
      ['/bath', '/bed', '/city', '/extra', '/house_size', '/prev_sold_date', '/state', '/status', '/zip_code'],
    );
    const protoRes = await post(app, proto);
    assert.equal(protoRes.status, 422);
    assert.deepEqual((await json(protoRes)).errors, [{ pointer: '/__proto__', detail: 'unknown field' }]);
    const missing = await post(app, [listing, { ...listing, bed: undefined, state: null }]);
    assert.deepEqual((await json(missing)).errors.map((e: { pointer: string }) => e.pointer).sort(), ['/1/bed', '/1/state']);
    for (const body of ['null', '"house"', '42', 'true']) {
      const r = await post(app, body);
      assert.equal(r.status, 422, body);
    }
  });

  it('serves an OpenAPI document generated from the validating schemas', async () => {
    const res = await app.request('/openapi.json');
    const doc = await json(res);
    assert.equal(res.status, 200);
    assert.equal(doc.openapi, '3.1.0');
    const l = doc.components.schemas.Listing;
    assert.equal(l.additionalProperties, false);
    assert.deepEqual(l.properties.state.enum, [...STATES]);
    assert.ok(!l.required.includes('brokered_by') && l.required.includes('house_size'));
    assert.ok(doc.paths['/'].post.responses['422']);
  });

  it('health is alive and names the model; ready is 200 once loaded', async () => {
    const health = await json(await app.request('/_/health'));
    assert.equal(health.status, 'alive');
    assert.equal(health.model.status, 'ready');
    assert.equal(health.model.model.version, '1');
    assert.equal(health.model.registry_reachable, true);
    assert.ok(health.model.cold_start_ms >= 0);
    assert.equal((await app.request('/_/ready')).status, 200);
  });
});

describe('predict before a model is loaded, and when the registry goes away', () => {
  it('answers 503 with Retry-After until the cold start succeeds, then 200', async () => {
    // Prepare: the registry is down at cold start
    const source = memoryModelSource({ '1': await trainFixtureModel({ seed: 1 }) });
    source.promote('1');
    source.fail(new MlflowUnavailableError('connect ECONNREFUSED', { errorCode: 'NETWORK_ERROR', endpoint: 'GET /x' }));
    const holder = new ModelHolder(source, { refreshMs: 60_000, coldRetryMs: 20, log: silent });
    const app = createPredictApp({ holder });
    holder.start();
    await new Promise((r) => setTimeout(r, 50));
    try {
      // Act + Assess: not ready, no crash
      const res = await post(app, listing);
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.match((await json(res)).detail, /unreachable/);
      assert.equal((await app.request('/_/ready')).status, 503);
      assert.equal((await app.request('/_/health')).status, 200);
      assert.equal((await post(app, { ...listing, bed: -1 })).status, 422, 'bad input is still named while not ready');
      // the registry comes back: the retry loop loads the model
      source.fail(undefined);
      await holder.waitUntilReady(5_000);
      assert.equal((await post(app, listing)).status, 200);
      assert.equal((await app.request('/_/ready')).status, 200);
    } finally {
      await holder.close();
    }
  });

  it('keeps serving the last good model when the registry becomes unreachable, and says so in health', async () => {
    const source = memoryModelSource({ '1': await trainFixtureModel({ seed: 1 }) });
    source.promote('1');
    const holder = new ModelHolder(source, { refreshMs: 60_000, log: silent });
    const app = createPredictApp({ holder });
    holder.start();
    await holder.waitUntilReady();
    try {
      source.fail(new MlflowUnavailableError('connect ECONNREFUSED', { errorCode: 'NETWORK_ERROR', endpoint: 'GET /x' }));
      await holder.refresh();
      const res = await post(app, listing);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-model-version'), '1');
      const health = (await json(await app.request('/_/health'))).model;
      assert.equal(health.status, 'ready');
      assert.equal(health.registry_reachable, false);
      assert.match(health.last_error, /ECONNREFUSED/);
    } finally {
      await holder.close();
    }
  });

  it('reports no-model (503) when nothing is production, and never loads a model with other features', async () => {
    const source = memoryModelSource({});
    const holder = new ModelHolder(source, { refreshMs: 60_000, log: silent });
    const app = createPredictApp({ holder });
    await holder.refresh();
    const res = await post(app, listing);
    assert.equal(res.status, 503);
    assert.match((await json(res)).detail, /no production model/);
    assert.equal(holder.health().status, 'no-model');
    assert.equal(holder.health().registry_reachable, true);
    await holder.close();
  });
});

describe('atomic swap', () => {
  it('a request in flight finishes on the version it started with; the old booster is freed after it', async () => {
    // Prepare
    const source = memoryModelSource({ '1': await trainFixtureModel({ seed: 1 }), '2': await trainFixtureModel({ seed: 2, priceFactor: 2 }) });
    source.promote('1');
    const holder = new ModelHolder(source, { refreshMs: 60_000, log: silent });
    holder.start();
    await holder.waitUntilReady();
    const inFlight = holder.acquire();
    // Act: production moves while the request is in flight
    source.promote('2');
    await holder.refresh();
    const late = await predictRequest(inFlight, listing, 'r1', new Date(), performance.now());
    const fresh = holder.acquire();
    const now = await predictRequest(fresh, listing, 'r2', new Date(), performance.now());
    fresh.release();
    // Assess
    assert.equal(late.model.version, '1');
    assert.equal(now.model.version, '2');
    assert.ok((now.body.price as number) > 1.5 * (late.body.price as number));
    assert.equal(inFlight.disposed, false, 'not freed while a request holds it');
    inFlight.release();
    assert.equal(inFlight.disposed, true, 'freed by its last request');
    assert.deepEqual(holder.swaps.map((s) => [s.from, s.to]), [[null, '1'], ['1', '2']]);
    assert.deepEqual(source.fetches, ['1', '2'], 'an unchanged alias does not download again');
    await holder.close();
  });
});

describe('request log into the lake', () => {
  let dir: string;
  let lake: Lake;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casa-predict-log-'));
    lake = await openLake({ location: { kind: 'local', root: join(dir, 'lake') }, cacheDir: join(dir, 'cache') });
  });
  after(async () => {
    lake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends every request and its prediction to predictions, flushed on close', async () => {
    // Prepare
    const source = memoryModelSource({ '1': await trainFixtureModel({ seed: 1 }) });
    source.promote('1');
    const holder = new ModelHolder(source, { refreshMs: 60_000, log: silent });
    holder.start();
    await holder.waitUntilReady();
    const log = new RequestLog({ openLake: async () => openLake({ location: { kind: 'local', root: join(dir, 'lake') }, cacheDir: join(dir, 'cache2') }), flushMs: 60_000, log: silent });
    const app = createPredictApp({ holder, requestLog: log });
    // Act
    for (let i = 0; i < 4; i++) assert.equal((await post(app, { ...listing, bed: i + 1 }, { 'content-type': 'application/json', 'x-request-id': `req-${i}` })).status, 200);
    assert.equal((await post(app, [listing, listing])).status, 200);
    assert.equal((await post(app, { ...listing, bed: -1 })).status, 422);
    assert.equal(log.stats().queued, 6, 'queued, not yet written: no request waited for the lake');
    await log.close();
    await holder.close();
    // Assess
    const { rows } = await lake.queryTable('SELECT request_id, model_version, predicted_price, input_json, output_json, log_date FROM predictions ORDER BY request_id');
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.slice(2).map((r) => r.request_id), ['req-0', 'req-1', 'req-2', 'req-3']);
    assert.ok(rows.every((r) => r.model_version === '1' && Number(r.predicted_price) > 0));
    assert.equal(JSON.parse(String(rows[2]!.input_json)).bed, 1);
    assert.ok(JSON.parse(String(rows[2]!.output_json)).shap.base_value);
    assert.equal(log.stats().written, 6);
  });

  it('never blocks on a failing lake: a bounded queue drops new rows beyond it and counts them', async () => {
    let opens = 0;
    const log = new RequestLog({ openLake: async () => { opens += 1; throw new Error('lake down'); }, flushMs: 60_000, maxQueue: 3, batchRows: 1_000, log: silent });
    const row = { log_date: '2026-01-01', request_id: 'x', requested_at: '2026-01-01T00:00:00Z', model_name: 'm', model_version: '1', input_json: '{}', output_json: '{}', predicted_price: 1, latency_ms: 1 };
    log.append([row, row]);
    await log.flush();
    log.append([row, row]);
    assert.deepEqual([log.stats().queued, log.stats().dropped, log.stats().failed_flushes], [3, 1, 1]);
    await log.close();
    assert.ok(opens >= 2, 'a failed open is retried');
  });
});

describe('model artifacts', () => {
  it('refuses a model directory whose feature spec is not this build\'s, and keeps serving the last good model', async () => {
    // Prepare: v2's feature spec names other columns
    const good = await trainFixtureModel({ seed: 1 });
    const source = memoryModelSource({ '1': good, '2': good });
    const fetchModel = source.fetchModel.bind(source);
    source.fetchModel = async (ref) => {
      if (ref.version !== '2') return fetchModel(ref);
      const files = modelDirectoryFiles(good);
      const spec = JSON.parse(files['feature_spec.json'] as string);
      spec.features = [...spec.features].reverse();
      return { ...checkModelDescriptor(files.MLmodel as string, JSON.stringify(spec)), bytes: good };
    };
    source.promote('1');
    const holder = new ModelHolder(source, { refreshMs: 60_000, log: silent });
    holder.start();
    await holder.waitUntilReady();
    // Act
    source.promote('2');
    await holder.refresh();
    // Assess
    assert.equal(holder.health().model?.version, '1');
    assert.match(holder.health().last_error ?? '', /ModelArtifactError: .*differ from casa's/);
    assert.equal(holder.health().registry_reachable, true);
    await holder.close();
  });
});
