/**
 * npm run bench:predict — casa's predict through the local gateway vs the reference design
 * (FastAPI + mlflow.xgboost + shap, reference_app.py), serving the same registered champion
 * from the same MLflow, driven by the same closed-loop load on loopback.
 *
 * Prints the cold start (process spawn → /_/ready, and the function's own resolve → download →
 * load time) and, as its last line, one JSON object:
 *   {"casa_rps","casa_p50_ms","casa_p99_ms","reference_rps","reference_p50_ms","reference_p99_ms","throughput_ratio"}
 * Settings: BENCH_CONCURRENCY (16), BENCH_SECONDS per server (12, in BENCH_LOAD_ROUNDS (4) interleaved
 * rounds), BENCH_WARMUP_SECONDS per server before measuring (3), BENCH_ROUNDS (boosting rounds of the
 * model, 200).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MlflowClient } from '../../../packages/mlflow/index.js';
import { startEmbeddedMlflow, type MlflowServer } from '../../../packages/testkit/mlflow-server.js';
import { watchCpuShare } from '../../../packages/testkit/cpu-share.js';
import { freePort } from '../../../packages/testkit/process-utils.js';
import { registerFixtureVersion, trainFixtureModel } from '../test-fixtures.js';
import { runLoad, type LoadResult } from './load.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const ROUNDS_OF_LOAD = Number(process.env.BENCH_LOAD_ROUNDS ?? 4);
// Long enough for what happens once in a server's life (JIT tiers, casa's first request-log flush
// opening the lake) to happen before the measurement; the cold start is reported on its own.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const MODEL = 'casa-house-price-bench';
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const listing = { status: 'for_sale', bed: 3, bath: 2, acre_lot: 0.25, city: 'Worcester', state: 'Massachusetts', zip_code: '01609', house_size: 1800, prev_sold_date: '2015-06-30' };

const children: ChildProcess[] = [];
const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: run scripts/setup-venv.sh (installs requirements-dev.txt: xgboost, shap, mlflow-skinny, fastapi, uvicorn)`);
  const work = await mkdtemp(join(tmpdir(), 'casa-bench-predict-'));
  let mlflow: MlflowServer | undefined;
  try {
    log('starting MLflow (embedded: SQLite + local artifacts)…');
    mlflow = await startEmbeddedMlflow(join(work, 'mlflow'));
    const client = new MlflowClient({ trackingUri: mlflow.url });
    log(`training the champion (20,000 rows, ${ROUNDS} rounds, depth 6) and registering it…`);
    const bytes = await trainFixtureModel({ seed: 3, rows: 20_000, rounds: ROUNDS });
    const version = await registerFixtureVersion(client, MODEL, bytes, 'casa-predict-bench');
    await client.setRegisteredModelAlias(MODEL, 'champion', version.version);

    const env = { ...process.env, MLFLOW_TRACKING_URI: mlflow.url, CASA_MODEL_NAME: MODEL, CASA_LAKE_URL: join(work, 'lake'), CASA_LAKE_CACHE_DIR: join(work, 'lake-cache') };

    // casa: the gateway as its own process, as `npx casa gateway` runs it (request log on, into a local lake).
    const spawned = performance.now();
    const casa = spawn(process.execPath, [join(ROOT, 'bin', 'casa.mjs'), 'gateway', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(casa);
    const casaTail = collect(casa);
    const casaUrl = await lineMatching(casa, /gateway listening on (http:\/\/\S+)/);
    const predictUrl = `${casaUrl}/function/predict`;
    await until(async () => (await fetch(`${predictUrl}/_/ready`).catch(() => undefined))?.status === 200, 60_000, 'casa ready').catch((err: Error) => {
      throw new Error(`${err.message}:\n${casaTail()}`);
    });
    const readyMs = performance.now() - spawned;
    const health = (await (await fetch(`${predictUrl}/_/health`)).json()) as { model: { cold_start_ms: number } };
    console.log(`casa cold start: ${readyMs.toFixed(0)} ms from process spawn to ready; ${health.model.cold_start_ms.toFixed(0)} ms from function start to model loaded (resolve alias + download through the proxy + check + load)`);

    // reference: FastAPI + mlflow.xgboost + shap, one uvicorn worker (casa is one process too).
    const refPort = await freePort();
    const refSpawned = performance.now();
    const ref = spawn(PYTHON, ['-m', 'uvicorn', 'reference_app:app', '--app-dir', join(ROOT, 'functions', 'predict', 'bench'), '--host', '127.0.0.1', '--port', String(refPort), '--workers', '1', '--log-level', 'warning', '--no-access-log'], {
      env: { ...env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(ref);
    const refTail = collect(ref);
    const refUrl = `http://127.0.0.1:${refPort}`;
    await until(async () => {
      if (ref.exitCode !== null) throw new Error(`reference app exited ${ref.exitCode}:\n${refTail()}`);
      return (await fetch(`${refUrl}/health`).catch(() => undefined))?.ok === true;
    }, 120_000, 'reference ready');
    console.log(`reference cold start: ${(performance.now() - refSpawned).toFixed(0)} ms from process spawn to ready`);
    // Interleaved rounds, so a change in the machine's other load hits both sides alike.
    await warmUp('casa', predictUrl).catch((err: Error) => {
      throw new Error(`${err.message}\n${casaTail()}`);
    });
    await warmUp('reference', `${refUrl}/predict`).catch((err: Error) => {
      throw new Error(`${err.message}\n${refTail()}`);
    });
    const casaRounds: LoadResult[] = [];
    const refRounds: LoadResult[] = [];
    const cpuShare = watchCpuShare();
    for (let round = 0; round < ROUNDS_OF_LOAD; round++) {
      casaRounds.push(await measure('casa', predictUrl, SECONDS / ROUNDS_OF_LOAD));
      refRounds.push(await measure('reference', `${refUrl}/predict`, SECONDS / ROUNDS_OF_LOAD));
    }
    console.log(`during the measurement: ${cpuShare()}`);
    const casaResult = combine('casa', casaRounds);
    const refResult = combine('reference', refRounds);
    casa.kill('SIGTERM');
    ref.kill('SIGTERM');

    const r = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
    console.log(
      JSON.stringify({
        casa_rps: r(casaResult.rps),
        casa_p50_ms: r(casaResult.p50_ms, 2),
        casa_p99_ms: r(casaResult.p99_ms, 2),
        reference_rps: r(refResult.rps),
        reference_p50_ms: r(refResult.p50_ms, 2),
        reference_p99_ms: r(refResult.p99_ms, 2),
        throughput_ratio: r(casaResult.rps / refResult.rps, 2),
      }),
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((res) => c.once('exit', res)) : undefined)));
    await mlflow?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function warmUp(name: string, url: string): Promise<void> {
  const body = JSON.stringify(listing);
  const check = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!check.ok) throw new Error(`${name} answered ${check.status}: ${await check.text()}`);
  await runLoad({ url, body, concurrency: CONCURRENCY, durationMs: WARMUP_SECONDS * 1000 });
}

async function measure(name: string, url: string, seconds: number): Promise<LoadResult> {
  const result = await runLoad({ url, body: JSON.stringify(listing), concurrency: CONCURRENCY, durationMs: seconds * 1000 });
  if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

function combine(name: string, rounds: LoadResult[]) {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  const result = { requests: latencies.length, seconds, rps: latencies.length / seconds, p50_ms: q(0.5), p99_ms: q(0.99) };
  console.log(`${name}: ${result.requests} requests in ${seconds.toFixed(1)} s (${rounds.length} rounds) at concurrency ${CONCURRENCY}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50_ms.toFixed(2)} ms, p99 ${result.p99_ms.toFixed(2)} ms`);
  return result;
}

function collect(child: ChildProcess): () => string {
  let text = '';
  const add = (d: Buffer) => (text = (text + d.toString()).slice(-8_000));
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

function lineMatching(child: ChildProcess, re: RegExp): Promise<string> {
  const tailOf = collect(child);
  return new Promise((resolvePromise, reject) => {
    const onData = (d: Buffer) => {
      const m = re.exec(tailOf() + d.toString());
      if (m) resolvePromise(m[1]!);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${re}:\n${tailOf()}`)));
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

main().catch((err) => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  console.error(err);
  process.exit(1);
});
