import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../packages/core/index.js';
import { loadCleanDataset, type Dataset, type Metrics } from '../../packages/evaluation/index.js';
import type { Lake } from '../../packages/lake/index.js';
import type { MlflowClient, ModelVersion } from '../../packages/mlflow/index.js';
import { writeModelDirectory } from '../../packages/model-format/index.js';
import type { XGBoostPool } from '../../packages/xgboost-wasm/index.js';
import { BASELINE_NAME, DEFAULT_CANDIDATES, splitDataset, trainCandidates, TrainingSetTooSmallError, type CandidateOutcome, type TrainingOptions } from './candidates.js';
import type { TrainSettings } from './config.js';
import { acquireLock } from '../promote/lock.js';

/** Tags casa writes on runs and model versions (the UI, promote and assess read them). */
export const TAGS = {
  role: 'casa.role',
  candidate: 'casa.candidate',
  batchFrom: 'casa.batch_from',
  batchTo: 'casa.batch_to',
  digest: 'casa.data_digest',
  gitCommit: 'casa.git_commit',
  reason: 'casa.trigger_reason',
  idempotencyKey: 'casa.idempotency_key',
  trainCall: 'casa.train_call',
  modelVersion: 'casa.model_version',
  holdoutRmseLog: 'casa.holdout_rmse_log',
} as const;

export const CHALLENGER = 'challenger';
export const MODEL_ARTIFACT_PATH = 'model';
export const TRAIN_RESULT_ARTIFACT = 'train_result.json';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:@-]{1,128}$/;

export interface TrainRequest {
  /** Train on CLEAN batches 0..upToBatch. */
  upToBatch: number;
  /** Why this training happens (assess's decision, a person, a schedule). */
  reason: string;
  /** A retry with the same key trains and registers at most once. */
  idempotencyKey?: string;
}

export interface TrainDeps {
  lake: Lake;
  mlflow: MlflowClient;
  settings: TrainSettings;
  /** Worker threads shared across calls (default: a pool per call). */
  pool?: XGBoostPool;
  training?: Omit<TrainingOptions, 'pool' | 'minTrainRows'>;
  /** Lease of a keyed call (default 60 s, renewed every quarter): how soon a call that died frees its key. */
  leaseMs?: number;
  log?: (event: Record<string, unknown>) => void;
}

export interface TrainCallResult {
  status: 'trained' | 'already-trained';
  modelName: string;
  version: string;
  runId: string;
  experimentId: string;
  candidate: string;
  dataDigest: string;
  batches: { from: number; to: number };
  rows: { total: number; train: number; holdout: number };
  metrics: { holdout: Metrics; byBatch: Record<string, Metrics>; completeByBatch: Record<string, Metrics> };
  baseline: { holdout: Metrics; byBatch: Record<string, Metrics> };
  candidates: { name: string; runId: string; validRmseLog: number; holdoutRmseLog: number; bestIteration: number }[];
  reason: string;
  seconds: number;
}

/** MLflow metric entries for a candidate's holdout evaluation: overall, per batch, per batch on complete rows. */
export function candidateMetrics(c: CandidateOutcome, step = 0): { key: string; value: number; timestamp: number; step: number }[] {
  const ts = Date.now();
  const out: { key: string; value: number; timestamp: number; step: number }[] = [];
  const push = (key: string, value: number) => {
    if (Number.isFinite(value)) out.push({ key, value, timestamp: ts, step });
  };
  for (const [k, v] of Object.entries(c.holdout.overall)) push(`holdout_${k}`, v);
  for (const [b, m] of Object.entries(c.holdout.byBatch)) for (const [k, v] of Object.entries(m)) push(`holdout_b${b}_${k}`, v);
  for (const [b, m] of Object.entries(c.holdout.completeByBatch)) push(`holdout_complete_b${b}_rmse_log`, m.rmse_log);
  push('valid_rmse_log', c.validRmseLog);
  push('best_iteration', c.bestIteration);
  push('train_seconds', c.seconds);
  return out;
}

function quote(s: string): string {
  return `'${s.replaceAll("'", "\\'")}'`;
}

