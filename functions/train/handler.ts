import { z } from 'zod';
import { errorResponse, InvalidInputError, methodNotAllowed, readJsonBody, toProblem } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { XGBoostPool } from '../../packages/xgboost-wasm/index.js';
import { recordFailedCall, trainCallStatus } from './call-status.js';
import { trainAndRegister, type TrainDeps } from './core.js';
import { trainDepsFromEnv } from './deps.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:@-]{1,128}$/;

export const TrainRequestSchema = z.strictObject({
  upToBatch: z.number().int().nonnegative(),
  reason: z.string().trim().min(1).max(5000),
  idempotencyKey: z.string().regex(IDEMPOTENCY_KEY).optional(),
});

/**
 * POST /function/train `{"upToBatch": N, "reason": "…", "idempotencyKey": "…"}` →
 *   200 {status: "trained" | "already-trained", modelName, version, runId, candidate, metrics, …}
 *   422 bad request or a training set too small · 503 MLflow or the lake unavailable (retry with the same key)
 * GET /function/train?idempotencyKey=K → 200 what became of the call with key K (for callers that
 * used /async-function/train and poll): `running` | `trained` (+ the result) | `failed` (+ the
 * problem it was refused with, recorded for keyed calls refused with a 4xx) | `unknown`.
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
      let key: string | undefined;
      try {
        if (req.method === 'GET') {
          const key = new URL(req.url).searchParams.get('idempotencyKey') ?? '';
          if (!IDEMPOTENCY_KEY.test(key)) throw new InvalidInputError('give ?idempotencyKey= (1–128 characters of [A-Za-z0-9._:@-])', [{ pointer: '/idempotencyKey', message: 'missing or bad characters' }]);
          return Response.json(await trainCallStatus(await getDeps(), key));
        }
        if (req.method !== 'POST') return methodNotAllowed('POST');
        const body = await readJsonBody(req, TrainRequestSchema, 'train');
        key = body.idempotencyKey;
        const d = await getDeps();
        pool ??= d.pool ?? new XGBoostPool();
        const result = await trainAndRegister({ ...d, pool }, {
          upToBatch: body.upToBatch,
          reason: body.reason,
          ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey } : {}),
        });
        return Response.json(result);
      } catch (err) {
        const res = errorResponse(err);
        // A refusal (4xx other than a conflict) will not change on retry: record it for pollers.
        if (key && res.status >= 400 && res.status < 500 && res.status !== 409) {
          const problem = toProblem(err, () => undefined);
          await getDeps().then((d) => recordFailedCall(d.lake, key!, problem)).catch(() => undefined);
        }
        return res;
      }
    },
    async close() {
      await pool?.close();
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}
