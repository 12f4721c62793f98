// The Streamlit UI against a real gateway: the stack (PostgreSQL + SeaweedFS + MLflow), the
// simulator's six batches through the pipeline at small scale, then (1) Streamlit's AppTest
// tests (pytest in .venv-ui) and (2) a headless-chromium check of `streamlit run ui/app.py`,
// which saves a screenshot per page under $CASA_ARTIFACTS_DIR/ui (default .casa/artifacts/ui).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stackSkipReason, startPopulatedGateway, type PopulatedGateway } from '../functions/history/test-stack.js';
import { freePort } from '../packages/testkit/process-utils.js';
import { REPO_ROOT, startUi, UI_VENV, uiSkipReason, type RunningUi } from './start-ui.js';

const PYTHON = join(UI_VENV, 'bin', 'python');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromedriver'];
export const SCREENSHOT_DIR = join(process.env['CASA_ARTIFACTS_DIR'] ?? join(REPO_ROOT, '.casa', 'artifacts'), 'ui');

const skip = stackSkipReason();
if (skip) console.warn(`SKIPPED: UI integration ${skip}`);

/** Runs the venv's python with `args` from the repository root; resolves its exit code and output. */
function runPython(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: REPO_ROOT, env: { ...process.env, ...env, PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('the UI against a running gateway', { skip }, () => {
  let g: PopulatedGateway;
  let champion: string;

  before(async () => {
    // A missing venv or browser is a setup failure, not a reason to skip.
    const venv = uiSkipReason();
    if (venv) throw new Error(venv);
    for (const bin of CHROMIUM) if (!existsSync(bin)) throw new Error(`${bin} not found: run scripts/setup-apt.sh (Debian chromium, chromium-driver)`);
    const t0 = performance.now();
    g = await startPopulatedGateway();
    champion = g.lines.at(-1)!.productionVersion!;
    console.log(`stack + pipeline in ${((performance.now() - t0) / 1000).toFixed(1)} s; champion v${champion}`);
  });
  after(async () => {
    await g?.stop();
  });

  it("Streamlit's AppTest: the form, a prediction, a validation error, the history, batches, down/not-ready/empty states", async () => {
    const t0 = performance.now();
    const env = {
      CASA_UI_TEST_GATEWAY_URL: g.gatewayUrl,
      CASA_UI_TEST_EMPTY_GATEWAY_URL: g.emptyGatewayUrl,
      CASA_UI_TEST_DOWN_URL: `http://127.0.0.1:${await freePort()}`,
      CASA_UI_TEST_CHAMPION: champion,
    };
    const { code, out } = await runPython(['-m', 'pytest', '-q', 'ui/tests'], env, 180_000);
    console.log(`pytest in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${out.trim().split('\n').at(-1)}`);
    assert.equal(code, 0, out.slice(-6000));
    const passed = Number(/(\d+) passed/.exec(out)?.[1] ?? 0);
    assert.ok(passed >= 16, `expected every UI test to run and pass, got:\n${out.slice(-2000)}`);
    assert.doesNotMatch(out, /\d+ (skipped|failed|error)/);
  });

  it('in headless chromium: submits a listing, sees a price with the model version, saves a screenshot per page, no exception box', async () => {
    const t0 = performance.now();
    let ui: RunningUi | undefined;
    try {
      ui = await startUi({ gatewayUrl: g.gatewayUrl, port: 0 });
      const { code, out } = await runPython(['ui/tests/browser_check.py', '--url', ui.url, '--out', SCREENSHOT_DIR, '--expect-version', champion], {}, 180_000);
      const last = out.trim().split('\n').at(-1) ?? '';
      console.log(`browser check in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${last}`);
      assert.equal(code, 0, `${out.slice(-4000)}\n--- streamlit ---\n${ui.logs().slice(-3000)}`);
      const result = JSON.parse(last) as { ok: boolean; price: string; version: string; screenshots: string[] };
      assert.equal(result.ok, true);
      assert.match(result.price, /^\$[\d,]+$/);
      assert.equal(result.version, champion);
      assert.deepEqual(result.screenshots.map((s) => s.split('/').at(-1)), ['prediction.png', 'history.png', 'batches.png']);
      for (const s of result.screenshots) assert.ok(statSync(s).size > 10_000, `${s} is a real screenshot`);
    } finally {
      await ui?.stop();
    }
  });

  it('the browser check fails on a page that shows an exception box', async () => {
    let ui: RunningUi | undefined;
    try {
      ui = await startUi({ gatewayUrl: g.gatewayUrl, port: 0, app: 'ui/tests/broken_app.py' });
      const out = join(SCREENSHOT_DIR, 'broken-app');
      const { code, out: text } = await runPython(['ui/tests/browser_check.py', '--url', ui.url, '--out', out, '--timeout', '30'], {}, 120_000);
      const result = JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as { ok: boolean; error: string };
      assert.equal(code, 1);
      assert.equal(result.ok, false);
      assert.match(result.error, /shows a Streamlit exception: .*raised on purpose/s);
    } finally {
      await ui?.stop();
    }
  });
});
