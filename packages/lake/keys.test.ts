import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { InvalidKeyError, InvalidTableError } from './errors.js';
import { checkKey, checkTableName } from './keys.js';
import { parseLakeUrl, lakeConfigFromEnv } from './config.js';
import { ConfigError } from '../core/index.js';

test('checkKey accepts lake keys and refuses escapes', () => {
  for (const ok of ['tables/raw_records/batch_ordinal=3/0b7e.parquet', 'tables/t/_manifests/00000000000000000001.json', 'a', 'a.b/c-d_e+f@g']) assert.equal(checkKey(ok), ok);
  for (const bad of ['', '/a', 'a/', '../a', 'a/..', 'a/../b', './a', 'a//b', 'a\\b', 'C:\\x', 'a\u0000', 'a\nb', '.git/config', 'a/.tmp/x', 'a b', 'a%2F..']) {
    assert.throws(() => checkKey(bad), InvalidKeyError, JSON.stringify(bad));
  }
});

test('checkKey: no accepted key has a segment that climbs or hides (property)', () => {
  let runs = 0;
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', '.', '/', '\\', '=', '\u0000', ' ', '%'), maxLength: 12 }), (key) => {
      runs++;
      let accepted = true;
      try {
        checkKey(key);
      } catch (err) {
        assert.ok(err instanceof InvalidKeyError);
        accepted = false;
      }
      if (accepted) assert.ok(key.split('/').every((s) => s !== '' && !s.startsWith('.') && !s.includes('\\') && !s.includes('\u0000')), key);
    }),
    { numRuns: 2000 },
  );
  assert.equal(runs, 2000);
});

test('checkTableName allows identifiers only', () => {
  assert.equal(checkTableName('raw_records'), 'raw_records');
  for (const bad of ['', 'Raw', '1x', 'a-b', 'a/b', '../a', 'a b', '__proto__', 'x'.repeat(64)]) assert.throws(() => checkTableName(bad), InvalidTableError, bad);
});

test('lake URLs: local paths, file:// and s3://', () => {
  assert.deepEqual(parseLakeUrl('file:///data/lake'), { kind: 'local', root: '/data/lake' });
  assert.deepEqual(parseLakeUrl('rel/lake', '/work'), { kind: 'local', root: '/work/rel/lake' });
  assert.deepEqual(parseLakeUrl('s3://casa-lake/prod/v1/'), { kind: 's3', bucket: 'casa-lake', prefix: 'prod/v1', region: 'us-east-1', forcePathStyle: true });
  assert.throws(() => parseLakeUrl('http://x/y'), ConfigError);
  assert.throws(() => parseLakeUrl('s3://Bad_Bucket/x'), ConfigError);
});

test('lakeConfigFromEnv: default .casa/lake; S3 settings from the environment', () => {
  assert.deepEqual(lakeConfigFromEnv({}, '/w').location, { kind: 'local', root: '/w/.casa/lake' });
  const cfg = lakeConfigFromEnv(
    { CASA_LAKE_URL: 's3://bk1/p', CASA_S3_ENDPOINT: 'http://127.0.0.1:8333', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-west-1', CASA_LAKE_CACHE_DIR: 'c' },
    '/w',
  );
  assert.deepEqual(cfg, {
    location: { kind: 's3', bucket: 'bk1', prefix: 'p', endpoint: 'http://127.0.0.1:8333', region: 'eu-west-1', forcePathStyle: true, credentials: { accessKeyId: 'k', secretAccessKey: 's' } },
    cacheDir: '/w/c',
  });
  assert.throws(() => lakeConfigFromEnv({ CASA_S3_ENDPOINT: 'not a url' }), ConfigError);
});
