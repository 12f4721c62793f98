import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';

/**
 * What a `/data` body turned into on disk. For a well-formed body the file holds exactly the
 * bytes of the `data` array (`[` … `]`), ready for DuckDB's read_json; otherwise it holds the
 * whole body as received and `reason` says what is wrong with it.
 */
export type WrittenBody =
  | {
      kind: 'array';
      path: string;
      /** SHA-256 (hex) of the array bytes: the batch's content identity, independent of the envelope. */
      sha256: string;
      /** Size of the array bytes. */
      bytes: number;
      /** Size of the whole body. */
      bodyBytes: number;
      groupNumber: number;
      batchNumber: number;
      /** The body's bytes before and after the array: the whole body is head + file + tail. */
      envelope: { head: Buffer; tail: Buffer };
    }
  | {
      kind: 'unparseable';
      path: string;
      /** SHA-256 (hex) of the whole body. */
      sha256: string;
      bytes: number;
      bodyBytes: number;
      reason: string;
      groupNumber?: number;
      batchNumber?: number;
    };

/** The envelope around `data`: `{"group_number": N, "batch_number": k, "data": […]}`. */
const EnvelopeSchema = z.object({
  group_number: z.number().int(),
  batch_number: z.number().int(),
  data: z.null(),
});

/** The envelope's opening, before `[`, must appear within this many bytes. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Bytes after the array's closing `]` that we still accept as the envelope's end. */
const MAX_TAIL_BYTES = 1024 * 1024;
/** The newest bytes are hashed late: they may turn out to be the envelope's tail, not array bytes. */
const HASH_DELAY_BYTES = 64 * 1024;
const DATA_KEY = /"data"\s*:\s*\[/;
const CLOSE_BRACKET = 0x5d;

/**
 * Streams a `/data` body to a file without parsing the records: the small envelope prefix is
 * kept in memory, the `data` array's bytes go to the file and into SHA-256, UTF-8 validity is
 * checked on the way, and the envelope's end (after the last `]`) is cut off at `finish()`.
 *
 *   {"group_number":1,"batch_number":0,"data":[{…},{…}, … ]}
 *   └──────────── head (memory) ─────────────┘└── file, hashed ──┘└ tail (memory)
 *
 * Memory stays bounded by the head, the hash delay window and one chunk, whatever the body size.
 */
export class BatchBodyWriter {
  private file: FileHandle | undefined;
  private opening: Promise<FileHandle> | undefined;
  private mode: 'head' | 'array' | 'whole' = 'head';
  private head: Buffer[] = [];
  private headBytes = 0;
  /** The envelope text before `"data"` (array mode). */
  private envelopeHead = Buffer.alloc(0);
  /** The body's bytes before the array's `[` (array mode): put back in front for an unparseable body. */
  private bodyHead = Buffer.alloc(0);
  private fileBytes = 0;
  private bodyBytes = 0;
  private lastBracket = -1;
  private readonly hash: Hash = createHash('sha256');
  private hashedUpTo = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private utf8Carry: Buffer = Buffer.alloc(0);
  private utf8Valid = true;
  private wholeReason: string | undefined;
  private closed = false;

  constructor(readonly path: string) {}

  /** Appends the next piece of the body. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('BatchBodyWriter: write after finish/abort');
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return;
    this.bodyBytes += buf.length;
    this.checkUtf8(buf);
    if (this.mode === 'head') {
      this.head.push(buf);
      this.headBytes += buf.length;
      const joined = Buffer.concat(this.head);
      const text = joined.toString('latin1');
      const m = DATA_KEY.exec(text);
      if (m) {
        const arrayStart = m.index + m[0].length - 1;
        this.envelopeHead = joined.subarray(0, m.index);
        this.bodyHead = joined.subarray(0, arrayStart);
        this.mode = 'array';
        this.head = [];
        await this.append(joined.subarray(arrayStart));
      } else if (this.headBytes > MAX_HEAD_BYTES) {
        this.mode = 'whole';
        this.wholeReason = `no "data" array within the first ${MAX_HEAD_BYTES} bytes of the body`;
        this.head = [];
        await this.append(joined);
      }
      return;
    }
    await this.append(buf);
  }

  /** Completes the file and says what it holds. The caller owns (and removes) `path` afterwards. */
  async finish(): Promise<WrittenBody> {
    this.closed = true;
    if (this.mode === 'head') {
      // The whole body fit before any `"data": [` — an error body, or no array at all.
      const body = Buffer.concat(this.head);
      this.head = [];
      this.mode = 'whole';
      this.wholeReason = describeNonArrayBody(body);
      await this.append(body);
    }
    const fh = await this.handle();
    if (this.utf8Carry.length > 0) this.utf8Valid = false;
    try {
      if (this.mode === 'whole') return await this.finishWhole(fh, this.wholeReason ?? 'malformed body');
      if (!this.utf8Valid) return await this.finishWhole(fh, 'the body is not valid UTF-8');
      if (this.lastBracket < 0) return await this.finishWhole(fh, 'the "data" array is never closed (truncated body?)');
      const arrayEnd = this.lastBracket + 1;
      const tailLength = this.fileBytes - arrayEnd;
      if (tailLength > MAX_TAIL_BYTES) return await this.finishWhole(fh, `${tailLength} bytes follow the "data" array`);
      let tail: Buffer;
      let sha256: string;
      if (arrayEnd >= this.hashedUpTo) {
        const window = Buffer.concat(this.pending);
        this.hash.update(window.subarray(0, arrayEnd - this.hashedUpTo));
        tail = window.subarray(arrayEnd - this.hashedUpTo);
        sha256 = this.hash.digest('hex');
      } else {
        // The tail is longer than the hash delay: hash the array again from the file (rare).
        tail = await readRange(fh, arrayEnd, tailLength);
        sha256 = await hashFileRange(this.path, 0, arrayEnd);
      }
      let envelope: z.infer<typeof EnvelopeSchema>;
      try {
        envelope = EnvelopeSchema.parse(JSON.parse(`${this.envelopeHead.toString('utf8')}"data":null${tail.toString('utf8')}`));
      } catch (err) {
        return await this.finishWhole(fh, `the envelope around "data" is not {"group_number": int, "batch_number": int, "data": [...]}: ${firstLine(err)}`);
      }
      await fh.truncate(arrayEnd);
      await fh.close();
      this.file = undefined;
      return {
        kind: 'array',
        path: this.path,
        sha256,
        bytes: arrayEnd,
        bodyBytes: this.bodyBytes,
        groupNumber: envelope.group_number,
        batchNumber: envelope.batch_number,
        envelope: { head: Buffer.from(this.bodyHead), tail: Buffer.from(tail) },
      };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Closes and removes the file (a failed or cut transfer leaves nothing behind). */
  async abort(): Promise<void> {
    this.closed = true;
    const fh = this.file ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    this.file = undefined;
    await fh?.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  /** Rewrites the file as the whole body (head + what was written) and hashes it all. */
  private async finishWhole(fh: FileHandle, reason: string): Promise<WrittenBody> {
    if (this.bodyHead.length > 0) {
      // The file starts at the array: put the body's head back in front of it.
      const rest = await readRange(fh, 0, this.fileBytes);
      await fh.truncate(0);
      await fh.write(this.bodyHead, 0, this.bodyHead.length, 0);
      await fh.write(rest, 0, rest.length, this.bodyHead.length);
      this.fileBytes += this.bodyHead.length;
      this.bodyHead = Buffer.alloc(0);
    }
    await fh.close();
    this.file = undefined;
    const sha256 = await hashFileRange(this.path, 0, this.fileBytes);
    return { kind: 'unparseable', path: this.path, sha256, bytes: this.fileBytes, bodyBytes: this.bodyBytes, reason };
  }

  private async handle(): Promise<FileHandle> {
    if (this.file) return this.file;
    this.opening ??= open(this.path, 'w+');
    this.file = await this.opening;
    return this.file;
  }

  private async append(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    const fh = await this.handle();
    if (this.mode === 'array') {
      const i = buf.lastIndexOf(CLOSE_BRACKET);
      if (i >= 0) this.lastBracket = this.fileBytes + i;
      this.pending.push(buf);
      this.pendingBytes += buf.length;
      while (this.pending.length > 1 && this.pendingBytes - this.pending[0]!.length >= HASH_DELAY_BYTES) {
        const first = this.pending.shift()!;
        this.hash.update(first);
        this.hashedUpTo += first.length;
        this.pendingBytes -= first.length;
      }
    }
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh.write(buf, off, buf.length - off, this.fileBytes + off);
      off += bytesWritten;
    }
    this.fileBytes += buf.length;
  }

  /** Incremental UTF-8 validation: a sequence cut between chunks is carried to the next one. */
  private checkUtf8(buf: Buffer): void {
    if (!this.utf8Valid) return;
    let data = buf;
    if (this.utf8Carry.length > 0) {
      const need = utf8Length(this.utf8Carry[0]!) - this.utf8Carry.length;
      const joined = Buffer.concat([this.utf8Carry, data.subarray(0, need)]);
      if (joined.length < utf8Length(this.utf8Carry[0]!)) {
        this.utf8Carry = joined;
        return;
      }
      if (!isUtf8(joined)) {
        this.utf8Valid = false;
        return;
      }
      this.utf8Carry = Buffer.alloc(0);
      data = data.subarray(need);
    }
    // Find where the last (possibly incomplete) sequence starts.
    let cut = data.length;
    for (let i = data.length - 1; i >= Math.max(0, data.length - 4); i--) {
      const b = data[i]!;
      if ((b & 0xc0) !== 0x80) {
        if (i + utf8Length(b) > data.length) cut = i;
        break;
      }
    }
    if (!isUtf8(data.subarray(0, cut))) {
      this.utf8Valid = false;
      return;
    }
    this.utf8Carry = Buffer.from(data.subarray(cut));
  }
}

/** Length of the UTF-8 sequence a lead byte starts (1 for ASCII and for invalid leads, which isUtf8 rejects). */
function utf8Length(lead: number): number {
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  if (lead >= 0xe0) return lead <= 0xef ? 3 : 1;
  if (lead >= 0xc2) return 2;
  return 1;
}

function describeNonArrayBody(body: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return body.length === 0 ? 'the body is empty' : 'the body is not valid JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'the body is not a JSON object';
  if (!('data' in parsed)) return 'the body has no "data" field';
  return `"data" is not an array (got ${(parsed as { data: unknown }).data === null ? 'null' : typeof (parsed as { data: unknown }).data})`;
}

async function readRange(fh: FileHandle, start: number, length: number): Promise<Buffer> {
  const out = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const { bytesRead } = await fh.read(out, off, length - off, start + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return out.subarray(0, off);
}

/** SHA-256 (hex) of bytes [start, end) of a file. */
export async function hashFileRange(path: string, start: number, end: number): Promise<string> {
  const hash = createHash('sha256');
  if (end > start) {
    for await (const chunk of createReadStream(path, { start, end: end - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

function firstLine(err: unknown): string {
  if (err instanceof z.ZodError) return err.issues.map((i) => `${i.path.join('.') || '(envelope)'}: ${i.message}`).join('; ');
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}
