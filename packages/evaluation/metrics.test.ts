import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeMetrics, metricsByGroup } from './metrics.js';

test('perfect predictions: zero errors, R² 1', () => {
  const y = [Math.log(100_000), Math.log(250_000), Math.log(400_000)];
  const m = computeMetrics(y, y);
  assert.deepEqual([m.rmse_log, m.mae_log, m.rmse, m.mae, m.mape, m.r2_log, m.r2], [0, 0, 0, 0, 0, 1, 1]);
});

test('known numbers in log space and in dollars', () => {
  // Prepare: true $100k and $200k, predicted $110k and $180k
  const t = [Math.log(100_000), Math.log(200_000)];
  const p = [Math.log(110_000), Math.log(180_000)];
  // Act
  const m = computeMetrics(t, p);
  // Assess
  assert.ok(Math.abs(m.mae - 15_000) < 1e-6);
  assert.ok(Math.abs(m.rmse - Math.sqrt((10_000 ** 2 + 20_000 ** 2) / 2)) < 1e-6);
  assert.ok(Math.abs(m.mape - 0.1) < 1e-12);
  const dl = [Math.log(1.1), Math.log(0.9)];
  assert.ok(Math.abs(m.rmse_log - Math.sqrt((dl[0]! ** 2 + dl[1]! ** 2) / 2)) < 1e-12);
  assert.ok(Math.abs(m.r2 - (1 - (10_000 ** 2 + 20_000 ** 2) / (2 * 50_000 ** 2))) < 1e-12);
});

test('per-group metrics split the rows by group; overall covers them all', () => {
  const groups = [0, 0, 1, 1, 1];
  const t = [1, 2, 3, 4, 5];
  const p = [1, 2, 3, 4, 7];
  const { overall, byGroup } = metricsByGroup(groups, t, p);
  assert.deepEqual(Object.keys(byGroup), ['0', '1']);
  assert.equal(byGroup['0']!.rmse_log, 0);
  assert.ok(Math.abs(byGroup['1']!.rmse_log - Math.sqrt(4 / 3)) < 1e-12);
  assert.equal(overall.n, 5);
});

test('mismatched lengths are refused', () => {
  assert.throws(() => computeMetrics([1, 2], [1]), RangeError);
});
