import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isHoldout, loadCleanDataset } from '../../packages/evaluation/index.js';
import { openLake, type Lake } from '../../packages/lake/index.js';
import { MlflowClient } from '../../packages/mlflow/index.js';
import { createSimulator } from '../../packages/simulator/index.js';
import { BASELINE_NAME, trainCandidates, TrainingSetTooSmallError } from './candidates.js';
import { writeSimulatedCleanBatches } from './clean-fixture.js';
import { createTrainFunction } from './handler.js';

describe('training candidates on CLEAN (no tracking)', () => {
  let root: string;
  let lake: Lake;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'casa-candidates-'));
    lake = await openLake({ location: { kind: 'local', root: join(root, 'lake') }, cacheDir: join(root, 'cache') });
    await writeSimulatedCleanBatches(lake, createSimulator({ seed: 3, scale: 0.01 }), [0, 1, 2, 3, 4, 5]);
  });
  after(async () => {
    lake.close();
    await rm(root, { recursive: true, force: true });
  });

  it('a row keeps its side of the split as batches are added', async () => {
    // Prepare
    const early = await loadCleanDataset(lake, 2);
    const all = await loadCleanDataset(lake, 5);
    // Act
    const side = new Map(all.listingIds.map((id) => [id, isHoldout(id)]));
    // Assess
    assert.ok(all.n > early.n);
    for (const id of early.listingIds) assert.equal(side.get(id), isHoldout(id));
    assert.notEqual(early.digest, all.digest);
  });

  it('trains the candidates and the baseline, evaluates them per batch and picks the best by validation', async () => {
    // Prepare
    const data = await loadCleanDataset(lake, 5);
    // Act
    const out = await trainCandidates(data, {
      candidates: [{ name: 'a', params: { max_depth: 3, eta: 0.3 } }, { name: 'b', params: { max_depth: 5, eta: 0.3 } }],
      numBoostRound: 60,
      earlyStoppingRounds: 5,
    });
    // Assess
    assert.deepEqual(out.candidates.map((c) => c.name), ['a', 'b', BASELINE_NAME]);
    assert.equal(out.best.validRmseLog, Math.min(...out.candidates.filter((c) => c.kind === 'xgboost').map((c) => c.validRmseLog)));
    assert.ok(out.best.holdout.overall.rmse_log < out.baseline.holdout.overall.rmse_log);
    assert.deepEqual(Object.keys(out.best.holdout.byBatch), ['0', '1', '2', '3', '4', '5']);
    assert.equal(out.trainRows + out.holdoutRows, data.n);
    assert.ok(Math.abs(out.holdoutRows / data.n - 0.2) < 0.03);
    assert.ok(out.shapImportance.meanAbs['house_size']! > out.shapImportance.meanAbs['bed']!);
  });

  it('MLflow unreachable: 503 problem+json, nothing trained', async () => {
    // Prepare: a tracking URI where nothing listens
    const mlflow = new MlflowClient({ trackingUri: 'http://127.0.0.1:9', retry: { maxAttempts: 1 } });
    const fn = createTrainFunction({ deps: async () => ({ lake, mlflow, settings: { modelName: 'm', experimentName: 'e', minTrainRows: 500, gitCommit: 'x' } }) });
    // Act
    const res = await fn.handle(new Request('http://x/', { method: 'POST', body: JSON.stringify({ upToBatch: 5, reason: 'test', idempotencyKey: 'k1' }) }));
    // Assess
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
  });

  it('refuses a too-small training set before training anything', async () => {
    const small = await loadCleanDataset(lake, 3, 3);
    await assert.rejects(trainCandidates(small), TrainingSetTooSmallError);
  });
});

describe('train handler: bad requests', () => {
  const fn = createTrainFunction({ deps: () => Promise.reject(new Error('must not be reached')) });
  const post = (body: string) => fn.handle(new Request('http://x/', { method: 'POST', body }));

  it('422 with a pointer per bad field; 400 for malformed JSON; 405 for a wrong method; a status GET needs its key', async () => {
    const bad = await post(JSON.stringify({ upToBatch: -1, reason: '', extra: 1 }));
    assert.equal(bad.status, 422);
    const problem = (await bad.json()) as { errors?: { pointer: string }[] };
    assert.ok(problem.errors?.some((i) => i.pointer === '/upToBatch'), JSON.stringify(problem));
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await fn.handle(new Request('http://x/', { method: 'DELETE' }))).status, 405);
    assert.equal((await fn.handle(new Request('http://x/'))).status, 422, 'GET is the status poll: without idempotencyKey it names the missing key');
    assert.equal((await post(JSON.stringify({ upToBatch: 1, reason: 'x', idempotencyKey: 'a b/../c' }))).status, 422);
  });
});
