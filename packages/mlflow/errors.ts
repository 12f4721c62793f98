import { CasaError } from '../core/index.js';

export interface MlflowErrorDetails {
  /** MLflow's `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`), or casa's own for failures with no MLflow answer: `NETWORK_ERROR`, `TIMEOUT`, `INVALID_RESPONSE`, `HTTP_<status>`. */
  errorCode: string;
  /** The HTTP status MLflow (or the object store) answered; undefined when no answer came. */
  httpStatus?: number | undefined;
  /** What was called, e.g. `POST /api/2.0/mlflow/runs/create`. */
  endpoint: string;
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

/**
 * A call to MLflow that failed. `status` is what casa answers its own callers (a failing
 * dependency is a 502 unless a subclass says otherwise); `httpStatus` is what MLflow answered.
 */
export class MlflowError extends CasaError {
  override readonly status: number = 502;
  override readonly code: string = 'mlflow';
  readonly errorCode: string;
  readonly httpStatus: number | undefined;
  readonly endpoint: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, details: MlflowErrorDetails) {
    super(message, { cause: details.cause });
    this.errorCode = details.errorCode;
    this.httpStatus = details.httpStatus;
    this.endpoint = details.endpoint;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** The experiment, run, model, version or alias does not exist (`RESOURCE_DOES_NOT_EXIST`). */
export class MlflowNotFoundError extends MlflowError {
  override readonly status: number = 404;
  override readonly code: string = 'mlflow-not-found';
}

/** The experiment or registered model name is taken (`RESOURCE_ALREADY_EXISTS`). */
export class MlflowAlreadyExistsError extends MlflowError {
  override readonly status: number = 409;
  override readonly code: string = 'mlflow-already-exists';
}

/** MLflow rejected the request as wrong (`INVALID_PARAMETER_VALUE`, `BAD_REQUEST`, `INVALID_STATE`, …): never retried. */
export class MlflowInvalidRequestError extends MlflowError {
  override readonly status: number = 422;
  override readonly code: string = 'mlflow-invalid-request';
}

/** MLflow could not be reached or said it is overloaded (network error, timeout, 429, 502–504). */
export class MlflowUnavailableError extends MlflowError {
  override readonly status: number = 503;
  override readonly code: string = 'mlflow-unavailable';
}

/** A model version ended in `FAILED_REGISTRATION`, or did not become READY in time. */
export class ModelVersionNotReadyError extends MlflowError {
  override readonly code: string = 'mlflow-model-version-not-ready';
}

const NOT_FOUND_CODES = new Set(['RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND']);
const ALREADY_EXISTS_CODES = new Set(['RESOURCE_ALREADY_EXISTS', 'ALREADY_EXISTS']);
/** Codes by which MLflow says "your request is wrong"; INVALID_STATE comes with HTTP 500. */
const INVALID_REQUEST_CODES = new Set(['INVALID_PARAMETER_VALUE', 'BAD_REQUEST', 'MALFORMED_REQUEST', 'INVALID_STATE', 'RESOURCE_CONFLICT']);
const UNAVAILABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Builds the typed error for an MLflow error answer (or a transport failure when `httpStatus` is undefined). */
export function toMlflowError(message: string, details: MlflowErrorDetails): MlflowError {
  const { errorCode, httpStatus } = details;
  if (NOT_FOUND_CODES.has(errorCode)) return new MlflowNotFoundError(message, details);
  if (ALREADY_EXISTS_CODES.has(errorCode)) return new MlflowAlreadyExistsError(message, details);
  if (httpStatus === undefined || UNAVAILABLE_STATUSES.has(httpStatus)) return new MlflowUnavailableError(message, details);
  if (INVALID_REQUEST_CODES.has(errorCode) || [400, 413, 422].includes(httpStatus)) return new MlflowInvalidRequestError(message, details);
  return new MlflowError(message, details);
}
