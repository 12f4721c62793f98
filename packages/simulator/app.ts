import { Hono } from 'hono';
import { DatasetGenerator, CROSS_DUPLICATES, HEDONIC, type BatchStats, type DefectRates } from './generator.js';
import { BATCH_PLAN, REAL_TOTAL_ROWS, type BatchSpec } from './plan.js';
import { EXHAUSTED_DETAIL, INVALID_GROUP_DETAIL, type DataRecord } from './wire.js';

/**
 * The data API simulator as a Hono app: the real API's endpoints, per-group cursor,
 * errors and latency profile over the synthetic dataset.
 *
 *   GET /data?group_number=N[&day=…]           → 200 {group_number, batch_number, data}
 *                                                 400 {"detail": EXHAUSTED_DETAIL} after the last batch
 *   GET /restart_data_generation?group_number=N → 200 {"ok": true}, the group starts over
 *   GET /health                                  → 200 {"status": "OK"}
 *   bad or missing group_number                  → 422, FastAPI/pydantic v2 error shapes
 *
 * The cursor moves when the request arrives, before the (optional) latency and the body:
 * a client that times out has still consumed the batch — the real API's hazard.
 */

export interface SimulatorOptions {
  seed?: number;
  scale?: number;
  /** 0 = no delay (default); 1 = the real API's ~30 s before a 361k-row batch; in between scales it. */
  latencyScale?: number;
  /** Valid groups are 1..groups (default 10). */
  groups?: number;
  /**
   * How an out-of-range group is refused: 'validation' (default) is FastAPI's
   * `Query(ge=1, le=groups)` → 422; 'handler' is the older course servers' explicit
   * check → 400 {"detail": "Número de grupo inválido"}.
   */
  groupRangeCheck?: 'validation' | 'handler';
  /** Reproduce the real API's once-seen bug: the first answer after a restart repeats the previous batch_number. */
  staleBatchNumberAfterRestart?: boolean;
  /** σ of the hedonic noise in ln(price) (default 0.30). */
  sigma?: number;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Seconds per row of the real API (≈30 s for the 361,457-row batch) and a fixed overhead. */
export const REAL_LATENCY = { baseSeconds: 0.25, secondsPerRow: 30 / 361_457 } as const;

export interface BatchDescription extends BatchSpec {
  rows: number;
  latencySeconds: number;
  stats?: BatchStats;
}

export interface SimulatorDescription {
  seed: number;
  scale: number;
  sigma: number;
  latencyScale: number;
  groups: number;
  totalRows: number;
  realTotalRows: number;
  hedonic: typeof HEDONIC;
  defects: DefectRates;
  crossDuplicates: typeof CROSS_DUPLICATES;
  batches: BatchDescription[];
}

export interface Simulator {
  app: Hono;
  /** `app.fetch`, for in-process requests. */
  fetch: (req: Request) => Response | Promise<Response>;
  generator: DatasetGenerator;
  /** The plan at this scale; with `stats`, also generates every batch and measures it (noise floor included). */
  describe(opts?: { stats?: boolean }): SimulatorDescription;
  /** Batch i as wire records, generated on demand. */
  generateBatch(i: number): Iterable<DataRecord>;
  /** The exact bytes `/data` sends for batch i to a group, in pieces. */
  batchBody(i: number, groupNumber: number): Iterable<Uint8Array>;
  /** Next batch index a group will get (0..6). */
  cursor(groupNumber: number): number;
}

interface FastApiError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

type GroupParse = { ok: true; group: number } | { ok: false; status: number; body: unknown };

/**
 * Parses `group_number` the way FastAPI + pydantic v2 do for `group_number: int = Query(...)`:
 * last occurrence wins, surrounding whitespace is allowed, "3.0" is 3, anything else is
 * `int_parsing`; a missing parameter is `missing`.
 */
export function parseGroupNumber(url: URL, groups: number, rangeCheck: 'validation' | 'handler'): GroupParse {
  const all = url.searchParams.getAll('group_number');
  const loc = ['query', 'group_number'];
  const fail = (e: FastApiError): GroupParse => ({ ok: false, status: 422, body: { detail: [e] } });
  if (all.length === 0) return fail({ type: 'missing', loc, msg: 'Field required', input: null });
  const raw = all[all.length - 1]!;
  const m = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(raw);
  if (!m) return fail({ type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: raw });
  const big = BigInt(m[1]!);
  if (big < 1n || big > BigInt(groups)) {
    if (rangeCheck === 'handler') return { ok: false, status: 400, body: { detail: INVALID_GROUP_DETAIL } };
    return big < 1n
      ? fail({ type: 'greater_than_equal', loc, msg: 'Input should be greater than or equal to 1', input: raw, ctx: { ge: 1 } })
      : fail({ type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${groups}`, input: raw, ctx: { le: groups } });
  }
  return { ok: true, group: Number(big) };
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const seed = options.seed ?? 42;
  const scale = options.scale ?? 1;
  const latencyScale = options.latencyScale ?? 0;
  const groups = options.groups ?? 10;
  const rangeCheck = options.groupRangeCheck ?? 'validation';
  const sleep = options.sleep ?? defaultSleep;
  if (!(latencyScale >= 0 && Number.isFinite(latencyScale))) throw new RangeError('latencyScale must be ≥ 0');
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError('groups must be a positive integer');
  const generator = new DatasetGenerator({ seed, scale, ...(options.sigma !== undefined ? { sigma: options.sigma } : {}) });

  // Per-group state: the next batch index, and the batch_number a stale restart would repeat.
  const cursors = new Map<number, { next: number; last: number | undefined; stale: number | undefined }>();
  const state = (g: number) => {
    let s = cursors.get(g);
    if (!s) cursors.set(g, (s = { next: 0, last: undefined, stale: undefined }));
    return s;
  };

  const latencyMs = (i: number) => latencyScale * 1000 * (REAL_LATENCY.baseSeconds + (generator.rows[i] ?? 0) * REAL_LATENCY.secondsPerRow);

  const batchBody = (i: number, groupNumber: number, batchNumber = i) => generator.bodyChunks(i, groupNumber, batchNumber);

  const json = (status: number, body: unknown, headers?: Record<string, string>) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  const app = new Hono();

  // FastAPI routes are GET only: HEAD and other methods get 405 (Hono would map HEAD to GET and move the cursor).
  app.use('*', async (c, next) => {
    const known = ['/data', '/restart_data_generation', '/health'].includes(c.req.path);
    if (known && c.req.raw.method !== 'GET') return json(405, { detail: 'Method Not Allowed' }, { allow: 'GET' });
    await next();
  });

  app.get('/health', () => json(200, { status: 'OK' }));

  app.get('/restart_data_generation', (c) => {
    const p = parseGroupNumber(new URL(c.req.url), groups, rangeCheck);
    if (!p.ok) return json(p.status, p.body);
    const s = state(p.group);
    s.stale = options.staleBatchNumberAfterRestart ? s.last : undefined;
    s.next = 0;
    return json(200, { ok: true });
  });

  app.get('/data', async (c) => {
    // `day` (sent by some cohorts, e.g. day=Tuesday) is accepted and ignored, like the real API.
    const p = parseGroupNumber(new URL(c.req.url), groups, rangeCheck);
    if (!p.ok) return json(p.status, p.body);
    const s = state(p.group);
    if (s.next >= BATCH_PLAN.length) return json(400, { detail: EXHAUSTED_DETAIL });
    const i = s.next++;
    const batchNumber = s.stale ?? i;
    s.stale = undefined;
    s.last = batchNumber;
    const signal = c.req.raw.signal;
    await sleep(latencyMs(i), signal);
    const it = batchBody(i, p.group, batchNumber);
    const body = new ReadableStream<Uint8Array>(
      {
        pull(ctrl) {
          const r = it.next();
          if (r.done) ctrl.close();
          else ctrl.enqueue(r.value);
        },
        cancel() {
          it.return(undefined);
        },
      },
      { highWaterMark: 1 },
    );
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  });

  app.notFound(() => json(404, { detail: 'Not Found' }));
  app.onError((err, c) => {
    console.error(JSON.stringify({ level: 'error', msg: 'data-api: unexpected error', error: String(err), stack: err.stack }));
    return c.text('Internal Server Error', 500);
  });

  let statsCache: BatchStats[] | undefined;
  const describe = (opts: { stats?: boolean } = {}): SimulatorDescription => {
    if (opts.stats && !statsCache) statsCache = BATCH_PLAN.map((_, i) => generator.stats(i));
    return {
      seed,
      scale,
      sigma: generator.sigma,
      latencyScale,
      groups,
      totalRows: generator.rows.reduce((a, b) => a + b, 0),
      realTotalRows: REAL_TOTAL_ROWS,
      hedonic: HEDONIC,
      defects: generator.defects,
      crossDuplicates: CROSS_DUPLICATES,
      batches: generator.plan.map((b, i) => ({
        ...b,
        latencySeconds: latencyMs(i) / 1000,
        ...(opts.stats && statsCache ? { stats: statsCache[i]! } : {}),
      })),
    };
  };

  return {
    app,
    fetch: app.fetch.bind(app) as (req: Request) => Response | Promise<Response>,
    generator,
    describe,
    generateBatch: (i) => generator.records(i),
    batchBody: (i, g) => batchBody(i, g),
    cursor: (g) => state(g).next,
  };
}
