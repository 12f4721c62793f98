// train and promote against real MLflow (PostgreSQL metadata, SeaweedFS S3 artifacts behind the
// artifact proxy), on simulator batches written into a local lake's CLEAN table. One stack for
// the file: MLflow takes ~15 s to start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerPredictCommand } from '../../packages/model-format/cli.js';
import { registerPromoteCommand } from '../promote/cli.js';
import { FEATURE_NAMES } from '../../packages/features/index.js';
import { loadCleanDataset } from '../../packages/evaluation/index.js';
import type { Lake } from '../../packages/lake/index.js';
import type { MlflowClient } from '../../packages/mlflow/index.js';
import { fetchRegisteredModel, loadModelDirectory, predictLogPrices } from '../../packages/model-format/index.js';
import { createSimulator } from '../../packages/simulator/index.js';
import { XGBoostPool } from '../../packages/xgboost-wasm/index.js';
import { promoteChallenger, type PromoteDeps } from '../promote/core.js';
import { createTrainFunction } from './handler.js';
import { TrainingSetTooSmallError, type CandidateSpec } from './candidates.js';
import { writeSimulatedCleanBatches } from './clean-fixture.js';
import { allModelVersions, trainAndRegister, TAGS, type TrainDeps } from './core.js';
import { PYTHON, startStack, stackSkipReason, type Stack } from './test-stack.js';

const skip = stackSkipReason();
if (skip) console.warn(`SKIPPED: train/promote integration ${skip}`);

// Small and quick: the search itself is exercised by the done-when test.
const QUICK: CandidateSpec[] = [
  { name: 'xgb-d4', params: { max_depth: 4, eta: 0.3 } },
  { name: 'xgb-d6', params: { max_depth: 6, eta: 0.3, subsample: 0.8 } },
];
const MODEL = 'casa-it';

