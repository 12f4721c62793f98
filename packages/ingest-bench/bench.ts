/**
 * `npm run bench:ingest [-- --scale S]`: the full data API sequence (simulator at --scale, default
 * 1 = the real 1,084,909 rows, latency off) through ingest and clean into a fresh local lake,
 * against a plain DuckDB reference doing the same JSON → Parquet work on the same responses
 * saved to disk, measured in the same run. Three processes besides this one: the simulator
 * (its CPU is not ingest's), the reference, and the measured pipeline (its peak RSS is ingest's).
 *
 * Last line: {"rows", "seconds", "rows_per_s", "peak_rss_mb", "reference_seconds"}.
 * Targets (issue 3): seconds ≤ 2 × reference_seconds, under 60 s at scale 1, peak RSS < 1.5 GB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const ROOT = here('../../');
const args = process.argv.slice(2);
const scale = Number(args[args.indexOf('--scale') + 1] ?? '1') || 1;
const keep = args.includes('--keep');
const log = (line: string) => process.stderr.write(`${line}\n`);

const work = await mkdtemp(join(tmpdir(), 'casa-bench-ingest-'));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

try {
  // 1. The simulator, in its own process.
  const sim = spawn(process.execPath, [join(ROOT, 'bin/casa.mjs'), 'data-api', '--port', '0', '--scale', String(scale)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(sim);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    sim.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    sim.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before listening`)));
  });
  log(`simulator: ${url}, scale ${scale}`);

  // 2. The reference: save group 1's responses (not timed), then plain DuckDB read_json → Parquet (timed).
  const bodiesDir = join(work, 'bodies');
  await mkdir(bodiesDir);
  const bodies: string[] = [];
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/data?group_number=1`);
    if (res.status === 400) break;
    if (res.status !== 200 || !res.body) throw new Error(`reference fetch: HTTP ${res.status}`);
    const path = join(bodiesDir, `batch-${i}.json`);
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(path));
    bodies.push(path);
  }
  const ref = JSON.parse(await runChild('reference', [here('./reference.ts'), bodiesDir, ...bodies], {})) as { rows: number; plain_seconds: number; typed_seconds: number; plain_cpu_seconds: number; typed_cpu_seconds: number; peak_rss_mb: number };
  const reference = { rows: ref.rows, seconds: ref.plain_seconds };
  log(`reference (plain DuckDB read_json → Parquet of the ${bodies.length} saved responses): ${ref.rows.toLocaleString('en-US')} rows in ${ref.plain_seconds.toFixed(2)} s (CPU ${ref.plain_cpu_seconds.toFixed(1)} s), peak RSS ${ref.peak_rss_mb} MB`);
  log(`  (the same with the record type spelled out: ${ref.typed_seconds.toFixed(2)} s, CPU ${ref.typed_cpu_seconds.toFixed(1)} s — shown for comparison; the target uses the plain one)`);
  await rm(bodiesDir, { recursive: true, force: true });

  // 3. The measured run: group 2's sequence through ingest and clean into a fresh lake.
  const measured = JSON.parse(
    await runChild('pipeline', [here('./pipeline.ts')], {
      CASA_DATA_API_URL: url,
      CASA_GROUP_NUMBER: '2',
      CASA_LAKE_URL: join(work, 'lake'),
      CASA_LAKE_CACHE_DIR: join(work, 'cache'),
    }),
  ) as { rows: number; clean_rows: number; batches: number; seconds: number; receive_seconds: number; cpu_seconds: number; peak_rss_mb: number };
  log(
    `ingest + clean: ${measured.rows.toLocaleString('en-US')} rows (${measured.clean_rows.toLocaleString('en-US')} clean) in ${measured.batches} batches, ${measured.seconds.toFixed(2)} s ` +
      `(${measured.receive_seconds.toFixed(2)} s of it receiving bodies while the simulator generates them; CPU ${measured.cpu_seconds.toFixed(1)} s), peak RSS ${measured.peak_rss_mb} MB`,
  );
  if (measured.rows !== reference.rows) throw new Error(`ingest took ${measured.rows} rows, the reference read ${reference.rows}`);

  const ratio = measured.seconds / reference.seconds;
  log(`  (ingest + clean vs the typed reference: ${(measured.seconds / ref.typed_seconds).toFixed(2)}×)`);
  log(
    `targets: seconds ≤ 2 × reference → ${ratio.toFixed(2)}× ${ratio <= 2 ? 'PASS' : 'FAIL'}; ` +
      `${scale === 1 ? `under 60 s → ${measured.seconds < 60 ? 'PASS' : 'FAIL'}; ` : ''}peak RSS < 1,536 MB → ${measured.peak_rss_mb < 1536 ? 'PASS' : 'FAIL'}`,
  );
  // Let the simulator say goodbye before the JSON line, which must stay the last line printed.
  await new Promise<void>((resolve) => {
    if (sim.exitCode !== null || sim.signalCode !== null) return resolve();
    sim.once('exit', () => resolve());
    sim.kill('SIGTERM');
  });
  process.stdout.write(
    `${JSON.stringify({
      rows: measured.rows,
      seconds: round(measured.seconds),
      rows_per_s: Math.round(measured.rows / measured.seconds),
      peak_rss_mb: measured.peak_rss_mb,
      reference_seconds: round(reference.seconds),
    })}\n`,
  );
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  if (!keep) await rm(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}

/** Runs a TypeScript file in a child Node process; resolves with its stdout, its stderr is shown. */
function runChild(name: string, argv: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...argv], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else reject(new Error(`${name} exited with ${code}`));
    });
  });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
