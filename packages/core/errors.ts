/**
 * Named error classes shared by every package. Each carries an HTTP status so the one
 * problem+json mapper (problem.ts) can answer for it; anything that is not a CasaError
 * is treated as a bug and answered as a 500 with an id, never a stack trace.
 */
export class CasaError extends Error {
  /** HTTP status this error maps to at a boundary. */
  readonly status: number = 500;
  /** Short machine-readable code, stable across releases (used as the problem `type` suffix). */
  readonly code: string = 'internal';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request or input that is wrong: the caller must change it; never retried. */
export class InvalidInputError extends CasaError {
  override readonly status: number = 422;
  override readonly code: string = 'invalid-input';
  /** One entry per bad field: a JSON pointer into the input and what is wrong with it. */
  readonly issues: { pointer: string; message: string }[];

  constructor(message: string, issues: { pointer: string; message: string }[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.issues = issues;
  }
}

export class NotFoundError extends CasaError {
  override readonly status: number = 404;
  override readonly code: string = 'not-found';
}

export class ConflictError extends CasaError {
  override readonly status: number = 409;
  override readonly code: string = 'conflict';
}

/** A dependency (MLflow, the object store, the data API) cannot answer now; worth retrying later. */
export class UnavailableError extends CasaError {
  override readonly status: number = 503;
  override readonly code: string = 'unavailable';
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/**
 * Configuration is missing or invalid; raised at start-up, naming the variable. Over HTTP it is a
 * 503 whose message is shown: the service cannot work until an operator fixes its environment,
 * and variable names are no secret.
 */
export class ConfigError extends CasaError {
  override readonly status: number = 503;
  override readonly code: string = 'config';
}
