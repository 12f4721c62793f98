import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { PreconditionFailedError, StoreUnavailableError, LakeError } from './errors.js';
import { checkKey, checkPrefix } from './keys.js';
import type { ObjectStore, StoredObject } from './object-store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Folder inside the bucket that is this store's root ("" for the whole bucket); no leading/trailing "/". */
  prefix?: string;
  /** Any S3-compatible endpoint, e.g. http://127.0.0.1:8333; omit for AWS. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`); the default when an endpoint is given. */
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Inject a client (tests); otherwise one is built from the options above. */
  client?: S3Client;
  /** Keys per ListObjectsV2 page (default: the server's, 1000); small values test paging. */
  listPageSize?: number;
}

/**
 * An object store on any S3-compatible endpoint. Conditional writes use the S3 headers:
 * put-if-absent sends `If-None-Match: *`, put-if-match sends `If-Match: <etag>`; the server
 * answers 412 (or 409 for a concurrent conditional write) when the condition fails, which
 * becomes PreconditionFailedError. Servers that ignore these headers are detected by
 * `probeConditionalWrites()` and must not be used for the lake (openLake checks once).
 */
export class S3Store implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly listPageSize: number | undefined;

  constructor(options: S3StoreOptions) {
    this.listPageSize = options.listPageSize;
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (this.prefix !== '') checkKey(this.prefix);
    this.url = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client =
      options.client ??
      new S3Client({
        region: options.region ?? 'us-east-1',
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        ...(options.credentials ? { credentials: options.credentials } : {}),
        // Checksums on every PUT are optional in S3 and some compatible servers reject the trailers.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 4,
      });
  }

  private fullKey(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async get(key: string): Promise<StoredObject | null> {
    const Key = this.fullKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { body, etag: out.ETag ?? '' };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw wrap(err, `get ${this.url}/${key}`);
    }
  }

  async getToFile(key: string, path: string): Promise<boolean> {
    const Key = this.fullKey(key);
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isNotFound(err)) return false;
      throw wrap(err, `get ${this.url}/${key}`);
    }
    const temp = `${path}.part-${randomUUID()}`;
    await mkdir(dirname(path), { recursive: true });
    try {
      await pipeline(out.Body as Readable, createWriteStream(temp));
      await rename(temp, path);
    } finally {
      await rm(temp, { force: true });
    }
    return true;
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<{ etag: string }> {
    return this.putWith(key, body, { IfNoneMatch: '*' });
  }

  async putIfMatch(key: string, body: Uint8Array, etag: string): Promise<{ etag: string }> {
    return this.putWith(key, body, { IfMatch: etag });
  }

  async put(key: string, body: Uint8Array): Promise<{ etag: string }> {
    return this.putWith(key, body, {});
  }

  private async putWith(key: string, body: Uint8Array, condition: { IfNoneMatch?: string; IfMatch?: string }): Promise<{ etag: string }> {
    const Key = this.fullKey(key);
    try {
      const out = await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ...condition }));
      return { etag: out.ETag ?? '' };
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 409 || (condition.IfMatch !== undefined && isNotFound(err))) {
        throw new PreconditionFailedError(key, `conditional put of ${JSON.stringify(key)} failed (HTTP ${status})`, { cause: err });
      }
      throw wrap(err, `put ${this.url}/${key}`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const full = this.prefix ? `${this.prefix}/${prefix}` : prefix;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: full,
            ...(this.listPageSize ? { MaxKeys: this.listPageSize } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw wrap(err, `list ${this.url}/${prefix}`);
      }
      for (const o of out.Contents ?? []) if (o.Key !== undefined && !o.Key.endsWith('/')) keys.push(o.Key.slice(strip));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const Key = this.fullKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw wrap(err, `delete ${this.url}/${key}`);
    }
  }

  /**
   * Checks that the server honours `If-None-Match: *` and `If-Match` on PutObject: writes a probe
   * object twice and with a wrong ETag, expecting both to be refused. Returns what it found.
   */
  async probeConditionalWrites(): Promise<{ ifNoneMatch: boolean; ifMatch: boolean }> {
    const key = `_probe/${randomUUID()}`;
    const bytes = new TextEncoder().encode('probe');
    const first = await this.putIfAbsent(key, bytes);
    let ifNoneMatch = false;
    let ifMatch = false;
    try {
      await this.putIfAbsent(key, bytes);
    } catch (err) {
      if (err instanceof PreconditionFailedError) ifNoneMatch = true;
      else throw err;
    }
    try {
      await this.putIfMatch(key, bytes, '"0123456789abcdef0123456789abcdef"');
    } catch (err) {
      if (err instanceof PreconditionFailedError) ifMatch = true;
      else throw err;
    }
    if (ifMatch) await this.putIfMatch(key, bytes, first.etag); // the right ETag must still pass
    await this.delete(key);
    return { ifNoneMatch, ifMatch };
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

function wrap(err: unknown, what: string): LakeError {
  const status = statusOf(err);
  if (err instanceof S3ServiceException && status !== undefined && status < 500 && status !== 429) {
    return new LakeError(`S3 ${what} refused: ${err.name} (HTTP ${status}): ${err.message}`, { cause: err });
  }
  return new StoreUnavailableError(`S3 ${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
