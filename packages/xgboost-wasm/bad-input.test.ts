import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CasaError } from '../core/errors.js';
import { Booster, DMatrix, XGBoostError, loadXGBoost, type XGBoostEngine } from './index.js';
import { makeHousing } from './housing-data.js';

const PARAMS = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 3 };
let xgb: XGBoostEngine;
let goodModel: Uint8Array;
const data = makeHousing(400, 5);

before(async () => {
  xgb = await loadXGBoost();
  using dtrain = DMatrix.fromRows(data.x, data.nrow, data.ncol, { labels: data.y });
  using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: 5 }).booster;
  goodModel = booster.saveModel('ubj');
});

/** After a refused call: the same engine still trains and predicts, and nothing leaked. */
function assertHealthy(inUseBefore: number, liveBefore: number): void {
  using dtrain = DMatrix.fromRows(data.x, data.nrow, data.ncol, { labels: data.y });
  using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: 2 }).booster;
  assert.equal(booster.predict(dtrain).length, data.nrow);
  booster.dispose();
  dtrain.dispose();
  const after = xgb.heapStats();
  assert.equal(after.liveHandles, liveBefore, 'no handle left behind');
  assert.ok(after.inUseBytes <= inUseBefore + 256 * 1024, `heap in use grew ${inUseBefore} → ${after.inUseBytes}`);
  assert.equal(xgb.broken, undefined);
}

/** Runs the bad call, checks the typed error and message, then the engine's health. */
function refuses(fn: () => unknown, origin: 'xgboost' | 'casa', message: RegExp): XGBoostError {
  // Warm-up so one-time allocations (thread-local buffers) are not counted as leaks.
  assertHealthy(Number.MAX_SAFE_INTEGER, xgb.heapStats().liveHandles);
  const { inUseBytes, liveHandles } = xgb.heapStats();
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof XGBoostError, `expected XGBoostError, got ${String(caught)}`);
  assert.ok(caught instanceof CasaError);
  assert.equal(caught.origin, origin, caught.message);
  assert.match(caught.message, message);
  assert.equal(caught.status, 422);
  if (origin === 'xgboost') assert.ok(caught.xgboostMessage && caught.xgboostMessage.length > 0);
  assertHealthy(inUseBytes, liveHandles);
  return caught;
}

