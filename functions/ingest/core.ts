import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { ConfigError, ConflictError } from '../../packages/core/index.js';
import { cursorMayHaveMoved, type DataApiClient, type WrittenBody } from '../../packages/data-api-client/index.js';
import type { Lake } from '../../packages/lake/index.js';
import { SequenceDivergedError, RawStateError } from './errors.js';
import { acquireIntent, type IntentHandle, type IntentRecord } from './intent.js';
import { writeRawRecordsParquet } from './raw-records.js';
import { sharedDuck } from './shared-duck.js';

/** What ingest needs: the lake (with the RAW tables declared) and a data API client. */
export interface IngestDeps {
  lake: Lake;
  client: DataApiClient;
  /** Local scratch directory for bodies and Parquet (default: <lake cache>/ingest). */
  workDir?: string;
  /**
   * How long an intent without heartbeat blocks other ingests of the group (default 15 min).
   * Must exceed the client's /data timeout: a live ingest heartbeats between requests.
   */
  leaseMs?: number;
  now?: () => Date;
  /** Progress and recovery events (the CLI prints them on stderr). */
  onEvent?: (event: IngestEvent) => void;
}

export interface IngestOptions {
  /** The caller's idempotency key: a second call with the same key answers `already-committed`. */
  idempotencyKey?: string;
}

export type IngestEvent =
  | { type: 'fetching'; ordinal: number }
  | { type: 'received'; ordinal: number; bytes: number }
  | { type: 'recovering'; reason: string; epoch: number; replay: number }
  | { type: 'replayed'; ordinal: number; of: number }
  | { type: 'writing'; ordinal: number; bytes: number }
  | { type: 'committed'; ordinal: number; rows: number; seconds: number };

export type IngestResult =
  | {
      status: 'committed';
      ordinal: number;
      batch_number: number | null;
      rows: number;
      content_sha256: string;
      seconds: number;
      /** 'unparseable': the body is kept whole in RAW and clean quarantines the batch. */
      batch_status: 'ok' | 'unparseable';
      reason?: string;
      /** Present when this call had to restart the sequence and replay first. */
      recovered?: { reason: string; epoch: number; replayed: number };
    }
  | { status: 'exhausted'; committed_batches: number }
  | { status: 'already-committed'; ordinal: number; batch_number: number | null; rows: number; content_sha256: string };

/** One committed RAW batch, as raw_batches records it. */
export interface CommittedBatch {
  batch_ordinal: number;
  epoch: number;
  batch_number: number | null;
  group_number: number;
  status: string;
  row_count: number;
  content_sha256: string;
  request_key: string | null;
}

const DEFAULT_LEASE_MS = 15 * 60_000;
/** Calls for the same lake and group in this process are serialised (the intent does it across processes). */
const running = new Set<string>();

/**
 * Takes exactly one batch from the data API into RAW (raw_records, then raw_batches — the
 * batch is committed when its raw_batches row is), or answers `exhausted`.
 *
 * Never retries `/data` blindly. A previous call that may have moved the server's cursor
 * without committing (crash, timeout, cut body: its intent is still there), or a server that
 * restarted behind our back (it sends a batch we already hold), is recovered by restarting the
 * sequence and replaying batches 0..n-1, each verified against RAW's content hash, before
 * batch n is requested. A replay that differs raises SequenceDivergedError and commits nothing.
 */
export async function ingestNextBatch(deps: IngestDeps, options: IngestOptions = {}): Promise<IngestResult> {
  const group = deps.client.config.groupNumber;
  const lockKey = `${deps.lake.url}#${group}`;
  if (running.has(lockKey)) throw new ConflictError(`an ingest of group ${group} is already running in this process`);
  running.add(lockKey);
  try {
    return await new IngestRun(deps, options).run();
  } finally {
    running.delete(lockKey);
  }
}

/** What `restartAndReplay` did: the new epoch and how many committed batches it replayed (hash-checked). */
export interface ReplayResult {
  status: 'replayed';
  epoch: number;
  replayed: number;
  committed_batches: number;
}

/**
 * The operator's recovery (the maintenance DAG): restarts the data API's sequence and replays
 * batches 0..n-1, each checked against RAW's content hash, without taking a new batch; the
 * server's cursor then stands where RAW ends. Holds the group's intent like an ingest, so it
 * never runs beside one. A replay that differs raises SequenceDivergedError (409).
 */
