import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConflictError } from '../../packages/core/index.js';
import { PreconditionFailedError, type ObjectStore } from '../../packages/lake/index.js';

/**
 * The ingest intent: a small object written (put-if-absent) BEFORE `/data` is called and
 * removed AFTER the batch is committed to RAW. It is both a lease (one ingest per group at a
 * time) and the memory of an unfinished call:
 *
 *   intent absent ──put-if-absent──▶ intent{ordinal n} ──GET /data──▶ commit RAW n ──delete──▶ absent
 *                                          │
 *                      crash / timeout / cut body: the server may have moved its cursor
 *                                          ▼
 *              next call finds a stale intent ──▶ restart + replay 0..n-1 (hash-checked) ──▶ fetch n
 *
 * An intent is stale (safe to take over) when its owner marked it abandoned, when its owner is
 * this process (whose in-process lock the caller now holds), when its owner process on this
 * host is dead, or when its heartbeat is older than the lease. Otherwise another ingest is
 * running and the caller gets a ConflictError.
 */
export interface IntentRecord {
  format: typeof INTENT_FORMAT;
  group_number: number;
  /** The ordinal about to be (or being) requested. */
  ordinal: number;
  phase: 'fetching' | 'recovering' | 'committing';
  epoch: number;
  request_key: string | null;
  owner: { host: string; pid: number; token: string };
  started_at: string;
  heartbeat_at: string;
  /** Set by an owner that gave up after an error whose outcome on the server is unknown. */
  abandoned: string | null;
}

export const INTENT_FORMAT = 'casa-ingest-intent/1';

const IntentSchema = z.object({
  format: z.literal(INTENT_FORMAT),
  group_number: z.number().int(),
  ordinal: z.number().int().nonnegative(),
  phase: z.enum(['fetching', 'recovering', 'committing']),
  epoch: z.number().int().nonnegative(),
  request_key: z.string().nullable(),
  owner: z.object({ host: z.string(), pid: z.number().int(), token: z.string() }),
  started_at: z.string(),
  heartbeat_at: z.string(),
  abandoned: z.string().nullable(),
});

/** This process, as an intent owner. */
const PROCESS_OWNER = { host: hostname(), pid: process.pid, token: randomUUID() };

export function intentKey(groupNumber: number): string {
  return `_ingest/group=${groupNumber}/intent.json`;
}

export interface AcquiredIntent {
  handle: IntentHandle;
  /** The stale intent that was taken over, if any: its call may have moved the server's cursor. */
  previous: IntentRecord | null;
}

/** Takes the group's intent for `ordinal`, or throws ConflictError while another ingest holds it. */
export async function acquireIntent(
  store: ObjectStore,
  init: { groupNumber: number; ordinal: number; epoch: number; requestKey: string | null },
  options: { leaseMs: number; now?: () => Date },
): Promise<AcquiredIntent> {
  const now = options.now ?? (() => new Date());
  const key = intentKey(init.groupNumber);
  const at = now().toISOString();
  const record: IntentRecord = {
    format: INTENT_FORMAT,
    group_number: init.groupNumber,
    ordinal: init.ordinal,
    phase: 'fetching',
    epoch: init.epoch,
    request_key: init.requestKey,
    owner: PROCESS_OWNER,
    started_at: at,
    heartbeat_at: at,
    abandoned: null,
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const { etag } = await store.putIfAbsent(key, encode(record));
      return { handle: new IntentHandle(store, key, record, etag, now), previous: null };
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
    const existing = await store.get(key);
    if (!existing) continue; // released between our two calls: try again
    const previous = decode(existing.body);
    const busy = previous ? liveOwner(previous, options.leaseMs, now()) : undefined;
    if (busy) throw new ConflictError(busy);
    try {
      const { etag } = await store.putIfMatch(key, encode(record), existing.etag);
      return { handle: new IntentHandle(store, key, record, etag, now), previous: previous ?? corruptIntent(init.groupNumber) };
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new ConflictError(`another ingest of group ${init.groupNumber} took over its stale intent at the same time`);
      throw err;
    }
  }
  throw new ConflictError(`the ingest intent of group ${init.groupNumber} keeps changing; another ingest is running`);
}

