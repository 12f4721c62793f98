import type { z } from 'zod';
import { CasaError, InvalidInputError } from './errors.js';
import { problem, problemResponse } from './problem.js';

/** A body that is not JSON at all: the caller must fix the request (400, never retried). */
export class MalformedRequestError extends CasaError {
  override readonly status: number = 400;
  override readonly code: string = 'malformed-request';
}

/** 405 problem+json with the `Allow` header, for a function that takes only `allow`. */
export function methodNotAllowed(allow: string): Response {
  const res = problemResponse(problem(405, 'method-not-allowed', `Use ${allow}.`));
  res.headers.set('allow', allow);
  return res;
}

/** zod issues as one JSON pointer per bad field. */
export function pointersOf(error: z.ZodError): { pointer: string; message: string }[] {
  return error.issues.map((i) => ({ pointer: `/${i.path.map(String).join('/')}`, message: i.message }));
}

/**
 * Reads a function's JSON request body and validates it with `schema`: 400 when it is not JSON,
 * 422 with a pointer per bad field when it does not match. An empty body reads as `{}`, so a
 * function whose fields are all optional can be called with none.
 */
export async function readJsonBody<S extends z.ZodType>(req: Request, schema: S, what: string): Promise<z.infer<S>> {
  const text = await req.text();
  let json: unknown = {};
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new MalformedRequestError(`the ${what} request body is not valid JSON`);
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidInputError(`invalid ${what} request`, pointersOf(parsed.error));
  return parsed.data;
}
