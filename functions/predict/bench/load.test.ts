import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runLoad, type LoadResponse } from './load.js';

describe('runLoad (closed-loop load generator)', () => {
  let server: Server;
  let url: string;
  const seen: { body: string; type: string | undefined }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  before(async () => {
    // Answers 200 with X-Model-Version, or 503 for a body saying "fail"; each answer a little later.
    server = createServer((req, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({ body, type: req.headers['content-type'] });
        setTimeout(() => {
          inFlight -= 1;
          if (body.includes('fail')) res.writeHead(503).end('{"title":"down"}');
          else res.writeHead(200, { 'content-type': 'application/json', 'x-model-version': '7' }).end(JSON.stringify({ echo: JSON.parse(body) }));
        }, 2);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/function/predict`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends exactly the requested number of calls at the given concurrency and reports each answer', async () => {
    // Prepare
    seen.length = 0;
    maxInFlight = 0;
    const answers: LoadResponse[] = [];
    // Act
    const result = await runLoad({ url, body: '{"bed":3}', concurrency: 4, requests: 50, onResponse: (r) => answers.push(r) });
    // Assess
    assert.equal(result.requests, 50);
    assert.equal(seen.length, 50);
    assert.ok(seen.every((s) => s.body === '{"bed":3}' && s.type === 'application/json'));
    assert.equal(maxInFlight, 4, 'closed loop: never more calls in flight than workers');
    assert.equal(result.non2xx + result.errors, 0);
    assert.ok(answers.every((a) => a.status === 200 && a.version === '7' && (a.body as { echo: unknown }).echo !== undefined && a.endedAt > a.startedAt));
    assert.ok(result.p50_ms >= 2 && result.p99_ms >= result.p50_ms && result.latencies.length === 50);
  });

  it('counts non-2xx answers and refused connections apart', async () => {
    const failing = await runLoad({ url, body: '"fail"', concurrency: 2, requests: 6 });
    assert.equal(failing.non2xx, 6);
    const closed = await runLoad({ url: 'http://127.0.0.1:1/', body: '{}', concurrency: 2, requests: 4 });
    assert.equal(closed.errors, 4);
    assert.equal(closed.requests, 0);
  });

  it('refuses a target that is not loopback, before sending anything', async () => {
    await assert.rejects(runLoad({ url: 'http://192.0.2.1/', body: '{}', concurrency: 1, requests: 1 }), /loopback-only/);
  });
});
