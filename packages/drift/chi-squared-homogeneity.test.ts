import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquaredHomogeneity } from './chi-squared-homogeneity.js';

describe('chiSquaredHomogeneity', () => {
  it('2×3 table without correction: χ² = 4·(10²/20) = 20, p = e^(−10)', () => {
    const result = chiSquaredHomogeneity([10, 20, 30], [30, 20, 10]);
    assert.equal(result.statistic, 20);
    assert.equal(result.degreesOfFreedom, 2);
    assert.equal(result.yatesCorrection, false);
    assert.ok(Math.abs(result.pValue - Math.exp(-10)) < 1e-18);
  });

  it('2×2 table applies Yates: |10 − 15| becomes 4.5, χ² = 4·4.5²/15 = 5.4', () => {
    const result = chiSquaredHomogeneity([10, 20], [20, 10]);
    assert.equal(result.yatesCorrection, true);
    assert.ok(Math.abs(result.statistic - 5.4) < 1e-12);
    assert.ok(Math.abs(result.pValue - 0.02013675155034633) < 1e-15);
  });

  it('Yates never moves a cell past its expected count', () => {
    // Expected 10.25 etc.: the gap 0.25 < 0.5, so each cell lands exactly on its expectation.
    const result = chiSquaredHomogeneity([10, 10], [10.5, 10.5].map(Math.floor));
    assert.equal(result.statistic, 0);
    assert.equal(result.pValue, 1);
  });

  it('one category: 0 degrees of freedom, χ² = 0, p = 1', () => {
    assert.deepEqual(chiSquaredHomogeneity([5], [9]), { statistic: 0, pValue: 1, degreesOfFreedom: 0, yatesCorrection: false });
  });

  it('refuses a category counted nowhere and mismatched rows', () => {
    assert.throws(() => chiSquaredHomogeneity([1, 0], [1, 0]), RangeError);
    assert.throws(() => chiSquaredHomogeneity([1, 2], [1]), RangeError);
  });
});
