/**
 * A real S3 server for tests: SeaweedFS's `weed server -s3` (master + volume + filer + S3 in one
 * process) on free loopback ports in a temp directory, with one S3 identity, killed by PID on
 * `stop()` and on process exit. The binary comes from scripts/setup-weed.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface Seaweed {
  /** http://127.0.0.1:PORT — the S3 endpoint. */
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** The buckets created at start (the first is `bucket`). */
  bucket: string;
  buckets: string[];
  /** The server's data and log directory (removed by stop()). */
  dir: string;
  pid: number;
  /** An S3 client for this server (path-style, these credentials). */
  client(): S3Client;
  /** Environment for openLake / the CLI pointing at `s3://bucket/prefix`. */
  lakeEnv(prefix?: string): Record<string, string>;
  stop(): Promise<void>;
}

export interface StartSeaweedOptions {
  buckets?: string[];
  /** Path to `weed` (default: $CASA_WEED_BIN, else the setup-weed.sh cache). */
  binary?: string;
  readyTimeoutMs?: number;
}

/** Where scripts/setup-weed.sh puts the binary. */
export function weedBinaryPath(): string {
  if (process.env['CASA_WEED_BIN']) return process.env['CASA_WEED_BIN'];
  const base = process.env['CASA_BIN_DIR'] || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'casa', 'bin');
  return join(base, 'weed');
}

export function weedAvailable(): boolean {
  return existsSync(weedBinaryPath());
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) if (child.pid) try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  });
}

/**
 * Starts a fresh server — or, when CASA_TEST_S3_ENDPOINT is set (with CASA_TEST_S3_ACCESS_KEY and
 * CASA_TEST_S3_SECRET_KEY), reuses that running S3 server: the buckets are created if missing and
 * stop() leaves the server running. A fresh server takes ~10 s before its first write succeeds
 * (SeaweedFS holds volume allocation for a few heartbeats after electing its master), so start it
 * early, e.g. at module load, and await it where it is needed.
 */
export async function startSeaweed(options: StartSeaweedOptions = {}): Promise<Seaweed> {
  if (process.env['CASA_TEST_S3_ENDPOINT']) return useRunningServer(options);
  const binary = options.binary ?? weedBinaryPath();
  if (!existsSync(binary)) {
    throw new Error(`SeaweedFS binary not found at ${binary}: run scripts/setup-weed.sh (or set CASA_WEED_BIN)`);
  }
  const buckets = options.buckets ?? ['casa-test'];
  const dir = await mkdtemp(join(tmpdir(), 'casa-seaweed-'));
  const accessKey = 'casa-test-access';
  const secretKey = 'casa-test-secret-key-0123456789';
  const region = 'us-east-1';
  const s3Config = join(dir, 's3.json');
  await writeFile(
    s3Config,
    JSON.stringify({ identities: [{ name: 'casa', credentials: [{ accessKey, secretKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }),
  );
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await freePorts(8);
  const args = [
    'server',
    `-dir=${dir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.telemetry=false',
    '-master.volumeSizeLimitMB=64',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-volume.max=100', // each bucket is a collection that grows its own volumes; a shared test server hosts many
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${s3Config}`,
  ];
  const logPath = join(dir, 'weed.log');
  const { openSync, closeSync } = await import('node:fs');
  const logFd = openSync(logPath, 'a');
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', logFd, logFd], detached: false });
  closeSync(logFd);
  installExitHook();
  running.add(child);
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
    running.delete(child);
  });

  const endpoint = `http://127.0.0.1:${s3}`;
  const client = () =>
    new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey }, maxAttempts: 1 });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.pid && child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(timer);
    }
    running.delete(child);
    if (process.env['CASA_SEAWEED_KEEP']) return; // keep the data and weed.log for debugging
    await rm(dir, { recursive: true, force: true });
  };

  // Ready = every bucket exists and an object can be written (the volume server has registered).
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const c = client();
  let lastError: unknown;
  for (;;) {
    if (exited) {
      const { readFile } = await import('node:fs/promises');
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await stop();
      throw new Error(`weed ${exited} before becoming ready; last log lines:\n${log.split('\n').slice(-20).join('\n')}`);
    }
    try {
      for (const bucket of buckets) {
        await c.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
          if (err?.name !== 'BucketAlreadyOwnedByYou' && err?.name !== 'BucketAlreadyExists') throw err;
        });
        await c.send(new PutObjectCommand({ Bucket: bucket, Key: '_ready', Body: 'ok' }));
        await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: '_ready' }));
      }
      break;
    } catch (err) {
      lastError = err;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`weed did not become ready in time: ${(lastError as Error)?.message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  c.destroy();

  return {
    endpoint,
    region,
    accessKey,
    secretKey,
    bucket: buckets[0]!,
    buckets,
    dir,
    pid: child.pid!,
    client,
    lakeEnv: (prefix = 'lake') => ({
      CASA_LAKE_URL: `s3://${buckets[0]}/${prefix}`,
      CASA_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      AWS_REGION: region,
    }),
    stop,
  };
}

async function useRunningServer(options: StartSeaweedOptions): Promise<Seaweed> {
  const endpoint = process.env['CASA_TEST_S3_ENDPOINT']!;
  const accessKey = process.env['CASA_TEST_S3_ACCESS_KEY'] ?? '';
  const secretKey = process.env['CASA_TEST_S3_SECRET_KEY'] ?? '';
  const region = process.env['AWS_REGION'] ?? 'us-east-1';
  const buckets = options.buckets ?? ['casa-test'];
  const client = () => new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
  const c = client();
  for (const bucket of buckets) {
    await c.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
      if (err?.name !== 'BucketAlreadyOwnedByYou' && err?.name !== 'BucketAlreadyExists') throw err;
    });
  }
  c.destroy();
  // Several test files share this server at once: each gets its own scratch folder and its own
  // key prefix under the bucket, so their lakes never see each other's tables.
  const dir = await mkdtemp(join(tmpdir(), 'casa-s3-shared-'));
  const space = dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x');
  return {
    endpoint, region, accessKey, secretKey, bucket: buckets[0]!, buckets, dir, pid: 0, client,
    lakeEnv: (prefix = 'lake') => ({ CASA_LAKE_URL: `s3://${buckets[0]}/t-${space}/${prefix}`, CASA_S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_REGION: region }),
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Distinct free loopback ports (bound to 0 then released; gRPC ports are chosen explicitly so port+10000 never matters). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<import('node:net').Server>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