describe('bad input gets a typed error and leaves the engine healthy', () => {
  test('data length does not match nrow × ncol', () => {
    refuses(() => DMatrix.fromRows(new Float32Array(10), 3, 3), 'casa', /10 values but nrow × ncol = 3 × 3 = 9/);
  });

  test('data is not a Float32Array', () => {
    refuses(() => DMatrix.fromRows([1, 2] as unknown as Float32Array, 1, 2), 'casa', /Float32Array/);
  });

  test('empty matrix', () => {
    refuses(() => DMatrix.fromRows(new Float32Array(0), 0, 3), 'casa', /empty matrix: 0 rows/);
  });

  test('labels of the wrong length', () => {
    refuses(() => DMatrix.fromRows(new Float32Array(6), 3, 2, { labels: [1, 2] }), 'casa', /label has 2 values for 3 rows/);
  });

  test('NaN label: XGBoost refuses it', () => {
    refuses(() => DMatrix.fromRows(new Float32Array(6), 3, 2, { labels: [1, NaN, 2] }), 'xgboost', /[Ll]abel contains NaN, infinity/);
  });

  test('Infinity label: XGBoost refuses it', () => {
    refuses(() => DMatrix.fromRows(new Float32Array(6), 3, 2, { labels: [1, Infinity, 2] }), 'xgboost', /[Ll]abel contains NaN, infinity/);
  });

  test('negative weight', () => {
    refuses(() => DMatrix.fromRows(new Float32Array(6), 3, 2, { labels: [1, 2, 3], weights: [1, -1, 1] }), 'xgboost', /[Ww]eights must be positive/);
  });

  test('unknown parameter name', () => {
    const e = refuses(() => {
      using dm = DMatrix.fromRows(data.x, data.nrow, data.ncol, { labels: data.y });
      Booster.create({ ...PARAMS, max_dept: 4 }, [dm]);
    }, 'xgboost', /unknown parameter "max_dept"/);
    assert.match(e.xgboostMessage!, /Parameters: \{ "max_dept" \} are not used/);
  });

  test('unknown parameter also refused by train()', () => {
    refuses(() => {
      using dm = DMatrix.fromRows(data.x, data.nrow, data.ncol, { labels: data.y });
      Booster.train({ params: { ...PARAMS, learning_rat: 0.1 }, dtrain: dm, numBoostRound: 3 });
    }, 'xgboost', /unknown parameter "learning_rat"/);
  });

  test('invalid parameter value', () => {
    refuses(() => {
      using dm = DMatrix.fromRows(data.x, data.nrow, data.ncol, { labels: data.y });
      Booster.create({ ...PARAMS, max_depth: -3 }, [dm]);
    }, 'xgboost', /max_depth/);
  });

  test('unknown objective', () => {
    refuses(() => {
      using dm = DMatrix.fromRows(data.x, data.nrow, data.ncol, { labels: data.y });
      Booster.train({ params: { objective: 'reg:nonsense' }, dtrain: dm, numBoostRound: 1 });
    }, 'xgboost', /reg:nonsense/);
  });

  test('prediction on a matrix with fewer features than the model', () => {
    refuses(() => {
      using booster = Booster.loadModel(goodModel);
      using dm = DMatrix.fromRows(new Float32Array(6), 2, 3);
      booster.predict(dm);
    }, 'casa', /the matrix has 3 columns but the model was trained on 10 features/);
  });

  test('prediction on a matrix with more features than the model: XGBoost refuses it', () => {
    refuses(() => {
      using booster = Booster.loadModel(goodModel);
      using dm = DMatrix.fromRows(new Float32Array(40), 2, 20);
      booster.predict(dm, { validateFeatures: false });
    }, 'xgboost', /[Ff]eature shape mismatch|number of features|num_feature|columns/);
  });

  test('prediction on a matrix whose feature names differ', () => {
    refuses(() => {
      using dtrain = DMatrix.fromRows(data.x, data.nrow, data.ncol, { labels: data.y, featureNames: data.featureNames });
      using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: 1 }).booster;
      const swapped = [...data.featureNames];
      [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
      using dm = DMatrix.fromRows(data.x, data.nrow, data.ncol, { featureNames: swapped });
      booster.predict(dm);
    }, 'casa', /feature names differ from the model's at column 0: "bath" where the model has "bed"/);
  });

  test('corrupt model bytes', () => {
    const junk = new TextEncoder().encode('{"learner": this is not a model');
    refuses(() => Booster.loadModel(junk), 'xgboost', /./);
  });

  test('truncated UBJ model', () => {
    refuses(() => Booster.loadModel(goodModel.subarray(0, Math.floor(goodModel.length / 2))), 'xgboost', /./);
  });

  test('truncated JSON model', () => {
    using booster = Booster.loadModel(goodModel);
    const json = booster.saveModel('json');
    booster.dispose();
    refuses(() => Booster.loadModel(json.subarray(0, json.length - 50)), 'xgboost', /./);
  });

  test('empty model bytes', () => {
    refuses(() => Booster.loadModel(new Uint8Array(0)), 'casa', /empty/);
  });

  test('random bytes as a model', () => {
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    refuses(() => Booster.loadModel(bytes), 'xgboost', /./);
  });

  test('iteration range beyond the model', () => {
    refuses(() => {
      using booster = Booster.loadModel(goodModel);
      using dm = DMatrix.fromRows(data.x, data.nrow, data.ncol);
      booster.predict(dm, { iterationRange: [0, 50] });
    }, 'xgboost', /./);
  });

  test('a bad call, then a good call on the same instance', () => {
    assert.throws(() => Booster.loadModel(new Uint8Array([1, 2, 3])), XGBoostError);
    using booster = Booster.loadModel(goodModel);
    using dm = DMatrix.fromRows(data.x, data.nrow, data.ncol);
    assert.equal(booster.predict(dm).length, data.nrow);
  });
});
