// The client's own logic (error mapping, retries, idempotent creates, request shapes) against a
// scripted fetch. The real MLflow server is exercised in mlflow.integration.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowClient, CLIENT_REQUEST_ID_TAG } from './mlflow-client.js';
import { MlflowAlreadyExistsError, MlflowError, MlflowInvalidRequestError, MlflowNotFoundError, MlflowUnavailableError } from './errors.js';
import { proxyPathOf, joinArtifactPath } from './artifact-paths.js';
import { mlflowOptionsFromEnv } from './config.js';
import { ConfigError, InvalidInputError } from '../core/index.js';

interface Seen {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}
type Answer = Response | Error | ((seen: Seen) => Response | Error);

/** A fetch that records each request and answers from a script, in order. */
function scriptedFetch(answers: Answer[]) {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: URL, init: RequestInit) => {
    const text = typeof init.body === 'string' ? init.body : undefined;
    const request: Seen = { method: init.method ?? 'GET', url: new URL(input), headers: init.headers as Record<string, string>, body: text ? JSON.parse(text) : undefined };
    seen.push(request);
    let answer = answers[seen.length - 1];
    if (answer === undefined) throw new Error(`unscripted request ${request.method} ${request.url}`);
    if (typeof answer === 'function') answer = answer(request);
    if (answer instanceof Error) throw answer;
    return answer;
  }) as unknown as typeof fetch;
  return { fetchImpl, seen };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const mlflowError = (status: number, code: string, message = 'no') => json({ error_code: code, message }, status);
