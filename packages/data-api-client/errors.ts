import { CasaError, UnavailableError } from '../core/index.js';

/**
 * Errors of the data API client. Every one says whether the server may have moved its cursor
 * (`cursorMayHaveMoved`): ingest must then recover by restart + replay instead of retrying.
 */
export interface CursorAware {
  readonly cursorMayHaveMoved: boolean;
}

/** The data API could not be reached or did not finish answering (refused, reset, cut mid-body). */
export class DataApiUnavailableError extends UnavailableError implements CursorAware {
  override readonly code: string = 'data-api-unavailable';
  constructor(
    message: string,
    readonly cursorMayHaveMoved: boolean,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
  }
}

/** No complete answer within the configured timeout: the server may still have moved its cursor. */
export class DataApiTimeoutError extends CasaError implements CursorAware {
  override readonly status: number = 504;
  override readonly code: string = 'data-api-timeout';
  readonly cursorMayHaveMoved = true;
}

/** The data API answered with an HTTP error other than the documented exhaustion answer. */
export class DataApiHttpError extends CasaError implements CursorAware {
  override readonly status: number = 502;
  override readonly code: string = 'data-api-http';
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly detail: unknown,
    /** A 5xx may come after the cursor moved; a 4xx is a refusal before it. */
    readonly cursorMayHaveMoved: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A control answer (/health, /restart_data_generation) that does not match the contract. */
export class DataApiProtocolError extends CasaError {
  override readonly status: number = 502;
  override readonly code: string = 'data-api-protocol';
}

export function cursorMayHaveMoved(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'cursorMayHaveMoved' in err ? Boolean((err as CursorAware).cursorMayHaveMoved) : true;
}
