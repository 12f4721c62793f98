import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_COUNT, FEATURE_NAMES, LOCATION_LEVEL_COLUMN, decimalYear, featureMatrix, fromTarget, toTarget, writeFeatures } from './features.js';
import type { LocationLevels } from './location-levels.js';
import { STATES, stateCode } from './vocabulary.js';

const listing = {
  status: 'sold',
  bed: 3,
  bath: 2,
  acre_lot: 0.25,
  state: 'Massachusetts',
  zip_code: '01609',
  house_size: 1800,
  prev_sold_date: '2020-07-02',
};

const levels: LocationLevels = { smoothing: 5, global: 12, state: { Massachusetts: 12.5 }, city: {}, zip: { '01609': 12.75 } };

describe('features', () => {
  it('writes every feature in the declared order', () => {
    const out = new Float32Array(FEATURE_COUNT);
    writeFeatures(listing, levels, out);
    const byName = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, out[i]]));
    assert.equal(byName.bed, 3);
    assert.equal(byName.bath, 2);
    assert.equal(byName.house_size, 1800);
    assert.equal(byName.acre_lot, 0.25);
    assert.equal(byName.state, STATES.indexOf('Massachusetts'));
    assert.equal(byName.status, 1);
    assert.equal(byName.zip3, 16);
    assert.equal(byName.zip, 1609);
    assert.ok(Math.abs(byName.prev_sold_year! - (2020 + 183 / 366)) < 1e-3);
    assert.equal(byName.location_level, 12.75);
  });

  it('leaves location_level NaN without a table, for callers that fill it in', () => {
    const out = new Float32Array(FEATURE_COUNT);
    writeFeatures(listing, null, out);
    assert.ok(Number.isNaN(out[LOCATION_LEVEL_COLUMN]));
    assert.equal(out[0], 3);
  });

  it('turns missing, unknown and malformed values into NaN', () => {
    const out = new Float32Array(FEATURE_COUNT);
    writeFeatures({ ...listing, bed: null, state: 'Atlantis', zip_code: '123', prev_sold_date: '2020-7-2' }, levels, out);
    assert.ok(Number.isNaN(out[0]));
    assert.ok(Number.isNaN(out[4]));
    assert.ok(Number.isNaN(out[6]));
    assert.ok(Number.isNaN(out[7]));
    assert.ok(Number.isNaN(out[8]));
    assert.equal(out[LOCATION_LEVEL_COLUMN], 12, 'an unknown place gets the global level');
  });

  it('lays many listings out row-major', () => {
    const m = featureMatrix([listing, { ...listing, bed: 5 }], levels);
    assert.equal(m.length, 2 * FEATURE_COUNT);
    assert.equal(m[FEATURE_COUNT], 5);
  });

  it('computes decimal years from the calendar, leap years included', () => {
    assert.equal(decimalYear('2021-01-01'), 2021);
    assert.ok(Math.abs(decimalYear('2024-12-31') - (2024 + 365 / 366)) < 1e-12);
    assert.ok(Number.isNaN(decimalYear(null)));
  });

  it('keeps state codes stable: positions in the vocabulary', () => {
    assert.equal(stateCode('Alabama'), 0);
    assert.equal(stateCode('Puerto Rico'), STATES.indexOf('Puerto Rico'));
    assert.equal(new Set(STATES).size, STATES.length);
  });

  it('round-trips the log-price target', () => {
    assert.ok(Math.abs(fromTarget(toTarget(315_000)) - 315_000) < 1e-6);
  });
});
