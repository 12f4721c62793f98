import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { constants as fsc } from 'node:fs';
import { access, copyFile, link, mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PreconditionFailedError, StoreUnavailableError } from './errors.js';
import { checkKey, checkPrefix } from './keys.js';
import type { ObjectStore, StoredObject } from './object-store.js';

/** Folders inside the root that hold no objects (a valid key never starts with "."). */
const TMP_DIR = '.tmp';
const LOCK_DIR = '.locks';

/**
 * An object store on a local directory (the embedded default). Safe for concurrent writers in
 * one process and in several processes on one host sharing the directory (not over NFS):
 *
 * - every write goes to `<root>/.tmp/<pid>-<uuid>` first, so a crashed writer leaves at most a
 *   temp file, never a partial object under its key (fsynced before a rename; a put-if-absent
 *   winner is fsynced right after its link, so racing losers pay no disk flush);
 * - `put` publishes with `rename` (atomic replace): readers see the old or the new object;
 * - `putIfAbsent` publishes with `link(temp, key)`, which the kernel refuses atomically with
 *   EEXIST when the key exists — exactly one of N racing creators wins, with no lock;
 * - `putIfMatch`, `put` and `delete` run under a per-key lock file created with O_CREAT|O_EXCL
 *   (`<root>/.locks/<sha1(key)>`): read → compare ETag → rename happen while no other writer of that
 *   key can act. A lock whose holder died (same host, PID gone) or that is older than
 *   `staleLockMs` is broken by renaming it aside and checking that the renamed file is the stale
 *   one observed (if a live lock was taken by mistake it is linked back).
 *
 * The ETag is the MD5 of the content (like S3's for single-part uploads).
 */
export class LocalDirectoryStore implements ObjectStore {
  readonly root: string;
  readonly url: string;
  private readonly staleLockMs: number;
  private readonly lockTimeoutMs: number;

  constructor(root: string, options: { staleLockMs?: number; lockTimeoutMs?: number } = {}) {
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
    this.staleLockMs = options.staleLockMs ?? 30_000;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 20_000;
  }

  localPath(key: string): string {
    return join(this.root, checkKey(key));
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.localPath(key);
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR') || isCode(err, 'EISDIR')) return null;
      throw err;
    }
    return { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), etag: etagOf(body) };
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<{ etag: string }> {
    const path = this.localPath(key);
    // Fast path for losers (no temp file, no fsync); `link` below is what decides a race.
    if (await exists(path)) throw new PreconditionFailedError(key, `object ${JSON.stringify(key)} already exists`);
    // No fsync before the link: racing losers then cost no disk flush; the winner flushes after.
    const temp = await this.writeTemp(body, false);
    try {
      await mkdir(dirname(path), { recursive: true });
      await link(temp, path);
    } catch (err) {
      if (isCode(err, 'EEXIST')) throw new PreconditionFailedError(key, `object ${JSON.stringify(key)} already exists`);
      throw err;
    } finally {
      await rm(temp, { force: true });
    }
    await fsyncPath(path);
    return { etag: etagOf(body) };
  }

  async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<{ etag: string }> {
    const path = this.localPath(key);
    const temp = await this.writeTemp(body);
    try {
      return await this.withLock(key, async () => {
        const current = await this.get(key);
        if (current === null) throw new PreconditionFailedError(key, `object ${JSON.stringify(key)} does not exist`);
        if (current.etag !== etag) throw new PreconditionFailedError(key, `object ${JSON.stringify(key)} has changed (ETag ${current.etag}, expected ${etag})`);
        await rename(temp, path);
        return { etag: etagOf(body) };
      });
    } finally {
      await rm(temp, { force: true });
    }
  }

  async put(key: string, body: Uint8Array): Promise<{ etag: string }> {
    const path = this.localPath(key);
    const temp = await this.writeTemp(body);
    try {
      await mkdir(dirname(path), { recursive: true });
      await this.withLock(key, () => rename(temp, path));
    } finally {
      await rm(temp, { force: true });
    }
    return { etag: etagOf(body) };
  }

  async putFile(key: string, source: string): Promise<{ etag: string }> {
    const path = this.localPath(key);
    const temp = this.tempPath();
    await mkdir(dirname(temp), { recursive: true });
    try {
      await copyFile(source, temp);
      await fsyncPath(temp);
      const etag = etagOf(await readFile(temp));
      await mkdir(dirname(path), { recursive: true });
      await this.withLock(key, () => rename(temp, path));
      return { etag };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    // Walk only the deepest folder the prefix fully names, then filter by the prefix itself.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    await this.walk(base, keys);
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    const path = this.localPath(key);
    await this.withLock(key, async () => {
      try {
        await unlink(path);
      } catch (err) {
        if (!isCode(err, 'ENOENT') && !isCode(err, 'ENOTDIR')) throw err;
      }
    });
  }

  private async walk(rel: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(rel === '' ? this.root : join(this.root, rel), { withFileTypes: true });
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // temp files, locks: never objects
      const key = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await this.walk(key, out);
      else if (entry.isFile()) out.push(key);
    }
  }

  private tempPath(): string {
    return join(this.root, TMP_DIR, `${process.pid}-${randomUUID()}`);
  }

  private async writeTemp(body: Uint8Array, sync = true): Promise<string> {
    const temp = this.tempPath();
    await mkdir(dirname(temp), { recursive: true });
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(body);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    return temp;
  }

  /** Runs `fn` holding the cross-process lock of `key` (see the class comment). */
  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockPath = join(this.root, LOCK_DIR, createHash('sha1').update(key).digest('hex'));
    await mkdir(dirname(lockPath), { recursive: true });
    const token = `${hostname()} ${process.pid} ${randomUUID()} ${Date.now()}`;
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await writeFile(lockPath, token, { flag: fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY });
        break;
      } catch (err) {
        if (!isCode(err, 'EEXIST')) throw err;
      }
      await this.breakIfStale(lockPath);
      if (Date.now() > deadline) throw new StoreUnavailableError(`timed out waiting for the lock of object ${JSON.stringify(key)} (${lockPath})`);
      await sleep(Math.min(50, 1 + attempt) * Math.random());
    }
    try {
      return await fn();
    } finally {
      // Release only our own lock (it may have been broken as stale by another writer).
      const held = await readFile(lockPath, 'utf8').catch(() => null);
      if (held === token) await unlink(lockPath).catch(() => undefined);
    }
  }

  private async breakIfStale(lockPath: string): Promise<void> {
    const observed = await readFile(lockPath, 'utf8').catch(() => null);
    if (observed === null) return;
    const [host, pidText, , createdText] = observed.split(' ');
    const pid = Number(pidText);
    const age = Date.now() - Number(createdText);
    const holderDead = host === hostname() && Number.isInteger(pid) && !isAlive(pid);
    if (!holderDead && !(age > this.staleLockMs)) return;
    const aside = `${lockPath}.broken-${randomUUID()}`;
    try {
      await rename(lockPath, aside);
    } catch {
      return; // someone else broke or released it
    }
    const moved = await readFile(aside, 'utf8').catch(() => null);
    if (moved !== observed && moved !== null) {
      // We moved a fresh lock taken after our look: put it back (fails harmlessly if a new one exists).
      await link(aside, lockPath).catch(() => undefined);
    }
    await unlink(aside).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function etagOf(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isCode(err, 'EPERM');
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

