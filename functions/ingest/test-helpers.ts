/**
 * Test doubles around the data API, on real HTTP (127.0.0.1, free port):
 *  - a fault proxy in front of the real simulator, to inject HTTP errors and cut bodies on
 *    requests the simulator really answered (so its cursor really moved);
 *  - a scripted data API serving given bodies, for malformed bodies the simulator never sends.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXHAUSTED_DETAIL } from '../../packages/data-api-client/index.js';

export type Fault =
  /** Forward to the simulator (its cursor moves), drop its answer, reply 500. */
  | { kind: 'http-500-after-forward' }
  /** Reply 500 without forwarding (the cursor does not move). */
  | { kind: 'http-500-before-forward' }
  /** Forward, relay the first `bytes` of the body, then destroy the connection. */
  | { kind: 'cut-body'; bytes: number };

export interface FaultProxy {
  url: string;
  /** Faults applied, in order, to the next /data requests. */
  inject(...faults: Fault[]): void;
  /** /data requests seen. */
  dataRequests: number;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const queue: Fault[] = [];
  const state = { dataRequests: 0 };
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const isData = (req.url ?? '').startsWith('/data');
    if (isData) state.dataRequests++;
    const fault = isData ? queue.shift() : undefined;
    if (fault?.kind === 'http-500-before-forward') return sendJson(res, 500, { detail: 'Internal Server Error' });
    const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
      if (fault?.kind === 'http-500-after-forward') {
        upRes.resume();
        upRes.on('end', () => sendJson(res, 500, { detail: 'Internal Server Error' }));
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (fault?.kind === 'cut-body') {
        res.flushHeaders();
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          if (sent >= fault.bytes) return;
          const part = chunk.subarray(0, fault.bytes - sent);
          sent += part.length;
          res.write(part);
          if (sent >= fault.bytes) {
            upRes.destroy();
            // Let the client see the headers and the first bytes before the connection dies.
            setTimeout(() => res.socket?.destroy(), 50);
          }
        });
        return;
      }
      upRes.pipe(res);
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  const url = await listen(server);
  return {
    url,
    inject: (...faults) => queue.push(...faults),
    get dataRequests() {
      return state.dataRequests;
    },
    close: () => closeServer(server),
  };
}

export interface ScriptedDataApi {
  url: string;
  /** Index of the next body /data will send (reset by /restart_data_generation). */
  cursor: number;
  close(): Promise<void>;
}

/** A data API whose /data sends `bodies` in order (then the exhaustion 400); restart starts over. */
export async function startScriptedDataApi(bodies: readonly (string | Buffer)[]): Promise<ScriptedDataApi> {
  const state = { cursor: 0 };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/health') return sendJson(res, 200, { status: 'OK' });
    if (path === '/restart_data_generation') {
      state.cursor = 0;
      return sendJson(res, 200, { ok: true });
    }
    if (path === '/data') {
      const body = bodies[state.cursor];
      if (body === undefined) return sendJson(res, 400, { detail: EXHAUSTED_DETAIL });
      state.cursor++;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(body);
    }
    sendJson(res, 404, { detail: 'Not Found' });
  });
  const url = await listen(server);
  return {
    url,
    get cursor() {
      return state.cursor;
    },
    set cursor(v: number) {
      state.cursor = v;
    },
    close: () => closeServer(server),
  };
}

/** The body the real API would send for `records` (compact JSON). */
export function dataBody(groupNumber: number, batchNumber: number, records: readonly unknown[]): string {
  return `{"group_number":${groupNumber},"batch_number":${batchNumber},"data":${JSON.stringify(records)}}`;
}

/** A fresh directory, removed by the returned function. */
export async function tempDirs(prefix: string): Promise<{ make(name: string): Promise<string>; removeAll(): Promise<void> }> {
  const made: string[] = [];
  return {
    async make(name: string) {
      const d = await mkdtemp(join(tmpdir(), `${prefix}-${name}-`));
      made.push(d);
      return d;
    },
    removeAll: () => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))).then(() => undefined),
  };
}

function sendJson(res: ServerResponse<IncomingMessage>, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
