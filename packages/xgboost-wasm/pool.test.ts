import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Booster, DMatrix, XGBoostError, XGBoostPool, loadXGBoost, type MatrixSpec } from './index.js';
import { makeHousing } from './housing-data.js';

const PARAMS = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 4, eta: 0.2, seed: 3 };

describe('XGBoostPool', () => {
  const pool = new XGBoostPool({ size: 2 });
  after(() => pool.close());

  test('trains folds in two workers, each with its own engine, matching in-thread training', async () => {
    // One shared copy of the data; every fold selects its rows.
    const d = makeHousing(3000, 21);
    const sharedX = new Float32Array(new SharedArrayBuffer(d.x.byteLength));
    sharedX.set(d.x);
    const sharedY = new Float32Array(new SharedArrayBuffer(d.y.byteLength));
    sharedY.set(d.y);
    const folds = 4;
    const spec = (rows: Int32Array): MatrixSpec => ({ data: sharedX, nrow: d.nrow, ncol: d.ncol, labels: sharedY, rows });
    const tasks = Array.from({ length: folds }, (_, k) => {
      const all = Int32Array.from({ length: d.nrow }, (_, i) => i);
      const valid = all.filter((i) => i % folds === k);
      const train = all.filter((i) => i % folds !== k);
      return { params: PARAMS, dtrain: spec(train), evals: [{ name: 'valid', data: spec(valid) }], numBoostRound: 30, earlyStoppingRounds: 5, predict: [{ data: spec(valid), iterationRange: 'best' as const }] };
    });

    const results = await pool.trainAll(tasks);

    assert.equal(results.length, folds);
    assert.equal(new Set(results.map((r) => r.workerId)).size, 2, 'both workers were used');
    assert.notEqual(sharedX.length, 0, 'shared data is not detached');
    // Fold 0 again in this thread: same model bytes, same predictions.
    await loadXGBoost();
    const valid0 = Int32Array.from({ length: d.nrow }, (_, i) => i).filter((i) => i % folds === 0);
    using full = DMatrix.fromRows(d.x, d.nrow, d.ncol, { labels: d.y });
    using dtrain = full.slice(Int32Array.from({ length: d.nrow }, (_, i) => i).filter((i) => i % folds !== 0));
    using dvalid = full.slice(valid0);
    const local = Booster.train({ params: PARAMS, dtrain, evals: [{ name: 'valid', data: dvalid }], numBoostRound: 30, earlyStoppingRounds: 5 });
    using booster = local.booster;
    assert.equal(results[0]!.bestIteration, local.bestIteration);
    assert.deepEqual(results[0]!.history, local.history);
    assert.deepEqual(results[0]!.predictions[0], booster.predict(dvalid, { iterationRange: [0, local.bestIteration + 1] }));
    using fromWorker = Booster.loadModel(results[0]!.model);
    assert.deepEqual(fromWorker.predict(dvalid), booster.predict(dvalid));
  });

  test('moves (transfers) ordinary buffers instead of copying them', async () => {
    const d = makeHousing(500, 22);
    const r = await pool.train({ params: PARAMS, dtrain: { data: d.x, nrow: d.nrow, ncol: d.ncol, labels: d.y }, numBoostRound: 3 });
    assert.equal(d.x.length, 0, 'the caller’s array was transferred (detached)');
    assert.ok(r.model.length > 0);
  });

  test('copies when asked to', async () => {
    const d = makeHousing(500, 23);
    await pool.train({ params: PARAMS, dtrain: { data: d.x, nrow: d.nrow, ncol: d.ncol, labels: d.y }, numBoostRound: 3 }, { transfer: false });
    assert.equal(d.x.length, 500 * d.ncol);
  });

  test('an XGBoost error in a worker comes back typed, and the worker keeps serving', async () => {
    const d = makeHousing(200, 24);
    await assert.rejects(
      pool.train({ params: { ...PARAMS, objective: 'reg:nonsense' }, dtrain: { data: d.x, nrow: d.nrow, ncol: d.ncol, labels: d.y }, numBoostRound: 3 }, { transfer: false }),
      (e: unknown) => e instanceof XGBoostError && e.origin === 'xgboost' && /reg:nonsense/.test(e.message),
    );
    await assert.rejects(
      pool.train({ params: PARAMS, dtrain: { data: d.x, nrow: 7, ncol: d.ncol }, numBoostRound: 3 }, { transfer: false }),
      (e: unknown) => e instanceof XGBoostError && e.origin === 'casa',
    );
    const ok = await pool.train({ params: PARAMS, dtrain: { data: d.x, nrow: d.nrow, ncol: d.ncol, labels: d.y }, numBoostRound: 3 });
    assert.equal(ok.rounds, 3);
  });
});
