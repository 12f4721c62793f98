import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHistoryFunction } from './handler.js';

// No MLflow here: only what the handler answers before it needs one, and its 503 without one.
const history = createHistoryFunction({ env: {} });
const call = async (path: string, init: RequestInit = {}) => {
  const res = await history.handle(new Request(`http://fn${path}`, init));
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
};

describe('history handler', () => {
  it('422 with a pointer per bad field: unknown view, bad version, extra keys', async () => {
    const unknownView = await call('/?view=everything');
    assert.equal(unknownView.status, 422);
    assert.equal(unknownView.type, 'application/problem+json');
    assert.deepEqual((unknownView.body['errors'] as { pointer: string }[]).map((e) => e.pointer), ['/view']);
    const badVersion = await call('/', { method: 'POST', body: JSON.stringify({ view: 'change', version: '0; DROP' }) });
    assert.deepEqual((badVersion.body['errors'] as { pointer: string }[]).map((e) => e.pointer), ['/version']);
    const extra = await call('/?view=models&limit=3');
    assert.equal(extra.status, 422);
  });

  it('400 for a body that is not JSON, 405 for other methods, 404 for other paths', async () => {
    assert.equal((await call('/', { method: 'POST', body: '{' })).status, 400);
    const put = await history.handle(new Request('http://fn/', { method: 'PUT' }));
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');
    assert.equal((await call('/elsewhere')).status, 404);
  });

  it('503 naming the variable when MLflow is not configured; health is 200 regardless', async () => {
    const r = await call('/?view=models');
    assert.equal(r.status, 503);
    assert.match(String(r.body['detail']), /MLFLOW_TRACKING_URI/);
    assert.equal((await call('/_/health')).status, 200);
  });
});
