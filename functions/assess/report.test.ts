import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featureDrift } from '../../packages/drift/index.js';
import { computeMetrics } from '../../packages/evaluation/index.js';
import type { AssessDecision } from './core.js';
import { weightDrift } from './measure.js';
import { buildExplanation, renderMarkdown } from './report.js';
import { decideRetrain, DEFAULT_RETRAIN_RULES } from './rules.js';
import { compareShapImportance } from './shap-comparison.js';

/** A decision built from real statistics on synthetic samples: house_size moves by `shift`, the price by `priceFactor`, city changes outright. */
function decisionOf(opts: { shift: number; batchRmse: number; priceFactor: number }): AssessDecision {
  const n = 1_000;
  const sizes = (d: number) => Float64Array.from({ length: n }, (_, i) => 1_000 + ((i * 37) % 1_000) + d);
  const prices = (f: number) => Float64Array.from({ length: n }, (_, i) => (100_000 + ((i * 53) % 200_000)) * f);
  const report = featureDrift(
    { house_size: sizes(0), city: Array.from({ length: n }, () => 'Boston'), price: prices(1) },
    { house_size: sizes(opts.shift), city: Array.from({ length: n }, () => 'Worcester'), price: prices(opts.priceFactor) },
    { house_size: 'numeric', city: 'categorical' },
    { target: { name: 'price', kind: 'numeric' } },
  );
  const shares = { house_size: 0.6, zip3: 0.4 };
  const { features, weightedDrift } = weightDrift(report, shares);
  const truth = Array.from({ length: 400 }, (_, i) => 12 + (i % 7) / 10);
  const holdout = computeMetrics(truth, truth.map((t, i) => t + (i % 2 ? 0.3 : -0.3)));
  const batch = computeMetrics(truth, truth.map((t, i) => t + (i % 2 ? opts.batchRmse : -opts.batchRmse)));
  const rules = decideRetrain({
    batchRows: 400,
    champion: { version: '1', referenceRows: 2_000, holdoutRmseLog: holdout.rmse_log, batchRmseLog: batch.rmse_log, batchRmseLogLower: batch.rmse_log * 0.98, weightedDrift, topDrifted: features.filter((f) => f.contribution > 0) },
  });
  return {
    batch: 4, decision: rules.decision, leadRule: rules.leadRule, leadReason: rules.reasons[0]!, reasons: rules.reasons, rules: rules.rules, rulesConfig: { ...DEFAULT_RETRAIN_RULES },
    batchRows: 400, batchDigest: 'd', trainReason: 'r', decidedAt: '2026-11-29T19:00:00.000Z',
    champion: { version: '1', runId: 'run', batches: { from: 0, to: 0 }, referenceRows: 2_000, holdout, holdoutByBatch: { '0': holdout }, batch, batchRmseLogLower: batch.rmse_log * 0.98, rmseIncrease: batch.rmse_log / holdout.rmse_log - 1 },
    drift: { weightedDrift, ranked: features, driftedFeatures: report.driftedFeatures, importanceShares: shares, target: report.target, report },
  };
}

describe('the explanation report', () => {
  it('summarises a degraded batch from its numbers: decision, error change, drifted inputs by importance, ignored ones, prices', () => {
    // Act
    const e = buildExplanation({ decision: decisionOf({ shift: 800, batchRmse: 0.6, priceFactor: 2 }) });
    // Assess
    assert.equal(e.decision, 'retrain');
    assert.equal(e.leadRule, 'degradation');
    assert.match(e.summary, /^Batch 4 \(400 rows\): retrain\. The production model v1 is 100\.0 % worse on this batch than on its own holdout \(RMSE of log price 0\.600;/);
    assert.match(e.summary, /matter most to the model: house_size \(drift 0\.80, 60\.0 % of its attributions\)/);
    assert.match(e.summary, /Drifted, but the model gives them no weight: city\./);
    assert.match(e.summary, /Prices moved: median \$126k in the training data vs \$253k in this batch\./);
    assert.match(e.summary, /Production: v1\.$/);
  });

  it('changes with the numbers: a calm batch is summarised as kept, with no drifted input the model uses', () => {
    const e = buildExplanation({ decision: decisionOf({ shift: 0, batchRmse: 0.31, priceFactor: 1 }) });
    assert.equal(e.decision, 'no-retrain');
    assert.match(e.summary, /^Batch 4 \(400 rows\): no retrain\. The production model v1 is 3\.3 % worse/);
    assert.match(e.summary, /None of the inputs the model relies on drifted\./);
    assert.doesNotMatch(e.summary, /Prices moved/);
  });

  it('after training and promotion: new version, SHAP ranking similarity and the verdict join the summary and the Markdown', () => {
    // Prepare
    const shap = compareShapImportance({
      champion: { version: '1', meanAbs: { house_size: 0.3, zip3: 0.2, state: 0.1 } },
      challenger: { version: '2', meanAbs: { house_size: 0.2, zip3: 0.35, state: 0.1 } },
      rows: 400,
      evaluatedOn: 'batch 4',
    });
    const holdout = computeMetrics([12, 13], [12.1, 12.9]);
    // Act
    const e = buildExplanation({
      decision: decisionOf({ shift: 800, batchRmse: 0.6, priceFactor: 2 }),
      training: { version: '2', candidate: 'xgb-d6', batches: { from: 0, to: 4 }, rows: { total: 10, train: 8, holdout: 2 }, holdout },
      promotion: { decision: 'promoted', reference: 'champion', relativeGain: 0.35, reasons: ['pass cumulative_gain: …'], byBatch: [{ batch: '0', rows: 80, incumbent: 0.3, challenger: 0.32 }], overall: { rows: 200, incumbent: 0.45, challenger: 0.29 } },
      shap,
      productionVersion: '2',
    });
    const md = renderMarkdown(e);
    // Assess
    assert.match(e.summary, /Version 2 \(xgb-d6\) was trained on batches 0–4, holdout RMSE\(log\) 0\.100\./);
    assert.match(e.summary, /feature ranking is different from the old model's \(Spearman 0\.50\); zip3 rose 1 place, house_size fell 1 place\./);
    assert.match(e.summary, /It was promoted: 35\.0 % lower error than the champion on the same holdout rows\. Production: v2\.$/);
    assert.match(md, /^# Batch 4: retrain\n\nBatch 4/);
    assert.match(md, /\| house_size \| numeric \| 0\.800 \| 60\.0 % \| 0\.480 \| .*ks_d 0\.8.*psi/);
    assert.match(md, /\| 4 \(new batch\) \| 400 \| 0\.6000 \|/);
    assert.match(md, /Spearman ρ 0\.500, Kendall τ 0\.333/);
    assert.match(md, /\| zip3 \| 0\.2000 \| 0\.3500 \| 2 → 1 \(▲1\) \|/);
    assert.match(md, /## Promotion: promoted/);
  });
});
