import { z } from 'zod';
import { ConfigError, envInt, parseEnv } from '../core/index.js';

/** The environment variables the data API client reads (parsed once, with parseEnv). */
export const dataApiEnvSchema = z.object({
  /** Base URL of the data API, the real one (from configuration) or the simulator's. */
  CASA_DATA_API_URL: z.string().url(),
  /** Our group number: the API keeps one cursor per group. */
  CASA_GROUP_NUMBER: envInt(1, 1_000_000).default(1),
  /** Upper bound for one whole /data answer, body included (the real API takes ~30 s for 90 MB). */
  CASA_DATA_API_TIMEOUT_MS: envInt(1, 3_600_000).default(300_000),
  /** Upper bound for /health and /restart_data_generation. */
  CASA_DATA_API_CONTROL_TIMEOUT_MS: envInt(1, 600_000).default(30_000),
  /** Sent as `day=` when set (some cohorts of the real API expect it; it is ignored otherwise). */
  CASA_DATA_API_DAY: z.string().max(32).optional(),
});

export interface DataApiConfig {
  baseUrl: string;
  groupNumber: number;
  /** Whole /data exchange, headers and body. */
  timeoutMs: number;
  /** /health and /restart_data_generation. */
  controlTimeoutMs: number;
  day?: string;
}

/** Reads the data API configuration from the environment; `overrides` win (CLI flags). */
export function dataApiConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<DataApiConfig> = {}): DataApiConfig {
  const merged: NodeJS.ProcessEnv = { ...env };
  if (overrides.baseUrl !== undefined) merged['CASA_DATA_API_URL'] = overrides.baseUrl;
  if (overrides.groupNumber !== undefined) merged['CASA_GROUP_NUMBER'] = String(overrides.groupNumber);
  if (!merged['CASA_DATA_API_URL']?.trim()) {
    throw new ConfigError('CASA_DATA_API_URL is not set: give the data API base URL (or --data-api URL), e.g. http://127.0.0.1:8000');
  }
  const e = parseEnv(dataApiEnvSchema, merged);
  return {
    baseUrl: e.CASA_DATA_API_URL.replace(/\/+$/, ''),
    groupNumber: e.CASA_GROUP_NUMBER,
    timeoutMs: overrides.timeoutMs ?? e.CASA_DATA_API_TIMEOUT_MS,
    controlTimeoutMs: overrides.controlTimeoutMs ?? e.CASA_DATA_API_CONTROL_TIMEOUT_MS,
    ...(overrides.day ?? e.CASA_DATA_API_DAY ? { day: overrides.day ?? e.CASA_DATA_API_DAY } : {}),
  };
}
