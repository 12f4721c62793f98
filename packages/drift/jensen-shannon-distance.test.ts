import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jensenShannonDistance } from './jensen-shannon-distance.js';

describe('jensenShannonDistance (base 2)', () => {
  it('is 0 for proportional count vectors', () => {
    assert.equal(jensenShannonDistance([1, 2, 3], [10, 20, 30]), 0);
  });

  it('is 1 for disjoint supports', () => {
    assert.equal(jensenShannonDistance([5, 0], [0, 7]), 1);
  });

  it('matches scipy for [1, 0] vs [½, ½]: 0.5579230452841438', () => {
    assert.ok(Math.abs(jensenShannonDistance([1, 0], [0.5, 0.5]) - 0.5579230452841438) < 1e-15);
  });

  it('is symmetric', () => {
    assert.equal(jensenShannonDistance([3, 1, 4], [1, 5, 9]), jensenShannonDistance([1, 5, 9], [3, 1, 4]));
  });
});
