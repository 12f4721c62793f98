/**
 * casa's lake: tables declared in lake-layout/, immutable Parquet files committed by manifests
 * (protocol in manifest.ts) on a local directory or any S3-compatible store.
 */
import { mkdir } from 'node:fs/promises';
import { TABLES, type TableSpec } from '../../lake-layout/tables.js';
import { ConfigError } from '../core/index.js';
import { lakeConfigFromEnv, type LakeConfig } from './config.js';
import { Lake } from './lake.js';
import { LocalDirectoryStore } from './local-directory-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';

export * from './errors.js';
export * from './keys.js';
export * from './config.js';
export type { ObjectStore, StoredObject } from './object-store.js';
export { LocalDirectoryStore } from './local-directory-store.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
export { Lake, type CommitOptions, type CommitResult, type Snapshot, type TableSource, type WriteOptions, type ReadOptions, type TableSummary } from './lake.js';
export { manifestKey, manifestsPrefix, partitionMatches, type CommitInfo, type DataFile, type Manifest, type Partition } from './manifest.js';
export { TABLES, TABLE_NAMES, type TableSpec, type ColumnSpec, type TableName } from '../../lake-layout/tables.js';

/** S3 locations whose conditional writes were already probed by this process. */
const verifiedStores = new Set<string>();

export interface OpenLakeOptions extends Partial<LakeConfig> {
  /** Use this store instead of the one `location` describes (tests). */
  store?: ObjectStore;
  /** Table declarations (default: lake-layout/tables.ts). */
  tables?: Record<string, TableSpec>;
  /** Environment to read when `location` is not given (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * For S3: check once per process that the server honours conditional writes (default true).
   * The probe writes and deletes one object under `<prefix>/_probe/`; read-only users pass false.
   */
  verifyConditionalWrites?: boolean;
}

/**
 * Opens the lake described by `options` or, for anything not given, by the environment
 * (CASA_LAKE_URL, CASA_S3_ENDPOINT, AWS_*; see config.ts). Default: `.casa/lake` in the working directory.
 */
export async function openLake(options: OpenLakeOptions = {}): Promise<Lake> {
  const fromEnv = options.location && options.cacheDir ? undefined : lakeConfigFromEnv(options.env ?? process.env);
  const location = options.location ?? fromEnv!.location;
  const cacheDir = options.cacheDir ?? fromEnv!.cacheDir;
  let store = options.store;
  if (!store) {
    if (location.kind === 'local') {
      await mkdir(location.root, { recursive: true });
      store = new LocalDirectoryStore(location.root);
    } else {
      const s3 = new S3Store({
        bucket: location.bucket,
        prefix: location.prefix,
        region: location.region,
        forcePathStyle: location.forcePathStyle,
        ...(location.endpoint ? { endpoint: location.endpoint } : {}),
        ...(location.credentials ? { credentials: location.credentials } : {}),
      });
      if ((options.verifyConditionalWrites ?? true) && !verifiedStores.has(s3.url)) {
        const found = await s3.probeConditionalWrites();
        if (!found.ifNoneMatch) {
          throw new ConfigError(`${s3.url}: the S3 server ignores If-None-Match: * on PutObject, so concurrent commits could overwrite each other; use a server that supports conditional writes`);
        }
        verifiedStores.add(s3.url);
      }
      store = s3;
    }
  }
  return new Lake(store, cacheDir, options.tables ?? TABLES);
}
