import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ksTwoSample } from './ks-two-sample.js';
import { createRandom, normalSample } from './testing/sample-generators.js';

describe('ksTwoSample', () => {
  it('identical samples: D = 0, p = 1', () => {
    const a = Float64Array.of(1, 2, 3, 4);
    const result = ksTwoSample(a, a.slice());
    assert.equal(result.statistic, 0);
    assert.equal(result.pValue, 1);
  });

  it('disjoint supports: D = 1, and the exact p for 3 vs 3 is 2/C(6,3) = 0.1', () => {
    const result = ksTwoSample([1, 2, 3], [4, 5, 6]);
    assert.equal(result.statistic, 1);
    assert.equal(result.method, 'exact');
    assert.ok(Math.abs(result.pValue - 0.1) < 1e-15);
    assert.equal(result.location, 3);
    assert.equal(result.sign, 1);
  });

  it('disjoint supports in large samples: D = 1 and p = 0 (asymptotic)', () => {
    const random = createRandom(7);
    const result = ksTwoSample(normalSample(random, 20_000), normalSample(random, 20_000, 50));
    assert.equal(result.statistic, 1);
    assert.equal(result.method, 'asymp');
    assert.equal(result.pValue, 0);
  });

  it('current sample shifted down: sign −1, located where the current ECDF leads', () => {
    const result = ksTwoSample([5, 6, 7, 8], [1, 2, 3, 4]);
    assert.equal(result.sign, -1);
    assert.equal(result.statistic, 1);
    assert.equal(result.location, 4);
  });

  it('drops NaN and ±Infinity before testing', () => {
    const result = ksTwoSample([1, Number.NaN, 2, 3, Number.POSITIVE_INFINITY], [1, 2, 3, Number.NaN]);
    assert.equal(result.statistic, 0);
    assert.equal(result.pValue, 1);
  });

  it('refuses an empty sample', () => {
    assert.throws(() => ksTwoSample([Number.NaN], [1, 2]), RangeError);
  });
});
