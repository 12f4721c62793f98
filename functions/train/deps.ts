import { z } from 'zod';
import { envInt, parseEnv } from '../../packages/core/index.js';
import { openLake, type Lake } from '../../packages/lake/index.js';
import { createMlflowClientFromEnv } from '../../packages/mlflow/index.js';
import type { TrainDeps } from './core.js';
import { trainSettingsFromEnv } from './config.js';

/** The lake with CLEAN's tables declared (they live in lake-layout/ingest-tables.ts for now). */
export function openCleanLake(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<Lake> {
  return openLake({ env: lakeUrl ? { ...env, CASA_LAKE_URL: lakeUrl } : env });
}

const trainCallEnvSchema = z.object({
  /** Lease of a keyed train call: a call whose process died frees its key this long after its last renewal. */
  CASA_TRAIN_LEASE_MS: envInt(2_000, 3_600_000).default(60_000),
});

/** Train's dependencies from the environment: CASA_LAKE_URL…, MLFLOW_TRACKING_URI…, CASA_MODEL_NAME…, CASA_TRAIN_LEASE_MS. */
export async function trainDepsFromEnv(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<TrainDeps> {
  const settings = trainSettingsFromEnv(env);
  const mlflow = createMlflowClientFromEnv(env);
  const lake = await openCleanLake(env, lakeUrl);
  const { CASA_TRAIN_LEASE_MS } = parseEnv(trainCallEnvSchema, env);
  return { lake, mlflow, settings, leaseMs: CASA_TRAIN_LEASE_MS, log: (e) => console.error(JSON.stringify({ level: 'info', ...e })) };
}
