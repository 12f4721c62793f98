import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { populationStabilityIndex, PSI_EPSILON, quantileCutPoints } from './population-stability-index.js';

describe('populationStabilityIndex', () => {
  it('is 0 for identical samples', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i * 37) % 101);
    assert.equal(populationStabilityIndex(values, values.slice().reverse()).value, 0);
  });

  it('cuts at the reference deciles: 1…100 gives 10, 20, …, 90 and ten shares of 0.1', () => {
    const reference = Array.from({ length: 100 }, (_, i) => i + 1);
    const result = populationStabilityIndex(reference, reference);
    assert.deepEqual(result.cutPoints, [10, 20, 30, 40, 50, 60, 70, 80, 90]);
    assert.deepEqual(result.referenceShares, new Array(10).fill(0.1));
  });

  it('merges repeated cut points of a tied reference (bins stay closed on the right)', () => {
    const reference = Float64Array.from([1, 1, 1, 1, 1, 1, 2, 2, 3, 3]);
    assert.deepEqual(quantileCutPoints(reference, 10), [1, 2, 3]);
    const result = populationStabilityIndex(reference, [1, 2, 3, 4]);
    assert.deepEqual(result.referenceShares, [0.6, 0.2, 0.2, 0]);
    assert.deepEqual(result.currentShares, [0.25, 0.25, 0.25, 0.25]);
  });

  it('floors an empty bin at ε: all current values above the reference max', () => {
    const reference = Array.from({ length: 100 }, (_, i) => i);
    const result = populationStabilityIndex(reference, [1000, 1001]);
    // Nine bins go from 0.1 to empty (floored at ε); the open top bin from 0.1 to 1.
    const expected = 9 * (PSI_EPSILON - 0.1) * Math.log(PSI_EPSILON / 0.1) + (1 - 0.1) * Math.log(1 / 0.1);
    assert.ok(Math.abs(result.value - expected) < 1e-12, `${result.value} vs ${expected}`);
  });

  it('ignores missing values on both sides', () => {
    const result = populationStabilityIndex([1, 2, Number.NaN, 3], [Number.NaN, 1, 2, 3]);
    assert.equal(result.value, 0);
  });
});
