import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kolmogorovSmirnovSurvival, smirnovSurvival } from './kolmogorov-distribution.js';

const close = (actual: number, expected: number, relative = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} ≠ ${expected}`);

describe('Kolmogorov–Smirnov distributions', () => {
  it('one sample of one value: Pr(D₁ ≥ x) = 2 − 2x on [½, 1]', () => {
    for (const x of [0.55, 0.7, 0.99]) close(kolmogorovSmirnovSurvival(1, x), 2 - 2 * x);
  });

  it('near the top of the support: Pr(D_n ≥ x) = 2(1 − x)ⁿ', () => {
    close(kolmogorovSmirnovSurvival(10, 0.9), 2 * 0.1 ** 10, 1e-10);
  });

  it('is 1 below the support (x ≤ 1/2n) and 0 at or above 1', () => {
    assert.equal(kolmogorovSmirnovSurvival(10, 0.05), 1);
    assert.equal(kolmogorovSmirnovSurvival(10, 0), 1);
    assert.equal(kolmogorovSmirnovSurvival(10, 1), 0);
  });

  it('decreases in x across every algorithm it switches between', () => {
    for (const n of [5, 140, 141, 5000, 200_000]) {
      let previous = 1;
      // The one-sided sum costs O(n) per point, so the largest n is walked in coarser steps.
      const step = n > 10_000 ? 0.4 : 0.1;
      for (let z = 0.2; z < 8; z += step) {
        const x = z / Math.sqrt(n);
        if (x >= 1) break;
        const p = kolmogorovSmirnovSurvival(n, x);
        assert.ok(p <= previous + 1e-12, `n=${n} x=${x}: ${p} > ${previous}`);
        previous = p;
      }
    }
  });

  it('approaches the Kolmogorov limit 2Σ(−1)^(k−1) e^(−2k²z²) for large n', () => {
    const z = 1.36;
    let limit = 0;
    for (let k = 1; k < 50; k++) limit += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * z * z);
    close(kolmogorovSmirnovSurvival(2_000_000, z / Math.sqrt(2_000_000)), limit, 2e-3);
  });

  it('one-sided Smirnov tail: 1 − x for one value, and below e^(−2nx²)', () => {
    close(smirnovSurvival(1, 0.3), 0.7);
    for (const [n, x] of [[50, 0.2], [1000, 0.05], [100_000, 0.006]] as const) {
      assert.ok(smirnovSurvival(n, x) < Math.exp(-2 * n * x * x));
    }
  });
});
