import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createGatewayApp } from './gateway.js';
import { serveFetch, startGateway } from './serve.js';
import { functionPath, type CasaFunction } from './casa-function.js';
import { InvalidInputError } from '../core/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Response): Promise<any> => res.json();

const echo: CasaFunction = {
  name: 'echo',
  async handle(req) {
    const url = new URL(req.url);
    const body = req.method === 'GET' ? '' : await req.text();
    return Response.json({ method: req.method, path: url.pathname, query: url.search, body, header: req.headers.get('x-probe') });
  },
};
const failing: CasaFunction = {
  name: 'failing',
  async handle() {
    throw new InvalidInputError('bad listing', [{ pointer: '/bed', message: 'must be ≥ 0' }]);
  },
};
const crashing: CasaFunction = {
  name: 'crashing',
  async handle() {
    throw new TypeError('secret internals');
  },
};
const slow: CasaFunction = {
  name: 'slow',
  handle: () => new Promise((resolve) => setTimeout(() => resolve(new Response('late')), 200)),
};

/** Echoes what it was given through `handleMounted`, and refuses to be called through `handle`. */
const mounted: CasaFunction = {
  name: 'mounted',
  handle: () => Promise.reject(new Error('handle called although handleMounted exists')),
  async handleMounted(req, mountedAt) {
    return Response.json({ mountedAt, path: functionPath(req, { env: { mountedAt } }), body: req.method === 'GET' ? '' : await req.text() });
  },
};

describe('functionPath', () => {
  const at = (url: string, mountedAt?: string) => functionPath(new Request(url), { env: { ...(mountedAt ? { mountedAt } : {}) } });

  it('strips the mount prefix and keeps the rest of the path, without the query', () => {
    assert.equal(at('http://h/function/predict/_/health?x=1', '/function/predict'), '/_/health');
    assert.equal(at('http://h/function/predict', '/function/predict'), '/');
    assert.equal(at('http://h/function/predict?x=1', '/function/predict'), '/');
  });

  it('leaves the path as is without a prefix, or when the prefix only starts a longer name', () => {
    assert.equal(at('http://h/_/ready?x=1'), '/_/ready');
    assert.equal(at('http://h/function/predictor/x', '/function/predict'), '/function/predictor/x');
  });

  it('decodes escapes, and routes malformed ones as written', () => {
    assert.equal(at('http://h/function/predict/a%20b', '/function/predict'), '/a b');
    assert.equal(at('http://h/function/predict/a%E0%A4%A', '/function/predict'), '/a%E0%A4%A');
  });
});

