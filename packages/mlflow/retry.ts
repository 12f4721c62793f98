import { MlflowAlreadyExistsError, MlflowError, MlflowInvalidRequestError, MlflowNotFoundError } from './errors.js';

/** How often and how patiently a failed call is tried again. Plain data, so tests and config can set it. */
export interface RetryPolicy {
  /** Total tries, the first included; 1 means never retry. */
  maxAttempts: number;
  /** Wait before the second try. */
  initialDelayMs: number;
  /** Each further wait is the previous one times this. */
  multiplier: number;
  /** No single wait is longer than this, Retry-After included. */
  maxDelayMs: number;
  /** Fraction of each wait drawn at random (0 = exact), so many clients do not retry in step. */
  jitter: number;
}

/** About 15 s of patience in all: enough for an MLflow restart behind a proxy, short enough for a request. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 250,
  multiplier: 2,
  maxDelayMs: 8_000,
  jitter: 0.2,
});

/** Error codes that come with a 5xx and still mean "this request will fail again". */
const PERMANENT_SERVER_CODES = new Set(['INVALID_STATE', 'DATA_LOSS', 'NOT_IMPLEMENTED', 'INVALID_PARAMETER_VALUE', 'BAD_REQUEST']);

/**
 * Whether a failed call may succeed if tried again: no answer at all (network error, timeout),
 * 429, 502, 503, 504, and 5xx answers that are not MLflow saying the request itself is wrong.
 * A 4xx never is: MLflow rejected the request and would reject it again.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof MlflowError)) return false;
  if (err instanceof MlflowNotFoundError || err instanceof MlflowAlreadyExistsError || err instanceof MlflowInvalidRequestError) return false;
  const { httpStatus, errorCode } = err;
  if (httpStatus === undefined) return errorCode === 'NETWORK_ERROR' || errorCode === 'TIMEOUT';
  if (httpStatus === 429 || httpStatus === 502 || httpStatus === 503 || httpStatus === 504) return true;
  return httpStatus >= 500 && !PERMANENT_SERVER_CODES.has(errorCode);
}

/** The wait after failed attempt number `attempt` (1-based): exponential, capped, jittered, and at least Retry-After. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, err?: unknown, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** (attempt - 1);
  const jittered = exponential * (1 - policy.jitter + 2 * policy.jitter * random());
  const retryAfterMs = err instanceof MlflowError && err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0;
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs)));
}

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each wait; for logging. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Defaults to isRetryable. */
  shouldRetry?: (err: unknown) => boolean;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` (given the 1-based attempt number) until it succeeds, fails with an error that is
 * not retryable, or `policy.maxAttempts` tries have failed; then throws the last error.
 */
export async function withRetry<T>(call: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const shouldRetry = hooks.shouldRetry ?? isRetryable;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !shouldRetry(error)) throw error;
      const delayMs = backoffDelayMs(policy, attempt, error, hooks.random);
      hooks.onRetry?.({ attempt, delayMs, error });
      await (hooks.sleep ?? sleepMs)(delayMs);
    }
  }
}
