import { CasaError } from '../core/index.js';

/** Base class of every error the lake raises; `instanceof LakeError` catches them all. */
export class LakeError extends CasaError {
  override readonly code: string = 'lake';
}

/** A conditional write lost: the key already exists (put-if-absent) or its ETag moved (put-if-match). */
export class PreconditionFailedError extends LakeError {
  override readonly status: number = 409;
  override readonly code: string = 'precondition-failed';
  constructor(readonly key: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? `precondition failed for object ${JSON.stringify(key)}`, options);
  }
}

/** An object key that is empty, absolute, or tries to climb out of its prefix. */
export class InvalidKeyError extends LakeError {
  override readonly status: number = 422;
  override readonly code: string = 'invalid-key';
}

/** A table name that is not declared in lake-layout/, or that is not a plain identifier. */
export class InvalidTableError extends LakeError {
  override readonly status: number = 422;
  override readonly code: string = 'invalid-table';
}

/** Partition values that do not match the table's declared partition columns or are unsafe as a path segment. */
export class InvalidPartitionError extends LakeError {
  override readonly status: number = 422;
  override readonly code: string = 'invalid-partition';
}

/** Rows or a query whose columns do not match the table's declared schema. */
export class SchemaMismatchError extends LakeError {
  override readonly status: number = 422;
  override readonly code: string = 'schema-mismatch';
}

/** A commit that kept losing the race for the next manifest version after every retry. */
export class ManifestConflictError extends LakeError {
  override readonly status: number = 409;
  override readonly code: string = 'manifest-conflict';
}

/** A manifest that cannot be parsed or breaks the format's invariants (never silently ignored). */
export class CorruptManifestError extends LakeError {
  override readonly code: string = 'corrupt-manifest';
}

/** A lake query that is not a single read-only SELECT, or that reaches outside the lake. */
export class QueryRefusedError extends LakeError {
  override readonly status: number = 422;
  override readonly code: string = 'query-refused';
}

/** A lake query that DuckDB rejected (syntax, unknown column, ...). */
export class QueryFailedError extends LakeError {
  override readonly status: number = 422;
  override readonly code: string = 'query-failed';
}

/** The object store cannot answer now (network, 5xx, lock timeout): worth retrying later. */
export class StoreUnavailableError extends LakeError {
  override readonly status: number = 503;
  override readonly code: string = 'store-unavailable';
}
