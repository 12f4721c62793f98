import { z } from 'zod';
import { errorResponse, InvalidInputError, methodNotAllowed, parseEnv, pointersOf, problem, problemResponse, readJsonBody } from '../../packages/core/index.js';
import type { CasaFunction } from '../../packages/gateway/index.js';
import { openLake, type Lake } from '../../packages/lake/index.js';
import { createMlflowClientFromEnv } from '../../packages/mlflow/index.js';
import { buildBatchesView, buildChangeView, buildModelsView, type HistoryDeps } from './core.js';

export const historyEnvSchema = z.object({
  CASA_MODEL_NAME: z.string().trim().min(1).max(200).default('casa-house-price'),
});

/** The three read-only views; `version` is a registered model version number. */
export const HistoryRequestSchema = z.discriminatedUnion('view', [
  z.strictObject({ view: z.literal('models') }),
  z.strictObject({ view: z.literal('batches') }),
  z.strictObject({ view: z.literal('change'), version: z.string().regex(/^[1-9]\d{0,9}$/, 'must be a model version number, e.g. "3"') }),
]);
export type HistoryRequest = z.infer<typeof HistoryRequestSchema>;

/** The request from a GET's query string (`?view=change&version=3`). */
function requestFromQuery(url: URL): HistoryRequest {
  const query = Object.fromEntries(url.searchParams);
  const parsed = HistoryRequestSchema.safeParse(Object.keys(query).length ? query : { view: 'models' });
  if (!parsed.success) throw new InvalidInputError('invalid history request', pointersOf(parsed.error));
  return parsed.data;
}

/** Answers one validated request from MLflow and the lake. */
export async function answerHistory(deps: HistoryDeps, request: HistoryRequest): Promise<unknown> {
  if (request.view === 'models') return buildModelsView(deps);
  if (request.view === 'batches') return buildBatchesView(deps);
  return buildChangeView(deps, request.version);
}

/**
 * The history function: read-only JSON views for the UI, built from MLflow and the lake.
 *   GET  /?view=models | ?view=batches | ?view=change&version=N   (no query: models)
 *   POST / with {"view": "models"} | {"view": "batches"} | {"view": "change", "version": "N"}
 *   GET  /_/health
 * 200 the view · 404 unknown version · 422 bad request (a pointer per field) · 503 MLflow or the lake down or unconfigured.
 */
export function createHistoryFunction(options: { deps?: () => HistoryDeps; env?: NodeJS.ProcessEnv } = {}): CasaFunction {
  const env = options.env ?? process.env;
  let lake: Promise<Lake> | undefined;
  let deps: HistoryDeps | undefined;
  // Built on first call, so a gateway without MLflow or a lake still starts (the call answers 503 naming the variable).
  const getDeps = (): HistoryDeps => {
    if (deps) return deps;
    if (options.deps) return (deps = options.deps());
    const settings = parseEnv(historyEnvSchema, env);
    const mlflow = createMlflowClientFromEnv(env, { timeoutMs: 15_000, retry: { maxAttempts: 2, initialDelayMs: 200 } });
    const openOnce = () => {
      lake ??= openLake({ env });
      lake.catch(() => (lake = undefined));
      return lake;
    };
    return (deps = { mlflow, lake: openOnce, modelName: settings.CASA_MODEL_NAME });
  };
  return {
    name: 'history',
    async handle(req: Request): Promise<Response> {
      try {
        const url = new URL(req.url);
        if (url.pathname === '/_/health') return Response.json({ status: 'alive' });
        if (url.pathname !== '/') return problemResponse(problem(404, 'not-found', 'history serves GET/POST / and GET /_/health'));
        let request: HistoryRequest;
        if (req.method === 'GET') request = requestFromQuery(url);
        else if (req.method === 'POST') request = await readJsonBody(req, HistoryRequestSchema, 'history');
        else return methodNotAllowed('GET, POST');
        return Response.json(await answerHistory(getDeps(), request));
      } catch (err) {
        return errorResponse(err);
      }
    },
    async close() {
      if (lake) (await lake.catch(() => undefined))?.close();
    },
  };
}