export async function restartAndReplay(deps: IngestDeps): Promise<ReplayResult> {
  const group = deps.client.config.groupNumber;
  const lockKey = `${deps.lake.url}#${group}`;
  if (running.has(lockKey)) throw new ConflictError(`an ingest of group ${group} is already running in this process`);
  running.add(lockKey);
  try {
    return await new IngestRun(deps, {}).replayOnly();
  } finally {
    running.delete(lockKey);
  }
}

/** RAW's committed batches of the lake, in ordinal order (checked to be 0..n-1 of one group). */
export async function readCommittedBatches(lake: Lake, groupNumber?: number): Promise<CommittedBatch[]> {
  const rows = await lake.query<Record<string, unknown>>(
    `SELECT CAST(batch_ordinal AS INTEGER) AS batch_ordinal, CAST(epoch AS INTEGER) AS epoch,
            CAST(batch_number AS INTEGER) AS batch_number, CAST(group_number AS INTEGER) AS group_number,
            status, CAST(row_count AS DOUBLE) AS row_count, content_sha256, request_key
     FROM raw_batches ORDER BY batch_ordinal`,
  );
  const batches = rows.map((r) => ({
    batch_ordinal: Number(r['batch_ordinal']),
    epoch: Number(r['epoch'] ?? 0),
    batch_number: r['batch_number'] === null || r['batch_number'] === undefined ? null : Number(r['batch_number']),
    group_number: Number(r['group_number']),
    status: String(r['status']),
    row_count: Number(r['row_count']),
    content_sha256: String(r['content_sha256']),
    request_key: r['request_key'] === null || r['request_key'] === undefined ? null : String(r['request_key']),
  }));
  batches.forEach((b, i) => {
    if (b.batch_ordinal !== i) throw new RawStateError(`raw_batches is not a sequence 0..${batches.length - 1}: position ${i} holds batch ${b.batch_ordinal}`);
    if (groupNumber !== undefined && b.group_number !== groupNumber) {
      throw new RawStateError(`this lake's RAW holds group ${b.group_number}'s sequence, not group ${groupNumber}'s; use another lake or CASA_GROUP_NUMBER=${b.group_number}`);
    }
  });
  return batches;
}

/** Object key of a body kept whole (unparseable batches). */
export function payloadKey(groupNumber: number, ordinal: number, sha256: string): string {
  return `raw_payloads/group=${groupNumber}/batch_ordinal=${ordinal}/${sha256}.body`;
}

class IngestRun {
  private readonly group: number;
  private readonly workDir: string;
  private readonly leaseMs: number;
  private readonly now: () => Date;
  private readonly emit: (e: IngestEvent) => void;
  private committed: CommittedBatch[] = [];
  private intent: IntentHandle | undefined;
  /** True once a request may have moved the server's cursor past what RAW holds. */
  private cursorAhead = false;
  private readonly temps: string[] = [];

  constructor(
    private readonly deps: IngestDeps,
    private readonly options: IngestOptions,
  ) {
    this.group = deps.client.config.groupNumber;
    this.workDir = deps.workDir ?? join(deps.lake.cacheDir, 'ingest');
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.now = deps.now ?? (() => new Date());
    this.emit = deps.onEvent ?? (() => undefined);
    if (this.leaseMs <= deps.client.config.timeoutMs) {
      throw new ConfigError(`CASA_INGEST_LEASE_MS (${this.leaseMs} ms) must be longer than CASA_DATA_API_TIMEOUT_MS (${deps.client.config.timeoutMs} ms): a live ingest must never look stale`);
    }
  }

  async run(): Promise<IngestResult> {
    await mkdir(this.workDir, { recursive: true });
    await sweepOldTemps(this.workDir);
    return this.releasingOnFailure(async () => {
      this.committed = await readCommittedBatches(this.deps.lake, this.group);
      const key = this.options.idempotencyKey ?? null;
      const done = key === null ? undefined : this.committed.find((b) => b.request_key === key);
      if (done) return alreadyCommitted(done);
      const next = this.committed.length;
      const epoch = this.currentEpoch();
      const { handle, previous } = await acquireIntent(this.deps.lake.store, { groupNumber: this.group, ordinal: next, epoch, requestKey: key }, { leaseMs: this.leaseMs, now: this.now });
      this.intent = handle;
      let recovered: { reason: string; epoch: number; replayed: number } | undefined;
      // A leftover intent for a batch RAW does not hold: that call may have moved the cursor.
      if (previous && previous.ordinal >= next) recovered = await this.recover(interruptedReason(previous), previous.epoch);
      let result = await this.fetchAndCommit(next);
      if (result === 'seen-before') {
        recovered = await this.recover('the data API sent a batch RAW already holds: it restarted its sequence behind our back', epoch);
        result = await this.fetchAndCommit(next);
        if (result === 'seen-before') throw new SequenceDivergedError(`after a restart and replay, the data API again sent batch ${next} with the content of an earlier batch`);
      }
      await this.intent.release();
      return result.status === 'committed' && recovered ? { ...result, recovered } : result;
    });
  }

