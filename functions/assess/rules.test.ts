import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRetrain, DEFAULT_RETRAIN_RULES, rulesFromEnv, type RuleInput } from './rules.js';

/** A champion that is fine on the batch: same error as its holdout, no drift, a large batch. */
function calm(over: Partial<NonNullable<RuleInput['champion']>> = {}, batchRows = 5_000): RuleInput {
  return {
    batchRows,
    champion: { version: '3', referenceRows: 20_000, holdoutRmseLog: 0.3, batchRmseLog: 0.31, batchRmseLogLower: 0.3, weightedDrift: 0.02, topDrifted: [], ...over },
  };
}

describe('decideRetrain', () => {
  it('no champion: the first batch trains a baseline', () => {
    // Act
    const d = decideRetrain({ batchRows: 1_500, champion: null });
    // Assess
    assert.equal(d.decision, 'retrain');
    assert.equal(d.leadRule, 'no-champion');
    assert.match(d.reasons[0]!, /no champion yet.*1500 rows/);
  });

  it('no champion but fewer rows than the minimum: waits', () => {
    const d = decideRetrain({ batchRows: 150, champion: null });
    assert.equal(d.decision, 'no-retrain');
    assert.equal(d.leadRule, 'min-batch-size');
    assert.match(d.reasons[0]!, /150 rows < the minimum 200/);
  });

  it('a calm batch does not retrain, and every reason carries its number', () => {
    const d = decideRetrain(calm());
    assert.equal(d.decision, 'no-retrain');
    assert.equal(d.leadRule, null);
    assert.deepEqual(d.rules.map((r) => [r.rule, r.fired]), [['min-batch-size', false], ['degradation', false], ['weighted-drift', false]]);
    assert.match(d.reasons[0]!, /0\.3100 vs its holdout 0\.3000: \+3\.3 %.*≤ the 20\.0 % allowed/);
    assert.match(d.reasons[1]!, /importance-weighted drift 0\.020 ≤ 0\.15/);
  });

  it('degradation fires when the lower bound of the batch RMSE is > 20 % above the holdout RMSE', () => {
    // Act
    const d = decideRetrain(calm({ batchRmseLog: 0.5, batchRmseLogLower: 0.48 }));
    // Assess
    assert.equal(d.decision, 'retrain');
    assert.equal(d.leadRule, 'degradation');
    assert.match(d.reasons[0]!, /\+66\.7 % \(lower 95 % bound \+60\.0 %\) > the 20\.0 % allowed/);
  });

  it('degradation does not fire when only the point estimate exceeds the threshold (a noisy batch)', () => {
    const d = decideRetrain(calm({ batchRmseLog: 0.4, batchRmseLogLower: 0.33 }));
    assert.equal(d.decision, 'no-retrain');
    assert.equal(d.rules.find((r) => r.rule === 'degradation')!.fired, false);
  });

  it('importance-weighted drift fires above its threshold and names the features with their numbers', () => {
    // Act
    const d = decideRetrain(calm({ weightedDrift: 0.3, topDrifted: [{ feature: 'house_size', score: 0.6, importanceShare: 0.5, contribution: 0.3 }] }));
    // Assess
    assert.equal(d.decision, 'retrain');
    assert.equal(d.leadRule, 'weighted-drift');
    assert.match(d.reasons[0]!, /0\.300 > 0\.15; largest: house_size \(drift 0\.600 × importance 50\.0 % = 0\.300\)/);
  });

  it('when both fire, degradation leads', () => {
    const d = decideRetrain(calm({ batchRmseLog: 0.6, batchRmseLogLower: 0.58, weightedDrift: 0.4 }));
    assert.equal(d.leadRule, 'degradation');
    assert.deepEqual(d.rules.filter((r) => r.fired).map((r) => r.rule), ['degradation', 'weighted-drift']);
  });

  it('never retrains on a batch below the absolute minimum, whatever else fires', () => {
    const d = decideRetrain(calm({ batchRmseLog: 0.9, batchRmseLogLower: 0.8, weightedDrift: 0.9 }, 199));
    assert.equal(d.decision, 'no-retrain');
    assert.equal(d.leadRule, 'min-batch-size');
    assert.match(d.reasons[0]!, /199 rows < 2000/);
    assert.ok(d.reasons.some((r) => r.startsWith('would have retrained, but champion')));
  });

  it('never retrains on a batch below 10 % of the reference rows (a small slice of the market)', () => {
    // Prepare: 1,500 rows ≥ 200 but < 10 % of 20,000
    const d = decideRetrain(calm({ batchRmseLog: 0.9, batchRmseLogLower: 0.8 }, 1_500));
    assert.equal(d.decision, 'no-retrain');
    assert.match(d.reasons[0]!, /1500 rows < 2000 \(max of 200 rows and 10\.0 % of the champion's 20000 reference rows\)/);
  });

  it('the size rule does not fire at exactly the minimum', () => {
    const d = decideRetrain(calm({ batchRmseLog: 0.9, batchRmseLogLower: 0.8 }, 2_000));
    assert.equal(d.decision, 'retrain');
  });

  it('thresholds are configuration: a looser degradation threshold keeps the champion', () => {
    const d = decideRetrain(calm({ batchRmseLog: 0.5, batchRmseLogLower: 0.48 }), { ...DEFAULT_RETRAIN_RULES, maxRmseIncrease: 0.7 });
    assert.equal(d.decision, 'no-retrain');
  });
});

describe('rulesFromEnv', () => {
  it('reads CASA_ASSESS_* and keeps defaults for the rest', () => {
    const r = rulesFromEnv({ CASA_ASSESS_MAX_RMSE_INCREASE: '0.3', CASA_ASSESS_MIN_BATCH_ROWS: '50' });
    assert.deepEqual(r, { ...DEFAULT_RETRAIN_RULES, maxRmseIncrease: 0.3, minBatchRows: 50 });
  });
  it('refuses a malformed value, naming the variable', () => {
    assert.throws(() => rulesFromEnv({ CASA_ASSESS_MIN_BATCH_ROWS: 'many' }), /CASA_ASSESS_MIN_BATCH_ROWS/);
  });
});
