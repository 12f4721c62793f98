/**
 * Starts the Streamlit UI (ui/app.py) from the project's .venv-ui, with the same command line the
 * UI image runs, and waits until Streamlit's health endpoint answers. Used by `casa demo` and the
 * browser test.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { answersOk, freePort, superviseGroup, waitFor } from '../packages/testkit/process-utils.js';

export const UI_DIR = import.meta.dirname;
export const REPO_ROOT = resolve(UI_DIR, '..');
export const UI_VENV = process.env['CASA_UI_VENV'] ?? join(REPO_ROOT, '.venv-ui');

export interface StartUiOptions {
  /** The gateway the UI calls (CASA_GATEWAY_URL inside the app). */
  gatewayUrl: string;
  /** Default 8501; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; the image uses 0.0.0.0. */
  host?: string;
  venvDir?: string;
  startTimeoutMs?: number;
  /** The Streamlit script, relative to the repository (default ui/app.py; tests use others). */
  app?: string;
}

export interface RunningUi {
  /** Where a browser opens it, e.g. http://127.0.0.1:8501 */
  url: string;
  port: number;
  pid: number;
  /** Streamlit's recent output, for error messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Why the UI cannot start here (false when it can): the virtualenv is missing. */
export function uiSkipReason(venvDir = UI_VENV): string | false {
  return existsSync(join(venvDir, 'bin', 'streamlit')) ? false : `${join(venvDir, 'bin', 'streamlit')} not found: run scripts/setup-ui.sh`;
}

/** The Streamlit command line, as the UI image runs it (host and port aside). */
export function streamlitArgs(host: string, port: number, app = 'ui/app.py'): string[] {
  return ['run', app, `--server.address=${host}`, `--server.port=${port}`, '--server.headless=true'];
}

/** Spawns `streamlit run ui/app.py …` and resolves once `/_stcore/health` answers 200. */
export async function startUi(options: StartUiOptions): Promise<RunningUi> {
  const venv = options.venvDir ?? UI_VENV;
  const missing = uiSkipReason(venv);
  if (missing) throw new Error(missing);
  const host = options.host ?? '127.0.0.1';
  const port = options.port === 0 ? await freePort() : (options.port ?? 8501);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CASA_GATEWAY_URL: options.gatewayUrl,
    // No network but loopback here, and no telemetry anywhere.
    STREAMLIT_BROWSER_GATHER_USAGE_STATS: 'false',
    PYTHONUNBUFFERED: '1',
  };
  const child = spawn(join(venv, 'bin', 'streamlit'), streamlitArgs(host, port, options.app), { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const { logs, stop } = superviseGroup(child);
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${shown}:${port}`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`streamlit exited with ${child.exitCode}:\n${logs()}`);
      return answersOk(`${url}/_stcore/health`);
    }, options.startTimeoutMs ?? 60_000, `the UI at ${url}/_stcore/health`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, pid: child.pid!, logs, stop };
}
