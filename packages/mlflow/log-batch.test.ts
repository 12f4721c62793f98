import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chunkLogBatch, LOG_BATCH_LIMITS, type LogBatchChunk, type MetricInput } from './log-batch.js';
import { InvalidInputError } from '../core/index.js';

const metrics = (n: number): MetricInput[] => Array.from({ length: n }, (_, i) => ({ key: `m${i % 7}`, value: i, step: i, timestamp: 1 }));
const record = (n: number, prefix: string, value: (i: number) => string = (i) => `v${i}`) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value(i)]));

function assertWithinLimits(chunks: LogBatchChunk[]): void {
  for (const c of chunks) {
    assert.ok(c.metrics.length <= LOG_BATCH_LIMITS.maxMetrics, `metrics ${c.metrics.length}`);
    assert.ok(c.params.length <= LOG_BATCH_LIMITS.maxParams, `params ${c.params.length}`);
    assert.ok(c.tags.length <= LOG_BATCH_LIMITS.maxTags, `tags ${c.tags.length}`);
    assert.ok(c.metrics.length + c.params.length + c.tags.length <= LOG_BATCH_LIMITS.maxEntities);
    const body = JSON.stringify({ run_id: 'f'.repeat(32), ...c });
    assert.ok(Buffer.byteLength(body) <= LOG_BATCH_LIMITS.maxRequestBytes, `body ${Buffer.byteLength(body)} bytes`);
  }
}

describe('chunkLogBatch', () => {
  it('splits 2,500 metrics, 150 params and 120 tags into calls within every limit, losing nothing, in order', () => {
    // Prepare
    const input = { metrics: metrics(2500), params: record(150, 'p'), tags: record(120, 't') };
    // Act
    const chunks = chunkLogBatch(input, LOG_BATCH_LIMITS, 42);
    // Assess
    assertWithinLimits(chunks);
    assert.equal(chunks.length, 3);
    assert.deepEqual(chunks.flatMap((c) => c.metrics.map((m) => m.step)), input.metrics.map((m) => m.step));
    assert.deepEqual(chunks.flatMap((c) => c.params.map((p) => p.key)), Object.keys(input.params));
    assert.deepEqual(chunks.flatMap((c) => c.tags.map((t) => t.key)), Object.keys(input.tags));
  });

  it('splits by body size when long values would pass 1 MB', () => {
    const input = { params: record(100, 'p', () => 'x'.repeat(6000)), tags: record(100, 't', () => 'y'.repeat(8000)) };
    const chunks = chunkLogBatch(input);
    assertWithinLimits(chunks);
    assert.equal(chunks.length, 2);
    assert.equal(chunks.reduce((n, c) => n + c.params.length + c.tags.length, 0), 200);
  });

  it('fills in timestamp and step, and spells non-finite values as MLflow reads them', () => {
    const [chunk] = chunkLogBatch({ metrics: [{ key: 'a', value: NaN }, { key: 'b', value: Infinity }, { key: 'c', value: -Infinity }, { key: 'd', value: 1.5 }] }, LOG_BATCH_LIMITS, 1234);
    assert.deepEqual(chunk!.metrics, [
      { key: 'a', value: 'NaN', timestamp: 1234, step: 0 },
      { key: 'b', value: 'Infinity', timestamp: 1234, step: 0 },
      { key: 'c', value: '-Infinity', timestamp: 1234, step: 0 },
      { key: 'd', value: 1.5, timestamp: 1234, step: 0 },
    ]);
  });

  it('turns params into strings', () => {
    const [chunk] = chunkLogBatch({ params: { depth: 6, eta: 0.1, hist: true } });
    assert.deepEqual(chunk!.params, [{ key: 'depth', value: '6' }, { key: 'eta', value: '0.1' }, { key: 'hist', value: 'true' }]);
  });

  it('returns no calls for an empty batch', () => {
    assert.deepEqual(chunkLogBatch({}), []);
  });

  it('refuses what MLflow would refuse, naming every bad entry', () => {
    const input = {
      metrics: [{ key: 'ok', value: 1 }, { key: 'bad key!', value: 1 }, { key: 'x', value: 1, step: 1.5 }],
      params: { ['k'.repeat(251)]: 'v', long: 'v'.repeat(6001), '../up': 'v' },
      tags: { fine: 'y'.repeat(8000), toolong: 'y'.repeat(8001) },
    };
    assert.throws(
      () => chunkLogBatch(input),
      (err: InvalidInputError) => {
        assert.ok(err instanceof InvalidInputError);
        assert.deepEqual(err.issues.map((i) => i.pointer).sort(), ['/metrics/1/key', '/metrics/2/step', `/params/${'k'.repeat(251)}`, '/params/..~1up', '/params/long', '/tags/toolong'].sort());
        return true;
      },
    );
  });

  it('keeps every entry and every limit for any mix of sizes (property)', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.nat(3000), fc.nat(250), fc.nat(250), fc.nat(3000), (nm, np, nt, valueLength) => {
        runs += 1;
        const input = { metrics: metrics(nm), params: record(np, 'p', () => 'v'.repeat(valueLength)), tags: record(nt, 't', () => 'w'.repeat(valueLength)) };
        const chunks = chunkLogBatch(input);
        assertWithinLimits(chunks);
        assert.equal(chunks.reduce((n, c) => n + c.metrics.length, 0), nm);
        assert.equal(chunks.reduce((n, c) => n + c.params.length, 0), np);
        assert.equal(chunks.reduce((n, c) => n + c.tags.length, 0), nt);
      }),
      { numRuns: 60 },
    );
    assert.equal(runs, 60);
  });
});
