import { z } from 'zod';
import { errorResponse, methodNotAllowed, readJsonBody } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { createMlflowClientFromEnv } from '../../packages/mlflow/index.js';
import { trainSettingsFromEnv } from '../train/config.js';
import { openCleanLake } from '../train/deps.js';
import { promoteChallenger, type PromoteDeps } from './core.js';
import { gateFromEnv } from './gate.js';

const PromoteRequestSchema = z.strictObject({ reason: z.string().trim().min(1).max(5000).optional() });

/** Promote's dependencies from the environment (lake, MLflow, model name, gate CASA_PROMOTE_*). */
export async function promoteDepsFromEnv(env: NodeJS.ProcessEnv = process.env, lakeUrl?: string): Promise<PromoteDeps> {
  return {
    lake: await openCleanLake(env, lakeUrl),
    mlflow: createMlflowClientFromEnv(env),
    settings: trainSettingsFromEnv(env),
    gate: gateFromEnv(env),
    log: (e) => console.error(JSON.stringify({ level: 'info', ...e })),
  };
}

/**
 * POST /function/promote `{}` or `{"reason": "…"}` → 200 the verdict
 * (`decision`: promoted | rejected | already-champion | no-challenger, with every number behind it).
 */
export function createPromoteFunction(options: { deps?: () => Promise<PromoteDeps>; env?: NodeJS.ProcessEnv } = {}): CasaFunction {
  let deps: Promise<PromoteDeps> | undefined;
  const getDeps = () => {
    deps ??= (options.deps ?? (() => promoteDepsFromEnv(options.env ?? process.env)))();
    deps.catch(() => (deps = undefined));
    return deps;
  };
  return {
    name: 'promote',
    async handle(req: Request): Promise<Response> {
      try {
        if (req.method !== 'POST') return methodNotAllowed('POST');
        const body = await readJsonBody(req, PromoteRequestSchema, 'promote');
        return Response.json(await promoteChallenger(await getDeps(), body.reason ? { reason: body.reason } : {}));
      } catch (err) {
        return errorResponse(err);
      }
    },
    async close() {
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}
