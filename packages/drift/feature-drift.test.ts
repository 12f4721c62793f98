import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../core/index.js';
import { DEFAULT_DRIFT_THRESHOLDS, featureDrift, type Columns, type FeatureSpec, type NumericFeatureDrift, type CategoricalFeatureDrift } from './feature-drift.js';
import { categoricalSample, createRandom, logNormalSample, normalSample, withMissing } from './testing/sample-generators.js';

const STATES = { Massachusetts: 3, 'New York': 3, Connecticut: 2, Vermont: 1 };
const spec: FeatureSpec = { house_size: 'numeric', bed: 'numeric', state: 'categorical' };

function sample(seed: number, n: number, shift = 0, states: Record<string, number> = STATES): Columns {
  const random = createRandom(seed);
  return {
    house_size: logNormalSample(random, n, 7.5 + shift, 0.4),
    bed: normalSample(random, n, 3, 1).map(Math.round),
    state: categoricalSample(random, n, states),
    price: logNormalSample(random, n, 12 + shift, 0.6),
  };
}

const numeric = (r: { features: unknown[] }, i: number) => r.features[i] as NumericFeatureDrift;
const categorical = (r: { features: unknown[] }, i: number) => r.features[i] as CategoricalFeatureDrift;

describe('featureDrift', () => {
  it('identical samples: D = 0, PSI = 0, JS = 0, W = 0, nothing drifted', () => {
    // Prepare
    const data = sample(1, 5_000);
    // Act
    const report = featureDrift(data, data, spec);
    // Assess
    assert.deepEqual(report.driftedFeatures, []);
    for (const i of [0, 1]) {
      assert.equal(numeric(report, i).ks?.statistic, 0);
      assert.equal(numeric(report, i).ks?.pValue, 1);
      assert.equal(numeric(report, i).psi?.value, 0);
      assert.equal(numeric(report, i).wasserstein?.distance, 0);
    }
    assert.equal(categorical(report, 2).jensenShannon?.distance, 0);
    assert.equal(categorical(report, 2).chiSquared?.pValue, 1);
    assert.equal(categorical(report, 2).unseen?.share, 0);
  });

  it('two draws of one distribution do not drift', () => {
    const report = featureDrift(sample(1, 20_000), sample(2, 20_000), spec);
    assert.deepEqual(report.driftedFeatures, []);
    assert.ok(report.features.every((f) => f.reasons.length === 0));
  });

  it('a shifted numeric feature drifts, with KS, Wasserstein and PSI in its reasons', () => {
    const report = featureDrift(sample(1, 20_000), sample(2, 20_000, 0.5), spec);
    const size = numeric(report, 0);
    assert.equal(size.drifted, true);
    assert.ok(size.ks!.pValue < 0.01 && size.wasserstein!.normalised > 0.1 && size.psi!.value > 0.2);
    assert.equal(size.wasserstein?.spreadKind, 'iqr');
    assert.match(size.reasons[0]!, /^KS p-value .* < 0\.01, D .* > 0\.05 and Wasserstein distance .* IQR > 0\.1$/);
    assert.match(size.reasons[1]!, /^PSI .* > 0\.2$/);
    assert.deepEqual(report.driftedFeatures, ['house_size']);
  });

  it('heavy tails: a tiny shift that KS detects and the tail inflates to 0.39 IQR is not drift unless D is large too', () => {
    // Prepare: log-normal with σ = 2.5 (acre_lot-like), shifted by 0.06 in log space.
    const random = createRandom(11);
    const reference = { x: logNormalSample(random, 50_000, 0, 2.5) };
    const current = { x: logNormalSample(random, 50_000, 0.06, 2.5) };
    // Act
    const byDefault = numeric(featureDrift(reference, current, { x: 'numeric' }), 0);
    const withoutD = numeric(featureDrift(reference, current, { x: 'numeric' }, { thresholds: { ksStatistic: 0 } }), 0);
    // Assess
    assert.ok(byDefault.ks!.pValue < 0.01 && byDefault.ks!.statistic < 0.05 && byDefault.wasserstein!.normalised > 0.1);
    assert.equal(byDefault.drifted, false);
    assert.equal(withoutD.drifted, true);
  });

  it('new states in the current sample: unseen share, largest shifts, chi-squared and JS', () => {
    const report = featureDrift(sample(1, 10_000), sample(2, 10_000, 0, { ...STATES, Florida: 2 }), spec);
    const state = categorical(report, 2);
    assert.equal(state.drifted, true);
    assert.ok(Math.abs(state.unseen!.share - 2 / 11) < 0.02);
    assert.deepEqual(state.unseen?.topCategories, ['Florida']);
    assert.equal(state.largestShifts[0]?.category, 'Florida');
    assert.equal(state.largestShifts[0]?.referenceShare, 0);
    assert.equal(state.categories.union, 5);
    assert.equal(state.chiSquared?.degreesOfFreedom, 4);
    assert.ok(state.reasons.some((r) => /unseen in the reference/.test(r)));
  });

  it('reports missing rates and computes statistics on the non-missing values only', () => {
    const random = createRandom(3);
    const values = normalSample(random, 10_000);
    const report = featureDrift({ x: values }, { x: withMissing(random, values, 0.3) }, { x: 'numeric' });
    const x = numeric(report, 0);
    assert.equal(x.missing.reference, 0);
    assert.ok(Math.abs(x.missing.current - 0.3) < 0.02);
    assert.equal(x.missing.difference, x.missing.current);
    assert.equal(x.counts.current, 10_000 - x.missing.currentCount);
    assert.ok(x.ks!.pValue > 0.5, 'dropping values at random must not look like drift');
    assert.equal(x.drifted, true);
    assert.match(x.reasons[0]!, /^missing rate moved from 0 to 0\.\d+/);
  });

  it('an all-missing column: statistics null with the reason, missing rate still compared', () => {
    const report = featureDrift({ s: ['a', 'b', 'a'] }, { s: [null, null] }, { s: 'categorical' });
    const s = categorical(report, 0);
    assert.equal(s.unavailable, 'no non-missing values in the current sample');
    assert.equal(s.chiSquared, null);
    assert.equal(s.missing.difference, 1);
    assert.equal(s.drifted, true);
  });

  it('thresholds come in as data', () => {
    const data = [sample(1, 5_000), sample(2, 5_000, 0.05)] as const;
    const strict = featureDrift(...data, spec, { thresholds: { psi: 0.001, wassersteinNormalised: 0 } });
    const lax = featureDrift(...data, spec, { thresholds: { psi: 100, ksPValue: 0 } });
    assert.ok(strict.driftedFeatures.includes('house_size'));
    assert.equal(strict.thresholds.psi, 0.001);
    assert.equal(strict.thresholds.jensenShannon, DEFAULT_DRIFT_THRESHOLDS.jensenShannon);
    assert.ok(!lax.driftedFeatures.includes('house_size'));
  });

  it('reports the target apart from the features', () => {
    const report = featureDrift(sample(1, 5_000), sample(2, 5_000, 1), spec, { target: { name: 'price', kind: 'numeric' } });
    assert.equal(report.target?.feature, 'price');
    assert.equal(report.target?.drifted, true);
    assert.ok(!report.driftedFeatures.includes('price'));
    assert.equal(report.features.length, 3);
  });

  it('is plain JSON: serialising and parsing gives the same object', () => {
    const report = featureDrift(sample(1, 2_000), sample(2, 1_500, 0.3), spec, { target: { name: 'price', kind: 'numeric' } });
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });

  it('refuses missing or mistyped columns, naming each with a pointer', () => {
    const data = sample(1, 10);
    const error = (() => {
      try {
        featureDrift({ ...data, bed: [1, 2] as unknown as Float64Array }, { state: data['state']! }, spec);
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(error instanceof InvalidInputError);
    assert.deepEqual(
      error.issues.map((i) => i.pointer),
      ['/current/house_size', '/reference/bed', '/current/bed'],
    );
  });

  it('refuses invalid thresholds, a target that is also a feature, and unequal column lengths', () => {
    const data = sample(1, 10);
    assert.throws(() => featureDrift(data, data, spec, { thresholds: { ksPValue: 2 } }), InvalidInputError);
    assert.throws(() => featureDrift(data, data, spec, { target: { name: 'bed', kind: 'numeric' } }), InvalidInputError);
    assert.throws(() => featureDrift(data, data, { bed: 'ordinal' as 'numeric' }), InvalidInputError);
    assert.throws(() => featureDrift({ ...data, bed: new Float64Array(3) }, data, spec), /differ in length/);
    assert.throws(
      () => featureDrift(data, { ...data, state: ['MA', 7, null, 'NY', 'MA', 'MA', 'MA', 'MA', 'MA', 'MA'] as unknown as string[] }, spec),
      (e: unknown) => e instanceof InvalidInputError && e.issues[0]?.pointer === '/current/state/1',
    );
  });
});
