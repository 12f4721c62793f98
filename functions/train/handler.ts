import { z } from 'zod';
import { errorResponse, methodNotAllowed, readJsonBody } from '../../packages/core/index.js';
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
        if (req.method !== 'POST') return methodNotAllowed('POST');
        const body = await readJsonBody(req, TrainRequestSchema, 'train');
        const d = await getDeps();
        pool ??= d.pool ?? new XGBoostPool();
        const result = await trainAndRegister({ ...d, pool }, {
          upToBatch: body.upToBatch,
          reason: body.reason,
          ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
        });
        return Response.json(result);
      } catch (err) {
        return errorResponse(err);
      }
    },
    async close() {
      await pool?.close();
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}
