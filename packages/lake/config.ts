import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../core/index.js';

/** The environment variables the lake reads (parsed once, with parseEnv). */
export const lakeEnvSchema = z.object({
  /** `file:///abs/path`, a local path, or `s3://bucket/prefix`. Default: `.casa/lake` in the working directory. */
  CASA_LAKE_URL: z.string().optional(),
  /** S3-compatible endpoint, e.g. http://127.0.0.1:8333 (omit for AWS). */
  CASA_S3_ENDPOINT: z.string().url().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Path-style S3 addressing; default true when CASA_S3_ENDPOINT is set. */
  CASA_S3_PATH_STYLE: z.enum(['true', 'false']).optional(),
  /** Where Parquet downloaded from S3 is cached for DuckDB. */
  CASA_LAKE_CACHE_DIR: z.string().optional(),
});

export type LakeLocation =
  | { kind: 'local'; root: string }
  | {
      kind: 's3';
      bucket: string;
      prefix: string;
      endpoint?: string;
      region: string;
      forcePathStyle: boolean;
      credentials?: { accessKeyId: string; secretAccessKey: string };
    };

export interface LakeConfig {
  location: LakeLocation;
  /** Local directory for downloaded Parquet and temporary files. */
  cacheDir: string;
}

/** Reads the lake's configuration from the environment (see lakeEnvSchema). */
export function lakeConfigFromEnv(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): LakeConfig {
  const e = parseEnv(lakeEnvSchema, env);
  const url = e.CASA_LAKE_URL ?? join(cwd, '.casa', 'lake');
  const s3 = {
    ...(e.CASA_S3_ENDPOINT ? { endpoint: e.CASA_S3_ENDPOINT } : {}),
    region: e.AWS_REGION,
    forcePathStyle: e.CASA_S3_PATH_STYLE ? e.CASA_S3_PATH_STYLE === 'true' : e.CASA_S3_ENDPOINT !== undefined,
    ...(e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY } }
      : {}),
  };
  const cacheBase = process.env['XDG_CACHE_HOME'] || (homedir() ? join(homedir(), '.cache') : tmpdir());
  return {
    location: parseLakeUrl(url, cwd, s3),
    cacheDir: e.CASA_LAKE_CACHE_DIR ? resolve(cwd, e.CASA_LAKE_CACHE_DIR) : join(cacheBase, 'casa', 'lake-cache'),
  };
}

/** `file:///p`, `/p`, `rel/p` → local; `s3://bucket/prefix` → S3 (with the given S3 settings). */
export function parseLakeUrl(
  url: string,
  cwd: string = process.cwd(),
  s3: Omit<Extract<LakeLocation, { kind: 's3' }>, 'kind' | 'bucket' | 'prefix'> = { region: 'us-east-1', forcePathStyle: true },
): LakeLocation {
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length).replace(/\/+$/, '');
    const [bucket = '', ...parts] = rest.split('/');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`CASA_LAKE_URL: ${JSON.stringify(bucket)} is not a valid bucket name`);
    return { kind: 's3', bucket, prefix: parts.join('/'), ...s3 };
  }
  if (url.startsWith('file://')) return { kind: 'local', root: fileURLToPath(url) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new ConfigError(`CASA_LAKE_URL: unsupported scheme in ${JSON.stringify(url)} (use file://, s3:// or a path)`);
  return { kind: 'local', root: isAbsolute(url) ? url : resolve(cwd, url) };
}
