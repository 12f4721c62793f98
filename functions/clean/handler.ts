import { z } from 'zod';
import { ConfigError, InvalidInputError, UnavailableError, errorResponse } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { openLakeWithIngestTables } from '../ingest/deps.js';
import { cleanBatch, cleanUncleaned, type CleanDeps } from './core.js';

const CleanRequestSchema = z.union([
  z.strictObject({ batch: z.number().int().nonnegative() }),
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({}),
]);

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
        if (req.method !== 'POST') {
          return new Response(JSON.stringify({ detail: 'use POST' }), { status: 405, headers: { allow: 'POST', 'content-type': 'application/json' } });
        }
        const body = await parseBody(req);
        const d = await getDeps();
        const batches = 'batch' in body ? [await cleanBatch(d, body.batch)] : await cleanUncleaned(d);
        return Response.json({ status: 'cleaned', batches });
      } catch (err) {
        return errorResponse(err instanceof ConfigError ? new UnavailableError(`clean is not configured: ${err.message}`, { cause: err }) : err);
      }
    },
    async close() {
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}

async function parseBody(req: Request): Promise<z.infer<typeof CleanRequestSchema>> {
  const text = await req.text();
  if (text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError('the request body is not valid JSON', [{ pointer: '', message: 'expected {"batch": N} or {"all": true}' }]);
  }
  const parsed = CleanRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = json !== null && typeof json === 'object' && 'batch' in json
      ? [{ pointer: '/batch', message: 'must be a non-negative integer (a RAW batch ordinal)' }]
      : [{ pointer: '', message: 'expected {"batch": N}, {"all": true} or {}' }];
    throw new InvalidInputError('invalid clean request', issues);
  }
  return parsed.data;
}
