import { z } from 'zod';
import { ConfigError, envInt, parseEnv } from '../../packages/core/index.js';
import { openLake, type Lake } from '../../packages/lake/index.js';
import { createMlflowClientFromEnv } from '../../packages/mlflow/index.js';
import { DEFAULT_CANDIDATES } from './candidates.js';
import type { TrainDeps } from './core.js';
import { trainSettingsFromEnv } from './config.js';

/** The lake with CLEAN's tables declared (they live in lake-layout/ingest-tables.ts for now). */
export function openCleanLake(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<Lake> {
  return openLake({ env: lakeUrl ? { ...env, CASA_LAKE_URL: lakeUrl } : env });
}

const trainCallEnvSchema = z.object({
  /** Lease of a keyed train call: a call whose process died frees its key this long after its last renewal. */
  CASA_TRAIN_LEASE_MS: envInt(2_000, 3_600_000).default(60_000),
  /** A smaller search (tests, small machines): comma-separated names from the default candidates. */
  CASA_TRAIN_CANDIDATES: z.string().trim().min(1).optional(),
  /** Upper bound on boosting rounds per candidate (default 500; early stopping usually ends sooner). */
  CASA_TRAIN_MAX_ROUNDS: envInt(1, 100_000).optional(),
});

/** Train's dependencies from the environment: CASA_LAKE_URL…, MLFLOW_TRACKING_URI…, CASA_MODEL_NAME…, CASA_TRAIN_LEASE_MS, CASA_TRAIN_CANDIDATES, CASA_TRAIN_MAX_ROUNDS. */
export async function trainDepsFromEnv(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<TrainDeps> {
  const settings = trainSettingsFromEnv(env);
  const mlflow = createMlflowClientFromEnv(env);
  const e = parseEnv(trainCallEnvSchema, env);
  const names = e.CASA_TRAIN_CANDIDATES?.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names?.filter((n) => !DEFAULT_CANDIDATES.some((c) => c.name === n)) ?? [];
  if (unknown.length > 0) throw new ConfigError(`CASA_TRAIN_CANDIDATES names unknown candidates: ${unknown.join(', ')} (known: ${DEFAULT_CANDIDATES.map((c) => c.name).join(', ')})`);
  const lake = await openCleanLake(env, lakeUrl);
  const training = {
    ...(names ? { candidates: DEFAULT_CANDIDATES.filter((c) => names.includes(c.name)) } : {}),
    ...(e.CASA_TRAIN_MAX_ROUNDS ? { numBoostRound: e.CASA_TRAIN_MAX_ROUNDS } : {}),
  };
  return { lake, mlflow, settings, leaseMs: e.CASA_TRAIN_LEASE_MS, training, log: (ev) => console.error(JSON.stringify({ level: 'info', ...ev })) };
}
