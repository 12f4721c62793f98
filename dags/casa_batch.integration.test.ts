// The end-to-end test of issue 8: real `airflow dags test casa_batch` runs (Airflow 3, SQLite
// metadata DB in a temp AIRFLOW_HOME) against the real stack — the data API simulator, the
// gateway as its own process (`casa gateway`), a local lake, MLflow with PostgreSQL and
// SeaweedFS. Seven runs: the six batches in order, then exhaustion (skipped). During run 0 the
// gateway is SIGKILLed while train runs, during run 3 right after ingest committed; each time
// it is restarted on the same port and Airflow's retries finish the run.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBatchQuality } from '../functions/clean/core.js';
import { readDecisions } from '../functions/assess/core.js';
import { readCommittedBatches } from '../functions/ingest/core.js';
import { allModelVersions, TAGS } from '../functions/train/core.js';
import { startStack, stackSkipReason, type Stack } from '../functions/train/test-stack.js';
import { openLake, type Lake } from '../packages/lake/index.js';
import { startDataApi, type DataApiServer } from '../packages/simulator/index.js';
import { waitFor, waitForExit } from '../packages/testkit/process-utils.js';
import { AIRFLOW_BIN, AIRFLOW_PYTHON, airflowEnv, DAGS_DIR, markedJson, REPO_ROOT, requireAirflowVenv, run } from './airflow-venv.js';

const skip = stackSkipReason();
if (skip) console.warn(`SKIPPED: casa_batch end to end ${skip}`);

const SCALE = 0.02;
const MODEL = 'casa-airflow-e2e';
/** The timeout ladder the test runs with (function < gateway < HTTP call < task), short retries. */
const GATEWAY_TIMEOUT_S = 300;
const AIRFLOW_SETTINGS = {
  CASA_AIRFLOW_FUNCTION_TIMEOUT: '240',
  CASA_AIRFLOW_GATEWAY_TIMEOUT: String(GATEWAY_TIMEOUT_S),
  CASA_AIRFLOW_HTTP_TIMEOUT: '330',
  CASA_AIRFLOW_TASK_TIMEOUT: '400',
  CASA_AIRFLOW_TRAIN_TASK_TIMEOUT: '900',
  // Enough retries to outlast a gateway restart on a loaded CI machine (only used after a kill).
  CASA_AIRFLOW_RETRIES: '10',
  CASA_AIRFLOW_RETRY_DELAY: '3',
  CASA_AIRFLOW_TRAIN_POLL_INTERVAL: '1',
  CASA_AIRFLOW_TRAIN_UNKNOWN_POLLS: '3',
  CASA_AIRFLOW_SCHEDULE: 'none',
};

interface TaskState {
  state: string | null;
  tries: number;
  value?: Record<string, unknown>;
}
interface RunState {
  run_id: string;
  state: string;
  tasks: Record<string, TaskState>;
}

/** The gateway as its own process, restartable on the same port. */
class GatewayProcess {
  child: ChildProcess | undefined;
  port = 0;
  log = '';
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'casa.mjs'), 'gateway', '--port', String(this.port), '--timeout', String(GATEWAY_TIMEOUT_S)], { env: this.env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.log = (this.log + c.toString()).slice(-200_000)));
    await waitFor(() => /gateway listening on http:\/\/[^:]+:(\d+)/.test(out) || child.exitCode !== null, 60_000, 'the gateway to listen');
    const m = /gateway listening on http:\/\/[^:]+:(\d+)/.exec(out);
    if (!m) throw new Error(`the gateway did not start:\n${out}\n${this.log.slice(-3000)}`);
    this.port = Number(m[1]);
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    if (this.child) await waitForExit(this.child, 10_000);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    if (!(await waitForExit(this.child, 15_000))) await this.kill();
  }
}

