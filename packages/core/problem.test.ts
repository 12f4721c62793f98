import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InvalidInputError, UnavailableError } from './errors.js';
import { errorResponse, toProblem } from './problem.js';

describe('problem+json mapping', () => {
  it('keeps a named client error with its status and a pointer per field', () => {
    const p = toProblem(new InvalidInputError('bad listing', [{ pointer: '/bed', message: 'must be ≥ 0' }]));
    assert.equal(p.status, 422);
    assert.deepEqual(p.errors, [{ pointer: '/bed', detail: 'must be ≥ 0' }]);
  });

  it('answers a configuration error as 503 naming the variable', () => {
    const p = toProblem(new ConfigError('invalid configuration: CASA_DATA_API_URL: Required'));
    assert.equal(p.status, 503);
    assert.match(p.detail, /CASA_DATA_API_URL/);
  });

  it('hides an unknown error behind a 500 with an id that is logged', () => {
    const logged: string[] = [];
    const p = toProblem(new Error('connection string postgres://secret'), (l) => logged.push(l));
    assert.equal(p.status, 500);
    assert.doesNotMatch(p.detail, /secret/);
    assert.ok(logged[0]?.includes(p.errorId!));
  });

  it('sets Retry-After on an unavailable dependency', () => {
    const res = errorResponse(new UnavailableError('MLflow is down', { retryAfterSeconds: 7 }));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '7');
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
  });
});
