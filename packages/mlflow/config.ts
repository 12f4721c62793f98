import { z } from 'zod';
import { envInt, parseEnv } from '../core/index.js';
import { MlflowClient, type MlflowClientOptions } from './mlflow-client.js';

/** The environment variables the MLflow client reads: the names MLflow's own clients use. */
export const mlflowEnvSchema = z
  .object({
    /** `http(s)://host:port` of the tracking server. */
    MLFLOW_TRACKING_URI: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL of an MLflow tracking server' }),
    MLFLOW_TRACKING_TOKEN: z.string().optional(),
    MLFLOW_TRACKING_USERNAME: z.string().optional(),
    MLFLOW_TRACKING_PASSWORD: z.string().optional(),
    /** Seconds per HTTP request. */
    MLFLOW_HTTP_REQUEST_TIMEOUT: envInt(1, 3600).optional(),
    /** Retries after the first try (so attempts = this + 1). */
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: envInt(0, 20).optional(),
  })
  .refine((e) => (e.MLFLOW_TRACKING_USERNAME === undefined) === (e.MLFLOW_TRACKING_PASSWORD === undefined), {
    message: 'set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or neither',
    path: ['MLFLOW_TRACKING_PASSWORD'],
  });

/** Client options from the environment; throws ConfigError naming each bad variable. */
export function mlflowOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): MlflowClientOptions {
  const e = parseEnv(mlflowEnvSchema, env);
  return {
    trackingUri: e.MLFLOW_TRACKING_URI,
    ...(e.MLFLOW_TRACKING_TOKEN ? { token: e.MLFLOW_TRACKING_TOKEN } : {}),
    ...(e.MLFLOW_TRACKING_USERNAME ? { username: e.MLFLOW_TRACKING_USERNAME, password: e.MLFLOW_TRACKING_PASSWORD ?? '' } : {}),
    ...(e.MLFLOW_HTTP_REQUEST_TIMEOUT ? { timeoutMs: e.MLFLOW_HTTP_REQUEST_TIMEOUT * 1000 } : {}),
    ...(e.MLFLOW_HTTP_REQUEST_MAX_RETRIES !== undefined ? { retry: { maxAttempts: e.MLFLOW_HTTP_REQUEST_MAX_RETRIES + 1 } } : {}),
  };
}

/** An MlflowClient configured from the environment. */
export function createMlflowClientFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<MlflowClientOptions> = {}): MlflowClient {
  return new MlflowClient({ ...mlflowOptionsFromEnv(env), ...overrides });
}
