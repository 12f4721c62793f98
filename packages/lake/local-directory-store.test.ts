import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Lake } from './lake.js';
import { LocalDirectoryStore } from './local-directory-store.js';
import { TEST_TABLES, tempDir } from './test-helpers.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
const fresh = async () => {
  const d = await tempDir('local');
  dirs.push(d);
  return d;
};

function runWriter(root: string, writer: number, commits: number, increments: number): Promise<void> {
  const script = fileURLToPath(new URL('./concurrent-writer.fixture.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, root, String(writer), String(commits), String(increments)], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${writer} exited ${code}: ${stderr}`))));
  });
}

describe('LocalDirectoryStore across processes', () => {
  test('3 processes: every commit lands once and no putIfMatch increment is lost', async () => {
    const root = await fresh();
    const store = new LocalDirectoryStore(root);
    await store.putIfAbsent('counter', new TextEncoder().encode('0'));
    await Promise.all([0, 1, 2].map((w) => runWriter(root, w, 4, 8)));
    assert.equal(new TextDecoder().decode((await store.get('counter'))!.body), '24');
    const lake = new Lake(store, await fresh(), TEST_TABLES);
    const snap = await lake.snapshot('events');
    assert.equal(snap.version, 12);
    assert.deepEqual(snap.commits.map((c) => c.idempotencyKey).sort(), [0, 1, 2].flatMap((w) => [0, 1, 2, 3].map((i) => `w${w}-c${i}`)).sort());
    assert.deepEqual(await readdir(join(root, '.locks')), [], 'every lock was released');
    lake.close();
  });

  test('a lock left by a dead process is broken, a live one is waited for', async () => {
    const root = await fresh();
    const store = new LocalDirectoryStore(root, { lockTimeoutMs: 300 });
    const { etag } = await store.putIfAbsent('k', new TextEncoder().encode('a'));
    const { createHash } = await import('node:crypto');
    const { hostname } = await import('node:os');
    const lockPath = join(root, '.locks', createHash('sha1').update('k').digest('hex'));
    await mkdir(join(root, '.locks'), { recursive: true });
    await writeFile(lockPath, `${hostname()} 2147483646 dead-holder ${Date.now()}`); // no such PID
    await store.putIfMatch('k', new TextEncoder().encode('b'), etag);
    assert.equal(new TextDecoder().decode((await store.get('k'))!.body), 'b');
    await writeFile(lockPath, `${hostname()} ${process.pid} live-holder ${Date.now()}`); // alive: us
    await assert.rejects(store.put('k', new TextEncoder().encode('c')), /timed out waiting for the lock/);
    assert.equal(new TextDecoder().decode((await store.get('k'))!.body), 'b');
  });

  test('temp files of a crashed writer are never listed or read as objects', async () => {
    const root = await fresh();
    const store = new LocalDirectoryStore(root);
    await mkdir(join(root, '.tmp'), { recursive: true });
    await writeFile(join(root, '.tmp', '999-half-written'), 'partial');
    await store.put('a/b', new TextEncoder().encode('x'));
    assert.deepEqual(await store.list(''), ['a/b']);
  });
});
