// The done-when of issue 6: the simulator's batch plan through the real functions — assess,
// train, promote — against real MLflow (PostgreSQL metadata, SeaweedFS S3 artifacts behind the
// artifact proxy) and a local lake, with the decisions pinned. One stack for the file (~15 s).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Lake } from '../../packages/lake/index.js';
import type { MlflowClient } from '../../packages/mlflow/index.js';
import { createSimulator } from '../../packages/simulator/index.js';
import { XGBoostPool } from '../../packages/xgboost-wasm/index.js';
import type { CandidateSpec } from '../train/candidates.js';
import { writeSimulatedCleanBatches } from '../train/clean-fixture.js';
import { TAGS } from '../train/core.js';
import { startStack, stackSkipReason, type Stack } from '../train/test-stack.js';
import { readDecisions } from './core.js';
import { createAssessFunction } from './handler.js';
import { formatBatchLine, runBatchPipeline, type BatchPipelineResult } from './pipeline.js';

const skip = stackSkipReason();
if (skip) console.warn(`SKIPPED: assess pipeline integration ${skip}`);

const SCALE = 0.05;
const QUICK: CandidateSpec[] = [{ name: 'xgb-d6', params: { max_depth: 6, eta: 0.2, subsample: 0.8 } }];

describe("the simulator's batch plan through assess → train → promote", { skip }, () => {
  let stack: Stack;
  let lake: Lake;
  let mlflow: MlflowClient;
  let pool: XGBoostPool;
  let rows: number[];
  const results: BatchPipelineResult[] = [];
  const settings = { modelName: 'casa-assess-it', experimentName: 'casa-assess-it', minTrainRows: 500, gitCommit: 'test-commit' };

  before(async () => {
    const t0 = performance.now();
    stack = await startStack();
    console.log(`stack started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    mlflow = stack.client();
    lake = await stack.newLake();
    pool = new XGBoostPool({ size: 2 });
    rows = await writeSimulatedCleanBatches(lake, createSimulator({ seed: 42, scale: SCALE }), [0, 1, 2, 3, 4, 5]);
    for (let batch = 0; batch <= 5; batch++) {
      const r = await runBatchPipeline({ lake, mlflow, settings, pool, clean: false, training: { candidates: QUICK, numBoostRound: 80, earlyStoppingRounds: 10 } }, { batch });
      console.log(`${formatBatchLine(r.line)} (${r.line.seconds.toFixed(1)} s)`);
      // Set CASA_ASSESS_REPORT_DIR to keep each batch's report for reading (e.g. as a CI artifact).
      const dir = process.env.CASA_ASSESS_REPORT_DIR;
      if (dir) await mkdir(dir, { recursive: true }).then(() => writeFile(join(dir, `batch-${batch}.md`), r.markdown));
      results.push(r);
    }
  });
  after(async () => {
    await pool?.close();
    await stack?.stop();
  });

  it('pins the decision of every batch: 0 trains, 1–3 do not, 4 and 5 retrain on measured degradation', () => {
    assert.deepEqual(
      results.map((r) => [r.line.batch, r.line.decision, r.line.leadRule]),
      [
        [0, 'retrain', 'no-champion'],
        [1, 'no-retrain', null],
        [2, 'no-retrain', null],
        [3, 'no-retrain', 'min-batch-size'],
        [4, 'retrain', 'degradation'],
        [5, 'retrain', 'degradation'],
      ],
    );
  });

  it('the first model is promoted over the baseline and serves batches 1–3', () => {
    const first = results[0]!;
    assert.equal(first.promotion?.decision, 'promoted');
    assert.equal(first.promotion?.reference, 'baseline');
    for (const r of results.slice(1, 4)) assert.equal(r.line.productionVersion, first.training!.version);
  });

  it('batch 1 (same distribution): the champion errs as on its holdout and nothing it uses drifted', () => {
    const d = results[1]!.decision;
    assert.ok(Math.abs(d.champion!.rmseIncrease) < 0.1, `RMSE change ${d.champion!.rmseIncrease}`);
    assert.ok(d.drift!.weightedDrift < 0.05, `weighted drift ${d.drift!.weightedDrift}`);
    assert.match(d.reasons[0]!, /RMSE\(log\) on this batch 0\.\d{4} vs its holdout 0\.\d{4}/);
  });

  it('batch 2 (sold, same band): status and sale dates drift, the champion stays within 20 % and is kept', () => {
    const d = results[2]!.decision;
    assert.ok(d.drift!.driftedFeatures.includes('status'));
    assert.equal(d.drift!.ranked.find((f) => f.feature === 'status')!.contribution, 0);
    assert.ok(d.champion!.rmseIncrease < 0.2, `RMSE change ${d.champion!.rmseIncrease}`);
  });

  it('batch 3 (one small state) is blocked by the size rule relative to the reference, with its numbers', () => {
    const d = results[3]!.decision;
    assert.ok(d.batchRows >= 200, 'the absolute minimum alone would not block it at this scale');
    assert.match(d.leadReason, new RegExp(`${d.batchRows} rows < \\d+ \\(max of 200 rows and 10\\.0 % of the champion's ${d.champion!.referenceRows} reference rows\\)`));
  });

  it("reference data is the champion's training batches, read by the range in its feature spec", () => {
    for (const b of [1, 2, 3, 4]) {
      const c = results[b]!.decision.champion!;
      assert.deepEqual(c.batches, { from: 0, to: 0 });
      assert.equal(c.referenceRows, rows[0]);
    }
    const c5 = results[5]!.decision.champion!;
    assert.deepEqual(c5.batches, { from: 0, to: 4 });
    assert.equal(c5.referenceRows, rows.slice(0, 5).reduce((s, n) => s + n, 0));
  });

  for (const b of [4, 5]) {
    it(`batch ${b} (price band): the report names the drifted features and the champion's degradation with numbers`, () => {
      const r = results[b]!;
      const d = r.decision;
      assert.ok(d.champion!.rmseIncrease > 0.5, `RMSE change ${d.champion!.rmseIncrease}`);
      assert.ok(r.explanation.target?.drifted, 'the price drifted (reported apart)');
      const used = r.explanation.driftedFeatures.filter((f) => f.contribution > 0);
      assert.ok(used.length >= 2, 'at least two drifted features the model uses');
      for (const f of used.slice(0, 3)) {
        assert.ok(r.markdown.includes(`| ${f.feature} |`), `${f.feature} in the Markdown table`);
        assert.ok(r.markdown.includes(f.contribution.toFixed(3)));
      }
      assert.match(r.explanation.summary, new RegExp(`^Batch ${b} \\([\\d,]+ rows\\): retrain\\. The production model v\\d+ is \\d+\\.\\d % worse`));
      assert.ok(r.explanation.shapComparison && Number.isFinite(r.explanation.shapComparison.spearman));
      assert.ok(r.promotion && ['promoted', 'rejected'].includes(r.promotion.decision));
      assert.equal(r.explanation.promotion?.decision, r.promotion!.decision);
    });
  }

  it('train records the decision as its trigger reason, and the explanation is an artifact of the new version', async () => {
    for (const b of [0, 4, 5]) {
      const t = results[b]!.training!;
      const run = await mlflow.getRun(t.runId);
      assert.match(run.data.tags[TAGS.reason] ?? '', new RegExp(`^assess batch ${b}: retrain: `));
      const md = (await mlflow.readArtifact(run.info.artifactUri, 'explanation.md')).toString('utf8');
      assert.match(md, new RegExp(`^# Batch ${b}: retrain`));
      const json = JSON.parse((await mlflow.readArtifact(run.info.artifactUri, 'explanation.json')).toString('utf8')) as { batch: number; summary: string };
      assert.equal(json.batch, b);
      assert.equal(json.summary, results[b]!.explanation.summary);
    }
  });

  it('the lake holds one decision per batch, with the report', async () => {
    const stored = await readDecisions(lake);
    assert.deepEqual(stored.map((s) => [s.batch_ordinal, s.decision, s.trained_version]), results.map((r) => [r.line.batch, r.line.decision, r.line.trainedVersion]));
    assert.equal((JSON.parse(stored[4]!.report_json) as { summary: string }).summary, results[4]!.explanation.summary);
    assert.match(stored[3]!.report_md ?? '', /^# Batch 3: no-retrain/);
  });

  it('the handler answers POST {"batch": N} with the decision, publishes a report on {"publish": true}, and 404s what is not there', async () => {
    const fn = createAssessFunction({ deps: async () => ({ lake, mlflow, settings }) });
    const ok = await fn.handle(new Request('http://x/function/assess', { method: 'POST', body: JSON.stringify({ batch: 5 }) }));
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { batch: number; decision: string; leadRule: string };
    assert.deepEqual([body.batch, body.decision, body.leadRule], [5, 'no-retrain', 'already-trained-on']);
    // The DAG's path: train and promote called on their own, then the report published.
    const pub = await fn.handle(new Request('http://x/function/assess', { method: 'POST', body: JSON.stringify({ batch: 4, publish: true }) }));
    assert.equal(pub.status, 200);
    const e = (await pub.json()) as { batch: number; training: { version: string } | null; promotion: { decision: string } | null; shapComparison: { spearman: number } | null; summary: string };
    assert.equal(e.batch, 4);
    assert.equal(e.training?.version, results[4]!.training!.version);
    assert.equal(e.promotion?.decision, results[4]!.promotion!.decision);
    assert.ok(e.shapComparison && Number.isFinite(e.shapComparison.spearman));
    assert.equal(e.summary.replace(/Production: v\d+\.$/, ''), results[4]!.explanation.summary.replace(/Production: v\d+\.$/, ''));
    const notAssessed = await fn.handle(new Request('http://x/function/assess', { method: 'POST', body: JSON.stringify({ batch: 9, publish: true }) }));
    assert.equal(notAssessed.status, 404);
    const missing = await fn.handle(new Request('http://x/function/assess', { method: 'POST', body: JSON.stringify({ batch: 9 }) }));
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /problem\+json/);
  });

  it('a first batch too small for train is recorded as refused, not a crash, and nothing is registered', async () => {
    // Prepare: ~370 rows — above assess's 200-row minimum, below train's 500 train-side rows
    const tiny = await stack.newLake();
    const [n] = await writeSimulatedCleanBatches(tiny, createSimulator({ seed: 42, scale: 0.005 }), [0]);
    const small = { ...settings, modelName: 'casa-assess-tiny', experimentName: 'casa-assess-tiny' };
    // Act
    const r = await runBatchPipeline({ lake: tiny, mlflow, settings: small, pool, clean: false, training: { candidates: QUICK, numBoostRound: 20 } }, { batch: 0 });
    // Assess
    assert.ok(n! >= 200 && n! < 700, `${n} rows`);
    assert.equal(r.line.decision, 'retrain');
    assert.match(r.line.trainingRefused ?? '', /too small/);
    assert.equal(r.line.trainedVersion, null);
    assert.equal(r.line.productionVersion, null);
    assert.match(formatBatchLine(r.line), /train refused/);
    assert.deepEqual((await readDecisions(tiny)).map((d) => [d.batch_ordinal, d.decision, d.trained_version]), [[0, 'retrain', null]]);
  });
});
