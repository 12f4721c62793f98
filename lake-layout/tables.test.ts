import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import { openLake } from '../packages/lake/index.js';
import { tempDir } from '../packages/lake/test-helpers.js';
import { TABLES, TABLE_NAMES } from './tables.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('every table: identifier column names, no duplicates, partition columns declared', () => {
  assert.deepEqual(TABLE_NAMES, ['raw_batches', 'raw_records', 'clean_listings', 'quarantine', 'batch_quality', 'predictions', 'decisions']);
  for (const [name, spec] of Object.entries(TABLES)) {
    const cols = spec.columns.map((c) => c.name);
    assert.equal(new Set(cols).size, cols.length, `${name}: duplicate column`);
    for (const c of cols) assert.match(c, /^[a-z][a-z0-9_]*$/, `${name}.${c}`);
    for (const p of spec.partitionBy) assert.ok(cols.includes(p), `${name}: partition column ${p} is not a column`);
  }
});

test('every table can be written and read back with exactly its declared columns and DuckDB types', async () => {
  const root = await tempDir('layout');
  const cache = await tempDir('layout-cache');
  dirs.push(root, cache);
  const lake = await openLake({ location: { kind: 'local', root }, cacheDir: cache });
  try {
    const sample: Record<string, string> = { INTEGER: '1', DATE: '2025-01-02' };
    for (const [name, spec] of Object.entries(TABLES)) {
      const partition = Object.fromEntries(spec.partitionBy.map((p) => [p, sample[spec.columns.find((c) => c.name === p)!.type]!]));
      const r = await lake.writeTable(name, [{}], partition); // one all-NULL row but the partition columns
      assert.equal(r.version, 1);
      const [described] = await lake.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${name}`);
      assert.equal(described!.n, 1n, name);
      const cols = await lake.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${name}`);
      assert.deepEqual(cols.map((c) => c.column_name), spec.columns.map((c) => c.name), name);
    }
  } finally {
    lake.close();
  }
});
