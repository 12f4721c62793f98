/**
 * The storage contract: one suite, run against every backend — the local directory and a real
 * S3 server (SeaweedFS, started here on a free loopback port). Object-store semantics first, then
 * the lake's commit protocol on top of each store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startSeaweed, weedAvailable, weedBinaryPath, type Seaweed } from '../testkit/seaweed.js';
import { InvalidKeyError, InvalidPartitionError, InvalidTableError, PreconditionFailedError, QueryRefusedError } from './errors.js';
import { Lake } from './lake.js';
import { LocalDirectoryStore } from './local-directory-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';
import { TEST_TABLES, tempDir } from './test-helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, empty store (own directory or own prefix). */
  store(): Promise<ObjectStore>;
}

const cleanup: string[] = [];
const localBackend: Backend = {
  name: 'local directory',
  setup: async () => undefined,
  teardown: async () => {
    await Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true })));
  },
  store: async () => {
    const dir = await tempDir('store');
    cleanup.push(dir);
    return new LocalDirectoryStore(dir);
  },
};

const skipS3 = process.env['CASA_SKIP_SEAWEED'] === '1';
// Started at load: SeaweedFS needs ~10 s before its first write, which overlaps the local suite.
const seaweedStarting: Promise<Seaweed> | undefined = skipS3 ? undefined : startSeaweed({ buckets: ['casa-contract'] });
seaweedStarting?.catch(() => undefined); // reported by the S3 suite's setup
let seaweed: Seaweed | undefined;
const s3Backend: Backend = {
  name: 'S3 (SeaweedFS)',
  setup: async () => {
    seaweed = await seaweedStarting;
  },
  teardown: async () => {
    await seaweed?.stop();
  },
  store: async () =>
    new S3Store({
      bucket: seaweed!.bucket,
      prefix: `t-${randomUUID()}`,
      endpoint: seaweed!.endpoint,
      region: seaweed!.region,
      credentials: { accessKeyId: seaweed!.accessKey, secretAccessKey: seaweed!.secretKey },
      listPageSize: 7,
    }),
};

if (skipS3) console.warn('!! CASA_SKIP_SEAWEED=1: the S3 half of the storage contract is SKIPPED');
else if (!weedAvailable()) console.warn(`!! SeaweedFS not found at ${weedBinaryPath()}: run scripts/setup-weed.sh (the S3 contract will fail)`);

