import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { startDataApi, type DataApiServer } from './server.js';
import { BATCH_PLAN, batchRows } from './plan.js';
import { DataResponseSchema, EXHAUSTED_DETAIL } from './wire.js';

const SCALE = 0.002;

describe('the simulator over real HTTP (127.0.0.1, free port)', () => {
  let api: DataApiServer;
  before(async () => {
    api = await startDataApi({ scale: SCALE, seed: 42 });
  });
  after(async () => {
    await api.close();
  });

  const raw = async (path: string) => {
    const res = await fetch(`${api.url}${path}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type'), bytes, text: bytes.toString('utf8') };
  };
  const data = async (group: number) => {
    const r = await raw(`/data?group_number=${group}&day=Tuesday`);
    assert.equal(r.status, 200, r.text.slice(0, 200));
    return { ...r, body: DataResponseSchema.parse(JSON.parse(r.text)), sha: createHash('sha256').update(r.bytes).digest('hex') };
  };

  it('listens on loopback and answers /health', async () => {
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await raw('/health');
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"status":"OK"}');
  });

  it('advances one cursor per group, independently, and exhausts after six batches', async () => {
    const sizes = batchRows(SCALE);
    const g3 = [];
    for (let i = 0; i < 3; i++) g3.push(await data(3));
    const g7first = await data(7);
    assert.deepEqual(g3.map((r) => r.body.batch_number), [0, 1, 2]);
    assert.deepEqual(g3.map((r) => r.body.data.length), sizes.slice(0, 3));
    assert.equal(g7first.body.batch_number, 0, 'group 7 starts at 0 whatever group 3 did');
    assert.equal(g7first.body.group_number, 7);
    // Same batch to another group: same records, only group_number differs.
    assert.deepEqual(g7first.body.data, g3[0]!.body.data);
    for (let i = 3; i < 6; i++) {
      const r = await data(3);
      assert.equal(r.body.batch_number, i);
      assert.equal(r.body.data.length, sizes[i]);
      if (BATCH_PLAN[i]!.state) assert.ok(r.body.data.every((x) => x.state === BATCH_PLAN[i]!.state));
    }
    const done = await raw('/data?group_number=3');
    assert.equal(done.status, 400);
    assert.equal(done.type, 'application/json');
    assert.equal(done.text, `{"detail":"${EXHAUSTED_DETAIL}"}`);
    assert.equal(done.text, '{"detail":"Ya se recolectó toda la información mínima necesaria"}');
    assert.equal((await data(7)).body.batch_number, 1);
  });

  it('restart resets the group: the same bytes come again', async () => {
    const first = [await data(9), await data(9)];
    const r = await raw('/restart_data_generation?group_number=9');
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"ok":true}');
    const again = [await data(9), await data(9)];
    assert.deepEqual(again.map((x) => x.sha), first.map((x) => x.sha));
    assert.deepEqual(again.map((x) => x.body.batch_number), [0, 1]);
  });

  it('answers bad parameters with 422', async () => {
    for (const q of ['', '?group_number=', '?group_number=abc', '?group_number=0', '?group_number=11', '?day=Tuesday']) {
      const r = await raw(`/data${q}`);
      assert.equal(r.status, 422, q);
      assert.ok(Array.isArray((JSON.parse(r.text) as { detail: unknown[] }).detail), q);
    }
    assert.equal((await raw('/restart_data_generation')).status, 422);
  });

  it('streams a large body without holding it (chunked), and survives a client that hangs up', async () => {
    const big = await startDataApi({ scale: 0.05, seed: 1 });
    try {
      const url = new URL(`${big.url}/data?group_number=1`);
      // Read a few bytes of batch 0, then hang up.
      await new Promise<void>((resolve, reject) => {
        const req = request(url, (res) => {
          assert.equal(res.headers['transfer-encoding'], 'chunked');
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
        req.end();
      });
      // The server is fine and the hazard is real: the batch was consumed.
      const next = await fetch(`${big.url}/data?group_number=1`);
      const body = DataResponseSchema.parse(await next.json());
      assert.equal(body.batch_number, 1);
      assert.equal(body.data.length, batchRows(0.05)[1]);
    } finally {
      await big.close();
    }
  });
});