describe('casa_batch end to end: six batches in order, exhaustion skipped, gateway killed twice', { skip }, () => {
  let stack: Stack;
  let api: DataApiServer;
  let work: string;
  let home: string;
  let lake: Lake;
  let gateway: GatewayProcess;
  const runs: RunState[] = [];
  let maintenance: RunState;
  let afterReplay: RunState;
  const seconds: number[] = [];
  const kills: string[] = [];

  const env = () => airflowEnv(home, { ...AIRFLOW_SETTINGS, AIRFLOW_CONN_CASA_GATEWAY: `http://127.0.0.1:${gateway.port}` });

  /** One `airflow dags test` run; `onOutput` sees the Airflow output and the gateway log as they grow. */
  async function dagRun(date: string, onOutput?: (airflow: string) => Promise<void> | void, dagId = 'casa_batch', conf?: Record<string, unknown>): Promise<RunState> {
    const t0 = performance.now();
    const args = ['dags', 'test', dagId, date, ...(conf ? ['--conf', JSON.stringify(conf)] : [])];
    const child = spawn(AIRFLOW_BIN, args, { env: env(), cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    let watching = onOutput !== undefined;
    const watcher = (async () => {
      while (watching && child.exitCode === null) {
        await onOutput!(out);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const exited = await waitForExit(child, 15 * 60_000);
    watching = false;
    await watcher;
    if (!exited) child.kill('SIGKILL');
    seconds.push((performance.now() - t0) / 1000);
    const report = await run(AIRFLOW_PYTHON, [join(DAGS_DIR, 'testing', 'run_report.py'), dagId], env(), 60_000);
    const all = markedJson<RunState[]>(report.stdout, 'RUN-REPORT');
    const last = all[all.length - 1]!;
    if (last.state !== 'success') console.log(out.slice(-6000));
    // Why any task needed a retry (the kills explain theirs), for the test's log.
    const retried = Object.entries(last.tasks).filter(([, t]) => t.tries > 1).map(([id]) => id);
    if (retried.length > 0) console.log(`${dagId} ${date}: retried ${retried.join(', ')}:\n${out.split('\n').filter((l) => /Task failed|TransientGatewayError|AirflowFailException|ERROR/.test(l)).slice(-10).join('\n')}`);
    return last;
  }

  before(async () => {
    requireAirflowVenv();
    const t0 = performance.now();
    stack = await startStack();
    api = await startDataApi({ scale: SCALE, seed: 42 });
    work = await mkdtemp(join(tmpdir(), 'casa-airflow-e2e-'));
    home = join(work, 'airflow');
    const lakeDir = join(work, 'lake');
    gateway = new GatewayProcess({
      ...process.env,
      CASA_LAKE_URL: lakeDir,
      CASA_LAKE_CACHE_DIR: join(work, 'lake-cache'),
      CASA_DATA_API_URL: api.url,
      MLFLOW_TRACKING_URI: stack.mlflowUrl,
      CASA_MODEL_NAME: MODEL,
      CASA_MLFLOW_EXPERIMENT: MODEL,
      CASA_GIT_COMMIT: 'airflow-e2e',
      // A train call that dies with its gateway frees its key after 10 s instead of 60 s.
      CASA_TRAIN_LEASE_MS: '10000',
      // A small search keeps the three trainings short on a 2-core machine.
      CASA_TRAIN_CANDIDATES: 'xgb-d6-eta0.1',
      CASA_TRAIN_MAX_ROUNDS: '200',
    });
    await gateway.start();
    const migrated = await run(AIRFLOW_BIN, ['db', 'migrate'], env(), 180_000);
    assert.equal(migrated.code, 0, migrated.stderr.slice(-3000));
    console.log(`stack, gateway and Airflow DB ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    for (let i = 0; i < 7; i++) {
      const date = `2026-01-0${i + 1}T00:00:00+00:00`;
      let killed = false;
      const killAndRestart = async (why: string) => {
        killed = true;
        await gateway.kill();
        kills.push(why);
        await new Promise((r) => setTimeout(r, 1500));
        await gateway.start();
      };
      const onOutput =
        i === 0
          ? async () => {
              // SIGKILL while train's candidates are training (its async call dies with the gateway).
              if (!killed && gateway.log.includes('"msg":"train: training candidates"')) await killAndRestart('run 0, during train');
            }
          : i === 3
            ? async (out: string) => {
                if (!killed && /ingest: batch 3 committed/.test(out)) await killAndRestart('run 3, after ingest, around clean');
              }
            : undefined;
      runs.push(await dagRun(date, onOutput));
      console.log(`run ${i}: ${runs[i]!.state} in ${seconds[i]!.toFixed(1)} s — ${Object.entries(runs[i]!.tasks).map(([t, s]) => `${t}=${s.state}${s.tries > 1 ? `×${s.tries}` : ''}`).join(' ')}`);
    }
    // casa_maintenance: restart + replay the data API, re-assess batch 5 without training; then
    // casa_batch again: the replayed cursor stands at the end, so it is skipped, not a duplicate.
    maintenance = await dagRun('2026-01-08T00:00:00+00:00', undefined, 'casa_maintenance', { restart_and_replay: true, batch: 5, retrain: 'never' });
    console.log(`maintenance: ${maintenance.state} — ${Object.entries(maintenance.tasks).map(([t, s]) => `${t}=${s.state}`).join(' ')}`);
    afterReplay = await dagRun('2026-01-09T00:00:00+00:00');
    lake = await openLake({ env: { CASA_LAKE_URL: lakeDir, CASA_LAKE_CACHE_DIR: join(work, 'check-cache') } });
  });

  after(async () => {
    lake?.close();
    await gateway?.stop();
    await api?.close();
    await stack?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs 0–5 succeed and take batches 0–5 in order, one per run', () => {
    for (let i = 0; i < 6; i++) {
      assert.equal(runs[i]!.state, 'success', `run ${i}`);
      assert.equal(runs[i]!.tasks['ingest']!.value?.['batch'], i, `run ${i} took batch ${i}`);
      assert.equal(runs[i]!.tasks['publish_report']!.state, 'success', `run ${i} published its report`);
    }
  });

  it('run 6 ends skipped on exhaustion: ingest and every task after it skipped, nothing failed', () => {
    const r = runs[6]!;
    assert.notEqual(r.state, 'failed');
    assert.equal(r.tasks['ingest']!.state, 'skipped');
    for (const [t, s] of Object.entries(r.tasks)) assert.equal(s.state, 'skipped', t);
  });

  it('casa_maintenance restarts and replays the six committed batches and re-assesses batch 5; casa_batch then stays skipped', () => {
    assert.equal(maintenance.state, 'success');
    assert.deepEqual(maintenance.tasks['restart_and_replay']!.value, { epoch: 1, replayed: 6, committed_batches: 6 });
    assert.equal(maintenance.tasks['reassess']!.state, 'success');
    assert.equal(maintenance.tasks['reassess']!.value?.['batch'], 5);
    assert.equal(maintenance.tasks['train']!.state, 'skipped');
    assert.equal(maintenance.tasks['publish_report']!.state, 'success');
    assert.equal(afterReplay.tasks['ingest']!.state, 'skipped');
  });

  it('the gateway was killed twice and Airflow retried the interrupted tasks', () => {
    assert.deepEqual(kills, ['run 0, during train', 'run 3, after ingest, around clean']);
    assert.ok(runs[0]!.tasks['train']!.tries > 1, 'train was retried after the kill');
    const retried3 = Object.entries(runs[3]!.tasks).filter(([, s]) => s.tries > 1).map(([t]) => t);
    assert.ok(retried3.length > 0, 'a task of run 3 was retried after the kill');
  });

  it('the lake holds every batch exactly once: RAW 0..5 with distinct contents, one quality row and one decision per batch', async () => {
    const raw = await readCommittedBatches(lake);
    assert.deepEqual(raw.map((b) => b.batch_ordinal), [0, 1, 2, 3, 4, 5]);
    assert.equal(new Set(raw.map((b) => b.content_sha256)).size, 6);
    const quality = await readBatchQuality(lake);
    assert.deepEqual(quality.map((q) => q.batch_ordinal).sort(), [0, 1, 2, 3, 4, 5]);
    const decisions = await readDecisions(lake);
    assert.deepEqual(decisions.map((d) => d.batch_ordinal).sort(), [0, 1, 2, 3, 4, 5]);
  });

  it('MLflow holds one version per retrain decision, keyed by its DAG run, and champion names the promoted one', async () => {
    const mlflow = stack.client();
    const versions = await allModelVersions(mlflow, MODEL);
    const retrained = runs.slice(0, 6).filter((r) => r.tasks['assess']!.value?.['decision'] === 'retrain');
    const trained = retrained.filter((r) => r.tasks['train']!.value?.['version']);
    assert.ok(trained.length >= 2, `at least two trainings (${trained.length})`);
    assert.equal(versions.length, trained.length, 'one version per training, none duplicated by the kill');
    for (const r of trained) {
      const v = versions.find((x) => x.version === r.tasks['train']!.value!['version']);
      assert.ok(v, `version ${String(r.tasks['train']!.value!['version'])} exists`);
      assert.match(v.tags[TAGS.idempotencyKey] ?? '', /^casa_batch\..*\.train\.b\d$/);
      assert.equal(v.tags[TAGS.batchTo], String(r.tasks['ingest']!.value!['batch']));
    }
    for (const r of runs.slice(0, 6)) if (r.tasks['assess']!.value?.['decision'] === 'no-retrain') assert.equal(r.tasks['train']!.state, 'skipped');
    const promoted = runs.slice(0, 6).filter((r) => r.tasks['promote']!.value?.['decision'] === 'promoted');
    assert.ok(promoted.length >= 1);
    const lastPromoted = promoted[promoted.length - 1]!;
    const champion = await mlflow.getModelVersionByAlias(MODEL, 'champion');
    assert.equal(champion.version, lastPromoted.tasks['train']!.value!['version']);
    console.log(`versions ${versions.map((v) => v.version).join(', ')}; promoted ${promoted.map((r) => String(r.tasks['train']!.value!['version'])).join(', ')}; champion ${champion.version}`);
  });

  it("the training killed with the gateway left its candidate runs FAILED and was trained again under the same key, once", async () => {
    const mlflow = stack.client();
    const key = String((await allModelVersions(mlflow, MODEL)).find((v) => v.tags[TAGS.batchTo] === '0')?.tags[TAGS.idempotencyKey]);
    const experiment = await mlflow.findExperimentByName(MODEL);
    const keyed = await mlflow.searchAllRuns({ experimentIds: [experiment!.experimentId], filter: `tags.\`${TAGS.idempotencyKey}\` = '${key}'` });
    const calls = new Map<string, string[]>();
    for (const r of keyed) calls.set(r.data.tags[TAGS.trainCall]!, [...(calls.get(r.data.tags[TAGS.trainCall]!) ?? []), r.info.status]);
    assert.equal(calls.size, 2, 'two calls: the one killed and the one resubmitted');
    const statuses = [...calls.values()].map((s) => [...new Set(s)].sort().join(',')).sort();
    assert.deepEqual(statuses, ['FAILED', 'FINISHED']);
  });
});
