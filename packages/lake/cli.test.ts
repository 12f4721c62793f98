import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerLakeCommand } from './cli.js';
import { QueryRefusedError } from './errors.js';
import { openLake } from './index.js';
import { tempDir } from './test-helpers.js';

describe('casa lake', () => {
  let root: string;
  let cache: string;
  before(async () => {
    root = await tempDir('cli-lake');
    cache = await tempDir('cli-cache');
    const lake = await openLake({ location: { kind: 'local', root }, cacheDir: cache });
    await lake.writeTable(
      'raw_batches',
      [{ batch_number: 0, group_number: 7, row_count: 3, content_sha256: 'ab', ingested_at: '2025-01-02T03:04:05Z', source_url: 'http://x/data' }],
      { batch_ordinal: '0' },
      { idempotencyKey: 'batch-0' },
    );
    lake.close();
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<string> {
    let text = '';
    const program = new Command('casa').exitOverride().configureOutput({ writeErr: () => undefined });
    registerLakeCommand(program, { out: (t) => (text += t), env: { CASA_LAKE_CACHE_DIR: cache } });
    await program.parseAsync(['node', 'casa', ...args]);
    return text;
  }

  test('query prints a table; --json prints JSON Lines', async () => {
    const text = await run('lake', 'query', 'SELECT batch_ordinal, row_count, content_sha256 FROM raw_batches', '--lake', root);
    assert.equal(text, ['batch_ordinal  row_count  content_sha256', '-------------  ---------  --------------', '            0          3  ab', '(1 row)', ''].join('\n'));
    const json = await run('lake', 'query', 'SELECT group_number, ingested_at FROM raw_batches', '--json', '--lake', `file://${root}`);
    assert.deepEqual(JSON.parse(json.trim()), { group_number: 7, ingested_at: '2025-01-02 03:04:05+00' });
  });

  test('tables lists every declared table with version, files and rows', async () => {
    const lines = (await run('lake', 'tables', '--json', '--lake', root)).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.find((t) => t['name'] === 'raw_batches'), { name: 'raw_batches', version: 1, files: 1, rows: 1, partitioned_by: 'batch_ordinal' });
    assert.deepEqual(lines.find((t) => t['name'] === 'clean_listings'), { name: 'clean_listings', version: 0, files: 0, rows: 0, partitioned_by: 'batch_ordinal' });
  });

  test('a query that is not a read is refused and changes nothing', async () => {
    for (const sql of ['DROP VIEW raw_batches', "COPY raw_batches TO '/tmp/casa-cli.csv'", 'SELECT 1; SELECT 2', "SELECT * FROM read_text('/etc/hostname')"]) {
      await assert.rejects(run('lake', 'query', sql, '--lake', root), QueryRefusedError, sql);
    }
    assert.equal(await run('lake', 'query', 'SELECT count(*) AS n FROM raw_batches', '--lake', root), 'n\n-\n1\n(1 row)\n');
  });

  test('a missing argument is a usage error', async () => {
    await assert.rejects(run('lake', 'query'), (err) => err instanceof CommanderError && err.code === 'commander.missingArgument');
  });
});
