import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAssessFunction } from './handler.js';

// Requests refused before any dependency is touched: the deps factory must never be called.
const fn = createAssessFunction({
  deps: async () => {
    throw new Error('deps must not be created for a refused request');
  },
});
const post = (body: string) => fn.handle(new Request('http://x/function/assess', { method: 'POST', body }));

describe('assess handler: bad requests', () => {
  it('GET → 405 problem+json with Allow: POST', async () => {
    const res = await fn.handle(new Request('http://x/function/assess'));
    assert.equal(res.status, 405);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    assert.equal(res.headers.get('allow'), 'POST');
  });

  it('malformed JSON → 400 problem+json', async () => {
    const res = await post('{"batch":');
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
  });

  for (const [name, body, pointer] of [
    ['a negative batch', '{"batch": -1}', '/batch'],
    ['a fractional batch', '{"batch": 1.5}', '/batch'],
    ['a string batch', '{"batch": "1"}', '/batch'],
    ['an unknown key', '{"batch": 1, "force": true}', '/'],
  ] as const) {
    it(`${name} → 422 problem+json pointing at ${pointer || 'the body'}`, async () => {
      const res = await post(body);
      assert.equal(res.status, 422);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
      const p = (await res.json()) as { errors?: { pointer: string }[] };
      assert.ok(p.errors?.some((e) => e.pointer === pointer), JSON.stringify(p));
    });
  }
});
