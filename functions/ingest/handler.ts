import { z } from 'zod';
import { ConfigError, InvalidInputError, UnavailableError, errorResponse } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { ingestNextBatch, type IngestDeps } from './core.js';
import { ingestDepsFromEnv } from './deps.js';

const IngestRequestSchema = z.strictObject({
  /** Same as the Idempotency-Key header: a retried call answers `already-committed`. */
  idempotency_key: z.string().min(1).max(200).optional(),
});

/**
 * POST /function/ingest → one batch from the data API into RAW.
 *   200 {"status":"committed", ordinal, batch_number, rows, content_sha256, seconds, …}
 *   200 {"status":"exhausted", committed_batches}  ·  200 {"status":"already-committed", …}
 *   409 another ingest holds the group / the sequence diverged · 502/503/504 the data API failed
 * An `Idempotency-Key` header (or `idempotency_key` in the body) makes retries safe.
 */
export function createIngestFunction(options: { deps?: () => Promise<IngestDeps>; env?: NodeJS.ProcessEnv } = {}): CasaFunction {
  let deps: Promise<IngestDeps> | undefined;
  const getDeps = () => {
    deps ??= (options.deps ?? (() => ingestDepsFromEnv({ env: options.env ?? process.env })))();
    deps.catch(() => (deps = undefined)); // a configuration fixed later is picked up by the next call
    return deps;
  };
  return {
    name: 'ingest',
    async handle(req: Request): Promise<Response> {
      try {
        if (req.method !== 'POST') {
          return new Response(JSON.stringify({ detail: 'use POST' }), { status: 405, headers: { allow: 'POST', 'content-type': 'application/json' } });
        }
        const body = await parseBody(req);
        const idempotencyKey = req.headers.get('idempotency-key') ?? body.idempotency_key;
        const result = await ingestNextBatch(await getDeps(), idempotencyKey ? { idempotencyKey } : {});
        return Response.json(result);
      } catch (err) {
        return errorResponse(err instanceof ConfigError ? new UnavailableError(`ingest is not configured: ${err.message}`, { cause: err }) : err);
      }
    },
    async close() {
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}

async function parseBody(req: Request): Promise<z.infer<typeof IngestRequestSchema>> {
  const text = await req.text();
  if (text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidInputError('the request body is not valid JSON', [{ pointer: '', message: 'expected a JSON object such as {"idempotency_key": "…"}' }]);
  }
  const parsed = IngestRequestSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError(
      'invalid ingest request',
      parsed.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, message: i.message })),
    );
  }
  return parsed.data;
}
