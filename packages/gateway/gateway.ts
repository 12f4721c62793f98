import { randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { NotFoundError, CasaError, errorResponse, problem, problemResponse } from '../core/index.js';
import type { CasaFunction } from './casa-function.js';

export interface GatewayOptions {
  /** Upper bound for one synchronous call; past it the caller gets a 504 problem. */
  timeoutMs?: number;
  /** Largest request body the gateway accepts (default 64 MiB); larger gets a 413 problem before any function runs. */
  maxBodyBytes?: number;
  /** Where async-call results go when no X-Callback-Url is given: they are dropped, but logged. */
  log?: (line: string) => void;
  /** Overridable for tests: how the result of an async call is delivered. */
  deliverCallback?: (url: string, init: RequestInit) => Promise<Response>;
}

export class GatewayTimeoutError extends CasaError {
  override readonly status: number = 504;
  override readonly code: string = 'gateway-timeout';
}

/**
 * The local gateway: mounts every function under the OpenFaaS paths so that Airflow, the UI
 * and the tests call the same URLs they call in production.
 *
 *   /function/NAME[/rest]        synchronous; the function sees `/rest` (or `/`) and the query
 *   /async-function/NAME[/rest]  202 + X-Call-Id now; the result is POSTed to X-Callback-Url later
 *   /system/functions            the mounted functions (a subset of OpenFaaS's listing)
 *   /healthz                     the gateway itself is up
 */
export function createGatewayApp(functions: readonly CasaFunction[], options: GatewayOptions = {}) {
  const byName = new Map(functions.map((f) => [f.name, f]));
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const log = options.log ?? ((line: string) => console.error(line));
  const deliver = options.deliverCallback ?? ((url: string, init: RequestInit) => fetch(url, init));
  const pending = new Set<Promise<void>>();

  const app = new Hono();
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const tooLarge = () => problemResponse(problem(413, 'content-too-large', 'The request body is larger than the gateway accepts.'));
  const countWhileStreaming = bodyLimit({ maxSize: maxBody, onError: tooLarge });
  // A declared length is checked from the header alone: touching the body here would make the
  // Node adapter build a full web Request and stream, a fifth of a small call's CPU. Bodies
  // without a length are counted as they stream.
  const limit: MiddlewareHandler = (c, next) => {
    const length = declaredLength(c.req.raw);
    return length === undefined ? countWhileStreaming(c, next) : length > maxBody ? Promise.resolve(tooLarge()) : next();
  };
  app.use('/function/*', limit);
  app.use('/async-function/*', limit);

  app.get('/healthz', (c) => c.json({ status: 'ok', functions: [...byName.keys()] }));
  app.get('/system/functions', (c) =>
    c.json([...byName.keys()].map((name) => ({ name, image: `casa/${name}`, replicas: 1, availableReplicas: 1 }))),
  );

  const sync = async (c: Context) => {
    const fn = lookup(byName, c.req.param('name'));
    const prefix = prefixOf(c);
    const answer = fn.handleMounted ? fn.handleMounted(c.req.raw, prefix) : fn.handle(await forwardedRequest(c.req.raw, prefix, 'stream'));
    return withTimeout(answer, timeoutMs, fn.name);
  };
  app.all('/function/:name', sync);
  app.all('/function/:name/*', sync);

  const async = async (c: Context) => {
    const fn = lookup(byName, c.req.param('name'));
    const callId = c.req.header('x-call-id') ?? randomUUID();
    const callbackUrl = c.req.header('x-callback-url');
    const req = await forwardedRequest(c.req.raw, prefixOf(c), 'buffer');
    const job = runAsync(fn, req, callId, callbackUrl, timeoutMs, deliver, log).finally(() => pending.delete(job));
    pending.add(job);
    return new Response(null, { status: 202, headers: { 'x-call-id': callId } });
  };
  app.all('/async-function/:name', async);
  app.all('/async-function/:name/*', async);

  app.notFound(() => problemResponse(problem(404, 'not-found', 'No such route on the gateway.')));
  app.onError((err) => errorResponse(err));

  return Object.assign(app, {
    /** Waits for async calls still running (used on shutdown and in tests). */
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  });
}

function lookup(byName: Map<string, CasaFunction>, name: string | undefined): CasaFunction {
  const fn = name === undefined ? undefined : byName.get(name);
  if (!fn) throw new NotFoundError(`No function named '${name ?? ''}' is deployed.`);
  return fn;
}

function prefixOf(c: Context): string {
  const kind = c.req.path.startsWith('/async-function/') ? 'async-function' : 'function';
  return `/${kind}/${c.req.param('name')}`;
}

/** The Content-Length of a body sent with one (undefined when chunked or absent). */
function declaredLength(raw: Request): number | undefined {
  const length = raw.headers.get('content-length');
  if (length === null || raw.headers.has('transfer-encoding')) return undefined;
  const n = Number(length);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Bodies up to this size are read whole (the adapter's fast path) rather than streamed through. */
const BUFFER_BELOW_BYTES = 1024 * 1024;

/**
 * The request as the function sees it: prefix stripped, query, method, headers and body kept.
 * A synchronous call streams a large or unsized body through and passes a small one whole; an
 * async one buffers it, since the caller's connection is gone by the time the function runs.
 */
async function forwardedRequest(raw: Request, prefix: string, body: 'stream' | 'buffer'): Promise<Request> {
  const url = new URL(raw.url);
  const rest = url.pathname.slice(prefix.length) || '/';
  url.pathname = rest.startsWith('/') ? rest : `/${rest}`;
  if (raw.method === 'GET' || raw.method === 'HEAD') return new Request(url, { method: raw.method, headers: raw.headers });
  const length = declaredLength(raw);
  if (body === 'buffer' || (length !== undefined && length < BUFFER_BELOW_BYTES)) return new Request(url, { method: raw.method, headers: raw.headers, body: await raw.arrayBuffer() });
  return new Request(url, { method: raw.method, headers: raw.headers, body: raw.body, duplex: 'half' } as RequestInit);
}

async function withTimeout(work: Promise<Response>, ms: number, name: string): Promise<Response> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatewayTimeoutError(`Function '${name}' did not answer within ${ms} ms.`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runAsync(
  fn: CasaFunction,
  req: Request,
  callId: string,
  callbackUrl: string | undefined,
  timeoutMs: number,
  deliver: (url: string, init: RequestInit) => Promise<Response>,
  log: (line: string) => void,
): Promise<void> {
  const started = performance.now();
  let res: Response;
  try {
    res = await withTimeout(fn.handle(req), timeoutMs, fn.name);
  } catch (err) {
    res = errorResponse(err);
  }
  const body = await res.arrayBuffer();
  const seconds = ((performance.now() - started) / 1000).toFixed(3);
  log(JSON.stringify({ level: 'info', msg: 'async call done', function: fn.name, callId, status: res.status, seconds }));
  if (!callbackUrl) return;
  const headers = new Headers({
    'x-call-id': callId,
    'x-function-name': fn.name,
    'x-function-status': String(res.status),
    'x-duration-seconds': seconds,
  });
  const type = res.headers.get('content-type');
  if (type) headers.set('content-type', type);
  try {
    const cb = await deliver(callbackUrl, { method: 'POST', headers, body });
    if (!cb.ok) log(JSON.stringify({ level: 'warn', msg: 'callback refused', callId, status: cb.status }));
  } catch (err) {
    log(JSON.stringify({ level: 'warn', msg: 'callback failed', callId, error: String(err) }));
  }
}
