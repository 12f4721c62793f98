import { z } from 'zod';
import { errorResponse, methodNotAllowed, readJsonBody } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { openLakeWithIngestTables } from '../ingest/deps.js';
import { cleanBatch, cleanUncleaned, type CleanDeps } from './core.js';

const CleanRequestSchema = z
  .strictObject({
    batch: z.number({ error: 'must be a non-negative integer (a RAW batch ordinal)' }).int().nonnegative(),
    all: z.literal(true),
  })
  .partial()
  .refine((r) => r.batch === undefined || r.all === undefined, { message: 'give either "batch" or "all", not both' });

/**
 * POST /function/clean with `{"batch": N}` (re-cleans batch N: idempotent) or `{}` / `{"all": true}`
 * (cleans every batch not yet clean, in order) →
 *   200 {"status":"cleaned", "batches":[{batch_ordinal, rows_in, rows_clean, rows_quarantined, rows_duplicate, quarantined_by_reason, …}]}
 *   404 no such RAW batch · 409 an earlier batch is not clean yet · 422 bad request
 */
export function createCleanFunction(options: { deps?: () => Promise<CleanDeps>; env?: NodeJS.ProcessEnv } = {}): CasaFunction {
  let deps: Promise<CleanDeps> | undefined;
  const getDeps = () => {
    deps ??= (options.deps ?? (async () => ({ lake: await openLakeWithIngestTables({ env: options.env ?? process.env }) })))();
    deps.catch(() => (deps = undefined));
    return deps;
  };
  return {
    name: 'clean',
    async handle(req: Request): Promise<Response> {
      try {
        if (req.method !== 'POST') return methodNotAllowed('POST');
        const body = await readJsonBody(req, CleanRequestSchema, 'clean');
        const d = await getDeps();
        const batches = body.batch !== undefined ? [await cleanBatch(d, body.batch)] : await cleanUncleaned(d);
        return Response.json({ status: 'cleaned', batches });
      } catch (err) {
        return errorResponse(err);
      }
    },
    async close() {
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}
