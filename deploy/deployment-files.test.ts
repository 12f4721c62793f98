// The deployment check: lint, schemas, and the cross-file rules that fail on drift (a function
// folder missing from stack.yml or the image workflow, an image nobody publishes, a `build:` in
// compose, a timeout ladder out of order, pins that disagree). Tools: scripts/setup-deploy-tools.sh.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { readStack } from './shrinkwrap.js';
import {
  COMPONENTS_DIR, REPO_ROOT, TEMPLATE_DOCKERFILE, componentNames, deployTools, finalStage, functionFolders, interpolate, parseDockerfile,
  readCompose, readEnvExample, readPublishWorkflow, requiredVariables,
} from './deploy-files.js';

const tools = deployTools();
const toolsMissing = !existsSync(tools.actionlint) || !existsSync(tools.checkJsonschema);
const SETUP = 'run scripts/setup-deploy-tools.sh (make test does)';
const stackPath = join(REPO_ROOT, 'stack.yml');
const stack = readStack(stackPath);
const workflowsDir = join(REPO_ROOT, '.github', 'workflows');
const scratch = mkdtempSync(join(tmpdir(), 'casa-deploy-files-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(bin: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(bin, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

/** Seconds of a Go duration like "905s", "15m", "1h". */
function seconds(duration: string | number | boolean | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(duration));
  assert.ok(m, `not a duration: ${String(duration)}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

describe('lint and schemas', () => {
  test('the tools are installed', () => {
    assert.ok(!toolsMissing, `${tools.actionlint} or ${tools.checkJsonschema} is missing: ${SETUP}`);
  });

  test('actionlint passes on every workflow, and fails on a broken one', { skip: toolsMissing && SETUP }, () => {
    const workflows = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(workflowsDir, f));
    assert.ok(workflows.length >= 2, 'the tests and publish-images workflows exist');
    const good = run(tools.actionlint, ['-color=false', ...workflows]);
    assert.equal(good.code, 0, good.out);
    const broken = join(scratch, 'broken.yml');
    writeFileSync(broken, 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n');
    assert.notEqual(run(tools.actionlint, ['-color=false', broken]).code, 0, 'actionlint must reject an undefined matrix key');
  });

  test('deploy/compose.yaml validates against the compose-spec schema', { skip: toolsMissing && SETUP }, () => {
    const r = run(tools.checkJsonschema, ['--builtin-schema', 'vendor.compose-spec', 'deploy/compose.yaml']);
    assert.equal(r.code, 0, r.out);
  });

  test('stack.yml validates against the OpenFaaS stack schema, which rejects a misspelt key', { skip: toolsMissing && SETUP }, () => {
    const schema = 'deploy/schemas/openfaas-stack.schema.json';
    const r = run(tools.checkJsonschema, ['--schemafile', schema, 'stack.yml']);
    assert.equal(r.code, 0, r.out);
    const typo = join(scratch, 'typo-stack.yml');
    writeFileSync(typo, readFileSync(stackPath, 'utf8').replace('    secrets: &lake-secrets', '    secret: &lake-secrets'));
    assert.notEqual(run(tools.checkJsonschema, ['--schemafile', schema, typo]).code, 0, 'a misspelt key must fail the schema');
  });

  test('the workflows validate against the GitHub workflow schema', { skip: toolsMissing && SETUP }, () => {
    const r = run(tools.checkJsonschema, ['--builtin-schema', 'vendor.github-workflows', ...readdirSync(workflowsDir).map((f) => join('.github/workflows', f))]);
    assert.equal(r.code, 0, r.out);
  });
});

describe('stack.yml covers every function', () => {
  test('every folder in functions/ is a function in stack.yml, and nothing else is', () => {
    assert.deepEqual(Object.keys(stack.functions).sort(), functionFolders());
  });

  test('each function is built from the template, from its own folder, named by its build arg', () => {
    for (const [name, fn] of Object.entries(stack.functions)) {
      assert.equal(fn.lang, 'casa-node20', name);
      assert.equal(fn.handler, `./functions/${name}`, name);
      assert.equal(fn.build_args?.['FUNCTION_NAME'], name, `${name}: build_args.FUNCTION_NAME`);
      assert.ok(existsSync(join(REPO_ROOT, 'functions', name, 'handler.ts')), `${name}: functions/${name}/handler.ts`);
    }
  });

  test('credentials come only from secrets: no key, secret or password in any environment', () => {
    for (const [name, fn] of Object.entries(stack.functions)) {
      const leaked = Object.keys(fn.environment ?? {}).filter((k) => /SECRET|PASSWORD|TOKEN|ACCESS_KEY/i.test(k));
      assert.deepEqual(leaked, [], `${name} sets credentials as plain environment`);
      assert.deepEqual(fn.secrets, ['aws-access-key-id', 'aws-secret-access-key'], `${name}: the lake's S3 credentials as secrets`);
    }
  });

  test('timeout ladder: exec_timeout < write_timeout < gateway upstream_timeout < gateway read/write_timeout < queue ack_wait', () => {
    const gw = parse(readFileSync(join(REPO_ROOT, 'deploy', 'openfaas', 'gateway-timeouts.yml'), 'utf8')) as {
      gateway: Record<string, string>;
      'queue-worker': Record<string, string>;
    };
    const upstream = seconds(gw.gateway['upstream_timeout']);
    for (const [name, fn] of Object.entries(stack.functions)) {
      const env = fn.environment ?? {};
      const exec = seconds(env['exec_timeout']);
      assert.ok(exec < seconds(env['write_timeout']), `${name}: exec_timeout < write_timeout`);
      assert.ok(seconds(env['write_timeout']) < upstream, `${name}: write_timeout < gateway upstream_timeout`);
    }
    assert.ok(upstream < seconds(gw.gateway['read_timeout']) && upstream < seconds(gw.gateway['write_timeout']), 'upstream < gateway read/write');
    assert.ok(seconds(gw.gateway['write_timeout']) < seconds(gw['queue-worker']['ack_wait']), 'gateway write_timeout < ack_wait');
    // Airflow's own ladder (dags/casa_lib/settings.py), as compose sets it, fits the functions it calls.
    const airflow = readCompose().doc.services['airflow-scheduler']?.environment ?? {};
    const af = (name: string) => Number(airflow[name]);
    for (const [name, fn] of Object.entries(stack.functions)) {
      if (name === 'train') continue; // called with /async-function and polled
      const env = fn.environment ?? {};
      assert.ok(seconds(env['exec_timeout']) <= af('CASA_AIRFLOW_FUNCTION_TIMEOUT'), `${name}: exec_timeout ≤ CASA_AIRFLOW_FUNCTION_TIMEOUT`);
      assert.ok(seconds(env['write_timeout']) <= af('CASA_AIRFLOW_GATEWAY_TIMEOUT'), `${name}: write_timeout ≤ CASA_AIRFLOW_GATEWAY_TIMEOUT`);
    }
    assert.ok(af('CASA_AIRFLOW_GATEWAY_TIMEOUT') < af('CASA_AIRFLOW_HTTP_TIMEOUT') && af('CASA_AIRFLOW_HTTP_TIMEOUT') < af('CASA_AIRFLOW_TASK_TIMEOUT'), 'Airflow: gateway < HTTP < task');
    assert.ok(seconds(gw['queue-worker']['ack_wait']) < af('CASA_AIRFLOW_TRAIN_TASK_TIMEOUT'), 'ack_wait < CASA_AIRFLOW_TRAIN_TASK_TIMEOUT');
    // Training over the whole real sequence takes tens of minutes on two cores: give it an hour.
    assert.ok(seconds(stack.functions['train']?.environment?.['exec_timeout']) >= 3600, 'train may run for an hour');
  });
});

