import type { Lake } from '../../packages/lake/index.js';

/** One row of the lake's `predictions` table (lake-layout/tables.ts), columns exactly as declared. */
export type PredictionLogRow = {
  log_date: string;
  request_id: string;
  requested_at: string;
  model_name: string;
  model_version: string;
  input_json: string;
  output_json: string;
  predicted_price: number;
  latency_ms: number;
};

export interface RequestLogOptions {
  /** Opens the lake on first flush (so a slow or absent lake never delays start-up). */
  openLake: () => Promise<Lake>;
  /** Flush every this many ms (default 5 s). */
  flushMs?: number;
  /** Flush early once this many rows wait (default 1,000). */
  batchRows?: number;
  /** Rows held at most; see `append` for what happens beyond (default 50,000). */
  maxQueue?: number;
  log?: (line: string) => void;
}

export interface RequestLogStats {
  queued: number;
  written: number;
  /** Rows refused because the queue was full (the overflow policy), since start. */
  dropped: number;
  failed_flushes: number;
  last_flush_at: string | null;
  last_error: string | null;
}

/**
 * The predict function's request log: rows are queued in memory and appended to the lake's
 * `predictions` table in batches (one commit per log_date per flush), on an interval, when a
 * batch fills, and on close. A request only pushes to an array: it never waits for the lake.
 *
 * Overflow policy: the queue is bounded (`maxQueue`). When the lake is slow or down for long
 * enough to fill it, NEW rows are dropped (counted in `dropped`, shown in health, warned once
 * per flush interval) so memory stays bounded and the rows already queued, the oldest, are
 * kept in order. A failed flush puts its rows back at the head of the queue and is retried on
 * the next interval.
 */
export class RequestLog {
  private queue: PredictionLogRow[] = [];
  private written = 0;
  private dropped = 0;
  private droppedSinceWarn = 0;
  private failedFlushes = 0;
  private lastFlushAt: Date | null = null;
  private lastError: string | null = null;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lake: Promise<Lake> | undefined;
  private readonly flushMs: number;
  private readonly batchRows: number;
  private readonly maxQueue: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: RequestLogOptions) {
    this.flushMs = options.flushMs ?? 5_000;
    this.batchRows = options.batchRows ?? 1_000;
    this.maxQueue = options.maxQueue ?? 50_000;
    this.log = options.log ?? ((l) => console.error(l));
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Queues rows; never waits. Rows beyond `maxQueue` are dropped and counted. */
  append(rows: readonly PredictionLogRow[]): void {
    const room = this.maxQueue - this.queue.length;
    if (room < rows.length) {
      this.dropped += rows.length - Math.max(room, 0);
      this.droppedSinceWarn += rows.length - Math.max(room, 0);
    }
    for (let i = 0; i < Math.min(room, rows.length); i++) this.queue.push(rows[i]!);
    if (this.queue.length >= this.batchRows && !this.flushing) void this.flush();
  }

  stats(): RequestLogStats {
    return {
      queued: this.queue.length,
      written: this.written,
      dropped: this.dropped,
      failed_flushes: this.failedFlushes,
      last_flush_at: this.lastFlushAt?.toISOString() ?? null,
      last_error: this.lastError,
    };
  }

  /** Writes what is queued now; one flush at a time (a second call waits for the first, then runs). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    this.flushing = this.writeQueued().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    const rows = this.queue;
    this.queue = [];
    if (this.droppedSinceWarn > 0) {
      this.log(JSON.stringify({ level: 'warn', msg: 'request log queue full: rows dropped', dropped: this.droppedSinceWarn, max_queue: this.maxQueue }));
      this.droppedSinceWarn = 0;
    }
    const byDate = new Map<string, PredictionLogRow[]>();
    for (const r of rows) (byDate.get(r.log_date) ?? byDate.set(r.log_date, []).get(r.log_date)!).push(r);
    let pending = [...byDate.entries()];
    try {
      this.lake ??= this.options.openLake();
      const lake = await this.lake.catch((err: unknown) => {
        this.lake = undefined; // open again on the next flush
        throw err;
      });
      while (pending.length > 0) {
        const [date, part] = pending[0]!;
        await lake.writeTable('predictions', part, { log_date: date });
        this.written += part.length;
        pending = pending.slice(1);
      }
      this.lastFlushAt = new Date();
      this.lastError = null;
    } catch (err) {
      this.failedFlushes += 1;
      this.lastError = String(err);
      const unwritten = pending.flatMap(([, part]) => part);
      // Back at the head, in order, within the bound; what does not fit counts as dropped.
      const keep = Math.max(0, Math.min(unwritten.length, this.maxQueue - this.queue.length));
      this.dropped += unwritten.length - keep;
      this.queue = [...unwritten.slice(0, keep), ...this.queue];
      this.log(JSON.stringify({ level: 'warn', msg: 'request log flush failed; will retry', rows: unwritten.length, error: this.lastError }));
    }
  }

  /** Stops the interval and writes everything still queued (called by the gateway on SIGTERM). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    if (this.queue.length > 0) await this.flush(); // one more try for rows put back by a failed flush
    const lake = await this.lake?.catch(() => undefined);
    lake?.close();
  }
}
