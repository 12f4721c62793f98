// Runs every *.test.ts under the source folders with Node's own test runner (through tsx).
// One SeaweedFS S3 server is started for the whole run and shared by the test files through
// CASA_TEST_S3_* (each file would otherwise pay SeaweedFS's ~10 s start), and stopped at the end.
// Usage: node --import tsx scripts/run-tests.ts [substring ...]  — only files whose path contains one.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { startSeaweed, weedAvailable, type Seaweed } from '../packages/testkit/seaweed.js';

const ROOTS = ['packages', 'functions', 'lake-layout', 'scripts', 'dags', 'ui', 'deploy', 'template'];
const SKIP = new Set(['node_modules', 'build', 'dist', '.venv', '.venv-mlflow', '.venv-airflow', '.venv-ui', '__pycache__']);
// Test files mostly wait on real services; three at a time keeps both cores busy.
const CONCURRENCY = process.env['CASA_TEST_CONCURRENCY'] ?? '3';

function walk(dir: string, out: string[]): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(process.cwd(), path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ROOTS.flatMap((r) => walk(r, []))
  .sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}

let seaweed: Seaweed | undefined;
const env = { ...process.env };
// Only for a whole run: a filtered run usually touches one file, which starts its own server if it needs one.
if (filters.length === 0 && !env['CASA_TEST_S3_ENDPOINT'] && weedAvailable()) {
  seaweed = await startSeaweed({ buckets: ['casa-test'] });
  env['CASA_TEST_S3_ENDPOINT'] = seaweed.endpoint;
  env['CASA_TEST_S3_ACCESS_KEY'] = seaweed.accessKey;
  env['CASA_TEST_S3_SECRET_KEY'] = seaweed.secretKey;
  console.error(`run-tests: shared SeaweedFS S3 at ${seaweed.endpoint} (pid ${seaweed.pid})`);
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${CONCURRENCY}`, '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env,
});
const stopAll = () => child.kill('SIGTERM');
process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);
const code: number = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await seaweed?.stop();
process.exit(code);
