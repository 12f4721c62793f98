import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Booster, DMatrix, createXGBoostEngine, loadXGBoost } from './index.js';
import { makeHousing } from './housing-data.js';

const COMMITTED = fileURLToPath(new URL('./wasm/', import.meta.url));

test('an engine from another build directory is separate and trains like the committed one (bench/ab.ts)', async () => {
  // Prepare: the committed build loaded twice, once by directory
  const d = makeHousing(300, 5);
  const params = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 3, seed: 1 };
  const predictWith = (engine: Awaited<ReturnType<typeof createXGBoostEngine>>) => {
    using dtrain = DMatrix.fromRows(d.x, d.nrow, d.ncol, { labels: d.y, engine });
    using booster = Booster.train({ params, dtrain, numBoostRound: 5 }).booster;
    return booster.predict(dtrain);
  };
  // Act
  const byDir = await createXGBoostEngine({ buildDir: COMMITTED });
  const usual = await loadXGBoost();
  // Assess
  assert.notEqual(byDir, usual);
  assert.deepEqual(predictWith(byDir), predictWith(usual));
});

test('a build directory without a build fails to load, naming the file', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'casa-no-build-'));
  try {
    await assert.rejects(createXGBoostEngine({ buildDir: empty }), /xgboost\.cjs/);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
