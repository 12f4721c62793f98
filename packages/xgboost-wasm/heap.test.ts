import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Booster, DMatrix, createXGBoostEngine } from './index.js';
import { makeHousing } from './housing-data.js';

test('training and freeing 1,000 boosters leaves the WebAssembly heap flat', async () => {
  // A private engine, so other tests' allocations cannot blur the numbers.
  const engine = await createXGBoostEngine();
  const d = makeHousing(200, 11);
  const params = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 3, nthread: 1 };
  const cycle = (i: number): void => {
    using dtrain = DMatrix.fromRows(d.x, d.nrow, d.ncol, { labels: d.y, featureNames: d.featureNames, engine });
    const r = Booster.train({ params: { ...params, seed: i }, dtrain, evals: [[dtrain, 'train']], numBoostRound: 3 });
    using booster = r.booster;
    booster.predict(dtrain);
    booster.predictContributions(dtrain);
    booster.saveModel('ubj');
  };
  for (let i = 0; i < 50; i++) cycle(i); // warm-up: one-time buffers, allocator caches
  const start = engine.heapStats();
  const samples: number[] = [];
  for (let i = 0; i < 1000; i++) {
    cycle(i);
    if (i % 100 === 99) samples.push(engine.heapStats().inUseBytes);
  }
  const end = engine.heapStats();
  assert.equal(end.liveHandles, 0);
  assert.equal(end.leakedHandles, 0);
  assert.equal(end.heapBytes, start.heapBytes, `linear memory grew ${start.heapBytes} → ${end.heapBytes}`);
  // In-use bytes may wobble by a few KiB (thread-local strings), never trend upwards.
  const drift = end.inUseBytes - start.inUseBytes;
  assert.ok(Math.abs(drift) < 32 * 1024, `malloc in use drifted by ${drift} bytes: ${start.inUseBytes} → ${samples.join(' → ')}`);
});
