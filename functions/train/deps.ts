import { openLake, type Lake } from '../../packages/lake/index.js';
import { createMlflowClientFromEnv } from '../../packages/mlflow/index.js';
import type { TrainDeps } from './core.js';
import { trainSettingsFromEnv } from './config.js';

/** The lake with CLEAN's tables declared (they live in lake-layout/ingest-tables.ts for now). */
export function openCleanLake(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<Lake> {
  return openLake({ env: lakeUrl ? { ...env, CASA_LAKE_URL: lakeUrl } : env });
}

/** Train's dependencies from the environment: CASA_LAKE_URL…, MLFLOW_TRACKING_URI…, CASA_MODEL_NAME…. */
export async function trainDepsFromEnv(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<TrainDeps> {
  const settings = trainSettingsFromEnv(env);
  const mlflow = createMlflowClientFromEnv(env);
  const lake = await openCleanLake(env, lakeUrl);
  return { lake, mlflow, settings, log: (e) => console.error(JSON.stringify({ level: 'info', ...e })) };
}
