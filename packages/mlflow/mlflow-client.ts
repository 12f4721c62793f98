import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { InvalidInputError } from '../core/index.js';
import { encodeArtifactPath, joinArtifactPath, proxyPathOf } from './artifact-paths.js';
import { MlflowError, MlflowNotFoundError, MlflowAlreadyExistsError, MlflowInvalidRequestError, ModelVersionNotReadyError, toMlflowError } from './errors.js';
import { chunkLogBatch, type LogBatchInput } from './log-batch.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.js';
import {
  errorBodySchema,
  experimentSchema,
  fileInfoSchema,
  modelVersionSchema,
  multipartCreateSchema,
  registeredModelSchema,
  runInfoSchema,
  runSchema,
  type Experiment,
  type ModelVersion,
  type ModelVersionStage,
  type RegisteredModel,
  type Run,
  type RunInfo,
  type RunStatus,
} from './schemas.js';

/** Tag carrying a per-call id on created runs and model versions, so a retried create can find what a lost answer already made. */
export const CLIENT_REQUEST_ID_TAG = 'casa.client_request_id';

export interface MlflowClientOptions {
  /** `http(s)://host:port` of the tracking server. */
  trackingUri: string;
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  /** Basic auth (MLflow's `basic-auth` app). */
  username?: string;
  password?: string;
  retry?: Partial<RetryPolicy>;
  /** Per HTTP request; default 120 s (artifact parts included). */
  timeoutMs?: number;
  /** Files at least this large are uploaded in parts where the proxy supports it; default 8 MiB. */
  multipartThresholdBytes?: number;
  /** Default 8 MiB (S3 wants at least 5 MiB for every part but the last). */
  multipartPartBytes?: number;
  /** Parts in flight at once; default 3. */
  multipartConcurrency?: number;
  /** For tests: a fetch to call instead of the global one, and a sleep that need not wait. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export interface DatasetInput {
  name: string;
  /** MLflow keeps at most 36 characters. */
  digest: string;
  /** e.g. `s3`, `local`, `code`. */
  sourceType: string;
  /** JSON text describing where the data came from (e.g. `{"uri": "s3://lake/clean/…"}`). */
  source: string;
  /** JSON text, e.g. an MLflow schema `{"mlflow_colspec": [...]}`. */
  schema?: string;
  /** JSON text with summary numbers, e.g. `{"num_rows": 1000}`. */
  profile?: string;
  /** Input tags, e.g. `{"mlflow.data.context": "training"}`. */
  tags?: Record<string, string>;
}

export interface ArtifactFile {
  /** Relative to the artifact root that was listed. */
  path: string;
  isDir: boolean;
  fileSize: number | undefined;
}

/** What to upload: bytes, text, or a local file (read again on retry, in parts when large). */
export type ArtifactSource = Uint8Array | string | { file: string };

type HttpBody = NonNullable<RequestInit['body']>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
type Query = Record<string, string | number | boolean | string[] | undefined>;
interface RequestSpec<S extends z.ZodType> {
  method: Method;
  /** Path after the tracking URI, e.g. `/api/2.0/mlflow/runs/create`, or a full URL (presigned parts). */
  path: string;
  query?: Query;
  json?: unknown;
  body?: HttpBody | (() => Promise<HttpBody>);
  headers?: Record<string, string>;
  schema: S;
  /** Default true; false for a body that is a one-shot stream or a call whose retry the caller handles. */
  retry?: boolean;
  /** Omit the Authorization header (presigned URLs carry their own). */
  anonymous?: boolean;
}

const API = '/api/2.0/mlflow';
const ARTIFACTS = '/api/2.0/mlflow-artifacts';
const empty = z.unknown();
const MIB = 1024 * 1024;

/**
 * A typed client for MLflow's REST API 2.0 and its artifact proxy. Every answer is validated;
 * every failure is an MlflowError subclass; transient failures are retried by the RetryPolicy,
 * and creations that are not idempotent (runs, model versions) are made safe to retry by a
 * request-id tag looked up before each retry.
 */
export class MlflowClient {
  readonly trackingUri: string;
  private readonly policy: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly authorization: string | undefined;
  private readonly multipartThresholdBytes: number;
  private readonly multipartPartBytes: number;
  private readonly multipartConcurrency: number;
  private multipartUnsupported = false;

