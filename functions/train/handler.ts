import { z } from 'zod';
import { ConfigError, InvalidInputError, UnavailableError, errorResponse } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { XGBoostPool } from '../../packages/xgboost-wasm/index.js';
import { trainAndRegister, type TrainDeps } from './core.js';
import { trainDepsFromEnv } from './deps.js';

export const TrainRequestSchema = z.strictObject({
  upToBatch: z.number().int().nonnegative(),
  reason: z.string().trim().min(1).max(5000),
  idempotencyKey: z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/).optional(),
});

/**
 * POST /function/train `{"upToBatch": N, "reason": "…", "idempotencyKey": "…"}` →
 *   200 {status: "trained" | "already-trained", modelName, version, runId, candidate, metrics, …}
 *   422 bad request or a training set too small · 503 MLflow or the lake unavailable (retry with the same key)
 */
export function createTrainFunction(options: { deps?: () => Promise<TrainDeps>; env?: NodeJS.ProcessEnv } = {}): CasaFunction {
  let deps: Promise<TrainDeps> | undefined;
  let pool: XGBoostPool | undefined;
  const getDeps = () => {
    deps ??= (options.deps ?? (() => trainDepsFromEnv(options.env ?? process.env)))();
    deps.catch(() => (deps = undefined));
    return deps;
  };
  return {
    name: 'train',
    async handle(req: Request): Promise<Response> {
      try {
        if (req.method !== 'POST') return Response.json({ detail: 'use POST' }, { status: 405, headers: { allow: 'POST' } });
        const body = await parseBody(req);
        const d = await getDeps();
        pool ??= d.pool ?? new XGBoostPool();
        const result = await trainAndRegister({ ...d, pool }, {
          upToBatch: body.upToBatch,
          reason: body.reason,
          ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
        });
        return Response.json(result);
      } catch (err) {
        return errorResponse(err instanceof ConfigError ? new UnavailableError(`train is not configured: ${err.message}`, { cause: err }) : err);
      }
    },
    async close() {
      await pool?.close();
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}

async function parseBody(req: Request): Promise<z.infer<typeof TrainRequestSchema>> {
  let json: unknown;
  try {
    json = JSON.parse(await req.text());
  } catch {
    throw new InvalidInputError('the request body is not valid JSON', [{ pointer: '', message: 'expected {"upToBatch": N, "reason": "…"}' }]);
  }
  const parsed = TrainRequestSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError('invalid train request', parsed.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, message: i.message })));
  }
  return parsed.data;
}
