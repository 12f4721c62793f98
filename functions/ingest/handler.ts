import { z } from 'zod';
import { errorResponse, methodNotAllowed, readJsonBody } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { ingestNextBatch, restartAndReplay, type IngestDeps } from './core.js';
import { ingestDepsFromEnv } from './deps.js';

const IngestRequestSchema = z.strictObject({
  /** Same as the Idempotency-Key header: a retried call answers `already-committed`. */
  idempotency_key: z.string().min(1).max(200).optional(),
  /** Operator recovery: restart the data API's sequence and replay 0..n-1 (hash-checked); takes no batch. */
  restart: z.literal(true).optional(),
});

/**
 * POST /function/ingest → one batch from the data API into RAW.
 *   200 {"status":"committed", ordinal, batch_number, rows, content_sha256, seconds, …}
 *   200 {"status":"exhausted", committed_batches}  ·  200 {"status":"already-committed", …}
 *   409 another ingest holds the group / the sequence diverged · 502/503/504 the data API failed
 * An `Idempotency-Key` header (or `idempotency_key` in the body) makes retries safe.
 * `{"restart": true}` → 200 {"status":"replayed", epoch, replayed, committed_batches}: the data API's
 * sequence restarted and replayed up to the last committed batch (hash-checked) · 409 it diverged.
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
        if (req.method !== 'POST') return methodNotAllowed('POST');
        const body = await readJsonBody(req, IngestRequestSchema, 'ingest');
        if (body.restart) return Response.json(await restartAndReplay(await getDeps()));
        const idempotencyKey = req.headers.get('idempotency-key') ?? body.idempotency_key;
        const result = await ingestNextBatch(await getDeps(), idempotencyKey ? { idempotencyKey } : {});
        return Response.json(result);
      } catch (err) {
        return errorResponse(err);
      }
    },
    async close() {
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}
