import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { registerAssessCommand } from './cli.js';

function program(): { p: Command; out: string[] } {
  const out: string[] = [];
  const p = new Command().exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => out.push(t) });
  registerAssessCommand(p, { out: (t) => out.push(t), err: (t) => out.push(t), env: {} });
  return { p, out };
}

describe('casa assess', () => {
  it('--help names the batch, the pipeline option and where the rules live', async () => {
    const { p, out } = program();
    await assert.rejects(p.parseAsync(['node', 'casa', 'assess', '--help']), { code: 'commander.helpDisplayed' });
    const text = out.join('');
    assert.match(text, /--batch <n>/);
    assert.match(text, /--pipeline/);
    assert.match(text, /functions\/assess\/rules\.ts/);
  });

  it('refuses a missing or non-integer --batch with a clear message', async () => {
    const a = program();
    await assert.rejects(a.p.parseAsync(['node', 'casa', 'assess']), { code: 'commander.missingMandatoryOptionValue' });
    const b = program();
    await assert.rejects(b.p.parseAsync(['node', 'casa', 'assess', '--batch', 'two']), { code: 'commander.invalidArgument' });
    assert.match(b.out.join(''), /--batch must be a batch ordinal/);
  });
});
