import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildProgram } from './main.js';

const BIN = fileURLToPath(new URL('../../bin/casa.mjs', import.meta.url));
const JOBS = ['demo', 'data-api', 'ingest', 'clean', 'assess', 'train', 'promote', 'predict', 'lake', 'gateway', 'serve-function'];

describe('casa command line', () => {
  it('has one subcommand per job, each with a description', () => {
    const commands = buildProgram().commands;
    assert.deepEqual(commands.map((c) => c.name()).sort(), [...JOBS].sort());
    for (const c of commands) assert.ok(c.description().length > 20, `${c.name()} needs a description`);
  });

  it('prints help through the real binary and exits 0', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    for (const job of JOBS) assert.match(r.stdout, new RegExp(`^  ${job} `, 'm'));
  });

  it('refuses an unknown subcommand with a non-zero exit and a hint', () => {
    const r = spawnSync(process.execPath, [BIN, 'retrian'], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown command 'retrian'/);
  });
});
