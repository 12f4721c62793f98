import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitLocationLevels, locationLevel, outOfFoldLocationLevels, type Location } from './location-levels.js';

const at = (state: string, city: string | null, zip_code: string | null): Location => ({ state, city, zip_code });

describe('location levels', () => {
  // Prepare: two states; Boston has two ZIPs, one with a single row.
  const rows = [at('MA', 'Boston', '02101'), at('MA', 'Boston', '02101'), at('MA', 'Boston', '02199'), at('MA', 'Worcester', '01609'), at('TX', 'Austin', '73301'), at('TX', 'Austin', '73301')];
  const y = [13, 13.2, 14, 12, 12.5, 12.7];

  it('shrinks each ZIP toward its city, each city toward its state, each state toward the global mean', () => {
    // Act
    const l = fitLocationLevels(rows, y, { smoothing: 1 });
    // Assess
    const global = y.reduce((a, v) => a + v, 0) / y.length;
    assert.ok(Math.abs(l.global - global) < 1e-12);
    const ma = (13 + 13.2 + 14 + 12 + global) / 5;
    assert.ok(Math.abs(l.state['MA']! - ma) < 1e-12);
    const boston = (13 + 13.2 + 14 + ma) / 4;
    assert.ok(Math.abs(l.city['MA|Boston']! - boston) < 1e-12);
    assert.ok(Math.abs(l.zip['02199']! - (14 + boston) / 2) < 1e-12, 'one row moves its ZIP only halfway from the city');
  });

  it('weights rows when asked', () => {
    const heavyLast = fitLocationLevels(rows, y, { smoothing: 0, weights: [1, 1, 1, 1, 1, 3] });
    assert.ok(Math.abs(heavyLast.zip['73301']! - (12.5 + 3 * 12.7) / 4) < 1e-12);
  });

  it('looks up the ZIP, then the city, then the state, then the global level', () => {
    const l = fitLocationLevels(rows, y);
    assert.equal(locationLevel(l, at('MA', 'Boston', '02101')), l.zip['02101']);
    assert.equal(locationLevel(l, at('MA', 'Boston', '99999')), l.city['MA|Boston']);
    assert.equal(locationLevel(l, at('MA', 'Salem', null)), l.state['MA']);
    assert.equal(locationLevel(l, at('Atlantis', null, null)), l.global);
    assert.ok(Number.isNaN(locationLevel(null, rows[0]!)));
  });

  it("out of fold: a row's own price never reaches its own level", () => {
    // Act: change only row 2's price; rows in its fold keep their levels.
    const fold = [0, 1, 0, 1, 0, 1];
    const a = outOfFoldLocationLevels(rows, y, fold, { folds: 2 });
    const b = outOfFoldLocationLevels(rows, y.map((v, i) => (i === 2 ? 20 : v)), fold, { folds: 2 });
    // Assess
    for (const i of [0, 2, 4]) assert.equal(a[i], b[i], `row ${i} is in the changed row's fold`);
    assert.notEqual(a[1], b[1], 'the other fold sees the change');
  });
});
