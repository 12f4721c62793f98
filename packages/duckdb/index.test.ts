import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Duck, StatementType, sqlIdent, sqlString, statementTypesOn } from './index.js';

let duck: Duck;
before(async () => {
  duck = await Duck.open({ threads: 1 });
});
after(() => duck.close());

test('parameters are bound by name, never spliced', async () => {
  const evil = "x'); DROP TABLE t; --";
  const rows = await duck.all('SELECT $s AS s, $n + 1 AS n, $d * 2 AS d', { s: evil, n: 41, d: 1.25 });
  assert.deepEqual(rows, [{ s: evil, n: 42, d: 2.5 }]);
});

test('json mode returns JSON-safe values (BIGINT as string)', async () => {
  assert.deepEqual(await duck.all('SELECT 2::BIGINT AS b', {}, { json: true }), [{ b: '2' }]);
  assert.deepEqual(await duck.all('SELECT 2::BIGINT AS b'), [{ b: 2n }]);
});

test('copyToParquet writes a file DuckDB reads back, and returns the row count', async () => {
  const out = join(tmpdir(), `casa-duck-${process.pid}.parquet`);
  try {
    const n = await duck.copyToParquet('SELECT range AS i, $label AS label FROM range(5)', { label: 'a' }, out);
    assert.equal(n, 5);
    assert.deepEqual(await duck.all(`SELECT sum(i)::INTEGER AS s, any_value(label) AS l FROM read_parquet(${sqlString(out)})`), [{ s: 10, l: 'a' }]);
  } finally {
    await rm(out, { force: true });
  }
});

test('statement types come from DuckDB’s prepared statements', async () => {
  await duck.withConnection(async (c) => {
    assert.deepEqual(await statementTypesOn(c, 'SELECT 1; CREATE TABLE x (a INT)'), [StatementType.SELECT, StatementType.CREATE]);
  });
});

test('a restricted instance reads only inside its directories and cannot be unlocked', async () => {
  const dir = join(tmpdir(), `casa-duck-allowed-${process.pid}`);
  const sandbox = await Duck.open({ restrictToDirectories: [dir] });
  try {
    await assert.rejects(sandbox.all("SELECT * FROM read_text('/etc/hostname')"), /Permission Error/);
    await assert.rejects(sandbox.run('SET enable_external_access = true'), /locked/);
  } finally {
    sandbox.close();
  }
});

test('quoting helpers', () => {
  assert.equal(sqlString("it's"), "'it''s'");
  assert.equal(sqlIdent('a"b'), '"a""b"');
  assert.throws(() => sqlString('a\u0000'));
});
