import { randomUUID } from 'node:crypto';
import { CasaError, InvalidInputError, UnavailableError } from './errors.js';

/** RFC 9457 problem details, as every casa HTTP endpoint answers errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** For 422: one entry per bad field. */
  errors?: { pointer: string; detail: string }[];
  /** For 500: quote this id when reporting; the full error is in the server log. */
  errorId?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `https://casa.dev/problems/${code}`, title: TITLES[status] ?? 'Error', status, detail, ...extra };
}

/**
 * Maps any thrown value to a problem. CasaErrors keep their status and message; anything
 * else is a bug: it is logged with a fresh id and the caller sees only that id.
 */
export function toProblem(err: unknown, log: (line: string) => void = (l) => console.error(l)): Problem {
  if (err instanceof InvalidInputError) {
    return problem(err.status, err.code, err.message, {
      errors: err.issues.map((i) => ({ pointer: i.pointer, detail: i.message })),
    });
  }
  if (err instanceof CasaError && err.status < 500) return problem(err.status, err.code, err.message);
  if (err instanceof CasaError && err.status !== 500) return problem(err.status, err.code, err.message);
  const errorId = randomUUID();
  log(JSON.stringify({ level: 'error', errorId, error: String(err), stack: err instanceof Error ? err.stack : undefined }));
  return problem(500, 'internal', 'An unexpected error occurred; quote errorId when reporting it.', { errorId });
}

/** A Web `Response` carrying the problem, with Retry-After where the error asks for it. */
export function problemResponse(p: Problem, err?: unknown): Response {
  const headers = new Headers({ 'content-type': PROBLEM_CONTENT_TYPE });
  if (err instanceof UnavailableError && err.retryAfterSeconds !== undefined) {
    headers.set('retry-after', String(err.retryAfterSeconds));
  }
  return new Response(JSON.stringify(p), { status: p.status, headers });
}

export function errorResponse(err: unknown): Response {
  return problemResponse(toProblem(err), err);
}
