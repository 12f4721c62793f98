import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

const file = (p: string): URL => new URL(p, import.meta.url);
const sha256 = (p: string): string => createHash('sha256').update(readFileSync(file(p))).digest('hex');

test('committed wasm artifacts match their SHA-256 manifest', () => {
  const sums = readFileSync(file('wasm/SHA256SUMS'), 'utf8').trim().split('\n');
  assert.equal(sums.length, 2);
  for (const line of sums) {
    const [hash, name] = line.split(/\s+\*?/);
    assert.equal(sha256(`wasm/${name}`), hash, `wasm/${name}`);
  }
});

test('BUILDINFO.json agrees with build.sh and the patches folder', () => {
  const info = JSON.parse(readFileSync(file('wasm/BUILDINFO.json'), 'utf8')) as { xgboost_version: string; source_sha256: string; patches: string[] };
  const script = readFileSync(file('build.sh'), 'utf8');
  assert.equal(/^XGB_VERSION=(\S+)$/m.exec(script)?.[1], info.xgboost_version);
  assert.equal(/^XGB_SDIST_SHA256=(\S+)$/m.exec(script)?.[1], info.source_sha256);
  assert.deepEqual(readdirSync(file('patches')).filter((f) => f.endsWith('.patch')).sort(), info.patches);
});
