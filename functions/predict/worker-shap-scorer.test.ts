import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { predictListings, takeGroup, type ScoreJob } from './core.js';
import type { Listing } from './listing-schema.js';
import { ModelHolder, type ServingModel } from './model-holder.js';
import { memoryModelSource, randomListing, rng, trainFixtureModel } from './test-fixtures.js';
import { WorkerShapScorer } from './worker-shap-scorer.js';

const silent = () => undefined;
const job = (model: ServingModel, rows: number, tag: string): ScoreJob & { tag: string } => ({
  tag,
  model,
  listings: Array.from({ length: rows }) as Listing[],
  resolve: () => undefined,
  reject: () => undefined,
});

describe('takeGroup', () => {
  const a = {} as ServingModel;
  const b = {} as ServingModel;

  it("takes the first job's model's jobs in order up to maxRows, and leaves the rest queued in order", () => {
    // Prepare
    const queue = [job(a, 3, 'a1'), job(b, 1, 'b1'), job(a, 4, 'a2'), job(a, 2, 'a3'), job(b, 1, 'b2')];
    // Act
    const group = takeGroup(queue, 5);
    // Assess: a1 (3) + a3 (2) fit in 5 rows; a2 (4) would not, so it waits
    assert.deepEqual(group.map((j) => j.tag), ['a1', 'a3']);
    assert.deepEqual(queue.map((j) => j.tag), ['b1', 'a2', 'b2']);
  });

  it('always takes the first job, even when it alone is larger than maxRows', () => {
    const queue = [job(a, 12, 'big'), job(a, 1, 'small')];
    assert.deepEqual(takeGroup(queue, 8).map((j) => j.tag), ['big']);
    assert.equal(queue.length, 1);
  });
});

describe('WorkerShapScorer', () => {
  let holder: ModelHolder;
  let scorer: WorkerShapScorer;

  before(async () => {
    const source = memoryModelSource({ '1': await trainFixtureModel({ seed: 5 }) });
    source.promote('1');
    holder = new ModelHolder(source, { refreshMs: 60_000, log: silent });
    holder.start();
    await holder.waitUntilReady();
    scorer = new WorkerShapScorer(4);
  });
  after(async () => {
    await scorer.close();
    await holder.close();
  });

  it('gives every concurrent request exactly its own rows, as the main-thread engine scores them, across many small calls', async () => {
    // Prepare: 30 single listings and two batches larger than one call's bound, all at once
    const r = rng(11);
    const requests = [...Array.from({ length: 30 }, () => [randomListing(r)]), Array.from({ length: 9 }, () => randomListing(r)), Array.from({ length: 5 }, () => randomListing(r))];
    const model = holder.acquire();
    try {
      // Act
      const answers = await Promise.all(requests.map((listings) => scorer.score(model, listings)));
      // Assess
      answers.forEach((predictions, i) => {
        const expected = predictListings(model, requests[i]!);
        assert.equal(predictions.length, requests[i]!.length);
        predictions.forEach((p, k) => {
          assert.equal(p.log_price, expected[k]!.log_price, `request ${i} row ${k}`);
          assert.deepEqual(p.shap, expected[k]!.shap);
        });
      });
    } finally {
      model.release();
    }
  });
});
