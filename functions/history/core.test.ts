import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holdoutSlices, productionTimeline, type VersionView } from './core.js';

function version(v: string, promotion: { decision: string; decidedAt: string } | null): VersionView {
  return {
    version: v, createdAt: null, stage: 'None', aliases: [], runId: `run-${v}`, candidate: null, batches: null, triggerReason: null, holdout: {}, holdoutByBatch: {}, summary: null,
    promotion: promotion && { ...promotion, against: 'baseline', relativeGain: null, challengerRmseLog: null, incumbentRmseLog: null, reasons: [] },
  };
}

describe('holdoutSlices', () => {
  it('splits holdout_<metric> and holdout_b<batch>_<metric>, ignoring every other metric', () => {
    // Prepare
    const metrics = { holdout_rmse_log: 0.3, holdout_mape: 0.2, holdout_b0_rmse_log: 0.31, holdout_b12_n: 40, holdout_complete_b0_rmse_log: 0.1, valid_rmse_log: 0.5 };
    // Act
    const { holdout, byBatch } = holdoutSlices(metrics);
    // Assess
    assert.deepEqual(holdout, { rmse_log: 0.3, mape: 0.2 });
    assert.deepEqual(byBatch, { '0': { rmse_log: 0.31 }, '12': { n: 40 } });
  });
});

describe('productionTimeline', () => {
  it('orders promotions by time; each period ends when the next begins; rejected versions never serve', () => {
    const versions = [
      version('3', { decision: 'promoted', decidedAt: '2026-01-03T00:00:00Z' }),
      version('1', { decision: 'promoted', decidedAt: '2026-01-01T00:00:00Z' }),
      version('2', { decision: 'rejected', decidedAt: '2026-01-02T00:00:00Z' }),
      version('4', null),
    ];
    const t = productionTimeline(versions, '3');
    assert.deepEqual(t, [
      { version: '1', from: '2026-01-01T00:00:00Z', until: '2026-01-03T00:00:00Z', replaced: null, source: 'promotion' },
      { version: '3', from: '2026-01-03T00:00:00Z', until: null, replaced: '1', source: 'promotion' },
    ]);
  });

  it('an alias moved outside promote becomes the last period, from an unknown time', () => {
    const t = productionTimeline([version('1', { decision: 'promoted', decidedAt: '2026-01-01T00:00:00Z' }), version('2', null)], '2');
    assert.deepEqual(t.at(-1), { version: '2', from: null, until: null, replaced: '1', source: 'alias' });
  });

  it('no versions, no champion: an empty timeline', () => {
    assert.deepEqual(productionTimeline([], null), []);
  });
});
