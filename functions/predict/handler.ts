import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { ConfigError, UnavailableError, errorResponse, parseEnv, problem, problemResponse } from '../../packages/core/index.js';
import { functionPath, type CasaFunction, type MountedEnv } from '../../packages/gateway/index.js';
import { openLake } from '../../packages/lake/index.js';
import { createMlflowClientFromEnv } from '../../packages/mlflow/index.js';
import { predictRequest, ShapBatcher, type Scorer } from './core.js';
import { MAX_BODY_BYTES, parsePredictRequest } from './listing-schema.js';
import { ModelHolder, type ServingModel } from './model-holder.js';
import { mlflowModelSource, type ModelSource } from './model-source.js';
import { openApiDocument } from './openapi.js';
import { WorkerShapScorer } from './worker-shap-scorer.js';
import { RequestLog } from './request-log.js';

const seconds = z.coerce.number().positive().max(86_400);

/** predict's settings (MLflow's own come from MLFLOW_TRACKING_URI etc., the lake's from CASA_LAKE_URL etc.). */
export const predictEnvSchema = z.object({
  CASA_MODEL_NAME: z.string().min(1).default('casa-house-price'),
  CASA_MODEL_ALIAS: z.string().min(1).default('champion'),
  /** How often the alias is re-checked. */
  CASA_MODEL_REFRESH_SECONDS: seconds.default(30),
  CASA_PREDICT_LOG_FLUSH_SECONDS: seconds.default(5),
  /** Rows that trigger a flush before the interval: each flush is one Parquet file and a fixed cost. */
  CASA_PREDICT_LOG_BATCH_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  CASA_PREDICT_LOG_MAX_QUEUE: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
  /** `off` disables the request log (benchmarks of the model path alone). */
  CASA_PREDICT_LOG: z.enum(['lake', 'off']).default('lake'),
  /** `on`: TreeSHAP runs in a worker thread (the second core); `off`: on the main thread. */
  CASA_PREDICT_SHAP_WORKER: z.enum(['on', 'off']).default('on'),
});

export interface PredictAppDeps {
  holder: ModelHolder;
  requestLog?: RequestLog | undefined;
  maxBodyBytes?: number;
  /** How listings are scored (default: a ShapBatcher coalescing concurrent requests). */
  score?: Scorer;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * predict's HTTP surface (paths as the function sees them, after the gateway's /function/predict):
 *   POST /              one listing or an array → price + SHAP; X-Model-Version names the version
 *   GET  /openapi.json  generated from the zod schemas
 *   GET  /_/health      liveness: 200 with the model and request-log state
 *   GET  /_/ready       readiness: 200 once a model is loaded, else 503 + Retry-After
 */
export function createPredictApp(deps: PredictAppDeps) {
  const maxBody = deps.maxBodyBytes ?? MAX_BODY_BYTES;
  const score = deps.score ?? new ShapBatcher().score;
  const app = new Hono<{ Bindings: MountedEnv }>({ getPath: functionPath });

  app.post('/', async (c) => {
    const started = performance.now();
    const startedAt = new Date();
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    // Taken first: the request is answered by the version in force when it arrived, even if a swap lands meanwhile.
    let model: ServingModel | undefined;
    let notReady: unknown;
    try {
      model = deps.holder.acquire();
    } catch (err) {
      notReady = err;
    }
    try {
      const type = c.req.header('content-type');
      if (!type || !JSON_TYPE.test(type)) {
        return problemResponse(problem(415, 'unsupported-media-type', `send the listing as application/json (got ${type ? JSON.stringify(type) : 'no Content-Type'})`));
      }
      const text = await readBody(c.req.raw, maxBody);
      if (text === undefined) return problemResponse(problem(413, 'content-too-large', `the body is larger than ${maxBody} bytes; send at most ${maxBody} bytes (a batch of up to 100 listings fits)`));
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        return problemResponse(problem(400, 'malformed-json', `the body is not valid JSON: ${(err as Error).message}`));
      }
      if (!model) {
        // Validate even when not ready, so a client learns about its own mistakes first.
        parsePredictRequest(body);
        throw notReady;
      }
      const outcome = await predictRequest(model, body, requestId, startedAt, started, score);
      deps.requestLog?.append(outcome.logRows);
      return new Response(JSON.stringify(outcome.body), {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-model-version': outcome.model.version, 'x-request-id': requestId },
      });
    } catch (err) {
      return errorResponse(err);
    } finally {
      model?.release();
    }
  });
  app.all('/', () => {
    const res = problemResponse(problem(405, 'method-not-allowed', 'POST a listing to /'));
    res.headers.set('allow', 'POST');
    return res;
  });

  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/_/health', (c) => c.json({ status: 'alive', model: deps.holder.health(), request_log: deps.requestLog?.stats() ?? null }));
  app.get('/_/ready', (c) => {
    if (deps.holder.ready) return c.json({ ready: true, model_version: deps.holder.health().model?.version });
    const h = deps.holder.health();
    return errorResponse(new UnavailableError(`not ready: model ${h.status}${h.last_error ? ` (${h.last_error})` : ''}`, { retryAfterSeconds: 2 }));
  });

  app.notFound(() => problemResponse(problem(404, 'not-found', 'predict serves POST /, GET /openapi.json, /_/health and /_/ready')));
  app.onError((err) => errorResponse(err));
  return app;
}

