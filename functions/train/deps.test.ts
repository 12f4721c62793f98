import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../packages/core/index.js';
import { trainDepsFromEnv } from './deps.js';

describe("train's settings from the environment", () => {
  let dir: string;
  let base: NodeJS.ProcessEnv;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casa-train-deps-'));
    base = { CASA_LAKE_URL: join(dir, 'lake'), CASA_LAKE_CACHE_DIR: join(dir, 'cache'), MLFLOW_TRACKING_URI: 'http://127.0.0.1:9' };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('defaults: a 60 s lease, the full search', async () => {
    const d = await trainDepsFromEnv(base);
    d.lake.close();
    assert.equal(d.leaseMs, 60_000);
    assert.deepEqual(d.training, {});
  });

  it('CASA_TRAIN_CANDIDATES / CASA_TRAIN_MAX_ROUNDS / CASA_TRAIN_LEASE_MS give a smaller search and a shorter lease', async () => {
    const d = await trainDepsFromEnv({ ...base, CASA_TRAIN_CANDIDATES: 'xgb-d6-eta0.1, xgb-d4-eta0.15', CASA_TRAIN_MAX_ROUNDS: '120', CASA_TRAIN_LEASE_MS: '10000' });
    d.lake.close();
    assert.deepEqual(d.training?.candidates?.map((c) => c.name), ['xgb-d6-eta0.1', 'xgb-d4-eta0.15']);
    assert.equal(d.training?.numBoostRound, 120);
    assert.equal(d.leaseMs, 10_000);
  });

  it('an unknown candidate name is a ConfigError that lists the known ones', async () => {
    await assert.rejects(trainDepsFromEnv({ ...base, CASA_TRAIN_CANDIDATES: 'xgb-huge' }), (err: unknown) => err instanceof ConfigError && /xgb-huge.*known: xgb-d6-eta0\.1/.test(err.message));
  });
});
