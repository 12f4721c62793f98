import { CasaError } from '../../packages/core/index.js';

/**
 * The data API's sequence no longer matches what RAW holds: after a restart, a replayed batch
 * has a different content hash (or the sequence ends early). Nothing is committed; an operator
 * must decide (the data behind the API changed, or the group number is shared). Not retryable.
 */
export class SequenceDivergedError extends CasaError {
  override readonly status: number = 409;
  override readonly code: string = 'sequence-diverged';
}

/** RAW's committed batches are not a clean sequence 0..n-1 of one group (hand edits, or another group's lake). */
export class RawStateError extends CasaError {
  override readonly status: number = 409;
  override readonly code: string = 'raw-state';
}
