// Each image's entry command, run natively on 127.0.0.1: the CMD (or, for function images, the
// watchdog's fprocess) parsed from the Dockerfile and run as the same argv, from a working
// directory laid out like the image's (the repository root has the same layout). Only the
// listen address (0.0.0.0 → 127.0.0.1) and port (→ a free one) change. The of-watchdog binary
// itself is not run: the Go module proxy does not serve it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startDataApi } from '../packages/simulator/index.js';
import { startPostgres } from '../packages/testkit/postgres.js';
import { freePort, tail, waitFor, waitForExit } from '../packages/testkit/process-utils.js';
import { startSeaweed, weedAvailable } from '../packages/testkit/seaweed.js';
import { COMPONENTS_DIR, REPO_ROOT, TEMPLATE_DOCKERFILE, dockerfileCmd, dockerfileEnv } from './deploy-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'casa-entry-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Started {
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

/** The argv with the container's listen address and port swapped for loopback and `port`. */
function onLoopback(argv: string[], containerPort: number, port: number): string[] {
  return argv.map((a) =>
    a
      .replace(/\b0\.0\.0\.0\b/g, '127.0.0.1')
      .replace(new RegExp(`^${containerPort}$`), String(port))
      .replace(new RegExp(`=${containerPort}$`), `=${port}`),
  );
}

/** Starts argv in its own process group and waits until `ready(url)`; stop() ends the group by PID. */
async function startEntry(argv: string[], options: { env: NodeJS.ProcessEnv; port: number; ready: (url: string) => Promise<boolean>; timeoutMs?: number }): Promise<Started> {
  const [bin, ...args] = argv;
  const child: ChildProcess = spawn(bin!, args, { cwd: REPO_ROOT, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = tail(child.stdout!, 20_000);
  const err = tail(child.stderr!, 20_000);
  const logs = () => `${out()}${err()}`;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => kill('SIGKILL');
  process.once('exit', onExit);
  const stop = async () => {
    kill('SIGTERM');
    if (!(await waitForExit(child, 10_000))) kill('SIGKILL');
    await waitForExit(child, 5_000);
    kill('SIGKILL');
    process.removeListener('exit', onExit);
  };
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${child.exitCode}:\n${logs()}`);
      return options.ready(url).catch(() => false);
    }, options.timeoutMs ?? 60_000, `${argv.join(' ')} to answer`);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${logs()}`);
  }
  return { url, logs, stop };
}

/** GET with an explicit Host header (fetch may not send a chosen one). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

const ok = (path: string) => async (url: string) => (await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2_000) })).ok;

/** The environment a container starts from: PATH and HOME of this machine, nothing of the test's own. */
function baseEnv(extra: Record<string, string> = {}, pathFirst?: string): NodeJS.ProcessEnv {
  const path = [pathFirst, process.env['PATH']].filter(Boolean).join(delimiter);
  return { PATH: path, HOME: process.env['HOME'] ?? scratch, LANG: 'C.UTF-8', ...extra };
}

describe('data-api image: casa data-api', () => {
  test('the CMD serves the simulator: /health answers OK', async (t) => {
    // Prepare
    const argv = dockerfileCmd(join(COMPONENTS_DIR, 'data-api', 'Dockerfile'));
    assert.deepEqual(argv.slice(0, 3), ['node', 'bin/casa.mjs', 'data-api']);
    const port = await freePort();
    // Act
    const api = await startEntry(onLoopback(argv, 8000, port), { env: baseEnv({ NODE_ENV: 'production' }), port, ready: ok('/health') });
    t.after(() => api.stop());
    const health = await fetch(`${api.url}/health`);
    // Assess
    assert.deepEqual(await health.json(), { status: 'OK' });
  });
});

describe('function image: the watchdog\'s upstream (fprocess) serves one function', () => {
  test('ingest served alone takes a batch into an S3 lake whose keys come only from secret files', { timeout: 180_000, skip: !weedAvailable() && 'SeaweedFS missing: run scripts/setup-weed.sh' }, async (t) => {
    // Prepare: a simulator, an S3 server, the image's environment, secrets as OpenFaaS mounts them.
    const [api, s3] = await Promise.all([startDataApi({ scale: 0.002, seed: 7 }), startSeaweed({ buckets: ['casa-entry'] })]);
    t.after(async () => {
      await api.close();
      await s3.stop();
    });
    const image = dockerfileEnv(TEMPLATE_DOCKERFILE);
    const argv = image['fprocess']!.split(' ');
    const port = await freePort();
    const lake = s3.lakeEnv('entry-lake');
    const secrets = join(scratch, 'secrets');
    const emptySecrets = join(scratch, 'no-secrets');
    for (const dir of [secrets, emptySecrets]) rmSync(dir, { recursive: true, force: true });
    mkdirSync(secrets, { recursive: true });
    writeFileSync(join(secrets, 'aws-access-key-id'), `${lake['AWS_ACCESS_KEY_ID']}\n`);
    writeFileSync(join(secrets, 'aws-secret-access-key'), `${lake['AWS_SECRET_ACCESS_KEY']}\n`);
    const env = (secretsDir: string) =>
      baseEnv({
        NODE_ENV: image['NODE_ENV']!,
        CASA_FUNCTION: 'ingest',
        CASA_LAKE_CACHE_DIR: join(scratch, 'lake-cache'),
        CASA_SECRETS_DIR: secretsDir,
        CASA_LAKE_URL: lake['CASA_LAKE_URL']!,
        CASA_S3_ENDPOINT: lake['CASA_S3_ENDPOINT']!,
        AWS_REGION: 'us-east-1',
        CASA_DATA_API_URL: api.url,
        CASA_GROUP_NUMBER: '3',
      });
    const post = (url: string) => fetch(url, { method: 'POST', headers: { 'idempotency-key': 'entry-test-1' } });

    // Act: without secrets the lake refuses; with them the batch commits.
    const bare = await startEntry(onLoopback(argv, 3000, port), { env: env(emptySecrets), port, ready: async (u) => (await fetch(u)).status === 405 });
    const refused = await post(bare.url);
    await bare.stop();
    const served = await startEntry(onLoopback(argv, 3000, port), { env: env(secrets), port, ready: async (u) => (await fetch(u)).status === 405 });
    t.after(() => served.stop());
    const committed = await post(served.url);

    // Assess
    assert.ok(refused.status >= 500, `without secrets: ${refused.status} ${await refused.text()}`);
    assert.equal(committed.status, 200, await committed.clone().text());
    const body = (await committed.json()) as { status: string; rows: number };
    assert.equal(body.status, 'committed');
    assert.ok(body.rows > 0);
    assert.match(served.logs(), /"secrets":\["AWS_ACCESS_KEY_ID","AWS_SECRET_ACCESS_KEY"\]/);
    const prefix = lake['CASA_LAKE_URL']!.replace(/^s3:\/\/[^/]+\//, '');
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
    assert.ok((listed.KeyCount ?? 0) > 0, 'the lake has objects');
  });
});

describe('mlflow image: mlflow server with PostgreSQL and the S3 artifact proxy', () => {
  const venvBin = join(REPO_ROOT, '.venv-mlflow', 'bin');
  test('the CMD serves MLflow; an artifact uploaded through the proxy lands in the S3 bucket', { timeout: 240_000, skip: !weedAvailable() && 'SeaweedFS missing: run scripts/setup-weed.sh' }, async (t) => {
    assert.ok(existsSync(join(venvBin, 'mlflow')), 'MLflow missing: run scripts/setup-mlflow.sh');
    // Prepare
    const [pg, s3] = await Promise.all([startPostgres({ database: 'mlflow' }), startSeaweed({ buckets: ['casa-mlflow-entry'] })]);
    t.after(async () => {
      await pg.stop();
      await s3.stop();
    });
    const dockerfile = join(COMPONENTS_DIR, 'mlflow', 'Dockerfile');
    const image = dockerfileEnv(dockerfile);
    const argv = dockerfileCmd(dockerfile);
    const port = await freePort();
    const prefix = `entry-${port}`;
    const env = baseEnv(
      {
        ...image,
        MLFLOW_HOST: '127.0.0.1',
        MLFLOW_PORT: String(port),
        MLFLOW_WORKERS: '1',
        MLFLOW_BACKEND_STORE_URI: pg.url.replace(/^postgresql:/, 'postgresql+psycopg2:'),
        MLFLOW_ARTIFACTS_DESTINATION: `s3://${s3.bucket}/${prefix}`,
        MLFLOW_ALLOWED_HOSTS: `127.0.0.1:${port}`,
        MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
        AWS_ACCESS_KEY_ID: s3.accessKey,
        AWS_SECRET_ACCESS_KEY: s3.secretKey,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      venvBin,
    );
    // Act
    const mlflow = await startEntry(argv, { env, port, ready: ok('/health'), timeoutMs: 120_000 });
    t.after(() => mlflow.stop());
    const put = await fetch(`${mlflow.url}/api/2.0/mlflow-artifacts/artifacts/entry/hello.txt`, { method: 'PUT', body: 'hello from the entry test' });
    const got = await fetch(`${mlflow.url}/api/2.0/mlflow-artifacts/artifacts/entry/hello.txt`);
    // Assess
    assert.equal(put.status, 200, await put.clone().text());
    assert.equal(await got.text(), 'hello from the entry test');
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/entry/` }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), [`${prefix}/entry/hello.txt`]);
    const wrongHost = await statusWithHost(`${mlflow.url}/api/2.0/mlflow/experiments/search?max_results=1`, 'elsewhere.invalid:80');
    const rightHost = await statusWithHost(`${mlflow.url}/api/2.0/mlflow/experiments/search?max_results=1`, `127.0.0.1:${port}`);
    assert.equal(rightHost, 200);
    assert.notEqual(wrongHost, 200, '--allowed-hosts is in force');
  });
});

describe('ui image: streamlit run ui/app.py', () => {
  const venvBin = join(REPO_ROOT, '.venv-ui', 'bin');
  const ready = existsSync(join(venvBin, 'streamlit')) && existsSync(join(REPO_ROOT, 'ui', 'app.py'));
  test('the CMD serves the UI: /_stcore/health answers', { timeout: 120_000 }, async (t) => {
    assert.ok(ready, '.venv-ui/bin/streamlit or ui/app.py missing: run scripts/setup-ui.sh (make test does)');
    const argv = dockerfileCmd(join(COMPONENTS_DIR, 'ui', 'Dockerfile'));
    assert.equal(argv[0], 'streamlit');
    const port = await freePort();
    const ui = await startEntry(onLoopback(argv, 8501, port), {
      env: baseEnv({ CASA_GATEWAY_URL: 'http://127.0.0.1:9', STREAMLIT_BROWSER_GATHER_USAGE_STATS: 'false' }, venvBin),
      port,
      ready: ok('/_stcore/health'),
      timeoutMs: 90_000,
    });
    t.after(() => ui.stop());
    assert.equal(await (await fetch(`${ui.url}/_stcore/health`)).text(), 'ok');
  });
});

describe('airflow image: api-server, scheduler and dag-processor', () => {
  const venvBin = join(REPO_ROOT, '.venv-airflow', 'bin');
  const ready = existsSync(join(venvBin, 'airflow'));
  test('each compose command starts on one metadata database; the api-server answers its health check', { timeout: 300_000 }, async (t) => {
    assert.ok(ready, '.venv-airflow/bin/airflow missing: run scripts/setup-airflow.sh (make test does)');
    const { readCompose } = await import('./deploy-files.js');
    const services = readCompose().doc.services;
    assert.deepEqual(dockerfileCmd(join(COMPONENTS_DIR, 'airflow', 'Dockerfile')), services['airflow-api-server']?.command, 'the image\'s CMD is the api-server service\'s');
    const image = dockerfileEnv(join(COMPONENTS_DIR, 'airflow', 'Dockerfile'));
    const home = join(scratch, 'airflow-home');
    const port = await freePort();
    const env = baseEnv(
      {
        AIRFLOW_HOME: home,
        AIRFLOW__CORE__DAGS_FOLDER: join(REPO_ROOT, 'dags'),
        AIRFLOW__CORE__LOAD_EXAMPLES: image['AIRFLOW__CORE__LOAD_EXAMPLES']!,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${join(home, 'airflow.db')}`,
        AIRFLOW__CORE__EXECUTOR: 'LocalExecutor',
        AIRFLOW__API__HOST: '127.0.0.1',
        AIRFLOW__API__PORT: String(port),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://127.0.0.1:${port}/execution/`,
        AIRFLOW__API_AUTH__JWT_SECRET: 'entry-test-secret',
        CASA_GATEWAY_URL: 'http://127.0.0.1:9',
        PYTHONUNBUFFERED: '1',
      },
      venvBin,
    );
    const migrate = services['airflow-init']?.command as string[];
    const code = await new Promise<number>((done) => spawn(migrate[0]!, migrate.slice(1), { cwd: REPO_ROOT, env, stdio: 'ignore' }).once('exit', (c) => done(c ?? 1)));
    assert.equal(code, 0, `${migrate.join(' ')} failed`);
    const api = await startEntry(services['airflow-api-server']?.command as string[], { env, port, ready: ok('/api/v2/monitor/health'), timeoutMs: 180_000 });
    t.after(() => api.stop());
    for (const name of ['airflow-scheduler', 'airflow-dag-processor']) {
      const argv = services[name]?.command as string[];
      const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, env, detached: true, stdio: 'ignore' });
      t.after(async () => {
        try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
        if (!(await waitForExit(child, 15_000))) try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
      });
      // Still running after 20 s = it got past configuration, database and DAG folder checks.
      assert.equal(await waitForExit(child, 20_000), false, `${argv.join(' ')} exited early with ${child.exitCode}`);
    }
    const health = (await (await fetch(`${api.url}/api/v2/monitor/health`)).json()) as { metadatabase: { status: string } };
    assert.equal(health.metadatabase.status, 'healthy');
  });
});