  constructor(private readonly options: MlflowClientOptions) {
    if (!/^https?:\/\//.test(options.trackingUri)) throw new InvalidInputError(`MLflow tracking URI must be http(s)://…, got ${JSON.stringify(options.trackingUri)}`);
    this.trackingUri = options.trackingUri.replace(/\/+$/, '');
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.authorization = options.token
      ? `Bearer ${options.token}`
      : options.username !== undefined
        ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`
        : undefined;
    this.multipartThresholdBytes = options.multipartThresholdBytes ?? 8 * MIB;
    this.multipartPartBytes = options.multipartPartBytes ?? 8 * MIB;
    this.multipartConcurrency = options.multipartConcurrency ?? 3;
  }

  // ── experiments ──────────────────────────────────────────────────────────────────────────

  async getExperiment(experimentId: string): Promise<Experiment> {
    const r = await this.request({ method: 'GET', path: `${API}/experiments/get`, query: { experiment_id: experimentId }, schema: z.object({ experiment: experimentSchema }) });
    return r.experiment;
  }

  /** The experiment of that name, or undefined. */
  async findExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const r = await this.request({ method: 'GET', path: `${API}/experiments/get-by-name`, query: { experiment_name: name }, schema: z.object({ experiment: experimentSchema }) });
      return r.experiment;
    } catch (err) {
      if (err instanceof MlflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * The experiment of that name, created when missing (a concurrent creator is tolerated) and
   * restored when it was deleted. Its artifacts go wherever the server's default says.
   */
  async getOrCreateExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    const existing = await this.findExperimentByName(name);
    if (existing?.lifecycleStage === 'deleted') {
      await this.request({ method: 'POST', path: `${API}/experiments/restore`, json: { experiment_id: existing.experimentId }, schema: empty });
      return this.getExperiment(existing.experimentId);
    }
    if (existing) return existing;
    try {
      const r = await this.request({
        method: 'POST',
        path: `${API}/experiments/create`,
        json: { name, tags: toKeyValues(tags) },
        schema: z.object({ experiment_id: z.string() }),
      });
      return await this.getExperiment(r.experiment_id);
    } catch (err) {
      if (!(err instanceof MlflowAlreadyExistsError)) throw err;
      const raced = await this.findExperimentByName(name);
      if (!raced) throw err;
      return raced;
    }
  }

  // ── runs ─────────────────────────────────────────────────────────────────────────────────

  /** Starts a run (status RUNNING). Safe to retry: a run made by a lost answer is found by its request-id tag. */
  async createRun(input: { experimentId: string; runName?: string; startTime?: number; tags?: Record<string, string>; userId?: string }): Promise<Run> {
    const requestId = randomUUID();
    const body = {
      experiment_id: input.experimentId,
      run_name: input.runName,
      start_time: input.startTime ?? Date.now(),
      user_id: input.userId,
      tags: toKeyValues({ ...input.tags, [CLIENT_REQUEST_ID_TAG]: requestId }),
    };
    return this.retrying(async (attempt) => {
      if (attempt > 1) {
        const filter = `tags.\`${CLIENT_REQUEST_ID_TAG}\` = '${requestId}'`;
        const found = await this.searchRuns({ experimentIds: [input.experimentId], filter, maxResults: 1 }, false);
        if (found.runs[0]) return found.runs[0];
      }
      const r = await this.request({ method: 'POST', path: `${API}/runs/create`, json: body, schema: z.object({ run: runSchema }), retry: false });
      return r.run;
    });
  }

  async getRun(runId: string): Promise<Run> {
    const r = await this.request({ method: 'GET', path: `${API}/runs/get`, query: { run_id: runId }, schema: z.object({ run: runSchema }) });
    return r.run;
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const r = await this.request({
      method: 'POST',
      path: `${API}/runs/update`,
      json: { run_id: runId, status: update.status, end_time: update.endTime, run_name: update.runName },
      schema: z.object({ run_info: runInfoSchema }),
    });
    return r.run_info;
  }

  /** Ends a run: FINISHED, FAILED or KILLED, with the end time now unless given. */
  terminateRun(runId: string, status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'> = 'FINISHED', endTime: number = Date.now()): Promise<RunInfo> {
    return this.updateRun(runId, { status, endTime });
  }

  /** One page of runs; `filter` is MLflow's search syntax, e.g. `metrics.rmse < 1 and tags.kind = 'candidate'`. */
  async searchRuns(
    query: { experimentIds: string[]; filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string; runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' },
    retry = true,
  ): Promise<{ runs: Run[]; nextPageToken: string | undefined }> {
    const r = await this.request({
      method: 'POST',
      path: `${API}/runs/search`,
      json: {
        experiment_ids: query.experimentIds,
        filter: query.filter,
        order_by: query.orderBy,
        max_results: query.maxResults,
        page_token: query.pageToken,
        run_view_type: query.runViewType,
      },
      schema: z.object({ runs: z.array(runSchema).default([]), next_page_token: z.string().optional() }),
      retry,
    });
    return { runs: r.runs, nextPageToken: r.next_page_token || undefined };
  }

  /** Every run matching the query, following page tokens, up to `limit`. */
  async searchAllRuns(query: Omit<Parameters<MlflowClient['searchRuns']>[0], 'pageToken'>, limit = 10_000): Promise<Run[]> {
    const all: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.searchRuns({ ...query, pageToken, maxResults: Math.min(query.maxResults ?? 1000, limit - all.length) });
      all.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken && all.length < limit);
    return all;
  }

  /**
   * Logs metrics, params and tags in as many `runs/log-batch` calls as MLflow's limits need
   * (1000 metrics, 100 params, 100 tags, 1000 entries, 1 MB per call), after checking keys and
   * value lengths locally. Returns the number of calls made.
   */
  async logBatch(runId: string, input: LogBatchInput): Promise<number> {
    const chunks = chunkLogBatch(input);
    for (const chunk of chunks) {
      await this.request({ method: 'POST', path: `${API}/runs/log-batch`, json: { run_id: runId, ...chunk }, schema: empty });
    }
    return chunks.length;
  }

  setRunTags(runId: string, tags: Record<string, string>): Promise<number> {
    return this.logBatch(runId, { tags });
  }

  /** Records the datasets a run used (name, digest, source, schema, profile, input tags). */
  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    const issues = datasets.flatMap((d, i) => [
      ...(d.digest.length > 36 ? [{ pointer: `/${i}/digest`, message: 'MLflow keeps at most 36 characters' }] : []),
      ...(d.name.length === 0 || d.name.length > 500 ? [{ pointer: `/${i}/name`, message: 'must be 1–500 characters' }] : []),
    ]);
    if (issues.length > 0) throw new InvalidInputError('invalid dataset inputs', issues);
    await this.request({
      method: 'POST',
      path: `${API}/runs/log-inputs`,
      json: {
        run_id: runId,
        datasets: datasets.map((d) => ({
          dataset: { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, schema: d.schema, profile: d.profile },
          tags: toKeyValues(d.tags ?? {}),
        })),
      },
      schema: empty,
    });
  }

  // ── artifacts (through the server's proxy) ───────────────────────────────────────────────

  /** Lists one level under `artifactUri`/`path`; paths come back relative to `artifactUri`. Listing a file gives []. */
  async listArtifacts(artifactUri: string, path = ''): Promise<ArtifactFile[]> {
    const rel = joinArtifactPath(path);
    const full = joinArtifactPath(proxyPathOf(artifactUri), rel);
    const r = await this.request({ method: 'GET', path: `${ARTIFACTS}/artifacts`, query: { path: full }, schema: z.object({ files: z.array(fileInfoSchema).default([]) }) });
    const files = r.files.map((f) => ({ path: joinArtifactPath(rel, f.path), isDir: f.is_dir, fileSize: f.file_size }));
    const onlyItself = files.length === 1 && !files[0]!.isDir && rel !== '' && files[0]!.path === joinArtifactPath(rel, posix.basename(rel));
    return onlyItself ? [] : files.sort((a, b) => a.path.localeCompare(b.path));
  }

  /**
   * Uploads one artifact to `artifactUri`/`artifactPath`. A file at least
   * `multipartThresholdBytes` large goes in parts (create → parts → complete) when the proxy's
   * store supports it, and is otherwise streamed in one request.
   */
  async uploadArtifact(artifactUri: string, artifactPath: string, source: ArtifactSource): Promise<void> {
    const full = joinArtifactPath(proxyPathOf(artifactUri), artifactPath);
    if (full === '' || artifactPath.split('/').every((s) => s === '')) throw new InvalidInputError('artifactPath must name a file');
    if (typeof source === 'string' || source instanceof Uint8Array) {
      const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
      await this.request({ method: 'PUT', path: `${ARTIFACTS}/artifacts/${encodeArtifactPath(full)}`, body: bytes, headers: { 'content-type': 'application/octet-stream' }, schema: empty });
      return;
    }
    const size = (await stat(source.file)).size;
    if (size >= this.multipartThresholdBytes && !this.multipartUnsupported && full.includes('/')) {
      try {
        await this.uploadInParts(full, source.file, size);
        return;
      } catch (err) {
        if (!(err instanceof MlflowError && err.errorCode === 'NOT_IMPLEMENTED')) throw err;
        this.multipartUnsupported = true; // this store has no multipart: stream from now on
      }
    }
    await this.request({
      method: 'PUT',
      path: `${ARTIFACTS}/artifacts/${encodeArtifactPath(full)}`,
      body: async () => Readable.toWeb(createReadStream(source.file)) as unknown as ReadableStream,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      schema: empty,
    });
  }

  /** Uploads every file under `localDir` to `artifactUri`/`artifactPath`; returns the artifact paths written. */
  async uploadArtifactDirectory(artifactUri: string, localDir: string, artifactPath = ''): Promise<string[]> {
    const written: string[] = [];
    for (const entry of await readdir(localDir, { withFileTypes: true })) {
      const target = joinArtifactPath(artifactPath, entry.name);
      if (entry.isDirectory()) written.push(...(await this.uploadArtifactDirectory(artifactUri, join(localDir, entry.name), target)));
      else if (entry.isFile()) {
        await this.uploadArtifact(artifactUri, target, { file: join(localDir, entry.name) });
        written.push(target);
      }
    }
    return written;
  }

  /** Streams one artifact to `destinationFile` (written under a temporary name, then renamed); returns its size. */
  async downloadArtifact(artifactUri: string, artifactPath: string, destinationFile: string): Promise<number> {
    const full = joinArtifactPath(proxyPathOf(artifactUri), artifactPath);
    await mkdir(dirname(destinationFile), { recursive: true });
    const partial = `${destinationFile}.${randomUUID()}.partial`;
    try {
      await this.retrying(async () => {
        const res = await this.send({ method: 'GET', path: `${ARTIFACTS}/artifacts/${encodeArtifactPath(full)}`, schema: empty }).catch(rethrowMissingArtifact);
        try {
          await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(partial));
        } catch (err) {
          throw this.transportError(err, `GET ${ARTIFACTS}/artifacts/${full}`);
        }
      });
      await rename(partial, destinationFile);
      return (await stat(destinationFile)).size;
    } finally {
      await rm(partial, { force: true });
    }
  }

  /** One artifact's bytes, for small files (use downloadArtifact for large ones). */
  async readArtifact(artifactUri: string, artifactPath: string): Promise<Buffer> {
    const full = joinArtifactPath(proxyPathOf(artifactUri), artifactPath);
    return this.retrying(async () => {
      const res = await this.send({ method: 'GET', path: `${ARTIFACTS}/artifacts/${encodeArtifactPath(full)}`, schema: empty }).catch(rethrowMissingArtifact);
      try {
        return Buffer.from(await res.arrayBuffer());
      } catch (err) {
        throw this.transportError(err, `GET ${ARTIFACTS}/artifacts/${full}`);
      }
    });
  }

  private async uploadInParts(fullPath: string, file: string, size: number): Promise<void> {
    const partBytes = Math.max(this.multipartPartBytes, Math.ceil(size / 10_000)); // S3 allows 10,000 parts
    const numParts = Math.max(1, Math.ceil(size / partBytes));
    const dir = encodeArtifactPath(posix.dirname(fullPath));
    const name = posix.basename(fullPath);
    const created = await this.request({ method: 'POST', path: `${ARTIFACTS}/mpu/create/${dir}`, json: { path: name, num_parts: numParts }, schema: multipartCreateSchema });
    try {
      if (created.credentials.length !== numParts) {
        throw new MlflowError(`multipart create returned ${created.credentials.length} part URLs for ${numParts} parts`, { errorCode: 'INVALID_RESPONSE', endpoint: `POST ${ARTIFACTS}/mpu/create` });
      }
      const handle = await open(file, 'r');
      try {
        const parts: { part_number: number; etag: string; url: string }[] = [];
        const queue = [...created.credentials];
        const worker = async () => {
          for (let credential = queue.shift(); credential; credential = queue.shift()) {
            const start = (credential.part_number - 1) * partBytes;
            const length = Math.min(partBytes, size - start);
            const buffer = Buffer.alloc(length);
            await handle.read(buffer, 0, length, start);
            const etag = await this.retrying(async () => {
              const res = await this.send({ method: 'PUT', path: credential.url, body: buffer, headers: credential.headers, schema: empty, anonymous: true });
              await res.body?.cancel();
              return res.headers.get('etag') ?? '';
            });
            parts.push({ part_number: credential.part_number, etag, url: credential.url });
          }
        };
        await Promise.all(Array.from({ length: Math.min(this.multipartConcurrency, numParts) }, worker));
        parts.sort((a, b) => a.part_number - b.part_number);
        await this.request({ method: 'POST', path: `${ARTIFACTS}/mpu/complete/${dir}`, json: { path: name, upload_id: created.upload_id, parts }, schema: empty });
      } finally {
        await handle.close();
      }
    } catch (err) {
      await this.request({ method: 'POST', path: `${ARTIFACTS}/mpu/abort/${dir}`, json: { path: name, upload_id: created.upload_id }, schema: empty, retry: false }).catch(() => undefined);
      throw err;
    }
  }

  // ── model registry ───────────────────────────────────────────────────────────────────────

  async createRegisteredModel(name: string, options: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    const r = await this.request({
      method: 'POST',
      path: `${API}/registered-models/create`,
      json: { name, description: options.description, tags: toKeyValues(options.tags ?? {}) },
      schema: z.object({ registered_model: registeredModelSchema }),
    });
    return r.registered_model;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const r = await this.request({ method: 'GET', path: `${API}/registered-models/get`, query: { name }, schema: z.object({ registered_model: registeredModelSchema }) });
    return r.registered_model;
  }

  /** The registered model of that name, created when missing (a concurrent creator is tolerated). */
  async getOrCreateRegisteredModel(name: string, options: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    try {
      return await this.getRegisteredModel(name);
    } catch (err) {
      if (!(err instanceof MlflowNotFoundError)) throw err;
    }
    try {
      return await this.createRegisteredModel(name, options);
    } catch (err) {
      if (err instanceof MlflowAlreadyExistsError) return this.getRegisteredModel(name);
      throw err;
    }
  }

  async searchRegisteredModels(query: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<{ registeredModels: RegisteredModel[]; nextPageToken: string | undefined }> {
    const r = await this.request({
      method: 'GET',
      path: `${API}/registered-models/search`,
      query: { filter: query.filter, order_by: query.orderBy, max_results: query.maxResults, page_token: query.pageToken },
      schema: z.object({ registered_models: z.array(registeredModelSchema).default([]), next_page_token: z.string().optional() }),
    });
    return { registeredModels: r.registered_models, nextPageToken: r.next_page_token || undefined };
  }

  /**
   * Registers a new version of `name` from the run's real artifact location (e.g.
   * `${run.info.artifactUri}/model`, not `runs:/…`), always with its `runId`. Safe to retry:
   * a version made by a lost answer is found by its request-id tag. Does not wait for READY.
   */
  async createModelVersion(input: { name: string; source: string; runId: string; tags?: Record<string, string>; description?: string; runLink?: string }): Promise<ModelVersion> {
    if (/^(runs|models):\//.test(input.source)) {
      throw new InvalidInputError(`register model versions from the run's artifact location (e.g. ${'${run.info.artifactUri}'}/model), not ${JSON.stringify(input.source)}`, [{ pointer: '/source', message: 'must be a real artifact location' }]);
    }
    if (!input.runId) throw new InvalidInputError('runId is required to register a model version', [{ pointer: '/runId', message: 'required' }]);
    const requestId = randomUUID();
    const body = {
      name: input.name,
      source: input.source,
      run_id: input.runId,
      run_link: input.runLink,
      description: input.description,
      tags: toKeyValues({ ...input.tags, [CLIENT_REQUEST_ID_TAG]: requestId }),
    };
    return this.retrying(async (attempt) => {
      if (attempt > 1) {
        const found = await this.searchModelVersions({ filter: `name = ${quote(input.name)} and run_id = ${quote(input.runId)}` }, false);
        const mine = found.modelVersions.find((v) => v.tags[CLIENT_REQUEST_ID_TAG] === requestId);
        if (mine) return mine;
      }
      const r = await this.request({ method: 'POST', path: `${API}/model-versions/create`, json: body, schema: z.object({ model_version: modelVersionSchema }), retry: false });
      return r.model_version;
    });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.request({ method: 'GET', path: `${API}/model-versions/get`, query: { name, version }, schema: z.object({ model_version: modelVersionSchema }) });
    return r.model_version;
  }

  /** Polls until the version is READY; throws ModelVersionNotReadyError on FAILED_REGISTRATION or after `timeoutMs`. */
  async waitForModelVersionReady(name: string, version: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<ModelVersion> {
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    const endpoint = `GET ${API}/model-versions/get`;
    for (;;) {
      const v = await this.getModelVersion(name, version);
      if (v.status === 'READY') return v;
      if (v.status === 'FAILED_REGISTRATION') {
        throw new ModelVersionNotReadyError(`model ${name} version ${version} failed to register: ${v.statusMessage}`, { errorCode: 'FAILED_REGISTRATION', endpoint });
      }
      if (Date.now() > deadline) throw new ModelVersionNotReadyError(`model ${name} version ${version} still ${v.status} after waiting`, { errorCode: 'TIMEOUT', endpoint });
      await (this.options.sleep ?? sleep)(options.pollMs ?? 500);
    }
  }

  /** createModelVersion, then waitForModelVersionReady. */
  async registerModelVersion(input: Parameters<MlflowClient['createModelVersion']>[0], wait: { timeoutMs?: number; pollMs?: number } = {}): Promise<ModelVersion> {
    const created = await this.createModelVersion(input);
    return created.status === 'READY' ? created : this.waitForModelVersionReady(created.name, created.version, wait);
  }

  async searchModelVersions(
    query: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {},
    retry = true,
  ): Promise<{ modelVersions: ModelVersion[]; nextPageToken: string | undefined }> {
    const r = await this.request({
      method: 'GET',
      path: `${API}/model-versions/search`,
      query: { filter: query.filter, order_by: query.orderBy, max_results: query.maxResults, page_token: query.pageToken },
      schema: z.object({ model_versions: z.array(modelVersionSchema).default([]), next_page_token: z.string().optional() }),
      retry,
    });
    return { modelVersions: r.model_versions, nextPageToken: r.next_page_token || undefined };
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.request({ method: 'POST', path: `${API}/model-versions/set-tag`, json: { name, version, key, value }, schema: empty });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.request({ method: 'DELETE', path: `${API}/model-versions/delete-tag`, json: { name, version, key }, schema: empty });
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.request({ method: 'POST', path: `${API}/registered-models/set-tag`, json: { name, key, value }, schema: empty });
  }

  /** Points `alias` (e.g. `champion`) at `version`, moving it from wherever it was. */
  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.request({ method: 'POST', path: `${API}/registered-models/alias`, json: { name, alias, version }, schema: empty });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.request({ method: 'DELETE', path: `${API}/registered-models/alias`, json: { name, alias }, schema: empty });
  }

  /** The version `alias` points at; MlflowNotFoundError when the alias (or the model) does not exist. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    try {
      const r = await this.request({ method: 'GET', path: `${API}/registered-models/alias`, query: { name, alias }, schema: z.object({ model_version: modelVersionSchema }) });
      return r.model_version;
    } catch (err) {
      // MLflow answers an unset alias with 400 INVALID_PARAMETER_VALUE "Registered model alias … not found."
      if (err instanceof MlflowInvalidRequestError && /alias .* not found/i.test(err.message)) {
        throw new MlflowNotFoundError(err.message, { errorCode: err.errorCode, httpStatus: err.httpStatus, endpoint: err.endpoint, cause: err });
      }
      throw err;
    }
  }

  /** Moves a version to a stage; with `archiveExistingVersions`, the versions now in that stage go to Archived. */
  async transitionModelVersionStage(name: string, version: string, stage: ModelVersionStage, options: { archiveExistingVersions?: boolean } = {}): Promise<ModelVersion> {
    const r = await this.request({
      method: 'POST',
      path: `${API}/model-versions/transition-stage`,
      json: { name, version, stage, archive_existing_versions: options.archiveExistingVersions ?? false },
      schema: z.object({ model_version: modelVersionSchema }),
    });
    return r.model_version;
  }

  // ── transport ────────────────────────────────────────────────────────────────────────────

  private retrying<T>(call: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(call, this.policy, { ...(this.options.sleep ? { sleep: this.options.sleep } : {}), ...(this.options.onRetry ? { onRetry: this.options.onRetry } : {}) });
  }

  /** Sends, checks the status, parses and validates the JSON answer; retried unless `spec.retry` is false. */
  private async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const once = async () => {
      const res = await this.send(spec);
      const endpoint = `${spec.method} ${spec.path}`;
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw this.transportError(err, endpoint);
      }
      let json: unknown = {};
      try {
        if (text.trim() !== '') json = JSON.parse(text);
      } catch (err) {
        throw new MlflowError(`MLflow answered ${endpoint} with something that is not JSON: ${text.slice(0, 200)}`, { errorCode: 'INVALID_RESPONSE', httpStatus: res.status, endpoint, cause: err });
      }
      const parsed = spec.schema.safeParse(json);
      if (!parsed.success) {
        throw new MlflowError(`MLflow's answer to ${endpoint} has an unexpected shape: ${parsed.error.message}`, { errorCode: 'INVALID_RESPONSE', httpStatus: res.status, endpoint, cause: parsed.error });
      }
      return parsed.data;
    };
    return spec.retry === false ? once() : this.retrying(once);
  }

  /** One HTTP exchange; resolves with a 2xx response, throws the typed error for anything else. */
  private async send(spec: RequestSpec<z.ZodType>): Promise<Response> {
    const url = new URL(/^https?:\/\//.test(spec.path) ? spec.path : `${this.trackingUri}${spec.path}`);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    const endpoint = `${spec.method} ${url.pathname}`;
    const headers: Record<string, string> = { ...spec.headers };
    if (this.authorization && !spec.anonymous) headers.authorization = this.authorization;
    let body: HttpBody | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.body !== undefined) {
      body = typeof spec.body === 'function' ? await spec.body() : spec.body;
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      throw this.transportError(err, endpoint);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let errorCode = `HTTP_${res.status}`;
    let message = text.slice(0, 500) || res.statusText;
    try {
      const parsed = errorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) {
        errorCode = parsed.data.error_code;
        message = parsed.data.message;
      }
    } catch {
      // not JSON (a proxy's HTML page, S3's XML): keep the text
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    throw toMlflowError(`MLflow ${endpoint} → ${res.status} ${errorCode}: ${message}`, {
      errorCode,
      httpStatus: res.status,
      endpoint,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    });
  }

  private transportError(err: unknown, endpoint: string): MlflowError {
    if (err instanceof MlflowError) return err;
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return toMlflowError(
      timedOut ? `MLflow ${endpoint} did not answer within ${this.timeoutMs} ms` : `MLflow ${endpoint} could not be reached at ${this.trackingUri}: ${(err as Error)?.message ?? String(err)}`,
      { errorCode: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', endpoint, cause: err },
    );
  }
}

/**
 * The proxy answers a missing artifact with 500 INTERNAL_ERROR and the store's own words
 * (S3: "(404) when calling the HeadObject operation"); that is a not-found, not worth a retry.
 */
function rethrowMissingArtifact(err: unknown): never {
  if (err instanceof MlflowError && err.httpStatus === 500 && /\(404\) when calling|NoSuchKey|No such file or directory/.test(err.message)) {
    throw new MlflowNotFoundError(err.message, { errorCode: 'RESOURCE_DOES_NOT_EXIST', httpStatus: err.httpStatus, endpoint: err.endpoint, cause: err });
  }
  throw err;
}

function toKeyValues(record: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** A value quoted for MLflow's filter syntax. */
function quote(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new InvalidInputError(`${JSON.stringify(value)} cannot be quoted in an MLflow filter`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
