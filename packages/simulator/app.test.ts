import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSimulator } from './app.js';
import { EXHAUSTED_DETAIL } from './wire.js';

const get = async (sim: ReturnType<typeof createSimulator>, path: string, init?: RequestInit) => {
  const res = await sim.fetch(new Request(`http://sim${path}`, init));
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, json: text ? (JSON.parse(text) as unknown) : undefined, res };
};

describe('422 for bad group_number, in FastAPI/pydantic v2 shapes', () => {
  const sim = createSimulator({ scale: 0.0001 });

  it('missing', async () => {
    const r = await get(sim, '/data');
    assert.equal(r.status, 422);
    assert.equal(r.type, 'application/json');
    assert.equal(r.text, '{"detail":[{"type":"missing","loc":["query","group_number"],"msg":"Field required","input":null}]}');
  });

  for (const bad of ['abc', '', '1.5', '1e2', '0x1', 'two']) {
    it(`not an integer: ${JSON.stringify(bad)}`, async () => {
      const r = await get(sim, `/data?group_number=${encodeURIComponent(bad)}`);
      assert.equal(r.status, 422);
      assert.deepEqual(r.json, {
        detail: [{ type: 'int_parsing', loc: ['query', 'group_number'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: bad }],
      });
    });
  }

  it('below the range', async () => {
    const r = await get(sim, '/data?group_number=0');
    assert.equal(r.status, 422);
    assert.equal(
      r.text,
      '{"detail":[{"type":"greater_than_equal","loc":["query","group_number"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}',
    );
  });

  it('above the range (also on restart), even beyond 64-bit', async () => {
    for (const path of ['/data?group_number=11', '/restart_data_generation?group_number=11', '/data?group_number=99999999999999999999999']) {
      const r = await get(sim, path);
      assert.equal(r.status, 422, path);
      const e = (r.json as { detail: { type: string; ctx: unknown }[] }).detail[0]!;
      assert.equal(e.type, 'less_than_equal');
      assert.deepEqual(e.ctx, { le: 10 });
    }
  });

  it('accepts what pydantic accepts: spaces, "3.0", the last of repeated parameters', async () => {
    const s = createSimulator({ scale: 0.0001 });
    assert.equal((await get(s, '/data?group_number=%203%20')).status, 200);
    assert.equal((await get(s, '/data?group_number=3.0')).status, 200);
    const r = await get(s, '/data?group_number=1&group_number=4');
    assert.equal((r.json as { group_number: number }).group_number, 4);
    assert.equal(s.cursor(3), 2);
    assert.equal(s.cursor(4), 1);
    assert.equal(s.cursor(1), 0);
  });

  it('handler-style range check answers 400 "Número de grupo inválido" instead', async () => {
    const s = createSimulator({ scale: 0.0001, groupRangeCheck: 'handler' });
    const r = await get(s, '/data?group_number=12');
    assert.equal(r.status, 400);
    assert.equal(r.text, '{"detail":"Número de grupo inválido"}');
    assert.equal((await get(s, '/data?group_number=x')).status, 422);
  });
});

describe('routes', () => {
  it('health, unknown path, other methods (HEAD never moves a cursor)', async () => {
    const sim = createSimulator({ scale: 0.0001 });
    assert.deepEqual((await get(sim, '/health')).json, { status: 'OK' });
    const nf = await get(sim, '/nowhere');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.json, { detail: 'Not Found' });
    for (const method of ['HEAD', 'POST', 'PUT', 'DELETE']) {
      const r = await get(sim, '/data?group_number=1', { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.res.headers.get('allow'), 'GET');
    }
    assert.equal(sim.cursor(1), 0);
  });

  it('accepts and ignores day', async () => {
    const sim = createSimulator({ scale: 0.0001 });
    const a = await get(sim, '/data?group_number=2&day=Tuesday');
    await get(sim, '/restart_data_generation?group_number=2');
    const b = await get(sim, '/data?group_number=2');
    assert.equal(a.status, 200);
    assert.equal(a.text, b.text);
  });

  it('exhausts after six batches with the real detail, and the cursor stays there', async () => {
    const sim = createSimulator({ scale: 0.0001 });
    for (let i = 0; i < 6; i++) assert.equal((await get(sim, '/data?group_number=5')).status, 200);
    for (let i = 0; i < 2; i++) {
      const r = await get(sim, '/data?group_number=5');
      assert.equal(r.status, 400);
      assert.deepEqual(r.json, { detail: EXHAUSTED_DETAIL });
    }
    assert.equal(sim.cursor(5), 6);
  });
});

describe('latency and the cursor hazard', () => {
  it('waits in proportion to the batch size, after moving the cursor', async () => {
    const waits: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sim = createSimulator({
      scale: 0.01,
      latencyScale: 0.5,
      sleep: async (ms) => {
        waits.push(ms);
        await gate;
      },
    });
    const pending = get(sim, '/data?group_number=1');
    await new Promise((r) => setImmediate(r));
    assert.equal(sim.cursor(1), 1, 'the batch is consumed before the answer starts');
    release();
    assert.equal((await pending).status, 200);
    for (let i = 1; i < 6; i++) await get(sim, '/data?group_number=1');
    const rows = sim.generator.rows;
    const expected = rows.map((n) => 0.5 * 1000 * (0.25 + (n * 30) / 361_457));
    waits.forEach((w, i) => assert.ok(Math.abs(w - expected[i]!) < 1e-6, `batch ${i}: ${w} ms`));
    assert.ok(waits[5]! > waits[3]!, 'bigger batch, longer wait');
  });

  it('is off by default', async () => {
    const waits: number[] = [];
    const sim = createSimulator({ scale: 0.0001, sleep: async (ms) => void waits.push(ms) });
    await get(sim, '/data?group_number=1');
    assert.deepEqual(waits, [0]);
  });
});

describe('restart', () => {
  it('starts the group over with batch_number 0', async () => {
    const sim = createSimulator({ scale: 0.0001 });
    await get(sim, '/data?group_number=1');
    await get(sim, '/data?group_number=1');
    const r = await get(sim, '/restart_data_generation?group_number=1');
    assert.equal(r.text, '{"ok":true}');
    assert.equal((((await get(sim, '/data?group_number=1')).json) as { batch_number: number }).batch_number, 0);
  });

  it('can reproduce the stale batch_number after a restart (opt-in)', async () => {
    const sim = createSimulator({ scale: 0.0001, staleBatchNumberAfterRestart: true });
    for (let i = 0; i < 3; i++) await get(sim, '/data?group_number=1');
    await get(sim, '/restart_data_generation?group_number=1');
    const first = (await get(sim, '/data?group_number=1')).json as { batch_number: number; data: unknown[] };
    const second = (await get(sim, '/data?group_number=1')).json as { batch_number: number };
    assert.equal(first.batch_number, 2, 'repeats the last batch_number served before the restart');
    assert.deepEqual(first.data, [...sim.generateBatch(0)], 'while the data is batch 0');
    assert.equal(second.batch_number, 1);
  });
});
