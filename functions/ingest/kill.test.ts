import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Duck } from '../../packages/duckdb/index.js';
import { startDataApi, type DataApiServer } from '../../packages/simulator/index.js';
import { readCommittedBatches } from './core.js';
import { openLakeWithIngestTables } from './deps.js';
import { intentKey } from './intent.js';
import { tempDirs } from './test-helpers.js';

const CHILD = fileURLToPath(new URL('./ingest-child.fixture.ts', import.meta.url));
const KILLS = 20;
const dirs = await tempDirs('casa-kill');
let api: DataApiServer;

before(async () => {
  // Latency stretches the fetch, so kills land before, during and after the body as well as in the RAW write.
  api = await startDataApi({ scale: 0.005, seed: 5, latencyScale: 0.5 });
});
after(async () => {
  await api.close();
  await dirs.removeAll();
});

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** ms from "go" to exit. */
  workMs: number;
  pid: number;
}

interface Child {
  /** Resolves once the child has loaded its modules. */
  ready: Promise<void>;
  /** Starts its one ingest; when `killAfterMs` is set, SIGKILLs it that long after. */
  run(killAfterMs?: number): Promise<ChildRun>;
}

/** Spawns an ingest child that waits for "go": the next child loads while the current one works. */
function spawnChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('ready')) markReady();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    ready: Promise.race([ready, exited.then(() => Promise.reject(new Error(`ingest child exited before it was ready: ${stderr}`)))]),
    async run(killAfterMs) {
      const started = performance.now();
      child.stdin!.end('go\n');
      const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const { code, signal } = await exited;
      clearTimeout(timer);
      if (code !== 0 && signal === null) throw new Error(`ingest child failed (${code}): ${stderr}`);
      return { code, signal, stdout, workMs: performance.now() - started, pid: child.pid! };
    },
  };
}

function expectedSha(i: number): string {
  const body = Buffer.concat([...api.simulator.batchBody(i, 1)].map((c) => Buffer.from(c)));
  const text = body.toString('latin1');
  return createHash('sha256').update(body.subarray(text.indexOf('"data":') + 7, text.lastIndexOf(']') + 1)).digest('hex');
}

/** The phase the killed child's intent records, or 'before its intent' when it had not taken one yet. */
async function phaseAfterKill(lake: { store: { get(key: string): Promise<{ body: Uint8Array } | null> } }, pid: number): Promise<string> {
  const obj = await lake.store.get(intentKey(1));
  const intent = obj ? (JSON.parse(new TextDecoder().decode(obj.body)) as { phase: string; owner: { pid: number } }) : null;
  return intent && intent.owner.pid === pid ? intent.phase : 'before its intent';
}

test(`killing ingest at random points ${KILLS} times over the same batch leaves RAW with no duplicated, lost or partial rows`, async (t) => {
  // Prepare: time one undisturbed run (other lake, other group) to know where the work is
  const env = async (name: string, group: number) => {
    const lake = await dirs.make(name);
    return { CASA_DATA_API_URL: api.url, CASA_GROUP_NUMBER: String(group), CASA_LAKE_URL: lake, CASA_LAKE_CACHE_DIR: join(lake, '.cache'), CASA_INGEST_LEASE_MS: '600000' };
  };
  const probeChild = spawnChild(await env('probe', 9));
  await probeChild.ready;
  const target = await env('killed', 1);
  let next = spawnChild(target);
  const workMs = (await probeChild.run()).workMs;
  const lake = await openLakeWithIngestTables({ env: target });
  t.after(() => lake.close());

  // Act: SIGKILL at a uniformly random moment of the work, 20 times
  const phases: Record<string, number> = {};
  let completed = 0;
  for (let i = 0; i < KILLS; i++) {
    const current = next;
    await current.ready;
    next = spawnChild(target);
    const run = await current.run(Math.random() * workMs);
    const landed = run.signal !== 'SIGKILL' ? 'finished' : await phaseAfterKill(lake, run.pid);
    if (landed === 'finished') completed++;
    phases[landed] = (phases[landed] ?? 0) + 1;
  }
  await next.ready;
  const last = JSON.parse((await next.run()).stdout) as { status: string; ordinal: number };
  t.diagnostic(`work ≈ ${Math.round(workMs)} ms; where the kills landed: ${JSON.stringify(phases)}; ${completed} runs finished before their kill`);

  // Assess: RAW is exactly batches 0..n-1 as the simulator sends them
  assert.equal(last.status, 'committed');
  const batches = await readCommittedBatches(lake);
  assert.equal(batches.length, last.ordinal + 1);
  batches.forEach((b, i) => {
    assert.equal(b.batch_ordinal, i);
    assert.equal(b.content_sha256, expectedSha(i), `batch ${i} is the right batch`);
    assert.equal(b.row_count, api.simulator.generator.rows[i], `batch ${i} has every row`);
  });
  const [rows] = await lake.query<{ n: bigint; d: bigint }>('SELECT count(*) AS n, count(DISTINCT (batch_ordinal, row_index)) AS d FROM raw_records');
  const total = batches.reduce((s, b) => s + b.row_count, 0);
  assert.equal(Number(rows!.n), total, '0 lost and 0 duplicated rows');
  assert.equal(Number(rows!.d), total);
  // Every file a manifest references is complete: it reads back with the row count the commit recorded.
  const duck = await Duck.open();
  try {
    for (const table of ['raw_records', 'raw_batches']) {
      const snap = await lake.snapshot(table);
      for (const f of snap.files) {
        const [path] = await lake.localFiles(table, { partition: f.partition });
        const [c] = await duck.all<{ n: bigint }>('SELECT count(*) AS n FROM read_parquet($p)', { p: path! });
        assert.equal(Number(c!.n), f.rows, `${f.key} is complete`);
      }
    }
  } finally {
    duck.close();
  }
  assert.equal(await lake.store.get(intentKey(1)), null, 'no intent left after the final run');
  assert.ok(Object.keys(phases).length >= 2, `kills spread over several phases: ${JSON.stringify(phases)}`);
});
