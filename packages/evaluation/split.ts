import { createHash } from 'node:crypto';

/** Share of listings kept apart for evaluation. */
export const DEFAULT_HOLDOUT_FRACTION = 0.2;

/**
 * A listing's place in [0, 1), from a salted SHA-256 of its id: the same id always lands in
 * the same place, whatever else is in the data, so a row's side never changes as data grows.
 * The salt separates independent splits (holdout vs early-stopping validation).
 */
export function listingBucket(listingId: string, salt = 'casa-holdout-v1'): number {
  const h = createHash('sha256').update(salt).update('\u0000').update(listingId).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

/** True when the listing belongs to the holdout (evaluation) side. */
export function isHoldout(listingId: string, fraction = DEFAULT_HOLDOUT_FRACTION): boolean {
  return listingBucket(listingId) < fraction;
}

/** True when a train-side listing is in the early-stopping validation slice (never the holdout). */
export function isValidation(listingId: string, fraction = 0.1): boolean {
  return listingBucket(listingId, 'casa-validation-v1') < fraction;
}
