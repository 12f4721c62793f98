/**
 * Properties every drift statistic must keep on arbitrary samples (ties, missing values, one value,
 * huge and tiny magnitudes). Each property counts its runs, so it cannot pass by testing nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chiSquaredHomogeneity } from './chi-squared-homogeneity.js';
import { featureDrift } from './feature-drift.js';
import { jensenShannonDistance } from './jensen-shannon-distance.js';
import { ksTwoSample } from './ks-two-sample.js';
import { populationStabilityIndex } from './population-stability-index.js';
import { wassersteinDistance } from './wasserstein.js';

const RUNS = 300;
const SEED = 20_240_611;

/** Non-empty samples mixing small integers (ties) and arbitrary finite doubles. */
const sampleArbitrary = fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })), {
  minLength: 1,
  maxLength: 60,
});
const countsArbitrary = fc.array(fc.tuple(fc.nat(50), fc.nat(50)), { minLength: 1, maxLength: 12 });

function checkProperty<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void): number {
  let runs = 0;
  fc.assert(
    fc.property(arbitrary, (value) => {
      runs++;
      predicate(value);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  return runs;
}

describe('drift statistics, property-based', () => {
  it('KS: D and p lie in [0, 1], D is symmetric, and a sample against itself gives D = 0, p = 1', () => {
    const runs = checkProperty(fc.tuple(sampleArbitrary, sampleArbitrary), ([a, b]) => {
      const ab = ksTwoSample(a, b);
      const ba = ksTwoSample(b, a);
      assert.ok(ab.statistic >= 0 && ab.statistic <= 1 && ab.pValue >= 0 && ab.pValue <= 1);
      assert.equal(ab.statistic, ba.statistic);
      const self = ksTwoSample(a, a);
      assert.equal(self.statistic, 0);
      assert.equal(self.pValue, 1);
    });
    assert.equal(runs, RUNS);
  });

  it('Wasserstein: symmetric, non-negative, and a translate by c is at distance |c|', () => {
    const integers = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 60 });
    const runs = checkProperty(fc.tuple(integers, sampleArbitrary, fc.integer({ min: -500, max: 500 })), ([a, b, c]) => {
      const w = wassersteinDistance(a, b);
      assert.ok(w >= 0);
      assert.ok(Math.abs(w - wassersteinDistance(b, a)) <= 1e-9 * Math.max(1, w));
      assert.ok(Math.abs(wassersteinDistance(a, a.map((x) => x + c)) - Math.abs(c)) <= 1e-9 * Math.max(1, Math.abs(c)));
    });
    assert.equal(runs, RUNS);
  });

  it('PSI: non-negative, finite, 0 against itself, shares summing to 1', () => {
    const runs = checkProperty(fc.tuple(sampleArbitrary, sampleArbitrary, fc.integer({ min: 2, max: 20 })), ([a, b, bins]) => {
      const psi = populationStabilityIndex(a, b, bins);
      assert.ok(psi.value >= 0 && Number.isFinite(psi.value));
      assert.ok(Math.abs(psi.currentShares.reduce((s, x) => s + x, 0) - 1) < 1e-12);
      assert.equal(psi.referenceShares.length, psi.cutPoints.length + 1);
      assert.equal(populationStabilityIndex(a, a, bins).value, 0);
    });
    assert.equal(runs, RUNS);
  });

  it('χ² and Jensen–Shannon on any table: p in [0, 1], χ² ≥ 0, JS in [0, 1] and symmetric', () => {
    const table = countsArbitrary.filter(
      (pairs) => pairs.every(([r, c]) => r + c > 0) && pairs.some(([r]) => r > 0) && pairs.some(([, c]) => c > 0),
    );
    const runs = checkProperty(table, (pairs) => {
      const reference = pairs.map(([r]) => r);
      const current = pairs.map(([, c]) => c);
      const chi = chiSquaredHomogeneity(reference, current);
      assert.ok(chi.statistic >= 0 && chi.pValue >= 0 && chi.pValue <= 1);
      assert.equal(chi.degreesOfFreedom, pairs.length - 1);
      const js = jensenShannonDistance(reference, current);
      assert.ok(js >= 0 && js <= 1 + 1e-12);
      assert.equal(js, jensenShannonDistance(current, reference));
    });
    assert.equal(runs, RUNS);
  });

  it('featureDrift never throws on columns full of missing values and always round-trips through JSON', () => {
    const numericColumn = fc.array(fc.oneof(fc.constant(Number.NaN), fc.double({ noNaN: true, min: -1e6, max: 1e6 })), { minLength: 0, maxLength: 40 });
    const categoricalColumn = fc.array(fc.oneof(fc.constant(null), fc.constantFrom('MA', 'NY', 'CT', '')), { minLength: 0, maxLength: 40 });
    const side = fc.tuple(fc.nat(40), numericColumn, categoricalColumn).map(([n, x, s]) => ({
      x: Float64Array.from({ length: n }, (_, i) => x[i % Math.max(1, x.length)] ?? Number.NaN),
      s: Array.from({ length: n }, (_, i) => s[i % Math.max(1, s.length)] ?? null),
    }));
    const runs = checkProperty(fc.tuple(side, side), ([reference, current]) => {
      const report = featureDrift(reference, current, { x: 'numeric', s: 'categorical' });
      assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
      for (const feature of report.features) {
        assert.equal(feature.drifted, feature.reasons.length > 0);
        assert.equal(feature.unavailable === null, feature.counts.reference > 0 && feature.counts.current > 0);
      }
    });
    assert.equal(runs, RUNS);
  });
});
