/**
 * The default thresholds on real listings (../shared/data): two samples of one distribution show
 * no drift; a price band and a single state do. Skips loudly where the shared data is absent.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { featureDrift, type Columns, type FeatureSpec } from './feature-drift.js';

const dataDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
const samplePath = resolve(dataDir, 'realtor-sample.csv');
const holdoutPath = resolve(dataDir, 'realtor-holdout.csv');
const absent = !existsSync(samplePath) || !existsSync(holdoutPath);

type Row = Record<string, string>;

/** The realtor CSVs have no quoted fields: a plain split is exact. */
function readRows(path: string): Row[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i]!, v])));
}

function toColumns(rows: Row[]): Columns {
  const numeric = (k: string) => Float64Array.from(rows, (r) => (r[k] === '' ? Number.NaN : Number(r[k])));
  const categorical = (k: string) => rows.map((r) => (r[k] === '' ? null : r[k]!));
  return {
    price: numeric('price'),
    bed: numeric('bed'),
    bath: numeric('bath'),
    acre_lot: numeric('acre_lot'),
    house_size: numeric('house_size'),
    state: categorical('state'),
    status: categorical('status'),
    city: categorical('city'),
  };
}

const spec: FeatureSpec = { bed: 'numeric', bath: 'numeric', acre_lot: 'numeric', house_size: 'numeric', state: 'categorical', status: 'categorical', city: 'categorical' };
const target = { name: 'price', kind: 'numeric' as const };

describe('default thresholds on the real realtor data', () => {
  it('sample against holdout (one distribution): nothing drifts, the target neither', (t) => {
    if (absent) return t.skip(`${dataDir} absent`);
    const report = featureDrift(toColumns(readRows(samplePath)), toColumns(readRows(holdoutPath)), spec, { target });
    assert.deepEqual(report.driftedFeatures, []);
    assert.equal(report.target?.drifted, false);
  });

  it('sample against its own ≤ $300k listings: the price target and house size drift', (t) => {
    if (absent) return t.skip(`${dataDir} absent`);
    const rows = readRows(samplePath);
    const report = featureDrift(toColumns(rows), toColumns(rows.filter((r) => Number(r['price']) <= 300_000)), spec, { target });
    assert.equal(report.target?.drifted, true);
    assert.ok(report.driftedFeatures.includes('house_size'), report.driftedFeatures.join(', '));
  });

  it('sample against its Massachusetts listings: state drifts, with Massachusetts the largest shift', (t) => {
    if (absent) return t.skip(`${dataDir} absent`);
    const rows = readRows(samplePath);
    const report = featureDrift(toColumns(rows), toColumns(rows.filter((r) => r['state'] === 'Massachusetts')), spec, { target });
    const state = report.features.find((f) => f.feature === 'state');
    assert.equal(state?.drifted, true);
    assert.equal(state?.kind === 'categorical' && state.largestShifts[0]?.category, 'Massachusetts');
  });
});
