import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, isRetryable, withRetry, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { toMlflowError, MlflowError, MlflowNotFoundError } from './errors.js';

const failure = (httpStatus: number | undefined, errorCode: string, retryAfterSeconds?: number): MlflowError =>
  toMlflowError(`${httpStatus} ${errorCode}`, { httpStatus, errorCode, endpoint: 'POST /x', retryAfterSeconds });

const policy: RetryPolicy = { maxAttempts: 4, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000, jitter: 0 };

/** A call that fails with `errors` in turn, then answers 'ok'; counts its calls and the waits between them. */
function flaky(errors: unknown[]) {
  const waits: number[] = [];
  let calls = 0;
  const call = async () => {
    calls += 1;
    const err = errors[calls - 1];
    if (err !== undefined) throw err;
    return 'ok';
  };
  return { call, waits, sleep: async (ms: number) => void waits.push(ms), calls: () => calls };
}

describe('isRetryable', () => {
  const retryable: [number | undefined, string][] = [
    [undefined, 'NETWORK_ERROR'],
    [undefined, 'TIMEOUT'],
    [429, 'REQUEST_LIMIT_EXCEEDED'],
    [500, 'INTERNAL_ERROR'],
    [500, 'HTTP_500'],
    [502, 'HTTP_502'],
    [503, 'TEMPORARILY_UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
  ];
  const permanent: [number | undefined, string][] = [
    [400, 'INVALID_PARAMETER_VALUE'],
    [400, 'BAD_REQUEST'],
    [400, 'RESOURCE_ALREADY_EXISTS'],
    [404, 'RESOURCE_DOES_NOT_EXIST'],
    [401, 'UNAUTHENTICATED'],
    [403, 'PERMISSION_DENIED'],
    [500, 'INVALID_STATE'],
    [501, 'NOT_IMPLEMENTED'],
    [undefined, 'INVALID_RESPONSE'],
  ];
  for (const [status, code] of retryable) it(`retries ${status ?? 'no answer'} ${code}`, () => assert.equal(isRetryable(failure(status, code)), true));
  for (const [status, code] of permanent) it(`does not retry ${status ?? 'no answer'} ${code}`, () => assert.equal(isRetryable(failure(status, code)), false));
  it('does not retry a not-found, whatever status carried it', () => {
    const missing = new MlflowNotFoundError('gone', { errorCode: 'RESOURCE_DOES_NOT_EXIST', httpStatus: 500, endpoint: 'GET /x' });
    assert.equal(isRetryable(missing), false);
  });
  it('does not retry errors that are not from MLflow (bugs)', () => assert.equal(isRetryable(new TypeError('x is undefined')), false));
});

describe('withRetry', () => {
  it('succeeds after k transient failures, waiting with growing delays', async () => {
    // Prepare: 3 transient failures, then success; 4 attempts allowed
    const f = flaky([failure(503, 'HTTP_503'), failure(undefined, 'NETWORK_ERROR'), failure(500, 'INTERNAL_ERROR')]);
    // Act
    const result = await withRetry(f.call, policy, { sleep: f.sleep });
    // Assess
    assert.equal(result, 'ok');
    assert.equal(f.calls(), 4);
    assert.deepEqual(f.waits, [100, 200, 400]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    const errors = [1, 2, 3, 4, 5].map((i) => failure(502, `HTTP_502_${i}`));
    const f = flaky(errors);
    await assert.rejects(withRetry(f.call, policy, { sleep: f.sleep }), (err: MlflowError) => err.errorCode === 'HTTP_502_4');
    assert.equal(f.calls(), 4);
    assert.equal(f.waits.length, 3);
  });

  it('never retries a request MLflow rejected as invalid', async () => {
    const f = flaky([failure(400, 'INVALID_PARAMETER_VALUE')]);
    await assert.rejects(withRetry(f.call, policy, { sleep: f.sleep }), { name: 'MlflowInvalidRequestError' });
    assert.equal(f.calls(), 1);
    assert.deepEqual(f.waits, []);
  });

  it('with maxAttempts 1 tries exactly once', async () => {
    const f = flaky([failure(503, 'HTTP_503')]);
    await assert.rejects(withRetry(f.call, { ...policy, maxAttempts: 1 }, { sleep: f.sleep }));
    assert.equal(f.calls(), 1);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially and stops at maxDelayMs', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(policy, a));
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  });

  it('waits at least Retry-After, still capped', () => {
    assert.equal(backoffDelayMs(policy, 1, failure(429, 'REQUEST_LIMIT_EXCEEDED', 0.5)), 500);
    assert.equal(backoffDelayMs(policy, 1, failure(429, 'REQUEST_LIMIT_EXCEEDED', 30)), 1000);
  });

  it('keeps jitter within ±jitter of the exponential delay', () => {
    const p = { ...DEFAULT_RETRY_POLICY, jitter: 0.2 };
    assert.equal(backoffDelayMs(p, 2, undefined, () => 0), Math.round(p.initialDelayMs * 2 * 0.8));
    assert.equal(backoffDelayMs(p, 2, undefined, () => 1), Math.round(p.initialDelayMs * 2 * 1.2));
  });
});