/** A message naming the live owner, or undefined when the intent may be taken over. */
function liveOwner(intent: IntentRecord, leaseMs: number, now: Date): string | undefined {
  if (intent.abandoned !== null) return undefined;
  // Our own process: the caller holds the in-process lock, so that earlier call has ended.
  if (intent.owner.token === PROCESS_OWNER.token) return undefined;
  if (intent.owner.host === PROCESS_OWNER.host && !pidAlive(intent.owner.pid)) return undefined;
  const age = now.getTime() - Date.parse(intent.heartbeat_at);
  if (!(age <= leaseMs)) return undefined;
  return (
    `another ingest of group ${intent.group_number} is running (batch ${intent.ordinal}, ${intent.phase}, ` +
    `process ${intent.owner.pid} on ${intent.owner.host}, last heartbeat ${Math.round(age / 1000)} s ago; ` +
    `its lease expires in ${Math.max(0, Math.round((leaseMs - age) / 1000))} s)`
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The intent this call holds: heartbeats, phase changes, release or abandon. */
export class IntentHandle {
  private released = false;

  constructor(
    private readonly store: ObjectStore,
    readonly key: string,
    private record: IntentRecord,
    private etag: string,
    private readonly now: () => Date,
  ) {}

  get current(): IntentRecord {
    return this.record;
  }

  /** Rewrites the intent (and its heartbeat) only if nobody took it over; ConflictError otherwise. */
  async update(patch: Partial<Pick<IntentRecord, 'ordinal' | 'phase' | 'epoch'>> = {}): Promise<void> {
    const next: IntentRecord = { ...this.record, ...patch, heartbeat_at: this.now().toISOString() };
    try {
      const { etag } = await this.store.putIfMatch(this.key, encode(next), this.etag);
      this.etag = etag;
      this.record = next;
    } catch (err) {
      if (err instanceof PreconditionFailedError) {
        throw new ConflictError(`lost the ingest intent of group ${this.record.group_number}: another ingest took it over`);
      }
      throw err;
    }
  }

  /** The call finished with a known outcome (committed, exhausted, or refused before the cursor moved). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const existing = await this.store.get(this.key);
    if (existing && existing.etag === this.etag) await this.store.delete(this.key);
  }

  /** The outcome on the server is unknown: leave the intent, marked, so the next call recovers at once. */
  async abandon(reason: string): Promise<void> {
    if (this.released) return;
    this.released = true;
    const next: IntentRecord = { ...this.record, abandoned: reason.slice(0, 500), heartbeat_at: this.now().toISOString() };
    // Best effort: an unmarked intent is still recovered, once its owner is seen dead or its lease ends.
    await this.store.putIfMatch(this.key, encode(next), this.etag).catch(() => undefined);
  }
}

function encode(record: IntentRecord): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(record, null, 1)}\n`);
}

function decode(body: Uint8Array): IntentRecord | null {
  try {
    const parsed = IntentSchema.safeParse(JSON.parse(new TextDecoder().decode(body)));
    return parsed.success ? (parsed.data as IntentRecord) : null;
  } catch {
    return null;
  }
}

/** Stand-in for an unreadable intent: treated as an interrupted call of unknown ordinal. */
function corruptIntent(groupNumber: number): IntentRecord {
  const at = new Date(0).toISOString();
  return {
    format: INTENT_FORMAT,
    group_number: groupNumber,
    ordinal: Number.MAX_SAFE_INTEGER,
    phase: 'fetching',
    epoch: 0,
    request_key: null,
    owner: { host: '?', pid: 0, token: '?' },
    started_at: at,
    heartbeat_at: at,
    abandoned: 'unreadable intent object',
  };
}
