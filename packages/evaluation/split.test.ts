import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isHoldout, isValidation, listingBucket } from './split.js';

test('a listing keeps its side whatever else is in the data (same id → same side, every time)', () => {
  // Prepare
  const ids = Array.from({ length: 2000 }, (_, i) => `listing-${i}`);
  const first = ids.map((id) => isHoldout(id));
  // Act: the same ids again, in another order, among many new ones
  const grown = [...ids.map((id) => `new-${id}`), ...ids].reverse();
  const again = new Map(grown.map((id) => [id, isHoldout(id)]));
  // Assess
  ids.forEach((id, i) => assert.equal(again.get(id), first[i]));
});

test('the holdout share is close to the fraction asked for, and the validation slice is an independent hash', () => {
  // Prepare
  const ids = Array.from({ length: 20_000 }, (_, i) => `id-${i}`);
  // Act
  const holdout = ids.filter((id) => isHoldout(id, 0.2)).length / ids.length;
  const both = ids.filter((id) => isHoldout(id, 0.2) && isValidation(id, 0.1)).length / ids.length;
  // Assess
  assert.ok(Math.abs(holdout - 0.2) < 0.01, `holdout share ${holdout}`);
  assert.ok(Math.abs(both - 0.02) < 0.005, `overlap ${both} (independent: 0.2 × 0.1)`);
});

test('buckets are in [0, 1) for any id (property, 500 runs)', () => {
  let runs = 0;
  fc.assert(fc.property(fc.string(), (id) => {
    runs++;
    const b = listingBucket(id);
    return b >= 0 && b < 1 && b === listingBucket(id);
  }), { numRuns: 500 });
  assert.equal(runs, 500);
});

test('a growing fraction only moves listings into the holdout, never out', () => {
  const ids = Array.from({ length: 5000 }, (_, i) => `x${i}`);
  for (const id of ids) if (isHoldout(id, 0.1)) assert.ok(isHoldout(id, 0.2));
});
