import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import { envInt, parseEnv } from '../../packages/core/index.js';

/** Settings train and promote share: which registered model and experiment they write. */
export const trainEnvSchema = z.object({
  /** The one registered model every trained version joins. */
  CASA_MODEL_NAME: z.string().trim().min(1).max(200).default('casa-house-price'),
  /** The MLflow experiment holding one run per candidate. */
  CASA_MLFLOW_EXPERIMENT: z.string().trim().min(1).max(500).default('casa-house-price'),
  /** Refuse to train below this many train-side rows. */
  CASA_TRAIN_MIN_ROWS: envInt(10, 100_000_000).default(500),
  /** The commit recorded on every run (default: `git rev-parse HEAD`, else "unknown"). */
  CASA_GIT_COMMIT: z.string().trim().min(1).optional(),
});

export interface TrainSettings {
  modelName: string;
  experimentName: string;
  minTrainRows: number;
  gitCommit: string;
}

let cachedCommit: string | undefined;
/** The repository's HEAD commit, once per process; "unknown" outside a git checkout. */
export function gitCommit(): string {
  if (cachedCommit === undefined) {
    try {
      cachedCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('.', import.meta.url), stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      cachedCommit = 'unknown';
    }
  }
  return cachedCommit;
}

export function trainSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TrainSettings {
  const e = parseEnv(trainEnvSchema, env);
  return { modelName: e.CASA_MODEL_NAME, experimentName: e.CASA_MLFLOW_EXPERIMENT, minTrainRows: e.CASA_TRAIN_MIN_ROWS, gitCommit: e.CASA_GIT_COMMIT ?? gitCommit() };
}
