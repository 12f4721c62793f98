import { z } from 'zod';
import { envInt, parseEnv } from '../../packages/core/index.js';
import { DataApiClient, dataApiConfigFromEnv, type DataApiConfig } from '../../packages/data-api-client/index.js';
import { openLake, type Lake } from '../../packages/lake/index.js';
import type { IngestDeps } from './core.js';

/** Ingest's own settings (the data API's and the lake's are read by their packages). */
export const ingestEnvSchema = z.object({
  /** How long a crashed ingest's intent blocks the next one when its process cannot be checked (other host). */
  CASA_INGEST_LEASE_MS: envInt(1_000, 86_400_000).optional(),
});

/** The lake with the RAW and CLEAN tables declared (until lake-layout/tables.ts includes them itself). */
export async function openLakeWithIngestTables(options: { env?: NodeJS.ProcessEnv; lakeUrl?: string } = {}): Promise<Lake> {
  const env = options.env ?? process.env;
  return openLake({ env: options.lakeUrl ? { ...env, CASA_LAKE_URL: options.lakeUrl } : env });
}

/** Builds ingest's dependencies from the environment, with CLI overrides. */
export async function ingestDepsFromEnv(
  options: { env?: NodeJS.ProcessEnv; lakeUrl?: string; dataApi?: Partial<DataApiConfig>; onEvent?: IngestDeps['onEvent'] } = {},
): Promise<IngestDeps> {
  const env = options.env ?? process.env;
  const own = parseEnv(ingestEnvSchema, env);
  const client = new DataApiClient(dataApiConfigFromEnv(env, options.dataApi ?? {}));
  const lake = await openLakeWithIngestTables({ env, ...(options.lakeUrl ? { lakeUrl: options.lakeUrl } : {}) });
  return {
    lake,
    client,
    ...(own.CASA_INGEST_LEASE_MS !== undefined ? { leaseMs: own.CASA_INGEST_LEASE_MS } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  };
}
