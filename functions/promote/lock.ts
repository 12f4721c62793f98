import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../packages/core/index.js';
import { PreconditionFailedError, type ObjectStore } from '../../packages/lake/index.js';

interface LockBody {
  owner: string;
  expiresAt: number;
}

export interface HeldLock {
  owner: string;
  release(): Promise<void>;
}

/**
 * A lease in the lake's object store, taken with one put-if-absent (the store's conditional
 * write, the same guarantee the manifests rely on). A holder that died is replaced once its
 * lease expires, with put-if-match on the expired body's ETag so two waiters cannot both take it.
 * With `renewEveryMs` a live holder extends its lease on a timer, so a short TTL frees the
 * lease soon after a crash without ever expiring under a long, healthy holder.
 */
export async function acquireLock(store: ObjectStore, key: string, options: { ttlMs?: number; waitMs?: number; pollMs?: number; renewEveryMs?: number } = {}): Promise<HeldLock> {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  const owner = randomUUID();
  const body = () => new TextEncoder().encode(JSON.stringify({ owner, expiresAt: Date.now() + ttlMs } satisfies LockBody));
  let etag = '';
  for (;;) {
    try {
      etag = (await store.putIfAbsent(key, body())).etag;
      break;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
    const current = await store.get(key);
    if (current) {
      const held = JSON.parse(new TextDecoder().decode(current.body)) as LockBody;
      if (held.expiresAt < Date.now()) {
        try {
          etag = (await store.putIfMatch(key, body(), current.etag)).etag;
          break;
        } catch (err) {
          if (!(err instanceof PreconditionFailedError)) throw err;
        }
      }
    }
    if (Date.now() > deadline) throw new ConflictError(`another promotion holds ${key}; try again later`);
    await new Promise((r) => setTimeout(r, (options.pollMs ?? 200) * (0.5 + Math.random())));
  }
  let renewing: Promise<void> = Promise.resolve();
  const timer = options.renewEveryMs
    ? setInterval(() => {
        renewing = store.putIfMatch(key, body(), etag).then((r) => void (etag = r.etag)).catch(() => clearInterval(timer));
      }, options.renewEveryMs)
    : undefined;
  timer?.unref();
  return {
    owner,
    async release() {
      clearInterval(timer);
      await renewing;
      const current = await store.get(key);
      if (current && (JSON.parse(new TextDecoder().decode(current.body)) as LockBody).owner === owner) await store.delete(key);
    },
  };
}
