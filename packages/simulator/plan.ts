/**
 * The real data API's batch plan: six batches cut by status, one state and price bands.
 * Row counts are the real ones (1,084,909 in all at scale 1). Price bands are
 * lower-exclusive, upper-inclusive: a $300,000 listing belongs to the ≤ $300k batches.
 */
export const STATUSES = ['for_sale', 'sold', 'ready_to_build'] as const;
export type Status = (typeof STATUSES)[number];

export interface BatchSpec {
  /** 0-based; also the `batch_number` the server reports for it. */
  index: number;
  /** Rows at scale 1 (the real API). */
  realRows: number;
  /** Allowed statuses (a row's status is drawn among these). */
  statuses: readonly Status[];
  /** Only this state, or every state when undefined. */
  state?: string;
  /** Price band: priceMin < price ≤ priceMax (priceMin 0 admits $1 placeholder prices). */
  priceMin: number;
  priceMax: number;
  /** One line a person can read. */
  description: string;
}

export const MAX_PRICE = 515_000_000;

export const BATCH_PLAN: readonly BatchSpec[] = [
  { index: 0, realRows: 73_784, statuses: ['for_sale'], priceMin: 0, priceMax: 300_000, description: 'for_sale, price ≤ $300k, all states' },
  { index: 1, realRows: 94_551, statuses: ['for_sale'], priceMin: 0, priceMax: 300_000, description: 'for_sale, price ≤ $300k, all states (same distribution as batch 0)' },
  { index: 2, realRows: 230_366, statuses: ['sold'], priceMin: 0, priceMax: 300_000, description: 'sold, price ≤ $300k, all states' },
  { index: 3, realRows: 4_055, statuses: STATUSES, state: 'Massachusetts', priceMin: 0, priceMax: 300_000, description: 'Massachusetts only, price ≤ $300k, any status' },
  { index: 4, realRows: 320_696, statuses: STATUSES, priceMin: 300_000, priceMax: 500_000, description: '$300k < price ≤ $500k, any status, all states' },
  { index: 5, realRows: 361_457, statuses: STATUSES, priceMin: 500_000, priceMax: MAX_PRICE, description: '$500k < price ≤ $515M, any status, all states' },
];

export const REAL_TOTAL_ROWS = 1_084_909;

/** Rows of each batch at a scale: round(n·s), at least 1. */
export function batchRows(scale: number): number[] {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  return BATCH_PLAN.map((b) => Math.max(1, Math.round(b.realRows * scale)));
}
