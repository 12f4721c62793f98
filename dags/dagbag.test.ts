// The DagBag test of issue 8: both DAGs parse with no import error, no network and no
// connection or variable lookup at parse time; tags, retries, explicit catchup, doc_md, the
// timeout ladder. Plus how the gateway client sorts failures into retried and not retried.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AIRFLOW_PYTHON, airflowEnv, DAGS_DIR, markedJson, requireAirflowVenv, run } from './airflow-venv.js';

interface TaskReport {
  retries: number;
  retry_delay: number;
  execution_timeout: number | null;
  doc_md: boolean;
  upstream: string[];
  trigger_rule: string;
}
interface DagReport {
  file: string;
  tags: string[];
  catchup: boolean;
  catchup_explicit: boolean;
  max_active_runs: number;
  schedule: string | null;
  doc_md: boolean;
  params: string[];
  tasks: Record<string, TaskReport>;
}
interface Report {
  import_errors: Record<string, string>;
  attempts: string[];
  ladder: [string, number][] | null;
  dags: Record<string, DagReport>;
}

const REPORT = join(DAGS_DIR, 'testing', 'dagbag_report.py');

describe('the DagBag', () => {
  let home: string;
  let report: Report;
  const parse = async (extra: Record<string, string> = {}, folder?: string): Promise<Report> => {
    const r = await run(AIRFLOW_PYTHON, [REPORT, ...(folder ? [folder] : [])], airflowEnv(home, extra), 120_000);
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    return markedJson<Report>(r.stdout, 'DAGBAG-REPORT');
  };

  before(async () => {
    requireAirflowVenv();
    home = await mkdtemp(join(tmpdir(), 'casa-airflow-dagbag-'));
    report = await parse();
  });
  after(() => rm(home, { recursive: true, force: true }));

  it('holds exactly casa_batch and casa_maintenance, with 0 import errors', () => {
    assert.deepEqual(report.import_errors, {});
    assert.deepEqual(Object.keys(report.dags).sort(), ['casa_batch', 'casa_maintenance']);
    assert.equal(report.dags['casa_batch']!.file, 'casa_batch.py');
    assert.equal(report.dags['casa_maintenance']!.file, 'casa_maintenance.py');
  });

  it('touches no socket, connection or variable at parse time (AIRFLOW_CONN_* and CASA_GATEWAY_URL unset)', () => {
    assert.deepEqual(report.attempts, []);
  });

  it('the parse-time guard does catch a DAG file that opens a connection (the check can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'casa-airflow-bad-dag-'));
    try {
      await writeFile(join(dir, 'bad_dag.py'), 'import socket\nfrom airflow.sdk import DAG\nsocket.create_connection(("127.0.0.1", 9))\nwith DAG("bad", schedule=None):\n    pass\n');
      const bad = await parse({}, dir);
      assert.equal(bad.attempts.length, 1);
      assert.match(bad.import_errors['bad_dag.py'] ?? '', /network access at parse time/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tags, explicit catchup=False, max_active_runs=1, doc_md on every DAG and task', () => {
    for (const [id, dag] of Object.entries(report.dags)) {
      assert.ok(dag.tags.includes('casa'), `${id} tags ${dag.tags.join(',')}`);
      assert.equal(dag.catchup, false, id);
      assert.ok(dag.catchup_explicit, `${id} sets catchup explicitly`);
      assert.equal(dag.max_active_runs, 1, id);
      assert.ok(dag.doc_md, `${id} doc_md`);
      for (const [tid, t] of Object.entries(dag.tasks)) assert.ok(t.doc_md, `${id}.${tid} doc_md`);
    }
    assert.deepEqual(report.dags['casa_batch']!.tags, ['batch', 'casa', 'continuous-training']);
    assert.deepEqual(report.dags['casa_maintenance']!.tags, ['casa', 'maintenance']);
  });

  it('casa_batch: ingest → clean → assess → decide → train → promote → publish_report, scheduled; maintenance is manual with params', () => {
    const t = report.dags['casa_batch']!.tasks;
    assert.deepEqual(Object.keys(t).sort(), ['assess', 'clean', 'decide', 'ingest', 'no_retrain', 'promote', 'publish_report', 'train']);
    assert.deepEqual(t['clean']!.upstream, ['ingest']);
    assert.deepEqual(t['assess']!.upstream, ['clean']);
    assert.deepEqual(t['decide']!.upstream, ['assess']);
    assert.ok(t['train']!.upstream.includes('decide'));
    assert.ok(t['promote']!.upstream.includes('train'));
    assert.ok(t['publish_report']!.upstream.includes('promote') && t['publish_report']!.upstream.includes('no_retrain'));
    assert.equal(t['publish_report']!.trigger_rule, 'none_failed_min_one_success');
    assert.equal(report.dags['casa_batch']!.schedule, '@hourly');
    assert.equal(report.dags['casa_maintenance']!.schedule, null);
    assert.deepEqual(report.dags['casa_maintenance']!.params, ['batch', 'restart_and_replay', 'retrain']);
  });

  it('every task retries with a delay (3 × 60 s by default)', () => {
    for (const dag of Object.values(report.dags)) {
      for (const [tid, t] of Object.entries(dag.tasks)) {
        assert.equal(t.retries, 3, tid);
        assert.equal(t.retry_delay, 60, tid);
      }
    }
  });

  it('timeouts are ordered function < gateway < HTTP call < task, and train task > gateway', () => {
    const ladder = report.ladder!;
    assert.deepEqual(ladder.map(([n]) => n), ['CASA_AIRFLOW_FUNCTION_TIMEOUT', 'CASA_AIRFLOW_GATEWAY_TIMEOUT', 'CASA_AIRFLOW_HTTP_TIMEOUT', 'CASA_AIRFLOW_TASK_TIMEOUT', 'CASA_AIRFLOW_TRAIN_TASK_TIMEOUT']);
    for (let i = 1; i < 4; i++) assert.ok(ladder[i - 1]![1] < ladder[i]![1], `${ladder[i - 1]![0]} < ${ladder[i]![0]}`);
    assert.ok(ladder[1]![1] < ladder[4]![1]);
    const tasks = report.dags['casa_batch']!.tasks;
    assert.equal(tasks['ingest']!.execution_timeout, ladder[3]![1], 'tasks use CASA_AIRFLOW_TASK_TIMEOUT');
    assert.equal(tasks['train']!.execution_timeout, ladder[4]![1], 'train uses CASA_AIRFLOW_TRAIN_TASK_TIMEOUT');
  });

  it('settings out of order make both DAG files fail to import, naming the two settings', async () => {
    const bad = await parse({ CASA_AIRFLOW_HTTP_TIMEOUT: '100' });
    assert.deepEqual(Object.keys(bad.import_errors).sort(), ['casa_batch.py', 'casa_maintenance.py']);
    assert.match(bad.import_errors['casa_batch.py']!, /CASA_AIRFLOW_GATEWAY_TIMEOUT \(900 s\) must be shorter than CASA_AIRFLOW_HTTP_TIMEOUT \(100 s\)/);
  });

  it('settings come from the environment: CASA_AIRFLOW_SCHEDULE=none makes casa_batch manual only', async () => {
    const manual = await parse({ CASA_AIRFLOW_SCHEDULE: 'none', CASA_AIRFLOW_RETRIES: '1' });
    assert.equal(manual.dags['casa_batch']!.schedule, null);
    assert.equal(manual.dags['casa_batch']!.tasks['ingest']!.retries, 1);
  });
});

describe('the gateway client', () => {
  it('retries connection errors, 5xx and a held lease; fails at once on other 4xx problems; sends the idempotency key; finds the gateway URL', async () => {
    requireAirflowVenv();
    const home = await mkdtemp(join(tmpdir(), 'casa-airflow-gw-'));
    try {
      const r = await run(AIRFLOW_PYTHON, [join(DAGS_DIR, 'testing', 'gateway_check.py')], airflowEnv(home), 60_000);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const { results, keys, urls } = markedJson<{ results: Record<string, string>; keys: string[]; urls: Record<string, string> }>(r.stdout, 'GATEWAY-CHECK');
      const kind = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.split(':')[0]]));
      assert.deepEqual(kind, {
        '/ok': 'ok',
        '/bad': 'AirflowFailException',
        '/missing': 'AirflowFailException',
        '/busy': 'TransientGatewayError',
        '/diverged': 'AirflowFailException',
        '/down': 'TransientGatewayError',
        '/timeout': 'TransientGatewayError',
        refused: 'TransientGatewayError',
      });
      assert.match(results['/bad']!, /422 invalid-input: bad batch \(\/batch: integer\)/);
      assert.deepEqual(new Set(keys), new Set(['k-1']));
      assert.equal(urls['conn'], 'http://127.0.0.1:8088', 'the connection wins over CASA_GATEWAY_URL');
      assert.equal(urls['conn_https'], 'https://gateway.internal:8443');
      assert.equal(urls['fallback'], 'http://127.0.0.1:1234');
      assert.match(urls['none']!, /^AirflowFailException: no gateway configured: set the Airflow connection 'casa_gateway'/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('the task bodies (casa_lib.steps) against a scripted gateway', () => {
  it('train polls, resubmits an unknown call, ends with a synchronous already-trained call; too small is recorded, other refusals fail; exhaustion skips', async () => {
    requireAirflowVenv();
    const home = await mkdtemp(join(tmpdir(), 'casa-airflow-steps-'));
    try {
      const r = await run(AIRFLOW_PYTHON, [join(DAGS_DIR, 'testing', 'steps_check.py')], airflowEnv(home), 60_000);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const { cases, keys } = markedJson<{ cases: Record<string, { ok?: Record<string, unknown>; error?: string; message?: string; calls?: string[] }>; keys: Record<string, string> }>(r.stdout, 'STEPS-CHECK');
      const c = cases['unknown_then_trained']!;
      assert.deepEqual(c.ok, { batch: 4, version: '7', refused: null });
      const submits = c.calls!.filter((x) => x === 'POST /async-function/train').length;
      assert.equal(submits, 3, 'submitted at the 1st, 3rd and 5th unknown poll (unknown_polls=2)');
      assert.equal(c.calls![c.calls!.length - 1], 'POST /function/train', 'a last synchronous call with the key');
      assert.deepEqual(cases['too_small']!.ok, { batch: 0, version: null, refused: 'only 40 rows' });
      assert.equal(cases['refused']!.error, 'AirflowFailException');
      assert.deepEqual(cases['already_trained']!.calls, ['GET /function/train', 'POST /function/train'], 'a retried task does not submit again');
      assert.equal(cases['exhausted']!.error, 'AirflowSkipException');
      assert.deepEqual(cases['already_committed']!.ok, { batch: 3, rows: 81 });
      assert.equal(keys['plain'], 'casa_batch.manual__2026-01-01T00:00:00_00:00.train.b4');
      assert.match(keys['long']!, /^[A-Za-z0-9._:@-]{1,128}$/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