const runBody = (runId: string, tags: Record<string, string> = {}) => ({
  run: {
    info: { run_id: runId, run_uuid: runId, experiment_id: '1', status: 'RUNNING', start_time: 5, artifact_uri: `mlflow-artifacts:/1/${runId}/artifacts`, lifecycle_stage: 'active' },
    data: { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
    inputs: {},
  },
});

function client(answers: Answer[], extra: Partial<ConstructorParameters<typeof MlflowClient>[0]> = {}) {
  const { fetchImpl, seen } = scriptedFetch(answers);
  const waits: number[] = [];
  const c = new MlflowClient({
    trackingUri: 'http://mlflow.test:5000/',
    fetch: fetchImpl,
    sleep: async (ms) => void waits.push(ms),
    retry: { maxAttempts: 3, initialDelayMs: 10, jitter: 0 },
    ...extra,
  });
  return { c, seen, waits };
}

describe('MlflowClient errors', () => {
  it('maps RESOURCE_DOES_NOT_EXIST to MlflowNotFoundError with MLflow code and HTTP status', async () => {
    const { c, seen } = client([mlflowError(404, 'RESOURCE_DOES_NOT_EXIST', "Run 'x' not found")]);
    await assert.rejects(c.getRun('x'), (err: MlflowNotFoundError) => {
      assert.ok(err instanceof MlflowNotFoundError);
      assert.equal(err.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(err.httpStatus, 404);
      assert.equal(err.status, 404);
      assert.equal(err.endpoint, 'GET /api/2.0/mlflow/runs/get');
      assert.match(err.message, /Run 'x' not found/);
      return true;
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.url.toString(), 'http://mlflow.test:5000/api/2.0/mlflow/runs/get?run_id=x');
  });

  it('maps RESOURCE_ALREADY_EXISTS to MlflowAlreadyExistsError', async () => {
    const { c } = client([mlflowError(400, 'RESOURCE_ALREADY_EXISTS')]);
    await assert.rejects(c.createRegisteredModel('m'), MlflowAlreadyExistsError);
  });

  it('never retries INVALID_PARAMETER_VALUE', async () => {
    const { c, seen, waits } = client([mlflowError(400, 'INVALID_PARAMETER_VALUE', 'Changing param values is not allowed')]);
    await assert.rejects(c.logBatch('r', { params: { a: '1' } }), MlflowInvalidRequestError);
    assert.equal(seen.length, 1);
    assert.deepEqual(waits, []);
  });

  it('retries 503 and a dropped connection, then succeeds', async () => {
    const { c, seen, waits } = client([mlflowError(503, 'TEMPORARILY_UNAVAILABLE'), new TypeError('fetch failed'), json(runBody('abc'))]);
    const run = await c.getRun('abc');
    assert.equal(run.info.runId, 'abc');
    assert.equal(seen.length, 3);
    assert.deepEqual(waits, [10, 20]);
  });

  it('gives up after maxAttempts with MlflowUnavailableError', async () => {
    const { c, seen } = client([new TypeError('fetch failed'), new TypeError('fetch failed'), new TypeError('fetch failed'), json({})]);
    await assert.rejects(c.getRun('abc'), (err: MlflowUnavailableError) => err instanceof MlflowUnavailableError && err.errorCode === 'NETWORK_ERROR' && err.httpStatus === undefined);
    assert.equal(seen.length, 3);
  });

  it('treats an answer of the wrong shape as INVALID_RESPONSE, not retried', async () => {
    const { c, seen } = client([json({ run: { info: { run_id: 7 } } })]);
    await assert.rejects(c.getRun('abc'), (err: MlflowError) => err.errorCode === 'INVALID_RESPONSE');
    assert.equal(seen.length, 1);
  });

  it('keeps the text of a non-JSON error page', async () => {
    const { c } = client([new Response('<html>Bad Gateway</html>', { status: 502 }), new Response('<html>Bad Gateway</html>', { status: 502 }), new Response('<html>Bad Gateway</html>', { status: 502 })]);
    await assert.rejects(c.getRun('abc'), (err: MlflowError) => err.errorCode === 'HTTP_502' && /Bad Gateway/.test(err.message));
  });
});

describe('MlflowClient idempotent creates', () => {
  it('finds the run a lost answer created instead of creating a second one', async () => {
    // Prepare: the create reaches MLflow but its answer is lost; the retry's search finds that run
    let requestId = '';
    const { c, seen } = client([
      (s) => {
        requestId = (s.body as { tags: { key: string; value: string }[] }).tags.find((t) => t.key === CLIENT_REQUEST_ID_TAG)!.value;
        return new TypeError('socket hang up');
      },
      (s) => json({ runs: [runBody('made-once', { [CLIENT_REQUEST_ID_TAG]: requestId }).run] }),
    ]);
    // Act
    const run = await c.createRun({ experimentId: '1', runName: 'r', tags: { kind: 'candidate' } });
    // Assess
    assert.equal(run.info.runId, 'made-once');
    assert.deepEqual(seen.map((s) => s.url.pathname), ['/api/2.0/mlflow/runs/create', '/api/2.0/mlflow/runs/search']);
    assert.match(String((seen[1]!.body as { filter: string }).filter), new RegExp(requestId));
  });

  it('creates again when the retry finds nothing', async () => {
    const { c, seen } = client([mlflowError(503, 'TEMPORARILY_UNAVAILABLE'), json({}), json(runBody('second'))]);
    const run = await c.createRun({ experimentId: '1' });
    assert.equal(run.info.runId, 'second');
    assert.deepEqual(seen.map((s) => s.url.pathname.split('/').pop()), ['create', 'search', 'create']);
  });

  it('refuses runs:/ and models:/ sources and a missing runId before calling MLflow', async () => {
    const { c, seen } = client([]);
    await assert.rejects(c.createModelVersion({ name: 'm', source: 'runs:/abc/model', runId: 'abc' }), InvalidInputError);
    await assert.rejects(c.createModelVersion({ name: 'm', source: 'mlflow-artifacts:/1/abc/artifacts/model', runId: '' }), InvalidInputError);
    assert.equal(seen.length, 0);
  });
});

describe('MlflowClient requests', () => {
  it('sends a bearer token', async () => {
    const { c, seen } = client([json(runBody('a'))], { token: 's3cret' });
    await c.getRun('a');
    assert.equal(seen[0]!.headers.authorization, 'Bearer s3cret');
  });

  it('splits a large batch into several log-batch calls', async () => {
    const { c, seen } = client(Array.from({ length: 3 }, () => json({})));
    const calls = await c.logBatch('r', { metrics: Array.from({ length: 2500 }, (_, i) => ({ key: 'loss', value: i, step: i })) });
    assert.equal(calls, 3);
    assert.deepEqual(seen.map((s) => (s.body as { metrics: unknown[] }).metrics.length), [1000, 1000, 500]);
    assert.ok(seen.every((s) => (s.body as { run_id: string }).run_id === 'r'));
  });

  it('turns run data into records', async () => {
    const body = runBody('a', { t: 'v' });
    Object.assign(body.run.data, { params: [{ key: 'depth', value: '6' }], metrics: [{ key: 'rmse', value: 0.5, timestamp: '17', step: '2' }] });
    const { c } = client([json(body)]);
    const run = await c.getRun('a');
    assert.deepEqual(run.data, { metrics: { rmse: 0.5 }, params: { depth: '6' }, tags: { t: 'v' } });
  });

  it('lists artifacts relative to the root it was given, and [] for a file', async () => {
    const { c, seen } = client([
      json({ files: [{ path: 'b.txt', is_dir: false, file_size: '3' }, { path: 'a', is_dir: true }] }),
      json({ files: [{ path: 'm.json', is_dir: false, file_size: 9 }] }),
    ]);
    const top = await c.listArtifacts('mlflow-artifacts:/1/r/artifacts', 'model');
    const file = await c.listArtifacts('mlflow-artifacts:/1/r/artifacts', 'model/m.json');
    assert.deepEqual(top, [{ path: 'model/a', isDir: true, fileSize: undefined }, { path: 'model/b.txt', isDir: false, fileSize: 3 }]);
    assert.deepEqual(file, []);
    assert.equal(seen[0]!.url.searchParams.get('path'), '1/r/artifacts/model');
  });
});

describe('artifact paths', () => {
  it('finds the proxy path in every form of a proxied artifact root', () => {
    assert.equal(proxyPathOf('mlflow-artifacts:/1/abc/artifacts'), '1/abc/artifacts');
    assert.equal(proxyPathOf('mlflow-artifacts://host:5000/1/abc/artifacts'), '1/abc/artifacts');
    assert.equal(proxyPathOf('http://host:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts'), '1/abc/artifacts');
  });

  it('refuses roots the proxy does not serve, and paths that climb', () => {
    assert.throws(() => proxyPathOf('s3://bucket/1/abc'), InvalidInputError);
    assert.throws(() => joinArtifactPath('model', '../../etc'), InvalidInputError);
  });
});

describe('mlflowOptionsFromEnv', () => {
  it('reads the tracking URI, basic auth, timeout and retries', () => {
    const options = mlflowOptionsFromEnv({
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
      MLFLOW_TRACKING_USERNAME: 'u',
      MLFLOW_TRACKING_PASSWORD: 'p',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '30',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    });
    assert.deepEqual(options, { trackingUri: 'http://127.0.0.1:5000', username: 'u', password: 'p', timeoutMs: 30_000, retry: { maxAttempts: 1 } });
  });

  it('fails naming the variable when the URI is missing or not http', () => {
    assert.throws(() => mlflowOptionsFromEnv({}), (err: ConfigError) => err instanceof ConfigError && /MLFLOW_TRACKING_URI/.test(err.message));
    assert.throws(() => mlflowOptionsFromEnv({ MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' }), /MLFLOW_TRACKING_URI/);
    assert.throws(() => mlflowOptionsFromEnv({ MLFLOW_TRACKING_URI: 'http://x', MLFLOW_TRACKING_USERNAME: 'u' }), /MLFLOW_TRACKING_PASSWORD/);
  });
});
