// history against the real stack: PostgreSQL + SeaweedFS + MLflow, the simulator's six batches
// through ingest → clean → assess → train → promote (small scale), every call through the gateway.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BatchLine } from '../assess/pipeline.js';
import type { BatchesView, ChangeView, ModelsView } from './core.js';
import { stackSkipReason, startPopulatedGateway, type PopulatedGateway } from './test-stack.js';

const skip = stackSkipReason();
if (skip) console.warn(`SKIPPED: history integration ${skip}`);

async function view<T>(base: string, query: string): Promise<{ status: number; type: string; body: T }> {
  const res = await fetch(`${base}/function/history?${query}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as T };
}

describe('history over the gateway, on a pipeline run of the six simulator batches', { skip }, () => {
  let g: PopulatedGateway;
  let lines: BatchLine[];
  let models: ModelsView;

  before(async () => {
    const t0 = performance.now();
    g = await startPopulatedGateway();
    lines = g.lines;
    console.log(`stack + pipeline in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const r = await view<ModelsView>(g.gatewayUrl, 'view=models');
    assert.equal(r.status, 200);
    models = r.body;
  });
  after(async () => {
    await g?.stop();
  });

  it('models: one entry per trained version, with its batches, per-batch holdout metrics and promote verdict', () => {
    const trained = lines.filter((l) => l.trainedVersion);
    assert.ok(trained.length >= 2, `the plan retrains at least twice (got ${trained.length})`);
    assert.deepEqual(models.versions.map((v) => v.version), trained.map((l) => l.trainedVersion));
    for (const l of trained) {
      const v = models.versions.find((x) => x.version === l.trainedVersion)!;
      assert.deepEqual(v.batches, { from: 0, to: l.batch });
      for (let b = 0; b <= l.batch; b++) assert.ok(Number.isFinite(v.holdoutByBatch[String(b)]?.rmse_log), `v${v.version} has holdout RMSE for batch ${b}`);
      assert.ok(Number.isFinite(v.holdout.rmse_log));
      assert.equal(v.promotion?.decision, l.promotion);
      assert.match(v.triggerReason ?? '', new RegExp(`^assess batch ${l.batch}: retrain`));
    }
  });

  it('models: the production timeline is rebuilt from the promotions and ends at the champion alias', () => {
    const promoted = lines.filter((l) => l.promotion === 'promoted').map((l) => l.trainedVersion);
    const champion = lines[lines.length - 1]!.productionVersion;
    assert.equal(models.production, champion);
    assert.equal(models.aliases['champion'], champion);
    assert.deepEqual(models.timeline.map((p) => p.version), promoted);
    assert.equal(models.timeline[0]!.replaced, null);
    for (let i = 1; i < models.timeline.length; i++) {
      assert.equal(models.timeline[i]!.replaced, models.timeline[i - 1]!.version);
      assert.equal(models.timeline[i - 1]!.until, models.timeline[i]!.from);
    }
    assert.equal(models.timeline.at(-1)!.until, null);
  });

  it('batches: rows ingested / clean / quarantined by reason, the decision and drift per feature of every batch', async () => {
    const r = await view<BatchesView>(g.gatewayUrl, 'view=batches');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.batches.map((b) => b.batch), lines.map((l) => l.batch));
    for (const b of r.body.batches) {
      const l = lines[b.batch]!;
      const q = b.quality!;
      assert.ok(q.rows_in > 0 && q.rows_clean > 0);
      // clean counts duplicates under their own reasons in quarantined_by_reason.
      assert.equal(q.rows_quarantined + q.rows_duplicate, Object.values(q.quarantined_by_reason).reduce((s, n) => s + n, 0));
      assert.equal(b.decision?.decision, l.decision);
      assert.equal(b.decision?.trainedVersion, l.trainedVersion);
      assert.equal(b.decision?.productionVersion, l.productionVersion);
    }
    assert.equal(r.body.batches[0]!.drift.length, 0, 'batch 0 had no champion to drift from');
    const retrained = r.body.batches.filter((b) => b.batch > 0 && b.decision?.decision === 'retrain');
    assert.ok(retrained.length > 0);
    for (const b of retrained) {
      assert.ok(b.drift.length >= 5, 'every feature is listed');
      assert.ok(b.drift.some((f) => f.drifted && f.contribution > 0), `batch ${b.batch} names a drifted feature the model uses`);
      assert.ok((b.decision?.rmseIncrease ?? 0) > 0.2, `batch ${b.batch}: the champion degraded`);
    }
  });

  it('change: the explanation report and verdict of a retrained version, with drift, degradation and SHAP differences', async () => {
    const l = lines.filter((x) => x.trainedVersion && x.batch > 0)[0]!;
    const r = await view<ChangeView>(g.gatewayUrl, `view=change&version=${l.trainedVersion}`);
    assert.equal(r.status, 200);
    const e = r.body.explanation!;
    assert.equal(e.batch, l.batch);
    assert.ok(e.driftedFeatures.length > 0);
    assert.ok(e.championError!.rmseIncrease > 0);
    assert.ok(e.shapComparison!.features.length >= 5);
    assert.equal(r.body.promotion?.decision, l.promotion);
    assert.equal(r.body.previous, e.championError!.version);
  });

  it('GET with no query answers the models view; POST {"view": …} the same as GET', async () => {
    const bare = await fetch(`${g.gatewayUrl}/function/history`);
    assert.equal(bare.status, 200);
    assert.deepEqual(((await bare.json()) as ModelsView).versions.map((v) => v.version), models.versions.map((v) => v.version));
    const posted = await fetch(`${g.gatewayUrl}/function/history`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ view: 'batches' }) });
    assert.equal(((await posted.json()) as BatchesView).batches.length, lines.length);
  });

  it('change: an unknown version is a 404 problem; a missing version a 422 with its pointer (POST and GET alike)', async () => {
    const unknown = await view<{ status: number }>(g.gatewayUrl, 'view=change&version=999');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.type, 'application/problem+json');
    const res = await fetch(`${g.gatewayUrl}/function/history`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ view: 'change' }) });
    const body = (await res.json()) as { errors: { pointer: string }[] };
    assert.equal(res.status, 422);
    assert.deepEqual(body.errors.map((e) => e.pointer), ['/version']);
  });

  it('an empty registry and lake: empty views, not errors', async () => {
    const m = await view<ModelsView>(g.emptyGatewayUrl, 'view=models');
    assert.equal(m.status, 200);
    assert.deepEqual([m.body.versions, m.body.timeline, m.body.production], [[], [], null]);
    const b = await view<BatchesView>(g.emptyGatewayUrl, 'view=batches');
    assert.equal(b.status, 200);
    assert.deepEqual(b.body.batches, []);
  });
});
