import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { featureDrift } from '../../packages/drift/index.js';
import { openLake, type Lake } from '../../packages/lake/index.js';
import { createSimulator } from '../../packages/simulator/index.js';
import { writeSimulatedCleanBatches } from '../train/clean-fixture.js';
import { readCleanRows } from './core.js';
import { importanceShares, rmseWithLowerBound, weightDrift } from './measure.js';

describe('weightDrift', () => {
  it('weighs each drifted feature by its share of the SHAP importance; a feature the model lacks counts 0', () => {
    // Prepare: x drifts a lot, city (not a model feature) is replaced outright, y does not move
    const n = 2_000;
    const ref = { x: Float64Array.from({ length: n }, (_, i) => i % 100), y: Float64Array.from({ length: n }, (_, i) => (i * 7) % 50), city: Array.from({ length: n }, () => 'A') };
    const cur = { x: Float64Array.from({ length: n }, (_, i) => 50 + (i % 100)), y: Float64Array.from({ length: n }, (_, i) => (i * 7) % 50), city: Array.from({ length: n }, () => 'B') };
    const report = featureDrift(ref, cur, { x: 'numeric', y: 'numeric', city: 'categorical' });
    const shares = importanceShares({ rows: 10, baseValue: 12, meanAbs: { x: 0.375, y: 0.125 } });
    // Act
    const w = weightDrift(report, shares);
    // Assess
    assert.deepEqual(shares, { x: 0.75, y: 0.25 });
    assert.deepEqual(w.features.map((f) => [f.feature, f.drifted]), [['x', true], ['city', true], ['y', false]]);
    assert.equal(w.features[0]!.score, 0.5); // KS D of a shift by half the range
    assert.equal(w.features[0]!.contribution, 0.5 * 0.75);
    assert.equal(w.features[1]!.score, 1); // JS distance of disjoint categories
    assert.equal(w.features[1]!.contribution, 0);
    assert.equal(w.weightedDrift, 0.375);
  });
});

describe('rmseWithLowerBound', () => {
  it('gives the RMSE and a lower bound that tightens with more rows', () => {
    const errs = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 0.3 : -0.1));
    const small = rmseWithLowerBound(errs(20), new Array(20).fill(0), 1.645);
    const large = rmseWithLowerBound(errs(2_000), new Array(2_000).fill(0), 1.645);
    assert.ok(Math.abs(small.rmse - Math.sqrt(0.05)) < 1e-12);
    assert.ok(Math.abs(large.rmse - Math.sqrt(0.05)) < 1e-12);
    assert.ok(small.lower < large.lower && large.lower < large.rmse);
  });
});

describe('reference data selection', () => {
  let root: string;
  let lake: Lake;
  let counts: number[];
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'casa-assess-ref-'));
    lake = await openLake({ location: { kind: 'local', root: join(root, 'lake') }, cacheDir: join(root, 'cache') });
    counts = await writeSimulatedCleanBatches(lake, createSimulator({ seed: 7, scale: 0.005 }), [0, 1, 2, 3]);
  });
  after(async () => {
    lake?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reads exactly the CLEAN rows of the champion’s batch range, and the new batch alone', async () => {
    // Act
    const reference = await readCleanRows(lake, 0, 1);
    const current = await readCleanRows(lake, 2, 2);
    // Assess
    assert.equal(reference.length, counts[0]! + counts[1]!);
    assert.deepEqual([...new Set(reference.map((r) => r.batch_ordinal))], [0, 1]);
    assert.equal(current.length, counts[2]);
    assert.ok(current.every((r) => r.batch_ordinal === 2 && typeof r.city === 'string' && r.price > 0));
  });
});
