// The client against MLflow's real tracking server: PostgreSQL metadata, artifacts in a
// SeaweedFS S3 bucket behind MLflow's artifact proxy. One server for the whole file, because
// MLflow takes 10–30 s to start.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { MlflowClient } from './mlflow-client.js';
import { MlflowAlreadyExistsError, MlflowInvalidRequestError, MlflowNotFoundError } from './errors.js';
import type { Run } from './schemas.js';
import { InvalidInputError } from '../core/index.js';
import { startPostgres, type PostgresServer } from '../testkit/postgres.js';
import { startSeaweed, weedAvailable, type Seaweed } from '../testkit/seaweed.js';
import { startMlflow, type MlflowServer } from '../testkit/mlflow-server.js';

const venv = process.env.CASA_MLFLOW_VENV ?? resolve(import.meta.dirname, '..', '..', '.venv-mlflow');
const missing = [
  ...(existsSync(join(venv, 'bin', 'mlflow')) ? [] : [`${venv} (run scripts/setup-mlflow.sh)`]),
  ...(weedAvailable() ? [] : ['the SeaweedFS binary (run scripts/setup-weed.sh)']),
];
const skip = missing.length > 0 ? `MLflow integration needs ${missing.join(' and ')}` : false;
if (skip) console.warn(`SKIPPED: ${skip}`);

const BUCKET = 'mlflow';
const MIB = 1024 * 1024;

