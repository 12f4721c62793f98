// The embedded variant (SQLite + local artifacts, as the demo runs it) and what every variant
// must do: answer /health, refuse unknown Host headers, and leave no process behind.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedMlflow, withPostgresDriver, type MlflowServer } from './mlflow-server.js';
import { MlflowClient } from '../mlflow/index.js';

const venv = process.env.CASA_MLFLOW_VENV ?? resolve(import.meta.dirname, '..', '..', '.venv-mlflow');
const skip = existsSync(join(venv, 'bin', 'mlflow')) ? false : `${venv} absent (run scripts/setup-mlflow.sh)`;
if (skip) console.warn(`SKIPPED: ${skip}`);

const curlStatus = (url: string, host?: string): string =>
  execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...(host ? ['-H', `Host: ${host}`] : []), url], { encoding: 'utf8' });

const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startEmbeddedMlflow', { skip }, () => {
  let dir: string;
  let server: MlflowServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casa-mlflow-embedded-'));
    server = await startEmbeddedMlflow(dir);
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the API on 127.0.0.1 and keeps metadata in SQLite under its folder', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=5`);
    assert.equal(res.status, 200);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(statSync(join(dir, 'mlflow.db')).size > 0);
  });

  it('refuses a Host header it was not told about, accepts its own', () => {
    const api = `${server.url}/api/2.0/mlflow/experiments/search?max_results=1`;
    assert.equal(curlStatus(api, 'attacker.example'), '403');
    assert.equal(curlStatus(api, `localhost:${server.port}`), '200');
    assert.equal(curlStatus(api), '200');
  });

  it('streams a large artifact in one request where the store has no multipart upload', async () => {
    // Prepare
    const seen: string[] = [];
    const client = new MlflowClient({
      trackingUri: server.url,
      multipartThresholdBytes: 1024 * 1024,
      fetch: (input, init) => (seen.push(`${init?.method} ${new URL(String(input)).pathname}`), fetch(input, init)),
    });
    const experiment = await client.getOrCreateExperiment('embedded');
    const run = await client.createRun({ experimentId: experiment.experimentId });
    const file = join(dir, 'big.bin');
    const bytes = randomBytes(3 * 1024 * 1024);
    await writeFile(file, bytes);
    // Act
    await client.uploadArtifact(run.info.artifactUri, 'big.bin', { file });
    await client.uploadArtifact(run.info.artifactUri, 'sub/big.bin', { file });
    // Assess: the first tried multipart (501 NOT_IMPLEMENTED) and streamed; the second streamed at once
    const stored = join(dir, 'artifacts', experiment.experimentId, run.info.runId, 'artifacts', 'sub', 'big.bin');
    assert.equal(seen.filter((s) => s.includes('/mpu/create/')).length, 1);
    assert.equal(seen.filter((s) => s.startsWith('PUT')).length, 2);
    assert.equal(sha256(readFileSync(stored)), sha256(bytes));
  });

  // Last: it stops the server the tests above shared (after() then finds nothing to stop).
  it('stops the whole process group', async () => {
    assert.ok(groupAlive(server.pid));
    await server.stop();
    await server.stop();
    assert.equal(groupAlive(server.pid), false);
    await assert.rejects(fetch(`${server.url}/health`), TypeError, 'nothing listens on the port any more');
  });
});

describe('withPostgresDriver', () => {
  it('sends plain PostgreSQL URLs through psycopg2 and leaves others alone', () => {
    assert.equal(withPostgresDriver('postgresql://u@127.0.0.1:5/db'), 'postgresql+psycopg2://u@127.0.0.1:5/db');
    assert.equal(withPostgresDriver('postgres://u@h/db'), 'postgresql+psycopg2://u@h/db');
    assert.equal(withPostgresDriver('postgresql+psycopg2://u@h/db'), 'postgresql+psycopg2://u@h/db');
    assert.equal(withPostgresDriver('sqlite:////tmp/x.db'), 'sqlite:////tmp/x.db');
  });
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
