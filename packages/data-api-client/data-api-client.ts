import { z } from 'zod';
import type { DataApiConfig } from './config.js';
import { BatchBodyWriter, type WrittenBody } from './batch-body-writer.js';
import { DataApiHttpError, DataApiProtocolError, DataApiTimeoutError, DataApiUnavailableError } from './errors.js';

/** The real API's answer once a group has received every batch (HTTP 400). */
export const EXHAUSTED_DETAIL = 'Ya se recolectó toda la información mínima necesaria';

export type FetchBatchResult = WrittenBody | { kind: 'exhausted' };

export interface FetchOptions {
  /** Aborts the request (the caller gave up); reported as DataApiUnavailableError. */
  signal?: AbortSignal;
  /** Called after each piece of the body arrives (bytes so far), for progress displays. */
  onProgress?: (bytes: number) => void;
}

const ErrorBodySchema = z.object({ detail: z.unknown() });
const HealthSchema = z.object({ status: z.string() });
/** Error bodies are small; never buffer more than this of one. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * A client for the data API's contract: `/data`, `/restart_data_generation`, `/health`.
 *
 * It never retries `/data` — each call may move the server's cursor, so retrying is the
 * caller's decision (ingest recovers by restart + replay). Bodies are streamed to a file,
 * never parsed in JavaScript (see BatchBodyWriter); every error says whether the cursor may
 * have moved. Works unchanged against the real API and the simulator.
 */
export class DataApiClient {
  private readonly fetchImpl: typeof fetch;

  constructor(
    readonly config: DataApiConfig,
    options: { fetch?: typeof fetch } = {},
  ) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The `/data` URL as requested (the base URL's credentials, if any, are never included). */
  get dataUrl(): string {
    return this.url('/data', true).toString();
  }

  /** The `/data` URL without credentials, for provenance records and logs. */
  get publicDataUrl(): string {
    const u = this.url('/data', true);
    u.username = '';
    u.password = '';
    return u.toString();
  }

  /**
   * Requests the next batch and streams its body to `path`. Returns what was written (the
   * `data` array, or the whole body when it is malformed), or `{kind: 'exhausted'}`.
   * On any error the file is removed.
   */
  async fetchBatchToFile(path: string, options: FetchOptions = {}): Promise<FetchBatchResult> {
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    const describe = () => `GET ${this.publicDataUrl}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.dataUrl, { signal, headers: { accept: 'application/json' } });
    } catch (err) {
      throw this.requestError(err, timeout, describe(), 0, false);
    }
    if (res.status !== 200) {
      const detail = await readErrorDetail(res, signal);
      if (res.status === 400 && typeof detail === 'string' && detail.normalize('NFC') === EXHAUSTED_DETAIL.normalize('NFC')) {
        return { kind: 'exhausted' };
      }
      throw new DataApiHttpError(
        `${describe()} answered ${res.status}: ${JSON.stringify(detail)}`,
        res.status,
        detail,
        res.status >= 500 || res.status === 429 || res.status === 408,
      );
    }
    const writer = new BatchBodyWriter(path);
    let received = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          await writer.write(chunk);
          received += chunk.byteLength;
          options.onProgress?.(received);
        }
      }
      return await writer.finish();
    } catch (err) {
      await writer.abort();
      throw this.requestError(err, timeout, describe(), received, true);
    }
  }

  /** `GET /restart_data_generation`: the group's sequence starts over. Any 2xx is success. */
  async restart(): Promise<void> {
    const timeout = AbortSignal.timeout(this.config.controlTimeoutMs);
    const url = this.url('/restart_data_generation', false);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { signal: timeout, headers: { accept: 'application/json' } });
    } catch (err) {
      throw this.requestError(err, timeout, `GET ${url.pathname}`, 0, false);
    }
    if (res.status < 200 || res.status > 299) {
      const detail = await readErrorDetail(res, timeout);
      throw new DataApiHttpError(`GET ${url.pathname}?group_number=${this.config.groupNumber} answered ${res.status}: ${JSON.stringify(detail)}`, res.status, detail, res.status >= 500);
    }
    await res.body?.cancel().catch(() => undefined);
  }

  /** `GET /health` → the server's status string ("OK" when healthy). */
  async health(): Promise<string> {
    const timeout = AbortSignal.timeout(this.config.controlTimeoutMs);
    const url = this.url('/health', false);
    url.search = '';
    let res: Response;
    try {
      res = await this.fetchImpl(url, { signal: timeout });
    } catch (err) {
      throw this.requestError(err, timeout, 'GET /health', 0, false);
    }
    const text = await res.text();
    if (res.status !== 200) throw new DataApiHttpError(`GET /health answered ${res.status}`, res.status, text.slice(0, 200), false);
    const parsed = HealthSchema.safeParse(safeJson(text));
    if (!parsed.success) throw new DataApiProtocolError(`GET /health answered ${JSON.stringify(text.slice(0, 200))}, not {"status": …}`);
    return parsed.data.status;
  }

  private url(path: string, withDay: boolean): URL {
    const u = new URL(`${this.config.baseUrl}${path}`);
    u.searchParams.set('group_number', String(this.config.groupNumber));
    if (withDay && this.config.day) u.searchParams.set('day', this.config.day);
    return u;
  }

  /** Maps a failed request to a typed error; `started` = the server had begun answering. */
  private requestError(err: unknown, timeout: AbortSignal, what: string, bytes: number, started: boolean): Error {
    if (err instanceof DataApiHttpError || err instanceof DataApiTimeoutError || err instanceof DataApiUnavailableError) return err;
    if (timeout.aborted) {
      return new DataApiTimeoutError(`${what}: no complete answer within ${this.config.timeoutMs} ms${bytes ? ` (${bytes} bytes received)` : ''}`, { cause: err });
    }
    const code = networkCode(err);
    if (started) {
      return new DataApiUnavailableError(`${what}: the connection broke after ${bytes} bytes of the body (${code ?? firstLine(err)})`, true, { cause: err });
    }
    // Refused or unresolvable: the request never reached the server, so its cursor cannot have moved.
    const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
    return new DataApiUnavailableError(`${what}: ${neverSent ? 'cannot connect' : 'the connection broke before the answer'} (${code ?? firstLine(err)})`, !neverSent, {
      cause: err,
      retryAfterSeconds: 5,
    });
  }
}

async function readErrorDetail(res: Response, signal: AbortSignal): Promise<unknown> {
  if (!res.body) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (signal.aborted) break;
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > MAX_ERROR_BODY) break;
    }
  } catch {
    // A cut error body still tells its status; the detail is best effort.
  }
  await res.body.cancel().catch(() => undefined);
  const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8');
  const parsed = ErrorBodySchema.safeParse(safeJson(text));
  return parsed.success ? parsed.data.detail : text.slice(0, 500);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(code)) return code;
  }
  return undefined;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? 'unknown error';
}
