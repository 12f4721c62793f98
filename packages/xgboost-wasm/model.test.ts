import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Booster, DMatrix, XGBoostError, loadXGBoost, type XGBoostEngine } from './index.js';
import { makeHousing } from './housing-data.js';

const PARAMS = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 4, eta: 0.3, seed: 7 };

let xgb: XGBoostEngine;
before(async () => {
  xgb = await loadXGBoost();
});

function housing(n: number, seed = 1): DMatrix {
  const d = makeHousing(n, seed);
  return DMatrix.fromRows(d.x, d.nrow, d.ncol, { labels: d.y, featureNames: d.featureNames });
}

describe('engine', () => {
  test('loads XGBoost 3.4.1 compiled without OpenMP', () => {
    assert.equal(xgb.version, '3.4.1');
    assert.equal(xgb.buildInfo.USE_OPENMP, false);
  });

  test('one engine per thread: loadXGBoost() returns the same instance', async () => {
    assert.equal(await loadXGBoost(), xgb);
  });
});

describe('DMatrix', () => {
  test('fromRows keeps shape, labels, weights, names and types', () => {
    const x = Float32Array.from([1, 2, NaN, 4, 5, 6]);
    using dm = DMatrix.fromRows(x, 3, 2, {
      labels: [0.5, 1.5, 2.5],
      weights: [1, 2, 3],
      featureNames: ['a', 'b'],
      featureTypes: ['q', 'int'],
    });
    assert.equal(dm.numRow, 3);
    assert.equal(dm.numCol, 2);
    assert.deepEqual([...dm.labels], [0.5, 1.5, 2.5]);
    assert.deepEqual([...dm.getFloatInfo('weight')], [1, 2, 3]);
    assert.deepEqual(dm.featureNames, ['a', 'b']);
    assert.deepEqual(dm.featureTypes, ['q', 'int']);
  });

  test('a custom missing value is treated like NaN', () => {
    using dtrain = DMatrix.fromRows(Float32Array.from([1, -999, 3, 4]), 4, 1, { labels: [1, 2, 3, 4], missing: -999 });
    using booster = Booster.train({ params: { ...PARAMS, max_depth: 1, eta: 1, base_score: 0 }, dtrain, numBoostRound: 1 }).booster;
    using withNaN = DMatrix.fromRows(Float32Array.from([NaN]), 1, 1);
    using withSentinel = DMatrix.fromRows(Float32Array.from([-999]), 1, 1, { missing: -999 });
    assert.deepEqual(booster.predict(withNaN), booster.predict(withSentinel));
  });

  test('slice selects rows and their labels', () => {
    using dm = housing(100);
    using part = dm.slice([3, 5, 7]);
    assert.equal(part.numRow, 3);
    assert.deepEqual([...part.labels], [dm.labels[3], dm.labels[5], dm.labels[7]]);
  });
});

