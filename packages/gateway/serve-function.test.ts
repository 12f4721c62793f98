import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../core/index.js';
import type { CasaFunction } from './casa-function.js';
import { loadFunction, loadSecretsIntoEnv, secretEnvName, serveFunction } from './serve-function.js';

const dir = mkdtempSync(join(tmpdir(), 'casa-serve-function-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets → environment', () => {
  test('secret file names map to variable names; names that cannot are refused', () => {
    assert.equal(secretEnvName('aws-secret-access-key'), 'AWS_SECRET_ACCESS_KEY');
    assert.equal(secretEnvName('mlflow.tracking.password'), 'MLFLOW_TRACKING_PASSWORD');
    assert.equal(secretEnvName('9lives'), undefined);
  });

  test('each secret file sets its variable (trailing newline dropped), overriding the environment; dotfiles are skipped', () => {
    // Prepare
    const secrets = join(dir, 'secrets');
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'aws-access-key-id'), 'key-id\n');
    writeFileSync(join(secrets, 'aws-secret-access-key'), 'the secret');
    writeFileSync(join(secrets, '..data'), 'kubernetes internals');
    const env: NodeJS.ProcessEnv = { AWS_ACCESS_KEY_ID: 'from-env' };
    // Act
    const set = loadSecretsIntoEnv(secrets, env);
    // Assess
    assert.deepEqual(set, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    assert.deepEqual(env, { AWS_ACCESS_KEY_ID: 'key-id', AWS_SECRET_ACCESS_KEY: 'the secret' });
  });

  test('a missing secrets folder means no secrets; an unmappable file name is a ConfigError', () => {
    assert.deepEqual(loadSecretsIntoEnv(join(dir, 'absent'), {}), []);
    const bad = join(dir, 'bad-secrets');
    mkdirSync(bad);
    writeFileSync(join(bad, '1-bad'), 'x');
    assert.throws(() => loadSecretsIntoEnv(bad, {}), ConfigError);
  });
});

describe('loadFunction', () => {
  const functionsDir = join(dir, 'functions');
  mkdirSync(join(functionsDir, 'echo'), { recursive: true });
  writeFileSync(
    join(functionsDir, 'echo', 'handler.ts'),
    "export const helper = 1;\nexport function createEchoFunction(o: { env: NodeJS.ProcessEnv }) { return { name: 'echo', async handle(req: Request) { return Response.json({ path: new URL(req.url).pathname, greeting: o.env['GREETING'] }); } }; }\n",
  );
  mkdirSync(join(functionsDir, 'two'), { recursive: true });
  writeFileSync(join(functionsDir, 'two', 'handler.ts'), "export function createAFunction() { return {}; }\nexport function createBFunction() { return {}; }\n");

  test('loads the one create…Function factory of functions/NAME/handler.ts with the given env', async () => {
    const fn = await loadFunction('echo', { functionsDir, env: { GREETING: 'hi' } });
    const res = await fn.handle(new Request('http://x/some/path'));
    assert.deepEqual(await res.json(), { path: '/some/path', greeting: 'hi' });
  });

  test('refuses a bad name, a missing folder and an ambiguous module', async () => {
    await assert.rejects(loadFunction('../etc', { functionsDir }), /not a function name/);
    await assert.rejects(loadFunction('nope', { functionsDir }), /No function 'nope'/);
    await assert.rejects(loadFunction('two', { functionsDir }), /exactly one create…Function factory; found createAFunction, createBFunction/);
  });

  test('loads a real casa function by its folder name', async () => {
    const fn = await loadFunction('promote', { functionsDir: join(import.meta.dirname, '..', '..', 'functions'), env: {} });
    assert.equal(fn.name, 'promote');
    assert.equal((await fn.handle(new Request('http://x/', { method: 'GET' }))).status, 405);
    await fn.close?.();
  });
});

describe('serveFunction', () => {
  test('forwards every request with its path and query, and closes the function on close', async () => {
    // Prepare
    let closed = false;
    const fn: CasaFunction = {
      name: 'probe',
      handle: async (req) => Response.json({ method: req.method, url: new URL(req.url).pathname + new URL(req.url).search }),
      close: async () => {
        closed = true;
      },
    };
    // Act
    const server = await serveFunction(fn, { port: 0 });
    const res = await fetch(`${server.url}/a/b?c=1`, { method: 'PUT', body: 'x' });
    const body = await res.json();
    await server.close();
    // Assess
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(body, { method: 'PUT', url: '/a/b?c=1' });
    assert.equal(closed, true);
  });
});