describe('train and promote on MLflow + PostgreSQL + SeaweedFS', { skip }, () => {
  let stack: Stack;
  let lake: Lake;
  let mlflow: MlflowClient;
  let pool: XGBoostPool;
  const settings = { modelName: MODEL, experimentName: 'casa-it', minTrainRows: 500, gitCommit: 'test-commit' };
  const deps = (over: Partial<TrainDeps> = {}): TrainDeps => ({ lake, mlflow, settings, pool, training: { candidates: QUICK, numBoostRound: 60, earlyStoppingRounds: 10 }, ...over });
  const promoteDeps = (): PromoteDeps => ({ lake, mlflow, settings, lock: { waitMs: 120_000 } });

  before(async () => {
    stack = await startStack();
    mlflow = stack.client();
    lake = await stack.newLake();
    pool = new XGBoostPool({ size: 2 });
  });
  after(async () => {
    await pool?.close();
    await stack?.stop();
  });

  it('refuses an empty training set with 422 and leaves no run behind', async () => {
    // Act
    const res = await createTrainFunction({ deps: async () => deps() }).handle(
      new Request('http://x/', { method: 'POST', body: JSON.stringify({ upToBatch: 2, reason: 'test', idempotencyKey: 'empty-1' }) }),
    );
    // Assess
    assert.equal(res.status, 422);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    assert.match(((await res.json()) as { detail: string }).detail, /no CLEAN rows/);
    const exp = await mlflow.findExperimentByName(settings.experimentName);
    const runs = exp ? await mlflow.searchAllRuns({ experimentIds: [exp.experimentId] }) : [];
    assert.equal(runs.length, 0);
  });

  it('refuses a too-small training set (a single tiny batch)', async () => {
    // Prepare: batch 3 at scale 0.01 is ~40 rows
    const tiny = await stack.newLake();
    await writeSimulatedCleanBatches(tiny, createSimulator({ seed: 1, scale: 0.01 }), [3]);
    // Act / Assess
    await assert.rejects(trainAndRegister(deps({ lake: tiny }), { upToBatch: 3, reason: 'test' }), TrainingSetTooSmallError);
    const exp = await mlflow.findExperimentByName(settings.experimentName);
    const running = exp ? (await mlflow.searchAllRuns({ experimentIds: [exp.experimentId] })).filter((r) => r.info.status === 'RUNNING') : [];
    assert.equal(running.length, 0);
  });

  it('MLflow failing mid-training ends the runs FAILED with no version; the retry registers exactly once', async () => {
    // Prepare
    await writeSimulatedCleanBatches(lake, createSimulator({ seed: 7, scale: 0.01 }), [0, 1, 2]);
    const viaProxy = { ...deps(), mlflow: stack.client({ viaProxy: true }) };
    stack.setFault((method, path) => method === 'PUT' && path.includes('/mlflow-artifacts/artifacts/'));
    // Act: artifacts cannot be uploaded
    await assert.rejects(trainAndRegister(viaProxy, { upToBatch: 2, reason: 'first model', idempotencyKey: 'train-b2' }));
    stack.setFault(undefined);
    // Assess
    const exp = (await mlflow.findExperimentByName(settings.experimentName))!;
    const failed = await mlflow.searchAllRuns({ experimentIds: [exp.experimentId], filter: `tags.\`${TAGS.idempotencyKey}\` = 'train-b2'` });
    assert.equal(failed.length, QUICK.length + 1);
    assert.deepEqual([...new Set(failed.map((r) => r.info.status))], ['FAILED']);
    assert.equal((await allModelVersions(mlflow, MODEL)).length, 0);

    // Act: the retry, then a second retry of a call that succeeded
    const first = await trainAndRegister(viaProxy, { upToBatch: 2, reason: 'first model', idempotencyKey: 'train-b2' });
    const again = await trainAndRegister(viaProxy, { upToBatch: 2, reason: 'first model', idempotencyKey: 'train-b2' });
    // Assess
    assert.equal(first.status, 'trained');
    assert.equal(again.status, 'already-trained');
    assert.equal(again.version, first.version);
    const versions = await allModelVersions(mlflow, MODEL);
    assert.deepEqual(versions.map((v) => v.version), ['1']);
    assert.equal(versions[0]!.source, `${(await mlflow.getRun(first.runId)).info.artifactUri}/model`);
    assert.equal(versions[0]!.runId, first.runId);
    assert.deepEqual((await mlflow.getModelVersionByAlias(MODEL, 'challenger')).version, '1');
    const all = await mlflow.searchAllRuns({ experimentIds: [exp.experimentId], filter: `tags.\`${TAGS.idempotencyKey}\` = 'train-b2'` });
    assert.equal(all.filter((r) => r.info.status === 'FINISHED').length, QUICK.length + 1);
    assert.equal(all.filter((r) => r.info.status === 'RUNNING').length, 0);
    const best = await mlflow.getRun(first.runId);
    assert.equal(best.data.tags[TAGS.batchTo], '2');
    assert.equal(best.data.tags[TAGS.gitCommit], 'test-commit');
    assert.equal(best.data.tags[TAGS.reason], 'first model');
    assert.ok(best.data.metrics['holdout_b1_rmse_log']! > 0);
    assert.equal(best.inputs.datasetInputs[0]!.dataset.digest, first.dataDigest.slice(0, 36));
    const files = (await mlflow.listArtifacts(best.info.artifactUri, 'model')).map((f) => f.path).sort();
    assert.deepEqual(files, ['model/MLmodel', 'model/conda.yaml', 'model/feature_spec.json', 'model/model.ubj', 'model/python_env.yaml', 'model/requirements.txt', 'model/shap_importance.json']);
  });

  it('promotes the first model when it beats the baseline: champion alias and stage Production', async () => {
    // Act
    const verdict = await promoteChallenger(promoteDeps(), { reason: 'first model' });
    // Assess
    assert.equal(verdict.decision, 'promoted');
    assert.equal(verdict.reference, 'baseline');
    assert.ok(verdict.verdict!.relativeGain > 0.2, `gain over the baseline ${verdict.verdict!.relativeGain}`);
    const champion = await mlflow.getModelVersionByAlias(MODEL, 'champion');
    assert.equal(champion.version, '1');
    assert.equal(champion.currentStage, 'Production');
    assert.equal(champion.tags['casa.promotion.decision'], 'promoted');
    const run = await mlflow.getRun(champion.runId);
    const saved = JSON.parse((await mlflow.readArtifact(run.info.artifactUri, 'promotion.json')).toString('utf8')) as { decision: string };
    assert.equal(saved.decision, 'promoted');
  });

  it('two concurrent promoters of a better challenger: one promotes, the aliases end where expected', async () => {
    // Prepare: a model that has also seen batches 4 and 5 (prices the champion never saw)
    await writeSimulatedCleanBatches(lake, createSimulator({ seed: 7, scale: 0.01 }), [3, 4, 5]);
    const v2 = await trainAndRegister(deps(), { upToBatch: 5, reason: 'new price bands', idempotencyKey: 'train-b5' });
    // Act
    const [a, b] = await Promise.all([promoteChallenger(promoteDeps()), promoteChallenger(promoteDeps())]);
    // Assess
    assert.deepEqual([a.decision, b.decision].sort(), ['already-champion', 'promoted'], JSON.stringify([a.reasons, b.reasons]));
    assert.equal((await mlflow.getModelVersionByAlias(MODEL, 'champion')).version, v2.version);
    assert.equal((await mlflow.getModelVersionByAlias(MODEL, 'previous-champion')).version, '1');
    assert.equal((await mlflow.getModelVersion(MODEL, v2.version)).currentStage, 'Production');
    assert.equal((await mlflow.getModelVersion(MODEL, '1')).currentStage, 'Archived');
  });

  it('a worse challenger fails the gate: nothing moves, the verdict is recorded', async () => {
    // Prepare: a nearly untrained model (3 rounds of stumps)
    const weak = await trainAndRegister(deps({ training: { candidates: [{ name: 'stumps', params: { max_depth: 1, eta: 0.05 } }], numBoostRound: 3, earlyStoppingRounds: 2 } }), {
      upToBatch: 5,
      reason: 'a deliberately weak model',
    });
    // Act
    const verdict = await promoteChallenger(promoteDeps());
    // Assess
    assert.equal(verdict.decision, 'rejected');
    assert.equal(verdict.challenger, weak.version);
    assert.ok(verdict.verdict!.checks.some((c) => !c.passed), JSON.stringify(verdict.reasons));
    const champion = await mlflow.getModelVersionByAlias(MODEL, 'champion');
    assert.notEqual(champion.version, weak.version);
    const tagged = await mlflow.getModelVersion(MODEL, weak.version);
    assert.equal(tagged.tags['casa.promotion.decision'], 'rejected');
    assert.equal(tagged.currentStage, 'None');
    const run = await mlflow.getRun(weak.runId);
    assert.ok((await mlflow.readArtifact(run.info.artifactUri, 'promotion.json')).length > 100);
  });

  it('CLI: casa promote and casa predict --model models:/…@champion against the configured server and lake', async (t) => {
    // Prepare
    const work = await mkdtemp(join(tmpdir(), 'casa-cli-it-'));
    t.after(() => rm(work, { recursive: true, force: true }));
    const env = { ...process.env, MLFLOW_TRACKING_URI: stack.mlflowUrl, CASA_LAKE_URL: lake.url, CASA_LAKE_CACHE_DIR: join(work, 'cache'), CASA_MODEL_NAME: MODEL, CASA_MLFLOW_EXPERIMENT: settings.experimentName };
    const lines: string[] = [];
    const program = new Command('casa').exitOverride();
    const io = { out: (x: string) => lines.push(...x.trimEnd().split('\n')), err: () => undefined, env };
    registerPromoteCommand(program, io);
    registerPredictCommand(program, io);
    const csv = join(work, 'in.csv');
    await writeFile(csv, 'brokered_by,status,price,bed,bath,acre_lot,street,city,state,zip_code,house_size,prev_sold_date\n1.0,for_sale,,3,2,0.2,5.0,Boston,Massachusetts,02118,1500.0,2010-05-01\n');
    // Act
    await program.parseAsync(['node', 'casa', 'promote', '--reason', 'from the CLI']);
    const verdict = JSON.parse(lines.pop()!) as { decision: string };
    await program.parseAsync(['node', 'casa', 'predict', '--model', `models:/${MODEL}@champion`, '--csv', csv, '--out', join(work, 'out.csv')]);
    const scored = JSON.parse(lines.pop()!) as { scored: number };
    // Assess: the weak challenger is still the challenger, so the CLI's promote rejects it again
    assert.equal(verdict.decision, 'rejected');
    assert.equal(scored.scored, 1);
  });

  it('Python mlflow.xgboost.load_model("models:/…@champion") predicts what casa predicts (≤ 1e-5)', { skip: existsSync(PYTHON) ? false : `${PYTHON} missing` }, async (t) => {
    // Prepare: casa's predictions for 500 holdout-like rows, through the same registry path
    const { dir } = await fetchRegisteredModel(mlflow, `models:/${MODEL}@champion`);
    const data = await loadCleanDataset(lake, 5);
    const n = Math.min(500, data.n);
    const { booster } = await loadModelDirectory(dir);
    const casa = predictLogPrices(booster, data.x.subarray(0, n * FEATURE_NAMES.length), n);
    booster.dispose();
    const work = await mkdtemp(join(tmpdir(), 'casa-interop-'));
    t.after(() => rm(work, { recursive: true, force: true }));
    const csv = [FEATURE_NAMES.join(','), ...Array.from({ length: n }, (_, i) => FEATURE_NAMES.map((_, c) => { const v = data.x[i * FEATURE_NAMES.length + c]!; return Number.isNaN(v) ? '' : String(v); }).join(','))].join('\n');
    await writeFile(join(work, 'x.csv'), csv);
    // Act
    const out = execFileSync(PYTHON, ['-c', [
      'import sys, json, mlflow.xgboost, xgboost as xgb, pandas as pd',
      `booster = mlflow.xgboost.load_model("models:/${MODEL}@champion")`,
      `df = pd.read_csv(sys.argv[1], dtype="float32")`,
      'print(json.dumps([float(v) for v in booster.predict(xgb.DMatrix(df))]))',
    ].join('\n'), join(work, 'x.csv')], { env: { ...process.env, MLFLOW_TRACKING_URI: stack.mlflowUrl }, maxBuffer: 64 * 1024 * 1024 }).toString();
    // Assess
    const python = JSON.parse(out.trim().split('\n').pop()!) as number[];
    assert.equal(python.length, n);
    const maxDiff = Math.max(...python.map((p, i) => Math.abs(p - casa[i]!)));
    assert.ok(maxDiff <= 1e-5, `max |python − casa| = ${maxDiff}`);
  });

  it('two overlapping calls with the same idempotency key register one version', async () => {
    // Act
    const [a, b] = await Promise.all([
      trainAndRegister(deps(), { upToBatch: 5, reason: 'overlap', idempotencyKey: 'train-overlap' }),
      trainAndRegister(deps(), { upToBatch: 5, reason: 'overlap', idempotencyKey: 'train-overlap' }),
    ]);
    // Assess
    assert.deepEqual([a.status, b.status].sort(), ['already-trained', 'trained']);
    assert.equal(a.version, b.version);
    assert.equal((await allModelVersions(mlflow, MODEL)).filter((v) => v.tags[TAGS.idempotencyKey] === 'train-overlap').length, 1);
  });

  it('MLflow unreachable after the runs started (not even able to mark them FAILED): the retry marks them FAILED and registers once', async () => {
    // Prepare: everything but run creation and searches fails, as if MLflow went down mid-training
    const viaProxy = { ...deps(), mlflow: stack.client({ viaProxy: true }) };
    stack.setFault((_method, path) => /log-batch|runs\/update|mlflow-artifacts|model-versions\/create/.test(path));
    // Act
    await assert.rejects(trainAndRegister(viaProxy, { upToBatch: 5, reason: 'down', idempotencyKey: 'train-down' }));
    const exp = (await mlflow.findExperimentByName(settings.experimentName))!;
    const stuck = await mlflow.searchAllRuns({ experimentIds: [exp.experimentId], filter: `tags.\`${TAGS.idempotencyKey}\` = 'train-down'` });
    stack.setFault(undefined);
    const retried = await trainAndRegister(viaProxy, { upToBatch: 5, reason: 'down', idempotencyKey: 'train-down' });
    // Assess
    assert.deepEqual([...new Set(stuck.map((r) => r.info.status))], ['RUNNING']);
    assert.equal(retried.status, 'trained');
    const runs = await mlflow.searchAllRuns({ experimentIds: [exp.experimentId], filter: `tags.\`${TAGS.idempotencyKey}\` = 'train-down'` });
    const status = (id: string) => runs.find((r) => r.info.runId === id)!.info.status;
    for (const r of stuck) assert.equal(status(r.info.runId), 'FAILED');
    assert.equal(runs.filter((r) => r.info.status === 'FINISHED').length, QUICK.length + 1);
    assert.equal((await allModelVersions(mlflow, MODEL)).filter((v) => v.tags[TAGS.idempotencyKey] === 'train-down').length, 1);
  });
});
