import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../packages/core/index.js';
import type { Metrics } from '../../packages/evaluation/index.js';
import { applyGate, DEFAULT_GATE, gateFromEnv } from './gate.js';

const m = (rmse_log: number, n = 1000): Metrics => ({ n, rmse_log, mae_log: 0, r2_log: 0, rmse: 0, mae: 0, mape: 0, r2: 0 });

test('passes a challenger that gains ≥ δ overall and regresses on no batch beyond ε', () => {
  const v = applyGate({
    reference: 'champion',
    challenger: { overall: m(0.30), byBatch: { '0': m(0.31), '1': m(0.29) } },
    incumbent: { overall: m(0.32), byBatch: { '0': m(0.30), '1': m(0.34) } },
    newestBatch: 1,
  });
  assert.equal(v.passed, true);
  assert.ok(Math.abs(v.relativeGain - 0.0625) < 1e-12);
  assert.deepEqual(v.checks.map((c) => c.name), ['cumulative_gain', 'batch_0', 'newest_batch_1']);
});

test('fails on too small a gain, and names the check with its number', () => {
  const v = applyGate({ reference: 'champion', challenger: { overall: m(0.299), byBatch: {} }, incumbent: { overall: m(0.30), byBatch: {} }, newestBatch: 0 });
  assert.equal(v.passed, false);
  assert.equal(v.checks[0]!.name, 'cumulative_gain');
  assert.equal(v.checks[0]!.passed, false);
  assert.match(v.checks[0]!.detail, /0\.33 %, need ≥ 1\.00 %/);
});

test('fails when one earlier batch is worse by more than ε despite a large overall gain', () => {
  const v = applyGate({
    reference: 'champion',
    challenger: { overall: m(0.30), byBatch: { '0': m(0.50), '1': m(0.25) } },
    incumbent: { overall: m(0.60), byBatch: { '0': m(0.30), '1': m(0.70) } },
    newestBatch: 1,
  }, { ...DEFAULT_GATE, maxBatchRegression: 0.2 });
  assert.equal(v.passed, false);
  assert.deepEqual(v.checks.filter((c) => !c.passed).map((c) => c.name), ['batch_0']);
});

test('a batch with too few holdout rows is reported but not judged', () => {
  const v = applyGate({
    reference: 'champion',
    challenger: { overall: m(0.30), byBatch: { '3': m(0.90, 12) } },
    incumbent: { overall: m(0.40), byBatch: { '3': m(0.30, 12) } },
    newestBatch: 3,
  });
  assert.equal(v.passed, true);
  assert.match(v.checks[1]!.detail, /not judged/);
});

test('against the baseline only the overall gain counts', () => {
  const v = applyGate({ reference: 'baseline', challenger: { overall: m(0.35), byBatch: { '0': m(0.9) } }, incumbent: { overall: m(0.7), byBatch: { '0': m(0.3) } }, newestBatch: 0 });
  assert.equal(v.passed, true);
  assert.equal(v.checks.length, 1);
});

test('the gate comes from the environment, defaults when unset, loud on nonsense', () => {
  assert.deepEqual(gateFromEnv({}), DEFAULT_GATE);
  assert.deepEqual(gateFromEnv({ CASA_PROMOTE_MIN_GAIN: '0.02', CASA_PROMOTE_MAX_BATCH_REGRESSION: '0.1' }), { ...DEFAULT_GATE, minRelativeGain: 0.02, maxBatchRegression: 0.1 });
  assert.throws(() => gateFromEnv({ CASA_PROMOTE_MIN_GAIN: 'lots' }), ConfigError);
});