describe('Booster', () => {
  test('trains, evaluates every round and keeps the history', () => {
    using dtrain = housing(2000, 1);
    using dvalid = housing(500, 2);
    const r = Booster.train({ params: { ...PARAMS, eval_metric: ['rmse', 'mae'] }, dtrain, evals: [[dtrain, 'train'], [dvalid, 'valid']], numBoostRound: 20 });
    using booster = r.booster;
    assert.equal(booster.boostedRounds, 20);
    assert.equal(r.rounds, 20);
    assert.deepEqual(Object.keys(r.history), ['train', 'valid']);
    assert.deepEqual(Object.keys(r.history.valid!), ['rmse', 'mae']);
    const rmse = r.history.train!.rmse!;
    assert.equal(rmse.length, 20);
    assert.ok(rmse[19]! < rmse[0]! * 0.7, `train rmse should fall: ${rmse[0]} → ${rmse[19]}`);
    assert.equal(r.bestIteration, 19);
    assert.equal(r.bestScore, r.history.valid!.mae![19]);
  });

  test('early stopping watches the last eval set and records best_iteration', () => {
    using dtrain = housing(600, 3);
    using dvalid = housing(300, 4);
    // A high learning rate on little data overfits quickly, so validation stops improving.
    const r = Booster.train({ params: { ...PARAMS, eta: 1, max_depth: 8 }, dtrain, evals: [{ name: 'valid', data: dvalid }], numBoostRound: 200, earlyStoppingRounds: 5 });
    using booster = r.booster;
    assert.ok(r.stoppedEarly);
    assert.equal(r.rounds, r.bestIteration + 6);
    const valid = r.history.valid!.rmse!;
    assert.equal(Math.min(...valid), valid[r.bestIteration]);
    assert.equal(r.bestScore, valid[r.bestIteration]);
    assert.equal(booster.bestIteration, r.bestIteration);
    // iterationRange up to the best round predicts like a model sliced there.
    using best = booster.slice(0, r.bestIteration + 1);
    assert.deepEqual(booster.predict(dvalid, { iterationRange: [0, r.bestIteration + 1] }), best.predict(dvalid));
  });

  test('predict, margin and iteration ranges', () => {
    const n = 200;
    using dtrain = DMatrix.fromRows(Float32Array.from({ length: n }, (_, i) => i), n, 1, { labels: Float32Array.from({ length: n }, (_, i) => (i % 7 < 3 || i > 150 ? 1 : 0)) });
    using booster = Booster.train({ params: { ...PARAMS, objective: 'binary:logistic', eta: 0.5 }, dtrain, numBoostRound: 3 }).booster;
    using dm = DMatrix.fromRows(Float32Array.from([180]), 1, 1);
    const p = booster.predict(dm)[0]!;
    const margin = booster.predict(dm, { outputMargin: true })[0]!;
    assert.ok(Math.abs(p - 1 / (1 + Math.exp(-margin))) < 1e-6);
    assert.notEqual(booster.predict(dm, { iterationRange: [0, 1] })[0], p);
  });

  test('SHAP contributions add up to the margin; interactions add up to contributions', () => {
    using dtrain = housing(1500);
    using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: 15 }).booster;
    using dm = housing(50, 9);
    const margin = booster.predict(dm, { outputMargin: true });
    const contrib = booster.predictContributions(dm);
    assert.deepEqual(contrib.shape, [50, 11]);
    for (let r = 0; r < 50; r++) {
      const row = contrib.values.subarray(r * 11, (r + 1) * 11);
      const sum = row.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - margin[r]!) < 1e-4, `row ${r}: ${sum} vs ${margin[r]}`);
    }
    const inter = booster.predictInteractions(dm);
    assert.deepEqual(inter.shape, [50, 11, 11]);
    for (const r of [0, 17, 49]) {
      for (let i = 0; i < 11; i++) {
        let s = 0;
        for (let j = 0; j < 11; j++) s += inter.values[r * 121 + i * 11 + j]!;
        assert.ok(Math.abs(s - contrib.values[r * 11 + i]!) < 1e-4);
      }
    }
  });

  test('saveModel/loadModel round-trips JSON and UBJ with identical predictions', () => {
    using dtrain = housing(1000);
    using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: 10 }).booster;
    const expected = booster.predict(dtrain);
    for (const format of ['json', 'ubj'] as const) {
      const bytes = booster.saveModel(format);
      if (format === 'json') assert.equal(JSON.parse(new TextDecoder().decode(bytes)).version[0], 3);
      else assert.equal(bytes[0], '{'.charCodeAt(0));
      using loaded = Booster.loadModel(bytes);
      assert.deepEqual(loaded.predict(dtrain), expected);
      assert.deepEqual(loaded.featureNames, dtrain.featureNames);
      assert.equal(loaded.boostedRounds, 10);
    }
  });

  test('config get/set, attributes, feature names and types', () => {
    using dtrain = housing(300);
    using booster = Booster.create({ ...PARAMS, max_depth: 3 }, [dtrain]);
    const cfg = booster.getConfig() as { learner: { gradient_booster: { tree_train_param: { max_depth: string } } } };
    assert.equal(cfg.learner.gradient_booster.tree_train_param.max_depth, '3');
    cfg.learner.gradient_booster.tree_train_param.max_depth = '5';
    booster.setConfig(cfg);
    assert.equal((booster.getConfig() as typeof cfg).learner.gradient_booster.tree_train_param.max_depth, '5');
    booster.setAttr('casa_run', 'abc');
    assert.equal(booster.getAttr('casa_run'), 'abc');
    booster.setAttr('casa_run', undefined);
    assert.equal(booster.getAttr('casa_run'), undefined);
    booster.update(dtrain, 0);
    booster.featureTypes = Array(10).fill('q');
    assert.deepEqual(booster.featureTypes, Array(10).fill('q'));
    assert.equal(booster.numFeatures, 10);
  });
});

describe('memory', () => {
  test('dispose is idempotent and a disposed handle refuses use', () => {
    const dm = housing(10);
    dm.dispose();
    dm.dispose();
    assert.throws(() => dm.numRow, (e: unknown) => e instanceof XGBoostError && /disposed/.test(e.message));
  });

  test('`using` frees at the end of the block', () => {
    const before = xgb.heapStats().liveHandles;
    {
      using dm = housing(10);
      assert.equal(xgb.heapStats().liveHandles, before + 1);
      void dm;
    }
    assert.equal(xgb.heapStats().liveHandles, before);
  });

  test('the finalizer frees leaked handles and counts them', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const start = xgb.heapStats();
    (() => {
      for (let i = 0; i < 20; i++) housing(50); // never disposed
    })();
    assert.equal(xgb.heapStats().liveHandles, start.liveHandles + 20);
    for (let i = 0; i < 20 && xgb.heapStats().leakedHandles < start.leakedHandles + 20; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    const end = xgb.heapStats();
    assert.equal(end.leakedHandles - start.leakedHandles, 20);
    assert.equal(end.liveHandles, start.liveHandles);
    assert.ok(end.inUseBytes <= start.inUseBytes + 64 * 1024, `in use ${start.inUseBytes} → ${end.inUseBytes}`);
  });
});
