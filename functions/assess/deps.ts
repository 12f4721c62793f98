import { createMlflowClientFromEnv } from '../../packages/mlflow/index.js';
import { trainSettingsFromEnv } from '../train/config.js';
import { openCleanLake } from '../train/deps.js';
import { gateFromEnv } from '../promote/gate.js';
import type { AssessDeps } from './core.js';
import type { PipelineDeps } from './pipeline.js';
import { rulesFromEnv } from './rules.js';

/** Assess's dependencies from the environment: the lake (CASA_LAKE_URL…), MLflow (MLFLOW_TRACKING_URI…), CASA_MODEL_NAME, the rules (CASA_ASSESS_*). */
export async function assessDepsFromEnv(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<AssessDeps> {
  const rules = rulesFromEnv(env);
  const settings = trainSettingsFromEnv(env);
  const mlflow = createMlflowClientFromEnv(env);
  return { lake: await openCleanLake(env, lakeUrl), mlflow, settings, rules, log: (e) => console.error(JSON.stringify({ level: 'info', ...e })) };
}

/** The batch pipeline's dependencies from the environment: assess's, plus train's settings and promote's gate (CASA_PROMOTE_*). Close `lake` when done. */
export async function pipelineDepsFromEnv(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<PipelineDeps> {
  const deps = await assessDepsFromEnv(env, lakeUrl);
  return { ...deps, settings: trainSettingsFromEnv(env), gate: gateFromEnv(env) };
}
