import { InvalidInputError } from '../core/index.js';

/** MLflow's own limits for one `runs/log-batch` call and for keys and values (mlflow/utils/validation.py). */
export const LOG_BATCH_LIMITS = Object.freeze({
  maxMetrics: 1000,
  maxParams: 100,
  maxTags: 100,
  /** Metrics + params + tags in one call. */
  maxEntities: 1000,
  /** The JSON body of one call. */
  maxRequestBytes: 1_000_000,
  maxKeyLength: 250,
  maxParamValueLength: 6000,
  maxTagValueLength: 8000,
});
export type LogBatchLimits = typeof LOG_BATCH_LIMITS;

export interface MetricInput {
  key: string;
  value: number;
  /** Milliseconds since the epoch; default: now. */
  timestamp?: number;
  /** Default 0. */
  step?: number;
}

/** What one logBatch call records; any size: it is split into calls within MLflow's limits. */
export interface LogBatchInput {
  metrics?: MetricInput[];
  /** Params are write-once in MLflow: logging a key again with another value is refused. */
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
}

/** A metric as MLflow's JSON takes it: non-finite values are spelled as protobuf JSON spells them. */
export interface WireMetric {
  key: string;
  value: number | 'NaN' | 'Infinity' | '-Infinity';
  timestamp: number;
  step: number;
}
export interface WireKeyValue {
  key: string;
  value: string;
}
/** The body of one `runs/log-batch` call, without `run_id`. */
export interface LogBatchChunk {
  metrics: WireMetric[];
  params: WireKeyValue[];
  tags: WireKeyValue[];
}

// MLflow accepts letters, digits, underscores, periods, dashes, spaces, colons and slashes.
const KEY_PATTERN = /^[\p{L}\p{N}_/.\- :]+$/u;

/**
 * Validates everything MLflow would reject and splits the batch into calls that each respect
 * MLflow's per-call limits (count per kind, total count and body size). Throws
 * InvalidInputError naming every bad entry, before anything is sent.
 */
export function chunkLogBatch(input: LogBatchInput, limits: LogBatchLimits = LOG_BATCH_LIMITS, now: number = Date.now()): LogBatchChunk[] {
  const issues: { pointer: string; message: string }[] = [];
  const checkKey = (key: string, pointer: string) => {
    const problem = keyProblem(key, limits.maxKeyLength);
    if (problem) issues.push({ pointer, message: problem });
  };

  const metrics: WireMetric[] = (input.metrics ?? []).map((m, i) => {
    checkKey(m.key, `/metrics/${i}/key`);
    if (typeof m.value !== 'number') issues.push({ pointer: `/metrics/${i}/value`, message: 'must be a number' });
    if (m.timestamp !== undefined && !Number.isSafeInteger(m.timestamp)) issues.push({ pointer: `/metrics/${i}/timestamp`, message: 'must be an integer (ms)' });
    if (m.step !== undefined && !Number.isSafeInteger(m.step)) issues.push({ pointer: `/metrics/${i}/step`, message: 'must be an integer' });
    return { key: m.key, value: wireNumber(m.value), timestamp: m.timestamp ?? now, step: m.step ?? 0 };
  });
  const params: WireKeyValue[] = Object.entries(input.params ?? {}).map(([key, raw]) => {
    const value = String(raw);
    checkKey(key, `/params/${escapePointer(key)}`);
    if (value.length > limits.maxParamValueLength) {
      issues.push({ pointer: `/params/${escapePointer(key)}`, message: `value is ${value.length} characters; MLflow keeps at most ${limits.maxParamValueLength}` });
    }
    return { key, value };
  });
  const tags: WireKeyValue[] = Object.entries(input.tags ?? {}).map(([key, value]) => {
    checkKey(key, `/tags/${escapePointer(key)}`);
    if (typeof value !== 'string') issues.push({ pointer: `/tags/${escapePointer(key)}`, message: 'must be a string' });
    else if (value.length > limits.maxTagValueLength) {
      issues.push({ pointer: `/tags/${escapePointer(key)}`, message: `value is ${value.length} characters; MLflow keeps at most ${limits.maxTagValueLength}` });
    }
    return { key, value };
  });
  if (issues.length > 0) throw new InvalidInputError(`cannot log to MLflow: ${issues.length} invalid ${issues.length === 1 ? 'entry' : 'entries'}`, issues);

  // Room left for `{"run_id":"<32 hex>","metrics":[],"params":[],"tags":[]}` and a margin.
  const byteBudget = limits.maxRequestBytes - 1_024;
  const sizeOf = (entity: object) => Buffer.byteLength(JSON.stringify(entity), 'utf8') + 1;
  const chunks: LogBatchChunk[] = [];
  let p = 0;
  let t = 0;
  let m = 0;
  while (p < params.length || t < tags.length || m < metrics.length) {
    const chunk: LogBatchChunk = { metrics: [], params: [], tags: [] };
    let count = 0;
    let bytes = 0;
    const fill = <E extends object>(from: E[], start: number, into: E[], max: number): number => {
      let index = start;
      while (index < from.length && into.length < max && count < limits.maxEntities) {
        const size = sizeOf(from[index]!);
        if (bytes + size > byteBudget) break;
        into.push(from[index]!);
        count += 1;
        bytes += size;
        index += 1;
      }
      return index;
    };
    p = fill(params, p, chunk.params, limits.maxParams);
    t = fill(tags, t, chunk.tags, limits.maxTags);
    m = fill(metrics, m, chunk.metrics, limits.maxMetrics);
    if (count === 0) throw new InvalidInputError('an entry is larger than one MLflow log-batch request may be');
    chunks.push(chunk);
  }
  return chunks;
}

function keyProblem(key: string, maxLength: number): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'key must be a non-empty string';
  if (key.length > maxLength) return `key is ${key.length} characters; MLflow keeps at most ${maxLength}`;
  if (!KEY_PATTERN.test(key)) return 'key may hold only letters, digits, underscores, periods, dashes, spaces, colons and slashes';
  // MLflow treats keys as paths in some stores and refuses those that normalise to another name.
  if (key.startsWith('/') || key.endsWith('/') || key.includes('//') || key.split('/').some((s) => s === '.' || s === '..')) {
    return 'key must not be a path that normalises to another name (no leading or trailing slash, //, . or ..)';
  }
  return undefined;
}

function wireNumber(value: number): WireMetric['value'] {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
