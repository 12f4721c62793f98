import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DatasetGenerator, DATA_VERSION, recordJson, toRecord, HEDONIC, CROSS_DUPLICATES } from './generator.js';
import { BATCH_PLAN, REAL_TOTAL_ROWS, MAX_PRICE, batchRows } from './plan.js';
import { DataResponseSchema, type DataRecord } from './wire.js';

const bodyOf = (g: DatasetGenerator, b: number, group = 1) => Buffer.concat([...g.bodyChunks(b, group, b, 64 * 1024)]);
const sha = (bufs: Buffer[]) => {
  const h = createHash('sha256');
  for (const b of bufs) h.update(b);
  return h.digest('hex');
};

describe('batch plan', () => {
  it('has the real row counts, 1,084,909 at scale 1', () => {
    assert.deepEqual(batchRows(1), [73_784, 94_551, 230_366, 4_055, 320_696, 361_457]);
    assert.equal(batchRows(1).reduce((a, b) => a + b, 0), REAL_TOTAL_ROWS);
  });

  it('gives round(n·s) rows per batch, at least 1', () => {
    assert.deepEqual(batchRows(0.01), [738, 946, 2304, 41, 3207, 3615]);
    assert.deepEqual(batchRows(1e-6), [1, 1, 1, 1, 1, 1]);
    assert.throws(() => batchRows(0), RangeError);
    assert.throws(() => batchRows(Number.NaN), RangeError);
  });

  it('generates exactly the planned number of rows', () => {
    const g = new DatasetGenerator({ seed: 1, scale: 0.003 });
    const sizes = BATCH_PLAN.map((_, b) => [...g.listings(b)].length);
    assert.deepEqual(sizes, batchRows(0.003));
  });
});

describe('determinism', () => {
  it('same seed and scale give byte-identical batches; another seed does not', () => {
    const a = new DatasetGenerator({ seed: 7, scale: 0.004 });
    const b = new DatasetGenerator({ seed: 7, scale: 0.004 });
    const c = new DatasetGenerator({ seed: 8, scale: 0.004 });
    const all = (g: DatasetGenerator) => sha(BATCH_PLAN.map((_, i) => bodyOf(g, i)));
    assert.equal(all(a), all(b));
    assert.notEqual(all(a), all(c));
  });

  it('regenerating one row alone gives the row the batch holds (rows have their own streams)', () => {
    const g = new DatasetGenerator({ seed: 3, scale: 0.002 });
    const rows = [...g.listings(2)];
    const fresh = new DatasetGenerator({ seed: 3, scale: 0.002 });
    for (const r of [0, 17, rows.length - 1]) assert.deepEqual(fresh.listing(2, r), rows[r]);
  });

  // The data version: changes when the generator changes. Update it deliberately, never to make a test pass.
  it(`pins the data of seed 42, scale 0.002 (data version ${DATA_VERSION})`, () => {
    const g = new DatasetGenerator({ seed: 42, scale: 0.002 });
    const digest = sha(BATCH_PLAN.map((_, i) => bodyOf(g, i)));
    assert.equal(digest, PINNED_DIGEST);
  });
});
const PINNED_DIGEST = '729deaf54f0505503f579c868e6d88987a8f1822522e1fd5c3f4afdc1e2316cf';

describe('serialisation', () => {
  it('streams exactly the JSON of the records, and the body parses against the wire schema', () => {
    const g = new DatasetGenerator({ seed: 5, scale: 0.005 });
    for (const b of [0, 3, 5]) {
      const body = bodyOf(g, b, 4).toString('utf8');
      const expected = `{"group_number":4,"batch_number":${b},"data":[${[...g.listings(b)].map(recordJson).join(',')}]}`;
      assert.equal(body, expected);
      const parsed = DataResponseSchema.parse(JSON.parse(body));
      assert.deepEqual(parsed.data, [...g.records(b)]);
      assert.equal(parsed.group_number, 4);
    }
  });

  it('writes every number as a Python float, nulls as null', () => {
    const g = new DatasetGenerator({ seed: 5, scale: 0.02, defects: { nullRate: 0.2 } });
    const text = bodyOf(g, 1).toString('utf8');
    const numbers = text.slice(text.indexOf('"data"')).match(/:(-?[\d.e+]+|null)[,}]/g) ?? [];
    assert.ok(numbers.length > 9 * 900);
    const bad = numbers.filter((m) => !/^:(\d+\.\d+|null)[,}]$/.test(m));
    assert.deepEqual(bad, []);
    assert.ok(numbers.some((m) => m.startsWith(':null')), 'some nulls expected at nullRate 0.2');
  });

  it('keeps only the ZIP digits of leading-zero codes (00601 → 601.0)', () => {
    const g = new DatasetGenerator({ seed: 9, scale: 0.05 });
    const pr = [...g.records(0)].filter((r) => r.state === 'Puerto Rico' && r.zip_code !== null);
    assert.ok(pr.length > 0);
    for (const r of pr) assert.ok(r.zip_code! < 1000, `PR zip ${r.zip_code}`);
  });
});