for (const backend of [localBackend, s3Backend]) {
  describe(`storage contract: ${backend.name}`, { skip: backend === s3Backend && skipS3 }, () => {
    const cacheDirs: string[] = [];
    const lakes: Lake[] = [];
    async function lakeOn(store: ObjectStore): Promise<Lake> {
      const cache = await tempDir('cache');
      cacheDirs.push(cache);
      const lake = new Lake(store, cache, TEST_TABLES);
      lakes.push(lake);
      return lake;
    }

    before(() => backend.setup(), { timeout: 90_000 });
    after(async () => {
      for (const l of lakes) l.close();
      await Promise.all(cacheDirs.map((d) => rm(d, { recursive: true, force: true })));
      await backend.teardown();
    });

    // ── object store ────────────────────────────────────────────────────────────────────

    test('get / put / list / delete round-trip', async () => {
      const store = await backend.store();
      assert.equal(await store.get('a/missing.json'), null);
      const { etag } = await store.put('a/b/one.txt', enc('one'));
      const got = await store.get('a/b/one.txt');
      assert.equal(dec(got!.body), 'one');
      assert.equal(got!.etag, etag);
      await store.put('a/b/one.txt', enc('uno'));
      assert.equal(dec((await store.get('a/b/one.txt'))!.body), 'uno');
      assert.notEqual((await store.get('a/b/one.txt'))!.etag, etag, 'ETag changes with content');
      await store.delete('a/b/one.txt');
      assert.equal(await store.get('a/b/one.txt'), null);
      await store.delete('a/b/one.txt'); // deleting a missing key is not an error
    });

    test('list after write sees the key, filters by prefix, and returns every page', async () => {
      const store = await backend.store();
      const keys = Array.from({ length: 20 }, (_, i) => `p/k${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k) => store.put(k, enc(k))));
      await store.put('p2/other', enc('x'));
      await store.put('px/partial', enc('x'));
      assert.deepEqual(await store.list('p/'), keys, '20 keys over pages of 7');
      assert.deepEqual(await store.list('p/k1'), keys.slice(10, 20));
      assert.deepEqual(await store.list('p'), [...keys, 'p2/other', 'px/partial'].sort());
      assert.deepEqual(await store.list('nothing/'), []);
    });

    test('put-if-absent on an existing key fails and leaves the object unchanged', async () => {
      const store = await backend.store();
      await store.putIfAbsent('m/00001.json', enc('first'));
      await assert.rejects(store.putIfAbsent('m/00001.json', enc('second')), PreconditionFailedError);
      assert.equal(dec((await store.get('m/00001.json'))!.body), 'first');
    });

    test('put-if-absent: of 10 racing creators exactly one wins', async () => {
      const store = await backend.store();
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.putIfAbsent('race/key', enc(`w${i}`))));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof PreconditionFailedError, String(r.reason));
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      assert.equal(dec((await store.get('race/key'))!.body), `w${winner}`);
    });

    test('put-if-match succeeds on the current ETag and fails on a stale one or a missing key', async () => {
      const store = await backend.store();
      const v1 = await store.putIfAbsent('ptr', enc('v1'));
      const v2 = await store.putIfMatch('ptr', enc('v2'), v1.etag);
      assert.equal(dec((await store.get('ptr'))!.body), 'v2');
      await assert.rejects(store.putIfMatch('ptr', enc('v3'), v1.etag), PreconditionFailedError);
      assert.equal(dec((await store.get('ptr'))!.body), 'v2');
      await store.putIfMatch('ptr', enc('v3'), v2.etag);
      assert.equal(dec((await store.get('ptr'))!.body), 'v3');
      await assert.rejects(store.putIfMatch('no-such-key', enc('x'), v1.etag), PreconditionFailedError);
    });

    test('put-if-match: concurrent read-modify-write increments lose no update', async () => {
      const store = await backend.store();
      await store.putIfAbsent('counter', enc('0'));
      const increments = async (n: number) => {
        for (let done = 0; done < n; ) {
          const cur = (await store.get('counter'))!;
          try {
            await store.putIfMatch('counter', enc(String(Number(dec(cur.body)) + 1)), cur.etag);
            done++;
          } catch (err) {
            if (!(err instanceof PreconditionFailedError)) throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, () => increments(5)));
      assert.equal(dec((await store.get('counter'))!.body), '20');
    });

    test('keys that try to escape their prefix are refused before any I/O', async () => {
      const store = await backend.store();
      const bad = ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a/', 'a\\b', 'a\u0000b', '.hidden', 'a/.tmp/x', 'a b'];
      for (const key of bad) {
        await assert.rejects(store.get(key), InvalidKeyError, `get ${JSON.stringify(key)}`);
        await assert.rejects(store.put(key, enc('x')), InvalidKeyError, `put ${JSON.stringify(key)}`);
        await assert.rejects(store.putIfAbsent(key, enc('x')), InvalidKeyError, `putIfAbsent ${JSON.stringify(key)}`);
        await assert.rejects(store.putIfMatch(key, enc('x'), '"e"'), InvalidKeyError, `putIfMatch ${JSON.stringify(key)}`);
        await assert.rejects(store.delete(key), InvalidKeyError, `delete ${JSON.stringify(key)}`);
      }
      await assert.rejects(store.list('../'), InvalidKeyError);
      assert.deepEqual(await store.list(''), [], 'nothing was written');
    });

    // ── the lake's commit protocol on this store ────────────────────────────────────────

    test('5 writers × 10 concurrent commits to one table end with exactly 50 commits, all present', async () => {
      const store = await backend.store();
      const writers = await Promise.all(Array.from({ length: 5 }, () => lakeOn(store)));
      const results = await Promise.all(
        writers.flatMap((lake, w) =>
          Array.from({ length: 10 }, (_, i) =>
            lake.writeTable('events', [{ writer: w, n: i, note: `w${w}-c${i}` }], { day: `d${i % 3}` }, { metadata: { writer: w, n: i } }),
          ),
        ),
      );
      assert.equal(results.length, 50);
      assert.ok(results.every((r) => r.created));
      assert.deepEqual(results.map((r) => r.version).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1), 'each commit got its own version');
      const reader = await lakeOn(store);
      const snap = await reader.snapshot('events');
      assert.equal(snap.version, 50);
      assert.equal(snap.commits.length, 50);
      assert.equal(snap.files.length, 50);
      assert.equal(new Set(snap.commits.map((c) => c.commitId)).size, 50);
      const rows = await reader.query<{ writer: number; n: number }>('SELECT writer, n FROM events ORDER BY writer, n');
      assert.deepEqual(rows, writers.flatMap((_, w) => Array.from({ length: 10 }, (_, n) => ({ writer: w, n }))));
    });

    test('a commit whose idempotency key is already committed is a no-op returning the existing commit', async () => {
      const store = await backend.store();
      const lake = await lakeOn(store);
      const first = await lake.writeTable('batches', [{ value: 1 }], { batch_ordinal: '0' }, { idempotencyKey: 'batch-0', metadata: { sha: 'abc' } });
      const again = await lake.writeTable('batches', [{ value: 999 }], { batch_ordinal: '0' }, { idempotencyKey: 'batch-0' });
      assert.equal(first.created, true);
      assert.equal(again.created, false);
      assert.equal(again.commit.commitId, first.commit.commitId);
      assert.deepEqual(again.commit.metadata, { sha: 'abc' });
      // Concurrent duplicates from separate writers: still one commit, and the losers' uploads are removed.
      const others = await Promise.all(Array.from({ length: 4 }, () => lakeOn(store)));
      const racing = await Promise.all(others.map((l, i) => l.writeTable('batches', [{ value: 10 + i }], { batch_ordinal: '1' }, { idempotencyKey: 'batch-1' })));
      assert.equal(racing.filter((r) => r.created).length, 1);
      assert.equal(new Set(racing.map((r) => r.commit.commitId)).size, 1);
      const snap = await lake.snapshot('batches');
      assert.equal(snap.version, 2);
      assert.deepEqual(await lake.query('SELECT batch_ordinal, count(*)::INTEGER AS n FROM batches GROUP BY ALL ORDER BY 1'), [
        { batch_ordinal: 0, n: 1 },
        { batch_ordinal: 1, n: 1 },
      ]);
      const dataKeys = (await store.list('tables/batches/')).filter((k) => k.endsWith('.parquet'));
      assert.deepEqual(dataKeys.sort(), snap.files.map((f) => f.key).sort(), 'no orphaned uploads from the duplicate commits');
    });

    test('replacing a partition swaps its files in one commit and leaves other partitions alone', async () => {
      const store = await backend.store();
      const lake = await lakeOn(store);
      await lake.writeTable('batches', [{ value: 1 }, { value: 2 }], { batch_ordinal: '1' });
      await lake.writeTable('batches', [{ value: 7 }], { batch_ordinal: '2' });
      const before = await lake.snapshot('batches');
      const r = await lake.writeTable('batches', [{ value: 10 }, { value: 20 }, { value: 30 }], { batch_ordinal: '1' }, { replace: true });
      assert.equal(r.commit.removed.length, 1);
      assert.equal(r.commit.removed[0], before.files.find((f) => f.partition['batch_ordinal'] === '1')!.key);
      const sums = await lake.query('SELECT batch_ordinal, sum(value) AS s, count(*)::INTEGER AS n FROM batches GROUP BY ALL ORDER BY 1');
      assert.deepEqual(sums, [
        { batch_ordinal: 1, s: 60, n: 3 },
        { batch_ordinal: 2, s: 7, n: 1 },
      ]);
      // The previous version is still readable as it was.
      assert.deepEqual(await lake.query('SELECT count(*)::INTEGER AS n FROM batches', {}, { versions: { batches: before.version } }), [{ n: 3 }]);
      // Replacing with nothing deletes the partition.
      await lake.commit('batches', { replacePartition: { batch_ordinal: '2' } });
      assert.deepEqual(await lake.query('SELECT DISTINCT batch_ordinal FROM batches'), [{ batch_ordinal: 1 }]);
    });

    test('a crashed writer (data file uploaded, no manifest) is invisible to readers', async () => {
      const store = await backend.store();
      const lake = await lakeOn(store);
      await lake.writeTable('batches', [{ value: 1 }], { batch_ordinal: '5' });
      // The crashed writer got as far as its data upload: a real Parquet file under the partition.
      const scratch = await tempDir('crash');
      cacheDirs.push(scratch);
      const orphanPath = `${scratch}/orphan.parquet`;
      await lake.writeParquet('batches', [{ value: 1000 }], { batch_ordinal: '5' }, orphanPath);
      const { readFile } = await import('node:fs/promises');
      const orphanKey = `tables/batches/batch_ordinal=5/${randomUUID()}.parquet`;
      await store.put(orphanKey, await readFile(orphanPath));
      assert.ok((await store.list('tables/batches/')).includes(orphanKey), 'the orphan is in the store');
      const reader = await lakeOn(store);
      const snap = await reader.snapshot('batches');
      assert.equal(snap.version, 1);
      assert.ok(!snap.files.some((f) => f.key === orphanKey));
      assert.deepEqual(await reader.query('SELECT sum(value) AS s FROM batches'), [{ s: 1 }]);
      assert.deepEqual(await reader.localFiles('batches').then((f) => f.length), 1);
      // The next commit builds on the manifest, not on the folder.
      await reader.writeTable('batches', [{ value: 2 }], { batch_ordinal: '6' });
      assert.deepEqual(await reader.query('SELECT sum(value) AS s FROM batches'), [{ s: 3 }]);
      assert.deepEqual(await reader.vacuum('batches', { olderThanMs: 0 }), [orphanKey]);
      assert.deepEqual(await reader.query('SELECT sum(value) AS s FROM batches'), [{ s: 3 }]);
    });

    test('table names and partition values that try to escape are refused', async () => {
      const store = await backend.store();
      const lake = await lakeOn(store);
      for (const name of ['../events', 'events/../x', '/events', 'Events', 'events;drop', '', 'unknown_table', 'constructor', '__proto__']) {
        await assert.rejects(lake.writeTable(name, [], {}), InvalidTableError, `table ${JSON.stringify(name)}`);
        await assert.rejects(lake.snapshot(name), InvalidTableError, `snapshot ${JSON.stringify(name)}`);
      }
      for (const value of ['../x', 'a/b', '.', '..', '', 'a\\b', 'x\u0000', '.hidden']) {
        await assert.rejects(lake.writeTable('events', [], { day: value }), InvalidPartitionError, `partition ${JSON.stringify(value)}`);
      }
      await assert.rejects(lake.writeTable('events', [], { other: 'x' }), InvalidPartitionError);
      await assert.rejects(lake.writeTable('events', [], {}), InvalidPartitionError, 'missing partition column');
      assert.deepEqual(await store.list(''), [], 'nothing was written');
    });

    if (backend === s3Backend) {
      test('openLake from the environment (s3://…) verifies conditional writes; casa lake reads the same tables', async () => {
        const env: Record<string, string> = { ...seaweed!.lakeEnv(`env-${randomUUID()}`), CASA_LAKE_CACHE_DIR: await tempDir("env-cache") };
        cacheDirs.push(env['CASA_LAKE_CACHE_DIR']!);
        const { openLake } = await import('./index.js');
        const lake = await openLake({ env });
        lakes.push(lake);
        assert.equal(lake.url, env['CASA_LAKE_URL']);
        await lake.writeTable('raw_batches', [{ batch_number: 4, group_number: 1, row_count: 10, content_sha256: 'f00', ingested_at: '2025-01-01T00:00:00Z', source_url: 'x' }], { batch_ordinal: '4' });
        const { Command } = await import('commander');
        const { registerLakeCommand } = await import('./cli.js');
        let out = '';
        const program = new Command('casa').exitOverride();
        registerLakeCommand(program, { out: (t) => (out += t), env });
        await program.parseAsync(['node', 'casa', 'lake', 'query', 'SELECT batch_ordinal, content_sha256 FROM raw_batches', '--json']);
        assert.deepEqual(JSON.parse(out), { batch_ordinal: 4, content_sha256: 'f00' });
      });
    }

    test('a lake query that is not a single read is refused', async () => {
      const store = await backend.store();
      const lake = await lakeOn(store);
      await lake.writeTable('events', [{ writer: 1, n: 1, note: 'x' }], { day: 'd1' });
      const refused = [
        "INSERT INTO events VALUES ('d', 1, 1, 'x')",
        'CREATE TABLE t AS SELECT 1',
        'DELETE FROM events',
        'DROP VIEW events',
        "COPY events TO '/tmp/casa-out.csv'",
        "COPY (SELECT 1) TO '/tmp/casa-out.parquet' (FORMAT parquet)",
        "ATTACH '/tmp/casa-x.db' AS x",
        'INSTALL httpfs',
        'LOAD httpfs',
        'PRAGMA version',
        'SET threads = 1',
        'CALL pragma_version()',
        "EXPORT DATABASE '/tmp/casa-export'",
        'SELECT 1; SELECT 2',
        'SELECT 1; DROP VIEW events',
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_parquet('/tmp/*.parquet')",
      ];
      for (const sql of refused) {
        await assert.rejects(lake.query(sql), QueryRefusedError, sql);
      }
      assert.deepEqual(await lake.query('SELECT count(*)::INTEGER AS n FROM events'), [{ n: 1 }], 'the lake is unchanged');
      assert.deepEqual(await lake.query('WITH x AS (FROM events) SELECT note FROM x WHERE n = $n', { n: 1 }), [{ note: 'x' }], 'a parameterised read runs');
    });
  });
}
