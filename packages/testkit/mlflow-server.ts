import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersOk, freePort, superviseGroup, waitFor } from './process-utils.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** S3 credentials MLflow's artifact proxy uses for an `s3://` artifacts destination. */
export interface MlflowS3Options {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
}

export interface StartMlflowOptions {
  /**
   * `postgresql://…` for tests (run through psycopg2: a plain `postgresql://` is rewritten to
   * `postgresql+psycopg2://`); `sqlite:///ABS/PATH.db` only for the embedded demo.
   */
  backendStoreUri: string;
  /** Where the proxy keeps artifacts: `s3://bucket/prefix` (with `s3`) or an absolute local folder. */
  artifactsDestination: string;
  s3?: MlflowS3Options;
  /** Virtualenv holding MLflow; default `$CASA_MLFLOW_VENV` or `<repo>/.venv-mlflow` (scripts/setup-mlflow.sh). */
  venvDir?: string;
  /** Give up waiting for `/health` after this long; default 90 s (first start migrates the database). */
  startTimeoutMs?: number;
}

/** A running `mlflow server` started by a test or the demo. */
export interface MlflowServer {
  /** `http://127.0.0.1:PORT`, the tracking URI. */
  url: string;
  port: number;
  /** PID of the `mlflow server` process, leader of its own process group. */
  pid: number;
  /** The server's combined stdout/stderr so far (the last part of it). */
  logs(): string;
  /** Stops the whole process group (the CLI and its uvicorn worker). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts MLflow's tracking server on a free 127.0.0.1 port with the artifact proxy on
 * (`--serve-artifacts`), one worker, `--allowed-hosts` naming exactly the address clients use,
 * telemetry and background job execution off, and waits until `/health` answers.
 */
export async function startMlflow(options: StartMlflowOptions): Promise<MlflowServer> {
  const venv = options.venvDir ?? process.env.CASA_MLFLOW_VENV ?? join(REPO_ROOT, '.venv-mlflow');
  const mlflowBin = join(venv, 'bin', 'mlflow');
  if (!existsSync(mlflowBin)) throw new Error(`${mlflowBin} not found: run scripts/setup-mlflow.sh first`);
  if (options.artifactsDestination.startsWith('s3://') && !options.s3) {
    throw new Error('an s3:// artifacts destination needs the s3 endpoint and credentials');
  }
  if (!/^[a-z0-9]+:\/\//.test(options.artifactsDestination)) mkdirSync(options.artifactsDestination, { recursive: true });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    // Job execution spawns a separate huey consumer per server; casa uses none of MLflow's jobs.
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    PYTHONUNBUFFERED: '1',
  };
  if (options.s3) {
    env.MLFLOW_S3_ENDPOINT_URL = options.s3.endpoint;
    env.AWS_ACCESS_KEY_ID = options.s3.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = options.s3.secretAccessKey;
    env.AWS_DEFAULT_REGION = options.s3.region ?? 'us-east-1';
    // Path-style keeps presigned part URLs on the endpoint's own host (no bucket subdomain).
    env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE = 'path';
  }

  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const port = await freePort();
    const child = spawn(mlflowBin, [
      'server',
      '--host', '127.0.0.1',
      '--port', String(port),
      '--workers', '1',
      '--backend-store-uri', withPostgresDriver(options.backendStoreUri),
      '--serve-artifacts',
      '--artifacts-destination', options.artifactsDestination,
      '--allowed-hosts', `127.0.0.1:${port},localhost:${port}`,
    ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const { logs, stop } = superviseGroup(child);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${logs()}`);
        return answersOk(`${url}/health`);
      }, options.startTimeoutMs ?? 90_000, `mlflow server at ${url}/health`);
      return { url, port, pid: child.pid!, logs, stop };
    } catch (error) {
      lastError = error;
      await stop();
    }
  }
  throw lastError;
}

/** The embedded demo's MLflow: SQLite metadata and local artifacts under `dir`. */
export function startEmbeddedMlflow(dir: string, options: Pick<StartMlflowOptions, 'venvDir' | 'startTimeoutMs'> = {}): Promise<MlflowServer> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  return startMlflow({ ...options, backendStoreUri: `sqlite:///${join(root, 'mlflow.db')}`, artifactsDestination: join(root, 'artifacts') });
}

/**
 * SQLAlchemy 2.1 sends a plain `postgresql://` URL to psycopg 3, whose typed parameters break
 * MLflow's archive_existing_versions query (integer <> character varying); psycopg2 does not.
 */
export function withPostgresDriver(uri: string): string {
  return uri.replace(/^postgres(?:ql)?:\/\//, 'postgresql+psycopg2://');
}