describe('batch filters', () => {
  const g = new DatasetGenerator({ seed: 11, scale: 0.02 });
  for (const spec of BATCH_PLAN) {
    it(`batch ${spec.index} holds: ${spec.description}`, () => {
      let n = 0;
      for (const r of g.records(spec.index)) {
        n++;
        assert.ok(spec.statuses.includes(r.status as never), `status ${r.status}`);
        if (spec.state) assert.equal(r.state, spec.state);
        assert.ok(r.price > spec.priceMin && r.price <= spec.priceMax && r.price <= MAX_PRICE, `price ${r.price} outside band`);
      }
      assert.equal(n, g.rows[spec.index]);
    });
  }

  it('mixes statuses where a batch admits all of them', () => {
    const counts = new Map<string, number>();
    for (const r of g.records(4)) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), ['for_sale', 'ready_to_build', 'sold']);
  });
});

describe('defects and duplicates', () => {
  const g = new DatasetGenerator({ seed: 42, scale: 0.05 });
  const batches: DataRecord[][] = BATCH_PLAN.map((_, b) => [...g.records(b)]);

  it('has placeholder prices, absurd sizes and nulls, at about their rates', () => {
    const all = batches.flat();
    const low = batches.slice(0, 4).flat();
    assert.ok(low.some((r) => r.price === 1), 'price 1.0 somewhere in the ≤ $300k batches');
    assert.ok(all.some((r) => r.house_size === 0 || r.house_size === 10_000_000));
    assert.ok(all.some((r) => r.acre_lot !== null && r.acre_lot >= 1000));
    const withNull = all.filter((r) => Object.values(r).includes(null)).length;
    assert.ok(withNull > 0.002 * all.length && withNull < 0.008 * all.length, `rows with a null: ${withNull}`);
    assert.ok(all.every((r) => r.price !== null && r.city && r.state && r.status));
  });

  it('repeats rows within a batch and across batches', () => {
    const key = (r: DataRecord) => JSON.stringify(r);
    const seen0 = new Set(batches[0]!.map(key));
    const exactIn1 = batches[1]!.filter((r) => seen0.has(key(r))).length;
    const share1 = CROSS_DUPLICATES.find((c) => c.into === 1 && c.from[0] === 0)!.share;
    assert.ok(Math.abs(exactIn1 - share1 * batches[1]!.length) < 0.5 * share1 * batches[1]!.length, `exact copies in batch 1: ${exactIn1}`);

    const within = batches[4]!.length - new Set(batches[4]!.map(key)).size;
    assert.ok(within > 0.001 * batches[4]!.length, `within-batch duplicates: ${within}`);

    // Batch 2 re-lists batch-0/1 listings as sold: same broker, street, zip and house, new price.
    const listing = (r: DataRecord) => `${r.brokered_by}|${r.street}|${r.zip_code}|${r.house_size}|${r.bed}|${r.bath}|${r.acre_lot}`;
    const earlier = new Set([...batches[0]!, ...batches[1]!].map(listing));
    const sold = batches[2]!.filter((r) => earlier.has(listing(r)));
    assert.ok(sold.length > 0.01 * batches[2]!.length, `sold re-appearances: ${sold.length}`);
    assert.ok(sold.every((r) => r.status === 'sold'));

    const ma = new Set(batches[3]!.map(key));
    const shared = [0, 1, 2].reduce((n, b) => n + batches[b]!.filter((r) => ma.has(key(r))).length, 0);
    assert.ok(shared > 0, 'Massachusetts listings shared between batches 0–2 and batch 3');
  });
});

describe('hedonic model and noise floor', () => {
  const g = new DatasetGenerator({ seed: 42, scale: 0.03 });
  const stats = BATCH_PLAN.map((_, b) => g.stats(b));

  it('recordLogMean recovers the noiseless mean of complete, clean records', () => {
    let checked = 0;
    for (const l of g.listings(5)) {
      if (l.hasNull || l.defects) continue;
      assert.ok(Math.abs(g.recordLogMean(toRecord(l))! - l.mu) < 1e-12);
      if (++checked === 500) break;
    }
    assert.equal(checked, 500);
  });

  it('measures a noise RMSE near σ where the band is wide, and an in-band floor below it', () => {
    for (const b of [0, 1, 2, 5]) assert.ok(Math.abs(stats[b]!.noiseRmse - HEDONIC.sigma) < 0.04, `batch ${b}: ${stats[b]!.noiseRmse}`);
    assert.ok(stats[4]!.noiseRmse < HEDONIC.sigma, 'the narrow $300k–$500k band cuts ε on both sides');
    assert.ok(stats[3]!.noiseRmse > HEDONIC.sigma, 'Massachusetts under $300k keeps the low tail of ε');
    for (const s of stats) {
      assert.ok(s.inBandFloor > 0 && s.inBandFloor < s.noiseRmse, `batch ${s.index}: ${s.inBandFloor} vs ${s.noiseRmse}`);
    }
  });

  it('scales the floor with σ', () => {
    const quiet = new DatasetGenerator({ seed: 42, scale: 0.03, sigma: 0.1 }).stats(0);
    assert.ok(Math.abs(quiet.noiseRmse - 0.1) < 0.015, `σ=0.1 → ${quiet.noiseRmse}`);
  });

  it('excludes defect rows from the floor', () => {
    const s = stats[2]!;
    const defectRows = [...g.listings(2)].filter((l) => l.defects).length;
    assert.equal(s.floorRows, s.rows - defectRows);
    assert.equal(s.observedPrice.min, s.defects.price1 > 0 ? 1 : s.observedPrice.minClean);
  });
});