describe('gateway, in process', () => {
  const app = createGatewayApp([echo, failing, crashing, slow, mounted], { timeoutMs: 50, log: () => {} });

  it('hands a function with handleMounted the request as received, with its prefix', async () => {
    const res = await app.request('/function/mounted/some/path?x=1', { method: 'POST', body: 'hello' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { mountedAt: '/function/mounted', path: '/some/path', body: 'hello' });
  });

  it('strips /function/NAME and keeps method, query, headers and body', async () => {
    const res = await app.request('/function/echo/some/path?x=1', { method: 'POST', body: 'hello', headers: { 'x-probe': 'p' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { method: 'POST', path: '/some/path', query: '?x=1', body: 'hello', header: 'p' });
  });

  it('calls the function at / when no path follows its name', async () => {
    const res = await app.request('/function/echo');
    assert.equal((await json(res)).path, '/');
  });

  it('answers an unknown function with a 404 problem', async () => {
    const res = await app.request('/function/nope');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match((await json(res)).detail, /nope/);
  });

  it('maps a named error to its problem, with a pointer per bad field', async () => {
    const res = await app.request('/function/failing', { method: 'POST' });
    assert.equal(res.status, 422);
    assert.deepEqual((await json(res)).errors, [{ pointer: '/bed', detail: 'must be ≥ 0' }]);
  });

  it('hides an unexpected error behind a 500 with an error id', async () => {
    const logged: string[] = [];
    const quiet = createGatewayApp([crashing], { log: (l) => logged.push(l) });
    const origError = console.error;
    console.error = (l: string) => logged.push(l);
    try {
      const res = await quiet.request('/function/crashing');
      const body = await json(res);
      assert.equal(res.status, 500);
      assert.doesNotMatch(JSON.stringify(body), /secret internals/);
      assert.match(body.errorId, /^[0-9a-f-]{36}$/);
      assert.ok(logged.some((l) => l.includes(body.errorId) && l.includes('secret internals')));
    } finally {
      console.error = origError;
    }
  });

  it('answers 504 when a function outlives the timeout', async () => {
    const res = await app.request('/function/slow');
    assert.equal(res.status, 504);
  });

  it('refuses a body over the limit with a 413 problem before the function runs', async () => {
    let called = false;
    const tiny = createGatewayApp([{ name: 'sink', handle: async () => ((called = true), new Response('ok')) }], { maxBodyBytes: 10, log: () => {} });
    const res = await tiny.request('/function/sink', { method: 'POST', body: 'x'.repeat(11), headers: { 'content-length': '11' } });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(called, false);
    const ok = await tiny.request('/function/sink', { method: 'POST', body: 'x'.repeat(10), headers: { 'content-length': '10' } });
    assert.equal(ok.status, 200);
  });

  it('lists the mounted functions', async () => {
    const res = await app.request('/system/functions');
    assert.deepEqual((await json(res)).map((f: { name: string }) => f.name), ['echo', 'failing', 'crashing', 'slow', 'mounted']);
  });
});

describe('gateway, async calls over real HTTP', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('answers 202 with X-Call-Id and POSTs the result to X-Callback-Url', async () => {
    const received: { headers: Headers; body: string }[] = [];
    let notify!: () => void;
    const arrived = new Promise<void>((r) => (notify = r));
    const callback = await serveFetch(async (req) => {
      received.push({ headers: req.headers, body: await req.text() });
      notify();
      return new Response(null, { status: 204 });
    }, '127.0.0.1', 0);
    servers.push(callback);
    const gateway = await startGateway({ functions: [echo], port: 0, log: () => {} });
    servers.push(gateway);

    const res = await fetch(`${gateway.url}/async-function/echo/work`, {
      method: 'POST',
      body: 'payload',
      headers: { 'x-callback-url': `${callback.url}/done`, 'x-call-id': 'call-42' },
    });
    await arrived;

    assert.equal(res.status, 202);
    assert.equal(res.headers.get('x-call-id'), 'call-42');
    assert.equal(received.length, 1);
    assert.equal(received[0]!.headers.get('x-call-id'), 'call-42');
    assert.equal(received[0]!.headers.get('x-function-status'), '200');
    assert.deepEqual(JSON.parse(received[0]!.body), { method: 'POST', path: '/work', query: '', body: 'payload', header: null });
  });

  it('delivers a failed async call as a problem with its status', async () => {
    const bodies: { status: string | null; body: string }[] = [];
    let notify!: () => void;
    const arrived = new Promise<void>((r) => (notify = r));
    const callback = await serveFetch(async (req) => {
      bodies.push({ status: req.headers.get('x-function-status'), body: await req.text() });
      notify();
      return new Response(null, { status: 204 });
    }, '127.0.0.1', 0);
    servers.push(callback);
    const gateway = await startGateway({ functions: [failing], port: 0, log: () => {} });
    servers.push(gateway);

    const res = await fetch(`${gateway.url}/async-function/failing`, { method: 'POST', headers: { 'x-callback-url': callback.url } });
    await arrived;

    assert.equal(res.status, 202);
    assert.match(res.headers.get('x-call-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(bodies[0]!.status, '422');
    assert.equal(JSON.parse(bodies[0]!.body).detail, 'bad listing');
  });
});
