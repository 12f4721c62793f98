// The template builds each function's context: the layout `faas-cli build --shrinkwrap` produces
// (deploy/shrinkwrap.ts, which the image workflow also uses) holds every file the template's
// Dockerfile COPYs, and the handler the server will load.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { readStack, shrinkwrap } from './shrinkwrap.js';
import { REPO_ROOT, TEMPLATE_DOCKERFILE, dockerfileEnv, parseDockerfile } from './deploy-files.js';

const stackPath = join(REPO_ROOT, 'stack.yml');
const stack = readStack(stackPath);
const out = mkdtempSync(join(tmpdir(), 'casa-shrinkwrap-'));
let contexts: string[] = [];
before(() => {
  contexts = shrinkwrap(stackPath, { outDir: out });
});
after(() => rmSync(out, { recursive: true, force: true }));

/** The build-context sources of every COPY without --from (the last word is the destination). */
function copySources(dockerfile: string): string[] {
  return parseDockerfile(readFileSync(dockerfile, 'utf8'))
    .filter((x) => x.keyword === 'COPY' && !/--from=/.test(x.args))
    .flatMap((x) => x.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
}

describe('function build contexts (shrinkwrap)', () => {
  test('one context per function', () => {
    assert.deepEqual(contexts.map((c) => c.slice(out.length + 1)).sort(), Object.keys(stack.functions).sort());
  });

  test('every COPY source of the template Dockerfile exists in every context', () => {
    const sources = copySources(TEMPLATE_DOCKERFILE);
    assert.ok(sources.length >= 5, `COPY sources found: ${sources.join(', ')}`);
    for (const context of contexts) {
      for (const source of sources) assert.ok(existsSync(join(context, source)), `${context}: ${source}`);
    }
  });

  test('each context carries its own handler, the entry module and the WebAssembly engine', () => {
    for (const [name] of Object.entries(stack.functions)) {
      const fn = join(out, name, 'function');
      assert.ok(existsSync(join(fn, 'handler.ts')), `${name}: handler overlay`);
      assert.ok(existsSync(join(fn, 'functions', name, 'handler.ts')), `${name}: functions/${name}/handler.ts`);
      assert.ok(existsSync(join(fn, 'packages', 'gateway', 'serve-function-main.ts')), `${name}: the server's entry`);
      assert.ok(existsSync(join(fn, 'packages', 'xgboost-wasm', 'wasm', 'xgboost.wasm')), `${name}: the engine`);
      assert.ok(existsSync(join(out, name, 'Dockerfile')) && existsSync(join(out, name, '.dockerignore')), `${name}: template files`);
    }
  });

  test('the template.yml fprocess is the Dockerfile\'s, and the watchdog runs in HTTP mode in front of it', () => {
    const template = parse(readFileSync(join(REPO_ROOT, 'template', 'casa-node20', 'template.yml'), 'utf8')) as { fprocess: string };
    const env = dockerfileEnv(TEMPLATE_DOCKERFILE);
    assert.equal(env['fprocess'], template.fprocess);
    assert.equal(env['mode'], 'http');
    const port = /--port (\d+)/.exec(template.fprocess)?.[1];
    assert.equal(env['upstream_url'], `http://127.0.0.1:${port}`);
    assert.equal(env['CASA_FUNCTION'], '${FUNCTION_NAME}');
  });

});