  async replayOnly(): Promise<ReplayResult> {
    await mkdir(this.workDir, { recursive: true });
    return this.releasingOnFailure(async () => {
      this.committed = await readCommittedBatches(this.deps.lake, this.group);
      const epoch = this.currentEpoch();
      const { handle, previous } = await acquireIntent(this.deps.lake.store, { groupNumber: this.group, ordinal: this.committed.length, epoch, requestKey: null }, { leaseMs: this.leaseMs, now: this.now });
      this.intent = handle;
      const reason = previous ? `an operator asked for restart + replay (${interruptedReason(previous)})` : 'an operator asked for restart + replay';
      const done = await this.recover(reason, previous?.epoch ?? epoch);
      // The cursor is back in step with RAW: no intent is left, the next ingest takes batch n.
      await this.intent.release();
      return { status: 'replayed', epoch: done.epoch, replayed: done.replayed, committed_batches: this.committed.length };
    });
  }

  /**
   * Runs one call's work; on failure the intent is abandoned when the data API's cursor may have
   * moved (the next call must restart + replay) and released otherwise; temp files always go.
   */
  private async releasingOnFailure<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (this.intent) {
        if (this.cursorAhead || err instanceof SequenceDivergedError) await this.intent.abandon(String((err as Error)?.message ?? err));
        else await this.intent.release().catch(() => undefined);
      }
      throw err;
    } finally {
      await Promise.all(this.temps.map((p) => rm(p, { force: true })));
    }
  }

  private currentEpoch(): number {
    return this.committed.reduce((m, b) => Math.max(m, b.epoch), 0);
  }

  /** Restart the sequence and replay 0..n-1, each checked against RAW's content hash. */
  private async recover(reason: string, previousEpoch: number): Promise<{ reason: string; epoch: number; replayed: number }> {
    const epoch = Math.max(this.currentEpoch(), previousEpoch) + 1;
    const n = this.committed.length;
    this.emit({ type: 'recovering', reason, epoch, replay: n });
    await this.intent!.update({ phase: 'recovering', epoch });
    this.cursorAhead = true;
    await this.deps.client.restart();
    for (const batch of this.committed) {
      const body = await this.fetch(batch.batch_ordinal);
      if (body !== 'exhausted') await rm(body.path, { force: true });
      if (body === 'exhausted') {
        throw new SequenceDivergedError(`after a restart the data API's sequence ended at batch ${batch.batch_ordinal}, but RAW holds ${n} batches`);
      }
      if (body.sha256 !== batch.content_sha256) {
        throw new SequenceDivergedError(
          `after a restart the data API sent a different batch ${batch.batch_ordinal}: content SHA-256 ${body.sha256}, RAW holds ${batch.content_sha256}; nothing was committed`,
        );
      }
      this.emit({ type: 'replayed', ordinal: batch.batch_ordinal, of: n });
      await this.intent!.update({ phase: 'recovering', epoch });
    }
    // The server's cursor is back in step with RAW.
    this.cursorAhead = false;
    await this.intent!.update({ phase: 'fetching', epoch });
    return { reason, epoch, replayed: n };
  }

  private async fetch(ordinal: number): Promise<WrittenBody | 'exhausted'> {
    const path = this.tempPath('json');
    this.emit({ type: 'fetching', ordinal });
    try {
      const r = await this.deps.client.fetchBatchToFile(path, { onProgress: (bytes) => this.emit({ type: 'received', ordinal, bytes }) });
      return r.kind === 'exhausted' ? 'exhausted' : r;
    } catch (err) {
      if (cursorMayHaveMoved(err)) this.cursorAhead = true;
      throw err;
    }
  }

  private async fetchAndCommit(ordinal: number): Promise<Exclude<IngestResult, { status: 'already-committed' }> | 'seen-before'> {
    const started = performance.now();
    const body = await this.fetch(ordinal);
    if (body === 'exhausted') return { status: 'exhausted', committed_batches: this.committed.length };
    this.cursorAhead = true; // the server handed out batch `ordinal`: until RAW holds it, its cursor is ahead
    if (this.committed.some((b) => b.content_sha256 === body.sha256)) {
      await rm(body.path, { force: true });
      return 'seen-before';
    }
    this.emit({ type: 'writing', ordinal, bytes: body.bytes });
    await this.intent!.update({ phase: 'committing' });
    const { lake } = this.deps;
    const partition = { batch_ordinal: String(ordinal) };
    const keySuffix = `g${this.group}:o${ordinal}:${body.sha256}`;
    let status: 'ok' | 'unparseable' = body.kind === 'array' ? 'ok' : 'unparseable';
    let reason = body.kind === 'unparseable' ? body.reason : null;
    let rows = 0;
    let storedPayload: string | null = null;

    if (body.kind === 'array') {
      const parquet = this.tempPath('parquet');
      const converted = await writeRawRecordsParquet(await sharedDuck(), body.path, body.bytes, ordinal, parquet);
      if (converted.kind === 'parquet') {
        rows = converted.rows;
        await lake.commit('raw_records', {
          add: [{ localParquetPath: parquet, partition }],
          replacePartition: partition,
          idempotencyKey: `raw_records:${keySuffix}`,
          metadata: { group_number: this.group, content_sha256: body.sha256, read: converted.path },
        });
      } else {
        status = 'unparseable';
        reason = converted.reason;
      }
    }
    if (status === 'unparseable') {
      // Keep the body whole; RAW then holds no records for this batch (clean quarantines it whole).
      storedPayload = await this.storePayload(body, ordinal);
      await lake.commit('raw_records', { replacePartition: partition, idempotencyKey: `raw_records:${keySuffix}`, metadata: { group_number: this.group, content_sha256: body.sha256, unparseable: reason } });
    }
    const seconds = round((performance.now() - started) / 1000);
    const batchNumber = body.batchNumber ?? null;
    const epoch = this.intent!.current.epoch;
    await lake.writeTable(
      'raw_batches',
      [
        {
          epoch,
          batch_number: batchNumber,
          group_number: this.group,
          status,
          reason,
          row_count: rows,
          content_sha256: body.sha256,
          bytes: body.bytes,
          payload_key: storedPayload,
          request_key: this.options.idempotencyKey ?? null,
          source_url: this.deps.client.publicDataUrl,
          seconds,
          ingested_at: this.now().toISOString(),
        },
      ],
      partition,
      { replace: true, idempotencyKey: `raw_batches:${keySuffix}`, metadata: { group_number: this.group, epoch, content_sha256: body.sha256 } },
    );
    this.cursorAhead = false;
    await rm(body.path, { force: true });
    this.emit({ type: 'committed', ordinal, rows, seconds });
    return {
      status: 'committed',
      ordinal,
      batch_number: batchNumber,
      rows,
      content_sha256: body.sha256,
      seconds,
      batch_status: status,
      ...(reason ? { reason } : {}),
    };
  }

  /** Keeps the body exactly as received (envelope included) as one object. */
  private async storePayload(body: WrittenBody, ordinal: number): Promise<string> {
    const key = payloadKey(this.group, ordinal, body.sha256);
    let path = body.path;
    if (body.kind === 'array') {
      path = this.tempPath('body');
      const out = createWriteStream(path);
      out.write(body.envelope.head);
      await pipeline(createReadStream(body.path), out, { end: false });
      await new Promise<void>((resolve, reject) => out.end(body.envelope.tail, () => resolve()).once('error', reject));
    }
    const store = this.deps.lake.store;
    if (store.putFile) await store.putFile(key, path);
    else await store.put(key, await readFile(path));
    return key;
  }

  private tempPath(ext: string): string {
    const p = join(this.workDir, `${randomUUID()}.${ext}`);
    this.temps.push(p);
    return p;
  }
}

function alreadyCommitted(b: CommittedBatch): IngestResult {
  return { status: 'already-committed', ordinal: b.batch_ordinal, batch_number: b.batch_number, rows: b.row_count, content_sha256: b.content_sha256 };
}

function interruptedReason(previous: IntentRecord): string {
  return previous.abandoned
    ? `the previous call for batch ${previous.ordinal} ended without committing it (${previous.abandoned.split('\n')[0]})`
    : `the previous call for batch ${previous.ordinal} (process ${previous.owner.pid} on ${previous.owner.host}) stopped while ${previous.phase}`;
}

/** Scratch files of crashed calls: removed once they are a day old (a live call never takes that long). */
async function sweepOldTemps(dir: string): Promise<void> {
  const cutoff = Date.now() - 86_400_000;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const p = join(dir, name);
    const s = await stat(p).catch(() => undefined);
    if (s && s.mtimeMs < cutoff) await rm(p, { force: true, recursive: true });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
