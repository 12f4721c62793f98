/**
 * Test support: the real stack train and promote run against — PostgreSQL, SeaweedFS S3 and
 * MLflow's server with the artifact proxy — plus a local lake, and a fault-injecting HTTP
 * proxy in front of MLflow. Started once per test file (MLflow takes ~15 s).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openLake, type Lake } from '../../packages/lake/index.js';
import { MlflowClient } from '../../packages/mlflow/index.js';
import { startMlflow, type MlflowServer } from '../../packages/testkit/mlflow-server.js';
import { startPostgres, type PostgresServer } from '../../packages/testkit/postgres.js';
import { startSeaweed, weedAvailable, type Seaweed } from '../../packages/testkit/seaweed.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const MLFLOW_VENV = process.env.CASA_MLFLOW_VENV ?? join(REPO_ROOT, '.venv-mlflow');
export const PYTHON = join(MLFLOW_VENV, 'bin', 'python');

/** Why the MLflow integration cannot run here (false when it can). */
export function stackSkipReason(): string | false {
  const missing = [
    ...(existsSync(join(MLFLOW_VENV, 'bin', 'mlflow')) ? [] : [`${MLFLOW_VENV} (run scripts/setup-mlflow.sh)`]),
    ...(weedAvailable() ? [] : ['the SeaweedFS binary (run scripts/setup-weed.sh)']),
  ];
  return missing.length > 0 ? `needs ${missing.join(' and ')}` : false;
}

export interface Stack {
  mlflowUrl: string;
  /** URL of the fault proxy in front of MLflow. */
  proxyUrl: string;
  /** Requests for which this returns true get a 500 from the proxy. */
  setFault(fail: ((method: string, path: string) => boolean) | undefined): void;
  client(options?: { viaProxy?: boolean }): MlflowClient;
  newLake(): Promise<Lake>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  let pg: PostgresServer | undefined;
  let s3: Seaweed | undefined;
  let mlflow: MlflowServer | undefined;
  let proxy: Server | undefined;
  const dirs: string[] = [];
  const lakes: Lake[] = [];
  try {
    [pg, s3] = await Promise.all([startPostgres({ database: 'mlflow' }), startSeaweed({ buckets: ['mlflow'] })]);
    mlflow = await startMlflow({
      backendStoreUri: pg.url,
      artifactsDestination: 's3://mlflow/artifacts',
      s3: { endpoint: s3.endpoint, accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey, region: s3.region },
    });
    const target = mlflow.url;
    let fault: ((method: string, path: string) => boolean) | undefined;
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        if (fault?.(req.method ?? 'GET', path)) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error_code: 'INTERNAL_ERROR', message: 'injected by the test proxy' }));
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (k !== 'host' && k !== 'connection' && typeof v === 'string') headers[k] = v;
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        fetch(`${target}${path}`, { method: req.method ?? 'GET', headers, ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}) })
          .then(async (r) => {
            const buf = Buffer.from(await r.arrayBuffer());
            const out: Record<string, string> = {};
            r.headers.forEach((v, k) => {
              if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) out[k] = v;
            });
            res.writeHead(r.status, out);
            res.end(buf);
          })
          .catch((e: unknown) => {
            res.writeHead(502);
            res.end(String(e));
          });
      });
    });
    await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const proxyUrl = `http://127.0.0.1:${port}`;
    return {
      mlflowUrl: target,
      proxyUrl,
      setFault: (f) => (fault = f),
      client: (o = {}) => new MlflowClient({ trackingUri: o.viaProxy ? proxyUrl : target, retry: { maxAttempts: 2, initialDelayMs: 20 } }),
      async newLake() {
        const root = await mkdtemp(join(tmpdir(), 'casa-train-lake-'));
        dirs.push(root);
        const lake = await openLake({ location: { kind: 'local', root: join(root, 'lake') }, cacheDir: join(root, 'cache') });
        lakes.push(lake);
        return lake;
      },
      async stop() {
        for (const l of lakes) l.close();
        await new Promise<void>((r) => proxy!.close(() => r()));
        await mlflow!.stop();
        await Promise.all([pg!.stop(), s3!.stop()]);
        await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
      },
    };
  } catch (err) {
    proxy?.close();
    await mlflow?.stop();
    await Promise.all([pg?.stop(), s3?.stop()]);
    throw err;
  }
}