/** Reads the body as UTF-8 text, or undefined when it exceeds `max` bytes (stops reading there). */
async function readBody(req: Request, max: number): Promise<string | undefined> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await req.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (Number.isFinite(declared)) {
    // The common case: one read, length known. `req.body` is not touched first: on the Node
    // adapter's request, that getter builds a full web Request and stream, which this avoids.
    const bytes = new Uint8Array(await req.arrayBuffer());
    return bytes.byteLength > max ? undefined : new TextDecoder().decode(bytes);
  }
  if (!req.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

export interface PredictFunctionOptions {
  env?: NodeJS.ProcessEnv;
  /** Instead of MLflow from the environment (tests). */
  source?: ModelSource;
  /** Instead of the lake from the environment (tests); `null` disables the request log. */
  requestLog?: RequestLog | null;
  log?: (line: string) => void;
}

/**
 * The predict function for the gateway: starts the model's cold start in the background
 * (requests get 503 + Retry-After until it is loaded) and the request log. Misconfiguration
 * (e.g. no MLFLOW_TRACKING_URI) does not crash the gateway: predict answers 503 naming it.
 */
export function createPredictFunction(options: PredictFunctionOptions = {}): CasaFunction & { holder: ModelHolder; requestLog: RequestLog | undefined } {
  const env = options.env ?? process.env;
  const log = options.log ?? ((l: string) => console.error(l));
  const settings = parseEnv(predictEnvSchema, env);
  let source = options.source;
  if (!source) {
    try {
      // Short patience per call: the refresh loop is the retry, and health should notice an outage quickly.
      const client = createMlflowClientFromEnv(env, { timeoutMs: 10_000, retry: { maxAttempts: 2, initialDelayMs: 200 } });
      source = mlflowModelSource(client, settings.CASA_MODEL_NAME, settings.CASA_MODEL_ALIAS);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const fail = () => Promise.reject(new UnavailableError(`predict is not configured: ${err.message}`, { retryAfterSeconds: 30 }));
      source = { resolveProduction: fail, fetchModel: fail };
    }
  }
  const holder = new ModelHolder(source, { refreshMs: settings.CASA_MODEL_REFRESH_SECONDS * 1000, log });
  const requestLog =
    options.requestLog === null || (options.requestLog === undefined && settings.CASA_PREDICT_LOG === 'off')
      ? undefined
      : (options.requestLog ??
        new RequestLog({
          openLake: () => openLake({ env }),
          flushMs: settings.CASA_PREDICT_LOG_FLUSH_SECONDS * 1000,
          batchRows: settings.CASA_PREDICT_LOG_BATCH_ROWS,
          maxQueue: settings.CASA_PREDICT_LOG_MAX_QUEUE,
          log,
        }));
  holder.start();
  const worker = settings.CASA_PREDICT_SHAP_WORKER === 'on' ? new WorkerShapScorer() : undefined;
  const app = createPredictApp({ holder, requestLog, ...(worker ? { score: worker.score } : {}) });
  return {
    name: 'predict',
    holder,
    requestLog,
    handle: (req) => Promise.resolve(app.fetch(req)),
    handleMounted: (req, mountedAt) => Promise.resolve(app.fetch(req, { mountedAt })),
    async close() {
      await holder.close();
      await requestLog?.close();
      await worker?.close();
    },
  };
}
