/**
 * The lake's one storage interface. Every backend passes the same contract suite
 * (object-store.contract.test.ts): the local directory (embedded default) and S3.
 *
 * Keys are relative to the store's root, '/'-separated, and checked by `checkKey` (keys.ts):
 * a key that tries to escape its prefix is refused with `InvalidKeyError` before any I/O.
 */
export interface StoredObject {
  body: Uint8Array;
  /** Opaque version tag; changes whenever the object's content changes. Pass it to putIfMatch. */
  etag: string;
}

export interface ObjectStore {
  /** A short description for logs and errors, e.g. `file:///data/lake` or `s3://bucket/prefix`. */
  readonly url: string;
  /** The object and its ETag, or null when there is no such key. */
  get(key: string): Promise<StoredObject | null>;
  /** Creates the object only if the key does not exist; otherwise throws PreconditionFailedError. */
  putIfAbsent(key: string, body: Uint8Array): Promise<{ etag: string }>;
  /** Replaces the object only if its current ETag is `etag`; otherwise (or if missing) throws PreconditionFailedError. */
  putIfMatch(key: string, body: Uint8Array, etag: string): Promise<{ etag: string }>;
  /** Unconditional write: only for uniquely named (never rewritten) data files. */
  put(key: string, body: Uint8Array): Promise<{ etag: string }>;
  /** Every key starting with `prefix`, sorted, across all pages. */
  list(prefix: string): Promise<string[]>;
  /** Removes the key; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Local stores only: the file that holds `key`, so DuckDB can read it in place.
   * Remote stores leave this undefined and the lake downloads into its cache instead.
   */
  localPath?(key: string): string;
  /** Optional fast path for uploading a local file (the local store links or copies instead of reading it into memory). */
  putFile?(key: string, path: string): Promise<{ etag: string }>;
  /** Optional fast path for downloading to a local file (streams instead of buffering). */
  getToFile?(key: string, path: string): Promise<boolean>;
}

export { LocalDirectoryStore } from './local-directory-store.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