/** Every version of `name` (empty when the registered model does not exist yet). */
export async function allModelVersions(mlflow: MlflowClient, name: string): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await mlflow.searchModelVersions({ filter: `name = ${quote(name)}`, maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
    out.push(...page.modelVersions);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out.sort((a, b) => Number(a.version) - Number(b.version));
}

/**
 * If a call with this key already registered its version, finishes what that call may have left
 * (its runs, the challenger alias when it is still the newest version) and returns its result.
 * Runs of the key still RUNNING with no version (a call that died) are marked FAILED.
 */
async function resumeByKey(deps: TrainDeps, key: string): Promise<TrainCallResult | undefined> {
  const { mlflow, settings } = deps;
  const versions = await allModelVersions(mlflow, settings.modelName);
  const done = versions.find((v) => v.tags[TAGS.idempotencyKey] === key);
  const experiment = await mlflow.findExperimentByName(settings.experimentName);
  const runs = experiment
    ? await mlflow.searchAllRuns({ experimentIds: [experiment.experimentId], filter: `tags.\`${TAGS.idempotencyKey}\` = ${quote(key)}` })
    : [];
  if (!done) {
    for (const r of runs) if (r.info.status === 'RUNNING') await mlflow.terminateRun(r.info.runId, 'FAILED');
    return undefined;
  }
  const call = runs.find((r) => r.info.runId === done.runId)?.data.tags[TAGS.trainCall];
  for (const r of runs) if (r.info.status === 'RUNNING' && r.data.tags[TAGS.trainCall] === call) await mlflow.terminateRun(r.info.runId, 'FINISHED');
  if (versions[versions.length - 1]?.version === done.version && !done.aliases.includes(CHALLENGER)) {
    await mlflow.setRegisteredModelAlias(settings.modelName, CHALLENGER, done.version);
  }
  const run = await mlflow.getRun(done.runId);
  const saved = JSON.parse((await mlflow.readArtifact(run.info.artifactUri, TRAIN_RESULT_ARTIFACT)).toString('utf8')) as TrainCallResult;
  return { ...saved, status: 'already-trained' };
}

/** The lake object of the lease a keyed train call holds while it runs (call-status.ts reads it). */
export function trainLockKey(idempotencyKey: string): string {
  return `locks/train/${idempotencyKey.replace(/[^A-Za-z0-9_.+@-]/g, '_')}.lock`;
}

/**
 * The train function's core: reads CLEAN batches 0..upToBatch through the lake, trains the
 * candidates and the baseline (one MLflow run each: params, metrics overall and per batch,
 * tags, the dataset digest as input), uploads the best one's model directory and SHAP
 * importances, registers it as a new version of the registered model and points `challenger`
 * at it. Any failure ends the call's runs FAILED; a version is only created after its
 * artifacts are uploaded. With an idempotency key, a retry registers at most once.
 */
export async function trainAndRegister(deps: TrainDeps, req: TrainRequest): Promise<TrainCallResult> {
  const t0 = performance.now();
  const log = deps.log ?? (() => undefined);
  if (!Number.isSafeInteger(req.upToBatch) || req.upToBatch < 0) throw new InvalidInputError('upToBatch must be a non-negative integer', [{ pointer: '/upToBatch', message: 'non-negative integer' }]);
  if (typeof req.reason !== 'string' || req.reason.trim() === '' || req.reason.length > 5000) throw new InvalidInputError('reason must be 1–5000 characters', [{ pointer: '/reason', message: '1–5000 characters' }]);
  if (req.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(req.idempotencyKey)) {
    throw new InvalidInputError('idempotencyKey must be 1–128 characters of [A-Za-z0-9._:@-]', [{ pointer: '/idempotencyKey', message: 'bad characters or length' }]);
  }
  if (!req.idempotencyKey) return trainOnce(deps, req, t0);
  // Calls with the same key run one at a time (a lease in the lake), so a retry that overlaps
  // the original waits for it and then finds its version instead of training again.
  const leaseMs = deps.leaseMs ?? 60_000;
  const lock = await acquireLock(deps.lake.store, trainLockKey(req.idempotencyKey), { ttlMs: leaseMs, renewEveryMs: Math.floor(leaseMs / 4), waitMs: 2 * 3_600_000, pollMs: 500 });
  try {
    const previous = await resumeByKey(deps, req.idempotencyKey);
    if (previous) {
      log({ msg: 'train: already trained for this idempotency key', version: previous.version });
      return previous;
    }
    return await trainOnce(deps, req, t0);
  } finally {
    await lock.release();
  }
}

async function trainOnce(deps: TrainDeps, req: TrainRequest, t0: number): Promise<TrainCallResult> {
  const { lake, mlflow, settings } = deps;
  const log = deps.log ?? (() => undefined);

  const data = await loadCleanDataset(lake, req.upToBatch);
  assertTrainable(data, deps, req.upToBatch);
  const batchesSeen = [...new Set(data.batches)].sort((a, b) => a - b);
  const batches = { from: batchesSeen[0]!, to: batchesSeen[batchesSeen.length - 1]! };

  const experiment = await mlflow.getOrCreateExperiment(settings.experimentName, { 'casa.kind': 'house-price-training' });
  const call = randomUUID();
  const commonTags: Record<string, string> = {
    [TAGS.batchFrom]: String(batches.from),
    [TAGS.batchTo]: String(batches.to),
    [TAGS.digest]: data.digest,
    [TAGS.gitCommit]: settings.gitCommit,
    'mlflow.source.git.commit': settings.gitCommit,
    [TAGS.reason]: req.reason,
    [TAGS.trainCall]: call,
    ...(req.idempotencyKey ? { [TAGS.idempotencyKey]: req.idempotencyKey } : {}),
  };
  const candidateNames = [...(deps.training?.candidates ?? DEFAULT_CANDIDATES).map((c) => c.name), BASELINE_NAME];
  const runs = new Map<string, { runId: string; artifactUri: string }>();
  const open = new Set<string>();
  try {
    for (const name of candidateNames) {
      const run = await mlflow.createRun({
        experimentId: experiment.experimentId,
        runName: `${name} b${batches.from}-${batches.to}`,
        tags: { ...commonTags, [TAGS.role]: 'candidate', [TAGS.candidate]: name },
      });
      runs.set(name, { runId: run.info.runId, artifactUri: run.info.artifactUri });
      open.add(run.info.runId);
    }
    log({ msg: 'train: training candidates', rows: data.n, batches, runs: runs.size });
    const outcome = await trainCandidates(data, { ...deps.training, minTrainRows: settings.minTrainRows, ...(deps.pool ? { pool: deps.pool } : {}) });

    const dataset = {
      name: `clean_listings b${batches.from}-${batches.to}`,
      digest: data.digest.slice(0, 36),
      sourceType: 'lake',
      source: JSON.stringify({ uri: lake.url, table: 'clean_listings', batches }),
      profile: JSON.stringify({ num_rows: data.n, train_rows: outcome.trainRows, holdout_rows: outcome.holdoutRows }),
      tags: { 'mlflow.data.context': 'training' },
    };
    for (const c of outcome.candidates) {
      const run = runs.get(c.name)!;
      await mlflow.logBatch(run.runId, {
        params: { ...c.params, holdout_fraction: outcome.holdoutFraction, train_rows: outcome.trainRows, holdout_rows: outcome.holdoutRows },
        metrics: candidateMetrics(c),
      });
      await mlflow.logInputs(run.runId, [dataset]);
    }

    const best = outcome.best;
    const bestRun = runs.get(best.name)!;
    const dir = await mkdtemp(join(tmpdir(), 'casa-train-model-'));
    try {
      await writeModelDirectory(dir, {
        model: best.model!,
        runId: bestRun.runId,
        artifactPath: MODEL_ARTIFACT_PATH,
        shapImportance: outcome.shapImportance,
        locationLevels: outcome.locationLevels,
        training: {
          dataDigest: data.digest,
          batches,
          source: `${lake.url}#clean_listings`,
          trainRows: outcome.trainRows,
          holdoutRows: outcome.holdoutRows,
          holdoutFraction: outcome.holdoutFraction,
          bestIteration: best.bestIteration,
          params: best.params,
        },
      });
      await mlflow.uploadArtifactDirectory(bestRun.artifactUri, dir, MODEL_ARTIFACT_PATH);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await mlflow.uploadArtifact(bestRun.artifactUri, 'shap_importance.json', JSON.stringify(outcome.shapImportance, null, 2));
    await mlflow.logBatch(bestRun.runId, {
      metrics: [
        { key: 'baseline_holdout_rmse_log', value: outcome.baseline.holdout.overall.rmse_log, timestamp: Date.now(), step: 0 },
        ...Object.entries(outcome.shapImportance.meanAbs).map(([f, v]) => ({ key: `shap_mean_abs_${f}`, value: v, timestamp: Date.now(), step: 0 })),
      ],
      tags: { [TAGS.role]: 'best' },
    });

    const result: TrainCallResult = {
      status: 'trained',
      modelName: settings.modelName,
      version: '',
      runId: bestRun.runId,
      experimentId: experiment.experimentId,
      candidate: best.name,
      dataDigest: data.digest,
      batches,
      rows: { total: data.n, train: outcome.trainRows, holdout: outcome.holdoutRows },
      metrics: { holdout: best.holdout.overall, byBatch: best.holdout.byBatch, completeByBatch: best.holdout.completeByBatch },
      baseline: { holdout: outcome.baseline.holdout.overall, byBatch: outcome.baseline.holdout.byBatch },
      candidates: outcome.candidates.map((c) => ({ name: c.name, runId: runs.get(c.name)!.runId, validRmseLog: c.validRmseLog, holdoutRmseLog: c.holdout.overall.rmse_log, bestIteration: c.bestIteration })),
      reason: req.reason,
      seconds: 0,
    };

    await mlflow.getOrCreateRegisteredModel(settings.modelName, { description: 'casa: house price (log-price XGBoost). Production = alias champion.' });
    // The result is stored before the version exists, so a retry that finds the version can always read it.
    result.seconds = (performance.now() - t0) / 1000;
    await mlflow.uploadArtifact(bestRun.artifactUri, TRAIN_RESULT_ARTIFACT, JSON.stringify({ ...result, version: 'pending' }, null, 2));
    const version = await mlflow.registerModelVersion({
      name: settings.modelName,
      source: `${bestRun.artifactUri}/${MODEL_ARTIFACT_PATH}`,
      runId: bestRun.runId,
      description: `${best.name} on CLEAN batches ${batches.from}–${batches.to}: ${req.reason}`,
      tags: {
        ...commonTags,
        [TAGS.candidate]: best.name,
        [TAGS.holdoutRmseLog]: String(best.holdout.overall.rmse_log),
      },
    });
    result.version = version.version;
    await mlflow.uploadArtifact(bestRun.artifactUri, TRAIN_RESULT_ARTIFACT, JSON.stringify(result, null, 2));
    await mlflow.setRegisteredModelAlias(settings.modelName, CHALLENGER, version.version);
    await mlflow.setRunTags(bestRun.runId, { [TAGS.modelVersion]: version.version });
    for (const { runId } of runs.values()) {
      await mlflow.terminateRun(runId, 'FINISHED');
      open.delete(runId);
    }
    log({ msg: 'train: registered', version: version.version, candidate: best.name, holdout_rmse_log: best.holdout.overall.rmse_log });
    return result;
  } catch (err) {
    for (const runId of open) {
      await mlflow.terminateRun(runId, 'FAILED').catch((e: unknown) => log({ msg: 'train: could not mark run FAILED (a retry with the same key will)', runId, error: String(e) }));
    }
    throw err;
  }
}

/** Refuses (422, before any run exists) an empty or too-small training set. */
function assertTrainable(data: Dataset, deps: TrainDeps, upTo: number): void {
  if (data.n === 0) {
    throw new TrainingSetTooSmallError(`there are no CLEAN rows in batches 0–${upTo}: ingest and clean them first`, [{ pointer: '/upToBatch', message: 'no CLEAN rows' }]);
  }
  const { fit, valid, holdout } = splitDataset(data, deps.training?.holdoutFraction, deps.training?.validationFraction);
  const minTrain = deps.settings.minTrainRows;
  const minHoldout = deps.training?.minHoldoutRows ?? 50;
  if (fit.n + valid.n < minTrain || valid.n < 10 || holdout.n < minHoldout) {
    throw new TrainingSetTooSmallError(
      `the training set is too small: ${data.n} CLEAN rows in batches 0–${upTo} (${fit.n + valid.n} train side, ${holdout.n} holdout); need at least ${minTrain} train-side and ${minHoldout} holdout rows`,
      [{ pointer: '/upToBatch', message: `${data.n} usable rows` }],
    );
  }
}
