import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerDataApiCommand } from './cli.js';
import type { SimulatorDescription } from './app.js';

const program = (deps: Parameters<typeof registerDataApiCommand>[1]) => {
  const p = new Command('casa').exitOverride();
  registerDataApiCommand(p, deps);
  return p;
};

describe('casa data-api', () => {
  it('--describe --json gives the plan and the noise floor per batch', async () => {
    let out = '';
    await program({ write: (t) => (out += t) }).parseAsync(['data-api', '--describe', '--json', '--scale', '0.002', '--seed', '3'], { from: 'user' });
    const d = JSON.parse(out) as SimulatorDescription;
    assert.equal(d.seed, 3);
    assert.equal(d.batches.length, 6);
    assert.deepEqual(d.batches.map((b) => b.rows), [148, 189, 461, 8, 641, 723]);
    for (const b of d.batches) {
      assert.ok(b.stats, `batch ${b.index} has stats`);
      assert.ok(b.stats.noiseRmse > 0 && b.stats.inBandFloor > 0 && b.stats.inBandFloor < b.stats.noiseRmse);
    }
  });

  it('--describe prints a table a person can read', async () => {
    let out = '';
    await program({ write: (t) => (out += t) }).parseAsync(['data-api', '--describe', '--scale', '0.001'], { from: 'user' });
    assert.match(out, /1,085 rows in 6 batches \(the real API: 1,084,909\)/);
    assert.match(out, /noise RMSE\s+in-band floor/);
    assert.match(out, /\n3\s+4\s+any status, Massachusetts\s+p ≤ \$300k/);
    assert.equal(out.trim().split('\n').filter((l) => /^\d\s/.test(l)).length, 6);
  });

  it('refuses bad options', async () => {
    for (const args of [['--scale', '0'], ['--scale', 'x'], ['--port', '70000'], ['--seed', '-1'], ['--group-range-check', 'maybe']]) {
      const p = program({ write: () => {} }).configureOutput({ writeErr: () => {} });
      await assert.rejects(p.parseAsync(['data-api', '--describe', ...args], { from: 'user' }), /invalid|must be|Allowed choices/i, args.join(' '));
    }
  });

  it('serves until stopped and logs one line with where it listens', async () => {
    const log = mock.method(console, 'log', () => {});
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    try {
      const run = program({ untilStopped: () => stopped }).parseAsync(['data-api', '--port', '0', '--scale', '0.001'], { from: 'user' });
      while (log.mock.callCount() === 0) await new Promise((r) => setTimeout(r, 10));
      const line = String(log.mock.calls[0]!.arguments[0]);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      assert.ok(url, line);
      assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'OK' });
      stop();
      await run;
      await assert.rejects(fetch(`${url}/health`));
    } finally {
      log.mock.restore();
    }
  });
});
