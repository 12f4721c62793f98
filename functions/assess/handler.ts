import { z } from 'zod';
import { errorResponse, methodNotAllowed, readJsonBody } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { assessAndStore } from './assess-and-store.js';
import type { AssessDeps } from './core.js';
import { assessDepsFromEnv } from './deps.js';
import { explainBatch } from './pipeline.js';

export const AssessRequestSchema = z.strictObject({ batch: z.number().int().nonnegative(), publish: z.boolean().optional() });

/**
 * POST /function/assess `{"batch": N}` → 200 the decision (`decision`: retrain | no-retrain,
 * `leadReason`, `reasons`, the champion's errors, drift ranked by drift × importance), stored in
 * the lake's `decisions` table · 404 batch N is not CLEAN yet · 422 bad request · 503 MLflow or the lake down.
 * `{"batch": N, "publish": true}` (after train and promote, e.g. the DAG's last task) → 200 the
 * explanation report, stored in the lake and uploaded to the trained version's run · 404 not assessed yet.
 */
export function createAssessFunction(options: { deps?: () => Promise<AssessDeps>; env?: NodeJS.ProcessEnv } = {}): CasaFunction {
  let deps: Promise<AssessDeps> | undefined;
  const getDeps = () => {
    deps ??= (options.deps ?? (() => assessDepsFromEnv(options.env ?? process.env)))();
    deps.catch(() => (deps = undefined));
    return deps;
  };
  return {
    name: 'assess',
    async handle(req: Request): Promise<Response> {
      try {
        if (req.method !== 'POST') return methodNotAllowed('POST');
        const body = await readJsonBody(req, AssessRequestSchema, 'assess');
        if (body.publish) return Response.json((await explainBatch(await getDeps(), { batch: body.batch })).explanation);
        const { decision } = await assessAndStore(await getDeps(), { batch: body.batch });
        return Response.json(decision);
      } catch (err) {
        return errorResponse(err);
      }
    },
    async close() {
      if (deps) (await deps.catch(() => undefined))?.lake.close();
    },
  };
}
