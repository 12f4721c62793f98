import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatasetGenerator } from './generator.js';
import { STATUSES } from './plan.js';
import { DataRecordSchema, RECORD_FIELDS, pyFloat } from './wire.js';

// The real API's records live outside the repository (../shared/data, not redistributable).
const SHARED = fileURLToPath(new URL('../../../shared/data/api-records.json', import.meta.url));
const haveShared = existsSync(SHARED);
if (!haveShared) console.warn(`SKIPPING wire-format checks against real records: ${SHARED} not found`);

/** The raw text of each `record` object, as the real API wrote it (key order and number spelling kept). */
function rawRecords(text: string): string[] {
  return [...text.matchAll(/"record":\s*(\{[^{}]*\})/g)].map((m) => m[1]!);
}
const numbersIn = (objText: string) => [...objText.matchAll(/"(\w+)":\s*(-?[\d.eE+]+|null)\s*[,}\n]/g)].map((m) => ({ key: m[1]!, raw: m[2]! }));

describe('wire format against the real API records', { skip: haveShared ? false : 'no ../shared/data/api-records.json' }, () => {
  const text = haveShared ? readFileSync(SHARED, 'utf8') : '[]';
  const real = JSON.parse(text) as { group_number: number; batch_number: number; day: string; record: Record<string, unknown> }[];
  const ours = [...new DatasetGenerator({ seed: 42, scale: 0.005 }).bodyChunks(1, 2, 1)].map((b) => Buffer.from(b)).join('');
  const oursParsed = JSON.parse(ours) as { data: Record<string, unknown>[] };

  it('has the 30 real records', () => {
    assert.equal(real.length, 30);
    assert.equal(rawRecords(text).length, 30);
  });

  it('uses the same field names in the same order', () => {
    for (const r of real) assert.deepEqual(Object.keys(r.record), [...RECORD_FIELDS]);
    for (const r of oursParsed.data) assert.deepEqual(Object.keys(r), [...RECORD_FIELDS]);
  });

  it('gives every field the same JSON type', () => {
    const typeOf = (v: unknown) => (v === null ? 'null' : typeof v);
    const realTypes = Object.fromEntries(RECORD_FIELDS.map((f) => [f, new Set(real.map((r) => typeOf(r.record[f])))]));
    for (const rec of oursParsed.data) {
      for (const f of RECORD_FIELDS) {
        const t = typeOf(rec[f]);
        if (t === 'null') continue; // real records are all complete; ours may carry a rare null (documented)
        assert.ok(realTypes[f]!.has(t), `${f}: ours ${t}, real ${[...realTypes[f]!]}`);
      }
    }
  });

  it('spells every number as a float, like the real API (61013.0, 0.19)', () => {
    const realNums = rawRecords(text).flatMap(numbersIn);
    assert.equal(realNums.length, 30 * 8); // 8 numeric fields per record
    for (const n of realNums) assert.match(n.raw, /^\d+\.\d+$/, `real ${n.key}=${n.raw}`);
    // Python's repr and pyFloat agree on the real values.
    for (const n of realNums) assert.equal(pyFloat(Number(n.raw)), n.raw);
    const ourNums = numbersIn(ours.slice(ours.indexOf('"data"')));
    assert.ok(ourNums.length > 8 * 400);
    for (const n of ourNums) assert.match(n.raw, /^(\d+\.\d+|null)$/, `ours ${n.key}=${n.raw}`);
  });

  it('loses the leading zero of zip codes the same way', () => {
    const ct = real.find((r) => r.record.state === 'Connecticut')!;
    assert.equal(ct.record.zip_code, 6016);
    assert.match(rawRecords(text).find((t) => t.includes('"Connecticut"'))!, /"zip_code": 6\d{3}\.0/);
  });

  it('writes prev_sold_date as YYYY-MM-DD and uses known statuses', () => {
    for (const r of [...real.map((x) => x.record), ...oursParsed.data]) {
      if (r.prev_sold_date !== null) assert.match(String(r.prev_sold_date), /^\d{4}-\d{2}-\d{2}$/);
      assert.ok((STATUSES as readonly string[]).includes(String(r.status)));
    }
  });

  it('parses the real records with the exported wire schema', () => {
    for (const r of real) DataRecordSchema.parse(r.record);
    assert.equal(DataRecordSchema.safeParse({ ...real[0]!.record, extra: 1 }).success, false);
    assert.equal(DataRecordSchema.safeParse({ ...real[0]!.record, price: '300000' }).success, false);
  });

  it('reports batch_number as the plan index (real batch 1 = for_sale ≤ $300k, 2 = sold ≤ $300k)', () => {
    for (const r of real) {
      const price = r.record.price as number;
      assert.ok(price <= 300_000);
      assert.equal(r.record.status, r.batch_number === 2 ? 'sold' : 'for_sale');
    }
  });
});