describe('MlflowClient against MLflow with PostgreSQL and SeaweedFS S3', { skip }, () => {
  let pg: PostgresServer | undefined;
  let s3: Seaweed | undefined;
  let server: MlflowServer | undefined;
  let client: MlflowClient;
  let work: string;
  const requests: string[] = [];
  let experimentId: string;
  let run: Run;

  before(async () => {
    [pg, s3] = await Promise.all([startPostgres({ database: 'mlflow' }), startSeaweed({ buckets: [BUCKET] })]);
    server = await startMlflow({
      backendStoreUri: pg.url,
      artifactsDestination: `s3://${BUCKET}/artifacts`,
      s3: { endpoint: s3.endpoint, accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey, region: s3.region },
    });
    // Records every request so tests can assert how many calls (and which) were made.
    const recordingFetch: typeof fetch = (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    client = new MlflowClient({ trackingUri: server.url, fetch: recordingFetch, retry: { maxAttempts: 2, initialDelayMs: 50 } });
    work = await mkdtemp(join(tmpdir(), 'casa-mlflow-it-'));
  });

  after(async () => {
    await server?.stop();
    await Promise.all([pg?.stop(), s3?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('gets or creates an experiment, once', async () => {
    const first = await client.getOrCreateExperiment('casa-house-prices', { owner: 'casa' });
    const again = await client.getOrCreateExperiment('casa-house-prices');
    experimentId = first.experimentId;
    assert.equal(again.experimentId, first.experimentId);
    assert.equal(first.tags.owner, 'casa');
    assert.equal(first.artifactLocation, `mlflow-artifacts:/${first.experimentId}`);
  });

  it('creates a run and logs a batch larger than one call', async () => {
    // Prepare
    run = await client.createRun({ experimentId, runName: 'candidate-1', tags: { 'casa.trigger': 'drift' } });
    const metrics = Array.from({ length: 2100 }, (_, i) => ({ key: `rmse_batch_${i % 3}`, value: 1 / (i + 1), step: i }));
    const params = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`param_${i}`, i]));
    const before = requests.length;
    // Act
    const calls = await client.logBatch(run.info.runId, { metrics, params, tags: { 'casa.data_digest': 'abc123' } });
    // Assess
    const logged = await client.getRun(run.info.runId);
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(calls, 3);
    assert.equal(requests.slice(before).filter((r) => r.endsWith('/runs/log-batch')).length, 3);
    assert.equal(Object.keys(logged.data.params).length, 130);
    assert.equal(logged.data.params.param_129, '129');
    assert.equal(logged.data.tags['casa.data_digest'], 'abc123');
    assert.equal(logged.data.tags['casa.trigger'], 'drift');
    assert.equal(logged.data.metrics.rmse_batch_2, 1 / 2100); // i = 2099, the latest step
  });

  it('logs a dataset input with digest, source and schema', async () => {
    await client.logInputs(run.info.runId, [
      {
        name: 'clean-batches-0-2',
        digest: 'd41d8cd98f00b204',
        sourceType: 's3',
        source: JSON.stringify({ uri: 's3://lake/clean/' }),
        schema: JSON.stringify({ mlflow_colspec: [{ name: 'price', type: 'double' }] }),
        profile: JSON.stringify({ num_rows: 1000 }),
        tags: { 'mlflow.data.context': 'training' },
      },
    ]);
    const { inputs } = await client.getRun(run.info.runId);
    assert.equal(inputs.datasetInputs.length, 1);
    assert.equal(inputs.datasetInputs[0]!.dataset.digest, 'd41d8cd98f00b204');
    assert.match(inputs.datasetInputs[0]!.dataset.schema ?? '', /mlflow_colspec/);
    assert.equal(inputs.datasetInputs[0]!.tags['mlflow.data.context'], 'training');
  });

  it('uploads, lists and downloads artifacts; a 12 MiB file goes in parts to S3', async () => {
    // Prepare
    const big = join(work, 'big.bin');
    const bytes = randomBytes(12 * MIB);
    await writeFile(big, bytes);
    const modelDir = join(work, 'model');
    await mkdir(modelDir);
    const mlmodel = 'flavors:\n  xgboost:\n    model_format: ubj\n';
    await writeFile(join(modelDir, 'MLmodel'), mlmodel);
    await writeFile(join(modelDir, 'model.ubj'), randomBytes(1000));
    const root = run.info.artifactUri;
    const before = requests.length;
    // Act
    await client.uploadArtifact(root, 'data/big.bin', { file: big });
    await client.uploadArtifact(root, 'notes/why.md', 'retrained: drift in house_size');
    const written = await client.uploadArtifactDirectory(root, modelDir, 'model');
    const top = await client.listArtifacts(root);
    const model = await client.listArtifacts(root, 'model');
    const size = await client.downloadArtifact(root, 'data/big.bin', join(work, 'back.bin'));
    const note = await client.readArtifact(root, 'notes/why.md');
    // Assess
    const made = requests.slice(before);
    assert.equal(made.filter((r) => r.includes('/mlflow-artifacts/mpu/create/')).length, 1);
    assert.equal(made.filter((r) => r.includes('/mlflow-artifacts/mpu/complete/')).length, 1);
    assert.equal(made.filter((r) => r.startsWith('PUT') && r.endsWith('/data/big.bin')).length, 2, 'two presigned part uploads');
    assert.deepEqual(written.sort(), ['model/MLmodel', 'model/model.ubj']);
    assert.deepEqual(top.map((f) => [f.path, f.isDir]), [['data', true], ['model', true], ['notes', true]]);
    assert.deepEqual(model.map((f) => [f.path, f.fileSize]), [['model/MLmodel', Buffer.byteLength(mlmodel)], ['model/model.ubj', 1000]]);
    assert.equal(size, bytes.length);
    assert.equal(sha256(await readFile(join(work, 'back.bin'))), sha256(bytes));
    assert.equal(note.toString('utf8'), 'retrained: drift in house_size');
    const key = `artifacts/${experimentId}/${run.info.runId}/artifacts/data/big.bin`;
    const head = await s3!.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(head.ContentLength, bytes.length, 'the artifact is in the S3 bucket');
  });

  it('registers versions from the real artifact path with run_id, waits for READY, moves aliases and stages', async () => {
    // Prepare
    const name = 'casa-house-price';
    await client.getOrCreateRegisteredModel(name, { description: 'XGBoost on log price' });
    await client.getOrCreateRegisteredModel(name);
    const source = `${run.info.artifactUri}/model`;
    // Act
    const v1 = await client.registerModelVersion({ name, source, runId: run.info.runId, tags: { 'casa.batches': '0-2' } }, { pollMs: 100 });
    const v2 = await client.registerModelVersion({ name, source, runId: run.info.runId }, { pollMs: 100 });
    await client.setRegisteredModelAlias(name, 'champion', v1.version);
    const champion1 = await client.getModelVersionByAlias(name, 'champion');
    await client.setRegisteredModelAlias(name, 'champion', v2.version);
    await client.setRegisteredModelAlias(name, 'previous-champion', v1.version);
    const model = await client.getRegisteredModel(name);
    await client.deleteRegisteredModelAlias(name, 'previous-champion');
    await client.transitionModelVersionStage(name, v1.version, 'Production');
    const promoted = await client.transitionModelVersionStage(name, v2.version, 'Production', { archiveExistingVersions: true });
    const archived = await client.getModelVersion(name, v1.version);
    await client.setModelVersionTag(name, v2.version, 'casa.verdict', 'promoted');
    const found = await client.searchModelVersions({ filter: `name = '${name}' and run_id = '${run.info.runId}'` });
    const models = await client.searchRegisteredModels({ filter: `name = '${name}'` });
    // Assess
    assert.deepEqual([v1.version, v2.version], ['1', '2']);
    assert.equal(v1.status, 'READY');
    assert.equal(v1.source, source);
    assert.equal(v1.runId, run.info.runId);
    assert.equal(v1.tags['casa.batches'], '0-2');
    assert.equal(champion1.version, '1');
    assert.deepEqual(model.aliases, { champion: '2', 'previous-champion': '1' });
    await assert.rejects(client.getModelVersionByAlias(name, 'previous-champion'), MlflowNotFoundError);
    assert.equal(promoted.currentStage, 'Production');
    assert.equal(archived.currentStage, 'Archived');
    assert.deepEqual(found.modelVersions.map((v) => v.version).sort(), ['1', '2']);
    assert.equal(found.modelVersions.find((v) => v.version === '2')!.tags['casa.verdict'], 'promoted');
    assert.deepEqual(models.registeredModels.map((m) => m.name), [name]);
  });

  it('terminates the run and finds it by status and tag', async () => {
    const ended = await client.terminateRun(run.info.runId, 'FINISHED');
    const { runs } = await client.searchRuns({ experimentIds: [experimentId], filter: `attributes.status = 'FINISHED' and tags.\`casa.trigger\` = 'drift'` });
    assert.equal(ended.status, 'FINISHED');
    assert.ok(ended.endTime! >= ended.startTime!);
    assert.deepEqual(runs.map((r) => r.info.runId), [run.info.runId]);
  });

  it('answers errors as typed errors, and retries none of the invalid ones', async () => {
    const before = requests.length;
    await assert.rejects(client.getRun('0'.repeat(32)), (err: MlflowNotFoundError) => err instanceof MlflowNotFoundError && err.httpStatus === 404 && err.errorCode === 'RESOURCE_DOES_NOT_EXIST');
    await assert.rejects(client.createRegisteredModel('casa-house-price'), (err: MlflowAlreadyExistsError) => err instanceof MlflowAlreadyExistsError && err.errorCode === 'RESOURCE_ALREADY_EXISTS');
    await assert.rejects(client.logBatch(run.info.runId, { params: { param_0: 'changed' } }), (err: MlflowInvalidRequestError) => err instanceof MlflowInvalidRequestError && err.httpStatus === 400 && err.errorCode === 'INVALID_PARAMETER_VALUE');
    await assert.rejects(client.getModelVersionByAlias('casa-house-price', 'no-such-alias'), MlflowNotFoundError);
    await assert.rejects(client.createModelVersion({ name: 'casa-house-price', source: `runs:/${run.info.runId}/model`, runId: run.info.runId }), InvalidInputError);
    await assert.rejects(client.readArtifact(run.info.artifactUri, 'no/such/file.txt'), MlflowNotFoundError);
    await assert.rejects(client.downloadArtifact(run.info.artifactUri, 'no/such/file.txt', join(work, 'nothing')), MlflowNotFoundError);
    assert.equal(requests.length - before, 6, 'one request per failing call: nothing retried');
    assert.equal(existsSync(join(work, 'nothing')), false);
  });
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
