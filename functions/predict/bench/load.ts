/**
 * A closed-loop load generator for loopback HTTP: `concurrency` workers, each sending its next
 * request when the previous one answered, until `requests` were sent or `durationMs` passed.
 * Each worker has its own undici Client (one keep-alive connection, no pipelining). The generator
 * shares the servers' two cores, so its cost is part of what they are measured under: node:http
 * with a keep-alive agent took ~250 µs of CPU per call here, a third of casa's own cost; undici's
 * request API takes about half of that. Refuses anything but loopback.
 */
import { Client } from 'undici';

export interface LoadOptions {
  url: string;
  body: string;
  concurrency: number;
  /** Stop after this many requests in all ... */
  requests?: number;
  /** ... or after this long, whichever comes first. */
  durationMs?: number;
  headers?: Record<string, string>;
  /** Checked before each request: true ends the run early (e.g. when a test's scenario is over). */
  stop?: () => boolean;
  /** Called for every answer (status, the X-Model-Version header, parsed body, client-side times). */
  onResponse?: (r: LoadResponse) => void;
}

export interface LoadResponse {
  status: number;
  version: string | null;
  body: unknown;
  startedAt: number;
  endedAt: number;
}

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Every latency in ms, sorted. */
  latencies: number[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const host = new URL(options.url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`load generator is loopback-only, got ${host}`);
  const limit = options.requests ?? Number.POSITIVE_INFINITY;
  const until = performance.now() + (options.durationMs ?? Number.POSITIVE_INFINITY);
  if (!Number.isFinite(limit) && !Number.isFinite(until)) throw new Error('bound the load by requests or durationMs');
  const latencies: number[] = [];
  let sent = 0;
  let non2xx = 0;
  let errors = 0;
  const body = Buffer.from(options.body);
  const headers = { 'content-type': 'application/json', ...options.headers };
  const target = new URL(options.url);
  const path = `${target.pathname}${target.search}`;
  const post = async (client: Client) => {
    const res = await client.request({ path, method: 'POST', headers, body });
    const version = res.headers['x-model-version'];
    return { status: res.statusCode, version: typeof version === 'string' ? version : null, text: await res.body.text() };
  };
  const start = performance.now();
  const worker = async () => {
    const client = new Client(target.origin, { pipelining: 1 });
    try {
      while (sent < limit && performance.now() < until && !options.stop?.()) {
        sent += 1;
        const t0 = performance.now();
        try {
          const res = await post(client);
          const t1 = performance.now();
          latencies.push(t1 - t0);
          if (res.status < 200 || res.status >= 300) non2xx += 1;
          if (options.onResponse) options.onResponse({ status: res.status, version: res.version, body: safeJson(res.text), startedAt: t0, endedAt: t1 });
        } catch {
          errors += 1;
        }
      }
    } finally {
      await client.destroy();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : NaN);
  return { requests: latencies.length, non2xx, errors, seconds, rps: latencies.length / seconds, p50_ms: q(0.5), p99_ms: q(0.99), latencies };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
