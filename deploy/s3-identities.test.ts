// Least privilege, on a real SeaweedFS: the compose file's `seaweedfs` command and its S3
// identities (interpolated from deploy/.env.example), then its `s3-init` script, run natively;
// each role may do what its table row in deploy/README.md says and nothing more.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort, waitFor, waitForExit } from '../packages/testkit/process-utils.js';
import { weedAvailable, weedBinaryPath } from '../packages/testkit/seaweed.js';
import { interpolate, readCompose, readEnvExample } from './deploy-files.js';

const skip = !weedAvailable() && 'SeaweedFS missing: run scripts/setup-weed.sh';
const env = readEnvExample();
const compose = readCompose();
const dir = mkdtempSync(join(tmpdir(), 'casa-s3-identities-'));
let endpoint = '';
let masterAddress = '';
/** host:port.grpcPort — how weed shell names a master whose gRPC port is not port+10000. */
let shellMaster = '';
let stopWeed: () => Promise<void> = async () => {};

function client(role: 'ADMIN' | 'FUNCTIONS' | 'MLFLOW' | 'ANALYST'): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: env[`CASA_S3_${role}_ACCESS_KEY`]!, secretAccessKey: env[`CASA_S3_${role}_SECRET_KEY`]! },
  });
}

/** Runs the s3-init service's script natively, its master address pointed at the test server. */
function runS3Init(): { code: number; out: string } {
  const script = interpolate((compose.doc.services['s3-init']?.command as string[])[0]!, env)
    .replaceAll('seaweedfs:9333', shellMaster)
    .replace(/\bweed shell\b/g, `${weedBinaryPath()} shell`);
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

async function allowed(work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (/AccessDenied|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch/.test(name) || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) return false;
    throw err;
  }
}

before(async () => {
  if (skip) return;
  const config = join(dir, 's3.json');
  writeFileSync(config, interpolate(compose.doc.configs?.['s3-identities']?.content ?? '', env));
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  masterAddress = `127.0.0.1:${master}`;
  shellMaster = `${masterAddress}.${masterGrpc}`;
  endpoint = `http://127.0.0.1:${s3}`;
  // The compose command, with the container's paths and ports swapped for this test's.
  const args = (compose.doc.services['seaweedfs']?.command as string[])
    .filter((a) => !/^-(dir|s3\.port|s3\.config)=/.test(a))
    .concat([`-dir=${dir}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1', `-master.port=${master}`, `-master.port.grpc=${masterGrpc}`, `-volume.port=${volume}`,
      `-volume.port.grpc=${volumeGrpc}`, `-filer.port=${filer}`, `-filer.port.grpc=${filerGrpc}`, `-filer.localSocket=${join(dir, 'filer.sock')}`,
      `-s3.port=${s3}`, `-s3.port.grpc=${s3Grpc}`, '-s3.port.iceberg=0', '-s3.port.lance=0', `-s3.config=${config}`]);
  const log = openSync(join(dir, 'weed.log'), 'a');
  const child = spawn(weedBinaryPath(), args, { cwd: dir, stdio: ['ignore', log, log] });
  closeSync(log);
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  stopWeed = async () => {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5_000))) child.kill('SIGKILL');
    process.removeListener('exit', kill);
  };
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`weed exited with ${child.exitCode}`);
    return (await fetch(`http://${masterAddress}/cluster/status`).catch(() => undefined))?.ok === true;
  }, 60_000, 'the SeaweedFS master');
});

after(async () => {
  await stopWeed();
  rmSync(dir, { recursive: true, force: true });
});

describe('per-role S3 identities from deploy/compose.yaml', { skip }, () => {
  test('s3-init creates both buckets, and a second run changes nothing', async () => {
    // s3.bucket.create needs a volume server registered: retry until SeaweedFS is writable.
    let first = { code: 1, out: '' };
    await waitFor(async () => {
      first = runS3Init();
      const listed = spawnSync('/bin/sh', ['-c', `echo s3.bucket.list | ${weedBinaryPath()} shell -master=${shellMaster}`], { encoding: 'utf8' }).stdout;
      return first.code === 0 && /casa-lake/.test(listed) && /casa-mlflow/.test(listed);
    }, 60_000, 's3-init to create the buckets');
    const second = runS3Init();
    assert.equal(second.code, 0, second.out);
    assert.doesNotMatch(second.out, /error/i);
  });

  test('each role reaches its own bucket and nothing else', { timeout: 90_000 }, async () => {
    const put = (c: S3Client, bucket: string) => () => c.send(new PutObjectCommand({ Bucket: bucket, Key: `probe/${Date.now()}`, Body: 'x' }));
    const list = (c: S3Client, bucket: string) => () => c.send(new ListObjectsV2Command({ Bucket: bucket }));
    const [fns, mlflow, analyst] = [client('FUNCTIONS'), client('MLFLOW'), client('ANALYST')];
    // Writes may fail for a few seconds until a volume is allocated; the functions role proves when they work.
    await waitFor(() => allowed(put(fns, 'casa-lake')).catch(() => false), 60_000, 'a first write to casa-lake');
    await fns.send(new PutObjectCommand({ Bucket: 'casa-lake', Key: 'lake/hello', Body: 'lake data' }));

    const matrix = {
      functionsWriteLake: await allowed(put(fns, 'casa-lake')),
      functionsWriteMlflow: await allowed(put(fns, 'casa-mlflow')),
      functionsListMlflow: await allowed(list(fns, 'casa-mlflow')),
      mlflowWriteMlflow: await allowed(put(mlflow, 'casa-mlflow')),
      mlflowReadLake: await allowed(() => mlflow.send(new GetObjectCommand({ Bucket: 'casa-lake', Key: 'lake/hello' }))),
      mlflowWriteLake: await allowed(put(mlflow, 'casa-lake')),
      analystReadLake: await allowed(async () => (await analyst.send(new GetObjectCommand({ Bucket: 'casa-lake', Key: 'lake/hello' }))).Body?.transformToString()),
      analystListLake: await allowed(list(analyst, 'casa-lake')),
      analystWriteLake: await allowed(put(analyst, 'casa-lake')),
      analystReadMlflow: await allowed(list(analyst, 'casa-mlflow')),
    };
    assert.deepEqual(matrix, {
      functionsWriteLake: true,
      functionsWriteMlflow: false,
      functionsListMlflow: false,
      mlflowWriteMlflow: true,
      mlflowReadLake: false,
      mlflowWriteLake: false,
      analystReadLake: true,
      analystListLake: true,
      analystWriteLake: false,
      analystReadMlflow: false,
    });
  });
});
