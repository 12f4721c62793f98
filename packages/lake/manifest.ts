/**
 * The commit protocol. A table's committed state is its newest manifest; a commit is ONE
 * conditional write: put-if-absent of the next version's manifest.
 *
 *   tables/<t>/<col>=<v>/<uuid>.parquet     data files: immutable, uniquely named, written first
 *   tables/<t>/_manifests/00000000000000000007.json   version 7: the FULL file list + all commits
 *   tables/<t>/_manifests/_latest            hint only (newest version seen); may lag, never trusted alone
 *
 *   writer                                   object store
 *   ──────                                   ────────────
 *   read newest manifest (vN) ─────────────▶ hint, then probe vN+1, vN+2… until missing
 *   idempotency key already in vN? ── yes ─▶ return that commit (no-op)
 *   put data files (uuid names) ───────────▶ invisible: no manifest names them yet
 *   put-if-absent _manifests/vN+1 ─────────▶ exactly one writer wins version N+1
 *     ├─ won   → commit visible atomically; refresh _latest (best effort)
 *     └─ 412   → re-read newest (vM), re-check the key, rebuild on vM, try vM+1 (jittered backoff)
 *
 * Within one Lake instance, commits to a table queue up (only other instances/processes race),
 * and a loser reads forward with GETs before its next conditional PUT, because conditional PUTs
 * are the expensive, server-serialised requests (SeaweedFS takes a per-key lock for them).
 *
 * Invariants: versions are contiguous from 1 (vN+1 is only written after reading vN); each
 * manifest is derived from its predecessor plus one commit, so no winner's commit is lost; a
 * crashed writer leaves only data files no manifest names; readers use a manifest's file list,
 * never a listing of data folders.
 */
import { z } from 'zod';
import { CorruptManifestError } from './errors.js';

export const MANIFEST_FORMAT = 'casa-lake-manifest/1';

export type Partition = Record<string, string>;

export interface DataFile {
  /** Key relative to the lake root, e.g. tables/raw_records/batch_ordinal=3/<uuid>.parquet. */
  key: string;
  partition: Partition;
  rows: number;
  bytes: number;
  /** The version that added it. */
  addedIn: number;
}

export interface CommitInfo {
  version: number;
  commitId: string;
  committedAt: string;
  idempotencyKey: string | null;
  metadata: Record<string, unknown>;
  added: string[];
  removed: string[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  table: string;
  version: number;
  files: DataFile[];
  commits: CommitInfo[];
}

const partitionSchema = z.record(z.string(), z.string());
const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  table: z.string(),
  version: z.number().int().positive(),
  files: z.array(
    z.object({
      key: z.string(),
      partition: partitionSchema,
      rows: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
      addedIn: z.number().int().positive(),
    }),
  ),
  commits: z.array(
    z.object({
      version: z.number().int().positive(),
      commitId: z.string(),
      committedAt: z.string(),
      idempotencyKey: z.string().nullable(),
      metadata: z.record(z.string(), z.unknown()),
      added: z.array(z.string()),
      removed: z.array(z.string()),
    }),
  ),
});

const VERSION_DIGITS = 20;

export function manifestsPrefix(table: string): string {
  return `tables/${table}/_manifests/`;
}

export function manifestKey(table: string, version: number): string {
  return `${manifestsPrefix(table)}${String(version).padStart(VERSION_DIGITS, '0')}.json`;
}

export function latestHintKey(table: string): string {
  return `${manifestsPrefix(table)}_latest`;
}

/** The version a manifest key names, or null for other keys under _manifests/. */
export function versionOfKey(table: string, key: string): number | null {
  const rest = key.slice(manifestsPrefix(table).length);
  const m = /^(\d{20})\.json$/.exec(rest);
  return m ? Number(m[1]) : null;
}

export function encodeManifest(m: Manifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(m, null, 1)}\n`);
}

export function decodeManifest(table: string, version: number, body: Uint8Array): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new CorruptManifestError(`manifest ${manifestKey(table, version)} is not valid JSON`, { cause: err });
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    throw new CorruptManifestError(`manifest ${manifestKey(table, version)} is malformed: ${result.error.issues[0]?.message ?? ''}`);
  }
  const m = result.data as Manifest;
  if (m.table !== table || m.version !== version) {
    throw new CorruptManifestError(`manifest ${manifestKey(table, version)} claims table ${m.table} version ${m.version}`);
  }
  return m;
}

/** True when every key/value of `filter` is in the file's partition. */
export function partitionMatches(partition: Partition, filter: Partition): boolean {
  return Object.entries(filter).every(([k, v]) => partition[k] === v);
}
