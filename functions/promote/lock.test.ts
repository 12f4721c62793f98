import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConflictError } from '../../packages/core/index.js';
import { LocalDirectoryStore } from '../../packages/lake/index.js';
import { acquireLock } from './lock.js';

test('the lease serialises holders: five contenders run their critical sections one at a time', async (t) => {
  // Prepare
  const root = await mkdtemp(join(tmpdir(), 'casa-lock-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = new LocalDirectoryStore(root);
  let inside = 0;
  let maxInside = 0;
  // Act
  await Promise.all(Array.from({ length: 5 }, async () => {
    const lock = await acquireLock(store, 'locks/promote/m.lock', { pollMs: 5 });
    inside++;
    maxInside = Math.max(maxInside, inside);
    await new Promise((r) => setTimeout(r, 20));
    inside--;
    await lock.release();
  }));
  // Assess
  assert.equal(maxInside, 1);
  assert.equal(await store.get('locks/promote/m.lock'), null);
});

test('an expired lease is taken over; a live one makes a waiter give up with a conflict', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'casa-lock-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = new LocalDirectoryStore(root);
  await acquireLock(store, 'locks/a.lock', { ttlMs: 1 }); // a holder that "died"
  await new Promise((r) => setTimeout(r, 5));
  const taken = await acquireLock(store, 'locks/a.lock', { waitMs: 1000, pollMs: 5 });
  await assert.rejects(acquireLock(store, 'locks/a.lock', { waitMs: 50, pollMs: 5 }), ConflictError);
  await taken.release();
  await (await acquireLock(store, 'locks/a.lock', { waitMs: 50 })).release();
});

test('a holder that renews keeps its short lease past the TTL; once released, the next one gets it', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'casa-lock-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = new LocalDirectoryStore(root);
  // TTL wide enough that a loaded CI machine's timer delays can't expire a renewed lease.
  const held = await acquireLock(store, 'locks/r.lock', { ttlMs: 2000, renewEveryMs: 100 });
  await new Promise((r) => setTimeout(r, 4500)); // more than two TTLs
  await assert.rejects(acquireLock(store, 'locks/r.lock', { waitMs: 1000, pollMs: 50 }), ConflictError);
  await held.release();
  await (await acquireLock(store, 'locks/r.lock', { waitMs: 100 })).release();
});