describe('images: every one used is published, none is built on the deployment machine', () => {
  const published = readPublishWorkflow();
  const compose = readCompose();
  const imagePattern = /^\$\{DOCKERHUB_NAMESPACE(?::-[a-z0-9._-]+)?\}\/casa-([a-z0-9-]+):\$\{CASA_IMAGE_TAG(?::-[A-Za-z0-9._-]+)?\}$/;

  test('the workflow builds every function folder and every component Dockerfile', () => {
    assert.deepEqual([...published.functions].sort(), functionFolders());
    assert.deepEqual([...published.components].sort(), componentNames());
  });

  test('every stack.yml image is a published function image', () => {
    for (const [name, fn] of Object.entries(stack.functions)) {
      const m = imagePattern.exec(fn.image);
      assert.ok(m, `${name}: image ${fn.image} must be \${DOCKERHUB_NAMESPACE}/casa-NAME:\${CASA_IMAGE_TAG}`);
      assert.equal(m[1], name);
      assert.ok(published.functions.includes(m[1]!), `${name} is not in the workflow's function matrix`);
    }
  });

  test('every casa image in compose is a published component image; other images are pinned by version tag', () => {
    for (const [name, svc] of Object.entries(compose.doc.services)) {
      assert.ok(svc.image, `${name} has no image`);
      const m = imagePattern.exec(svc.image);
      if (svc.image.includes('casa-')) {
        assert.ok(m, `${name}: image ${svc.image} must be \${DOCKERHUB_NAMESPACE}/casa-NAME:\${CASA_IMAGE_TAG}`);
        assert.ok(published.components.includes(m[1]!), `${name}: casa-${m[1]} is not published by the workflow`);
      } else {
        assert.match(svc.image, /^[a-z0-9./-]+:\d[\w.-]*$/, `${name}: third-party image pinned by a version tag`);
      }
    }
  });

  test('no compose service has build:', () => {
    const withBuild = Object.entries(compose.doc.services).filter(([, svc]) => svc.build !== undefined).map(([n]) => n);
    assert.deepEqual(withBuild, []);
    assert.doesNotMatch(compose.text, /^\s+build:/m);
  });

  test('the workflow tags each image with the commit SHA and the version, and logs in from repository secrets', () => {
    const text = readFileSync(join(workflowsDir, 'publish-images.yml'), 'utf8');
    assert.equal(published.tagRules.length, 2);
    for (const rules of published.tagRules) {
      assert.match(rules, /type=sha,format=long,prefix=/);
      assert.match(rules, /type=semver,pattern=\{\{version\}\}/);
    }
    assert.match(text, /branches: \[main\]/);
    assert.match(text, /tags: \["v\*"\]/);
    assert.match(text, /password: \$\{\{ secrets\.DOCKERHUB_TOKEN \}\}/);
    assert.equal((text.match(/cache-from: type=gha/g) ?? []).length, 2, 'build cache on both jobs');
  });
});

