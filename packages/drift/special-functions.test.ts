import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquaredSurvival, logGamma, regularizedUpperGamma, roundHalfEven } from './special-functions.js';

const close = (actual: number, expected: number, relative = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

describe('special functions', () => {
  it('logGamma equals log((n−1)!) at integers and log(√π) at ½ (relative, absolute near 0)', () => {
    // Prepare
    let factorial = 1;
    for (let n = 1; n <= 30; n++) {
      // Act / Assess
      close(logGamma(n), Math.log(factorial), 1e-13);
      factorial *= n;
    }
    close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14);
  });

  it('chi-squared survival with 2 degrees of freedom is exp(−x/2), far into the tail', () => {
    for (const x of [0.001, 0.5, 2, 10, 100, 1000]) close(chiSquaredSurvival(x, 2), Math.exp(-x / 2));
  });

  it('chi-squared survival at the 5 % critical value of 1 dof is 0.05', () => {
    close(chiSquaredSurvival(3.841458820694124, 1), 0.05, 1e-12);
  });

  it('chi-squared survival is 1 at 0 and NaN without degrees of freedom', () => {
    assert.equal(chiSquaredSurvival(0, 3), 1);
    assert.ok(Number.isNaN(chiSquaredSurvival(1, 0)));
  });

  it('regularised upper gamma Q(1, x) is exp(−x) on both sides of its series/fraction switch', () => {
    for (const x of [0.1, 1.9, 2.1, 30]) close(regularizedUpperGamma(1, x), Math.exp(-x));
  });

  it('rounds halves to even like numpy', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -2.5, 2.4, 2.6, 10000.5].map(roundHalfEven), [0, 2, 2, -2, 2, 3, 10000]);
  });
});
