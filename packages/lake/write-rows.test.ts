import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SchemaMismatchError } from './errors.js';
import { Lake } from './lake.js';
import { LocalDirectoryStore } from './local-directory-store.js';
import { TEST_TABLES, tempDir } from './test-helpers.js';

describe('writeTable from rows', () => {
  const dirs: string[] = [];
  const freshLake = async () => {
    const dir = await tempDir('write-rows');
    dirs.push(dir);
    return new Lake(new LocalDirectoryStore(join(dir, 'store')), join(dir, 'cache'), TEST_TABLES);
  };
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('writes every row, in order, across many slices, BigInts included', async () => {
    // Prepare: more rows than one slice of the serialiser, some of them carrying BigInts
    const lake = await freshLake();
    const rows = Array.from({ length: 1234 }, (_, i) => ({ writer: i % 2 === 0 ? BigInt(i) : i, n: i, note: `row "${i}"\n` }));
    // Act
    await lake.writeTable('events', rows, { day: 'd1' });
    const back = await lake.query<{ writer: number; n: number; note: string }>('SELECT writer, n, note FROM events ORDER BY n');
    // Assess
    assert.equal(back.length, rows.length);
    back.forEach((r, i) => {
      assert.equal(Number(r.writer), i);
      assert.equal(Number(r.n), i);
      assert.equal(r.note, `row "${i}"\n`);
    });
  });

  it('refuses a row with an undeclared column, naming it, and commits nothing', async () => {
    // Prepare
    const lake = await freshLake();
    const rows = [...Array.from({ length: 500 }, (_, i) => ({ writer: 1, n: i, note: 'ok' })), { writer: 1, n: 500, note: 'x', colour: 'red' }];
    // Act / Assess
    await assert.rejects(lake.writeTable('events', rows, { day: 'd1' }), (err: unknown) => err instanceof SchemaMismatchError && /row 500 .*"colour"/.test(err.message));
    assert.equal((await lake.snapshot('events')).files.length, 0);
  });
});
