/**
 * Interoperability with Python's xgboost and shap, through the project's .venv
 * (scripts/setup-venv.sh, requirements-dev.txt). Without the venv these tests skip loudly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Booster, DMatrix, loadXGBoost } from './index.js';
import { makeHousing } from './housing-data.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '..', '..');
const PYTHON = process.env.CASA_VENV_PYTHON ?? join(REPO, '.venv', 'bin', 'python');
const SCRIPT = join(HERE, 'test', 'py', 'xgb_ref.py');
const HAVE_VENV = existsSync(PYTHON);
const SKIP = HAVE_VENV ? false : `SKIPPED: ${PYTHON} not found — run \`make test\` (or scripts/setup-venv.sh) to create the project .venv`;
if (!HAVE_VENV) console.warn(`\n*** xgboost-wasm interop tests ${SKIP} ***\n`);

const PARAMS = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 6, eta: 0.1, seed: 1, nthread: 1 };

let dir: string;
function py(args: Record<string, unknown>): Record<string, unknown> {
  const r = spawnSync(PYTHON, [SCRIPT, JSON.stringify(args)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`python reference failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}
function writeF32(name: string, a: Float32Array): string {
  const p = join(dir, name);
  writeFileSync(p, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return p;
}
function readF32(p: string): Float32Array {
  const b = readFileSync(p);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function readF64(p: string): Float64Array {
  const b = readFileSync(p);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('interop with Python xgboost and shap (.venv)', () => {
  const train = makeHousing(5000, 101);
  const fixed = makeHousing(1000, 202); // the fixed test set

  before(async () => {
    if (!HAVE_VENV) return;
    await loadXGBoost();
    dir = mkdtempSync(join(tmpdir(), 'casa-xgb-interop-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a casa model loads in Python xgboost.Booster and predicts the same (≤ 1e-5)', { skip: SKIP }, () => {
    using dtrain = DMatrix.fromRows(train.x, train.nrow, train.ncol, { labels: train.y, featureNames: train.featureNames });
    using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: 50 }).booster;
    using dtest = DMatrix.fromRows(fixed.x, fixed.nrow, fixed.ncol, { featureNames: fixed.featureNames });
    const ours = booster.predict(dtest);
    const x = writeF32('x.f32', fixed.x);
    for (const format of ['json', 'ubj'] as const) {
      const model = join(dir, `casa.${format}`);
      writeFileSync(model, booster.saveModel(format));
      const out = join(dir, `pred-${format}.f32`);
      py({ cmd: 'predict', model, x, nrow: fixed.nrow, ncol: fixed.ncol, out });
      const theirs = readF32(out);
      const diff = maxAbsDiff(ours, theirs);
      assert.ok(diff <= 1e-5, `${format}: max |casa − python| = ${diff}`);
    }
  });

  test('casa SHAP equals shap.TreeExplainer (≤ 1e-4) and each row sums to the prediction', { skip: SKIP }, () => {
    using dtrain = DMatrix.fromRows(train.x, train.nrow, train.ncol, { labels: train.y });
    using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: 50 }).booster;
    const rows = 300;
    const x = fixed.x.subarray(0, rows * fixed.ncol);
    using dtest = DMatrix.fromRows(x, rows, fixed.ncol);
    const contrib = booster.predictContributions(dtest);
    const pred = booster.predict(dtest);
    const model = join(dir, 'shap.ubj');
    writeFileSync(model, booster.saveModel('ubj'));
    const out = join(dir, 'shap.f64');
    const info = py({ cmd: 'shap', model, x: writeF32('xs.f32', x), nrow: rows, ncol: fixed.ncol, out });
    const theirs = readF64(out); // rows × ncol (no bias column)
    const k = fixed.ncol + 1;
    let maxDiff = 0;
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const v = contrib.values[r * k + c]!;
        sum += v;
        if (c < fixed.ncol) maxDiff = Math.max(maxDiff, Math.abs(v - theirs[r * fixed.ncol + c]!));
      }
      assert.ok(Math.abs(sum - pred[r]!) <= 1e-4, `row ${r}: contributions + bias = ${sum}, prediction ${pred[r]}`);
      assert.ok(Math.abs(contrib.values[r * k + fixed.ncol]! - Number(info.expected_value)) <= 1e-4, 'bias = expected value');
    }
    assert.ok(maxDiff <= 1e-4, `max |casa SHAP − shap.TreeExplainer| = ${maxDiff}`);
  });

  test('a model trained by Python xgboost loads in casa and predicts the same', { skip: SKIP }, () => {
    const x = writeF32('xt.f32', train.x);
    const y = writeF32('yt.f32', train.y);
    const modelJson = join(dir, 'py.json');
    const modelUbj = join(dir, 'py.ubj');
    const out = join(dir, 'py-pred.f32');
    py({ cmd: 'train', x, y, nrow: train.nrow, ncol: train.ncol, params: PARAMS, rounds: 40, model_json: modelJson, model_ubj: modelUbj, out });
    const theirs = readF32(out);
    using dtrain = DMatrix.fromRows(train.x, train.nrow, train.ncol);
    for (const model of [modelJson, modelUbj]) {
      using booster = Booster.loadModel(readFileSync(model));
      assert.equal(booster.boostedRounds, 40);
      const diff = maxAbsDiff(booster.predict(dtrain), theirs);
      assert.ok(diff <= 1e-5, `${model}: max |casa − python| = ${diff}`);
    }
  });
});