describe('compose services', () => {
  const compose = readCompose();
  const services = compose.doc.services;

  test('the services the deployment needs are there; the simulator only under a profile', () => {
    for (const name of ['seaweedfs', 'mlflow-db', 'airflow-db', 'mlflow', 'airflow-api-server', 'airflow-scheduler', 'airflow-dag-processor', 'ui', 'data-api']) {
      assert.ok(services[name], `compose service ${name}`);
    }
    assert.deepEqual(services['data-api']?.profiles, ['simulator']);
    assert.notEqual(services['mlflow-db']?.environment?.['POSTGRES_DB'], undefined);
  });

  test('MLflow restarts by itself and is health-checked', () => {
    assert.equal(services['mlflow']?.restart, 'unless-stopped');
    assert.ok(services['mlflow']?.healthcheck?.test);
  });

  test('Airflow runs api-server, scheduler and dag-processor from the one image', () => {
    const image = services['airflow-api-server']?.image;
    for (const [svc, cmd] of [['airflow-api-server', 'api-server'], ['airflow-scheduler', 'scheduler'], ['airflow-dag-processor', 'dag-processor']] as const) {
      assert.equal(services[svc]?.image, image);
      assert.deepEqual(services[svc]?.command, ['airflow', cmd]);
    }
  });

  test('every required variable is in deploy/.env.example, and the example interpolates', () => {
    const example = readEnvExample();
    const missing = requiredVariables(compose.text).filter((v) => !(v in example));
    assert.deepEqual(missing, []);
    assert.doesNotThrow(() => interpolate(compose.text, example));
    assert.throws(() => interpolate(compose.text, {}), /is required/);
  });

  test('.env is ignored by git, so credentials are never committed', () => {
    const r = spawnSync('git', ['check-ignore', '-q', 'deploy/.env'], { cwd: REPO_ROOT });
    assert.equal(r.status, 0, 'deploy/.env must be git-ignored');
  });

  test('each S3 role only reaches its own bucket', () => {
    const config = JSON.parse(interpolate(compose.doc.configs?.['s3-identities']?.content ?? '{}', readEnvExample())) as {
      identities: { name: string; actions: string[] }[];
    };
    const actions = Object.fromEntries(config.identities.map((i) => [i.name, [...i.actions].sort()]));
    assert.deepEqual(actions['functions'], ['List:casa-lake', 'Read:casa-lake', 'Tagging:casa-lake', 'Write:casa-lake']);
    assert.deepEqual(actions['mlflow'], ['List:casa-mlflow', 'Read:casa-mlflow', 'Write:casa-mlflow']);
    assert.deepEqual(actions['analyst'], ['List:casa-lake', 'Read:casa-lake']);
    const mlflowEnv = services['mlflow']?.environment ?? {};
    assert.match(mlflowEnv['AWS_ACCESS_KEY_ID'] ?? '', /CASA_S3_MLFLOW_ACCESS_KEY/);
    assert.match(mlflowEnv['MLFLOW_ARTIFACTS_DESTINATION'] ?? '', /^s3:\/\/casa-mlflow\//);
  });
});

describe('Dockerfiles', () => {
  const dockerfiles = [...componentNames().map((c) => join(COMPONENTS_DIR, c, 'Dockerfile')), TEMPLATE_DOCKERFILE];

  test('base images are pinned by version tag; the final stage runs as a non-root user with a HEALTHCHECK and a CMD', () => {
    for (const path of dockerfiles) {
      const all = parseDockerfile(readFileSync(path, 'utf8'));
      for (const from of all.filter((x) => x.keyword === 'FROM')) {
        assert.match(from.args.split(/\s+/)[0]!, /^[a-z0-9./-]+:\d[\w.-]*$/, `${path}:${from.line} ${from.args}: pin a version tag`);
      }
      const last = finalStage(all);
      const user = last.filter((x) => x.keyword === 'USER').at(-1);
      assert.ok(user && !/^(root|0)(:|$)/.test(user.args), `${path}: USER non-root`);
      assert.ok(last.some((x) => x.keyword === 'HEALTHCHECK'), `${path}: HEALTHCHECK`);
      assert.ok(last.some((x) => x.keyword === 'CMD'), `${path}: CMD`);
      assert.ok(!last.some((x) => x.keyword === 'ENTRYPOINT'), `${path}: the entry command is the CMD alone`);
    }
  });

  test('each component has a Dockerfile.dockerignore (the context is the repository root)', () => {
    for (const c of componentNames()) assert.ok(existsSync(join(COMPONENTS_DIR, c, 'Dockerfile.dockerignore')), c);
  });

  test('the MLflow image pins the same MLflow, driver and S3 client as the tests use', () => {
    const pins = (path: string) =>
      Object.fromEntries(readFileSync(path, 'utf8').split('\n').map((l) => /^([A-Za-z0-9_.-]+)==(\S+)/.exec(l.trim())).filter((m) => m !== null).map((m) => [m[1]!.toLowerCase(), m[2]!]));
    const image = pins(join(COMPONENTS_DIR, 'mlflow', 'requirements.txt'));
    const tests = pins(join(REPO_ROOT, 'requirements-mlflow.txt'));
    for (const name of ['mlflow', 'psycopg2-binary', 'boto3']) assert.equal(image[name], tests[name], name);
  });

  test('the UI and Airflow images install the other engineers\' requirements files', () => {
    assert.match(readFileSync(join(COMPONENTS_DIR, 'ui', 'Dockerfile'), 'utf8'), /COPY ui\/requirements\.txt/);
    assert.match(readFileSync(join(COMPONENTS_DIR, 'airflow', 'Dockerfile'), 'utf8'), /COPY dags\/requirements\.txt dags\/constraints\.txt/);
  });
});

// Keeps the git binary honest in environments without it (the .env check needs git).
test('git is available for the ignore check', () => {
  assert.ok(execFileSync('git', ['--version']).toString().startsWith('git version'));
});
