import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { referenceSpread, wassersteinDistance } from './wasserstein.js';

describe('wassersteinDistance', () => {
  it('is the shift between a sample and its translate', () => {
    assert.equal(wassersteinDistance([0, 1, 3], [5, 6, 8]), 5);
  });

  it('is 0 for identical samples and symmetric', () => {
    assert.equal(wassersteinDistance([3, 1, 2], [1, 2, 3]), 0);
    assert.equal(wassersteinDistance([0, 10], [4]), wassersteinDistance([4], [0, 10]));
  });

  it('moves mass between unequal samples: {0, 10} vs {4} is 0.5·4 + 0.5·6 = 5', () => {
    assert.equal(wassersteinDistance([0, 10], [4]), 5);
  });
});

describe('referenceSpread', () => {
  it('uses the IQR with numpy linear percentiles', () => {
    assert.deepEqual(referenceSpread(Float64Array.of(1, 2, 3, 4, 5)), { spread: 2, kind: 'iqr' });
  });

  it('falls back to the standard deviation when the IQR is 0', () => {
    const sorted = Float64Array.of(0, 0, 0, 0, 0, 0, 0, 10);
    const spread = referenceSpread(sorted);
    assert.equal(spread.kind, 'std');
    assert.ok(Math.abs(spread.spread - Math.sqrt(700 / 64 * 1)) < 1e-12);
  });

  it('falls back to 1 for a constant reference, never dividing by zero', () => {
    assert.deepEqual(referenceSpread(Float64Array.of(7, 7, 7)), { spread: 1, kind: 'unit' });
  });
});
