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
  api = await startDataApi({ scale: 0.02, seed: 5, latencyScale: 1 });
});
after(async () => {
  await api.close();
  await dirs.removeAll();
});

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** ms from "ready" to exit. */
  workMs: number;
}

/** Runs the ingest child; when `killAfterMs` is set, SIGKILLs it that long after it is ready. */
function runChild(env: Record<string, string>, killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let readyAt = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!readyAt && stderr.includes('ready')) {
        readyAt = performance.now();
        if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal === null) return reject(new Error(`ingest child failed (${code}): ${stderr}`));
      resolve({ code, signal, stdout, workMs: performance.now() - readyAt });
    });
  });
}

function expectedSha(i: number): string {
  const body = Buffer.concat([...api.simulator.batchBody(i, 1)].map((c) => Buffer.from(c)));
  const text = body.toString('latin1');
  return createHash('sha256').update(body.subarray(text.indexOf('"data":') + 7, text.lastIndexOf(']') + 1)).digest('hex');
}

test(`killing ingest at random points ${KILLS} times over the same batch leaves RAW with no duplicated, lost or partial rows`, async (t) => {
  // Prepare: time one undisturbed run (other lake, other group) to know where the work is
  const env = async (name: string, group: number) => {
    const lake = await dirs.make(name);
    return { CASA_DATA_API_URL: api.url, CASA_GROUP_NUMBER: String(group), CASA_LAKE_URL: lake, CASA_LAKE_CACHE_DIR: join(lake, '.cache'), CASA_INGEST_LEASE_MS: '600000' };
  };
  const probe = await runChild(await env('probe', 9));
  const workMs = probe.workMs;
  const target = await env('killed', 1);
  const lake = await openLakeWithIngestTables({ env: target });
  t.after(() => lake.close());

  // Act: SIGKILL at a uniformly random moment of the work, 20 times
  const phases: Record<string, number> = {};
  let completed = 0;
  for (let i = 0; i < KILLS; i++) {
    const delay = Math.random() * workMs;
    const run = await runChild(target, delay);
    if (run.signal !== 'SIGKILL') completed++;
    const intent = await lake.store.get(intentKey(1));
    const phase = intent ? (JSON.parse(new TextDecoder().decode(intent.body)) as { phase: string }).phase : 'no intent';
    phases[run.signal === 'SIGKILL' ? phase : 'finished'] = (phases[run.signal === 'SIGKILL' ? phase : 'finished'] ?? 0) + 1;
  }
  const last = JSON.parse((await runChild(target)).stdout) as { status: string; ordinal: number };
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
