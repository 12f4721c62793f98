/**
 * Test support for the DAG tests: where .venv-airflow is, and how to run its Python or its
 * `airflow` with a private AIRFLOW_HOME and no gateway connection inherited from the shell.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');
export const DAGS_DIR = join(REPO_ROOT, 'dags');
export const AIRFLOW_VENV = process.env['CASA_AIRFLOW_VENV'] ?? join(REPO_ROOT, '.venv-airflow');
export const AIRFLOW_PYTHON = join(AIRFLOW_VENV, 'bin', 'python');
export const AIRFLOW_BIN = join(AIRFLOW_VENV, 'bin', 'airflow');

/** Throws a clear error when the virtualenv is missing (CI runs the setup script first). */
export function requireAirflowVenv(): void {
  if (!existsSync(AIRFLOW_BIN)) throw new Error(`${AIRFLOW_VENV} is missing: run \`bash scripts/setup-airflow.sh\` first`);
}

/** The environment for Airflow processes: ours minus any AIRFLOW_* / gateway settings, plus `extra`. */
export function airflowEnv(airflowHome: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AIRFLOW_') && !k.startsWith('AIRFLOW__') && k !== 'CASA_GATEWAY_URL' && !k.startsWith('CASA_AIRFLOW_')) env[k] = v;
  return {
    ...env,
    AIRFLOW_HOME: airflowHome,
    AIRFLOW__CORE__DAGS_FOLDER: DAGS_DIR,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__UNIT_TEST_MODE: 'False',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, collecting its output. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The JSON after `marker` on the output's marked line. */
export function markedJson<T>(out: string, marker: string): T {
  const line = out.split('\n').find((l) => l.startsWith(`${marker} `));
  if (!line) throw new Error(`no ${marker} line in the output:\n${out.slice(-3000)}`);
  return JSON.parse(line.slice(marker.length + 1)) as T;
}
