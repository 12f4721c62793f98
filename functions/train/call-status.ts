import type { Problem } from '../../packages/core/index.js';
import type { Lake } from '../../packages/lake/index.js';
import type { MlflowClient } from '../../packages/mlflow/index.js';
import type { TrainSettings } from './config.js';
import { allModelVersions, TAGS, TRAIN_RESULT_ARTIFACT, trainLockKey, type TrainCallResult } from './core.js';

/**
 * What became of the train call with an idempotency key, for callers that started it with
 * `/async-function/train` and poll (the Airflow DAG): its result once a version is registered,
 * `running` while a call holds the key's lease, `failed` with the problem a call refused with
 * (4xx: retrying the same request cannot help), else `unknown` (never called, or the process
 * running it died: calling again with the same key is safe).
 */
export type TrainCallStatus =
  | (Omit<TrainCallResult, 'status'> & { status: 'trained' })
  | { status: 'running'; idempotencyKey: string }
  | { status: 'failed'; idempotencyKey: string; problem: Problem }
  | { status: 'unknown'; idempotencyKey: string };

export interface CallStatusDeps {
  lake: Lake;
  mlflow: MlflowClient;
  settings: Pick<TrainSettings, 'modelName'>;
}

/** Lake object holding the problem of a keyed call that was refused (4xx). */
export function failedCallKey(idempotencyKey: string): string {
  return `calls/train/${idempotencyKey.replace(/[^A-Za-z0-9_.+@-]/g, '_')}.failed.json`;
}

/** Records that the keyed call was refused with `problem`, so a poller can stop waiting. */
export async function recordFailedCall(lake: Lake, idempotencyKey: string, problem: Problem): Promise<void> {
  await lake.store.put(failedCallKey(idempotencyKey), new TextEncoder().encode(JSON.stringify({ idempotencyKey, problem, at: new Date().toISOString() })));
}

/**
 * The status of the keyed call; read-only (it never trains, terminates runs or moves aliases).
 * A live lease wins over a registered version: the call that registered it may still be
 * setting the challenger alias. A version whose call died before finishing reads `trained`;
 * calling train again with the key (it answers `already-trained`) finishes what it left.
 */
export async function trainCallStatus(deps: CallStatusDeps, idempotencyKey: string, now: () => number = Date.now): Promise<TrainCallStatus> {
  const lease = await deps.lake.store.get(trainLockKey(idempotencyKey));
  if (lease && (JSON.parse(new TextDecoder().decode(lease.body)) as { expiresAt: number }).expiresAt >= now()) return { status: 'running', idempotencyKey };
  const done = (await allModelVersions(deps.mlflow, deps.settings.modelName)).find((v) => v.tags[TAGS.idempotencyKey] === idempotencyKey);
  if (done) {
    const run = await deps.mlflow.getRun(done.runId);
    const saved = JSON.parse((await deps.mlflow.readArtifact(run.info.artifactUri, TRAIN_RESULT_ARTIFACT)).toString('utf8')) as TrainCallResult;
    return { ...saved, version: done.version, status: 'trained' };
  }
  const failed = await deps.lake.store.get(failedCallKey(idempotencyKey));
  if (failed) return { status: 'failed', idempotencyKey, problem: (JSON.parse(new TextDecoder().decode(failed.body)) as { problem: Problem }).problem };
  return { status: 'unknown', idempotencyKey };
}
