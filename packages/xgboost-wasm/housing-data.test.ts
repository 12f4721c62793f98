import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEATURE_NAMES } from '../features/index.js';
import { makeCasaFeatures } from './housing-data.js';

test("the bench's synthetic rows carry casa's feature set, in casa's order", () => {
  const d = makeCasaFeatures(2000, 1);
  assert.deepEqual(d.featureNames, FEATURE_NAMES);
  assert.equal(d.ncol, FEATURE_NAMES.length);
  // Each column holds what its name says (a shifted column would not).
  const ranges: Record<string, [number, number]> = {
    bed: [1, 9], bath: [1, 8], house_size: [350, 1e5], acre_lot: [0, 1e3], state: [0, 49], status: [0, 2],
    zip3: [0, 999], zip: [0, 99_999], prev_sold_year: [1990, 2022], location_level: [10, 14],
  };
  FEATURE_NAMES.forEach((name, c) => {
    const [lo, hi] = ranges[name]!;
    for (let i = 0; i < d.nrow; i++) {
      const v = d.x[i * d.ncol + c]!;
      if (!Number.isNaN(v)) assert.ok(v >= lo && v <= hi, `${name} row ${i}: ${v}`);
    }
  });
});

test('makeCasaFeatures is seeded and shaped like the realtor data (missing shares, codes)', () => {
  const n = 20_000;
  const a = makeCasaFeatures(n, 7);
  assert.deepEqual(makeCasaFeatures(n, 7).x, a.x);
  assert.notDeepEqual(makeCasaFeatures(n, 8).x, a.x);
  const col = (name: string): number[] => {
    const c = FEATURE_NAMES.indexOf(name);
    assert.ok(c >= 0, name);
    return Array.from({ length: n }, (_, i) => a.x[i * a.ncol + c]!);
  };
  const missingShare = (name: string): number => col(name).filter(Number.isNaN).length / n;
  assert.ok(Math.abs(missingShare('bed') - 0.26) < 0.02, `bed ${missingShare('bed')}`);
  assert.ok(Math.abs(missingShare('house_size') - 0.26) < 0.02);
  assert.ok(Math.abs(missingShare('acre_lot') - 0.13) < 0.02);
  assert.ok(Math.abs(missingShare('prev_sold_year') - 0.66) < 0.02);
  for (const always of ['state', 'status', 'zip3', 'zip', 'location_level'] as const) assert.equal(missingShare(always), 0, always);
  assert.deepEqual([...new Set(col('status'))].sort(), [0, 1, 2]);
  // zip3 is the ZIP's first three digits.
  const zip = col('zip');
  col('zip3').forEach((z3, i) => assert.equal(Math.floor(zip[i]! / 100), z3));
  assert.ok(a.y.every(Number.isFinite));
});
