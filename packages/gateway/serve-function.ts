import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/index.js';
import { FUNCTION_NAME, type CasaFunction } from './casa-function.js';
import { serveFetch, type RunningServer } from './serve.js';

/** Where OpenFaaS mounts a function's secrets, one file per secret. */
export const OPENFAAS_SECRETS_DIR = '/var/openfaas/secrets';

/** The environment variable a secret file maps to: `aws-secret-access-key` → `AWS_SECRET_ACCESS_KEY`. */
export function secretEnvName(fileName: string): string | undefined {
  const name = fileName.trim().toUpperCase().replace(/[-.]/g, '_');
  return /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : undefined;
}

/**
 * Reads every secret file in `dir` into `env` (file name → variable name by `secretEnvName`,
 * trailing newline dropped), so functions that read their configuration from the environment get
 * their secrets without them ever being set as plain environment in stack.yml. A secret wins over
 * a variable of the same name. A missing folder means no secrets. Returns the variable names set.
 */
export function loadSecretsIntoEnv(dir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(dir)) return [];
  const set: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (file.startsWith('.')) continue; // Kubernetes' ..data symlinks and friends
    const path = join(dir, file);
    if (!statSync(path).isFile()) continue;
    const name = secretEnvName(file);
    if (!name) throw new ConfigError(`Secret file '${file}' in ${dir} does not map to an environment variable name.`);
    env[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    set.push(name);
  }
  return set;
}

/**
 * Loads one function by name from `functionsDir/NAME/handler.ts`: the module must export exactly
 * one `create…Function(options)` factory, which gets `{ env }`. Only that function's module graph
 * is imported, so a container serving `train` never starts predict's cold start.
 */
export async function loadFunction(name: string, options: { functionsDir: string; env?: NodeJS.ProcessEnv }): Promise<CasaFunction> {
  if (!FUNCTION_NAME.test(name)) throw new ConfigError(`'${name}' is not a function name (lowercase letters, digits and '-').`);
  const handlerPath = resolve(options.functionsDir, name, 'handler.ts');
  if (!existsSync(handlerPath)) throw new ConfigError(`No function '${name}': ${handlerPath} does not exist.`);
  const mod = (await import(pathToFileURL(handlerPath).href)) as Record<string, unknown>;
  const factories = Object.entries(mod).filter(([key, value]) => /^create[A-Z]\w*Function$/.test(key) && typeof value === 'function');
  if (factories.length !== 1) {
    throw new ConfigError(`${handlerPath} must export exactly one create…Function factory; found ${factories.map(([k]) => k).join(', ') || 'none'}.`);
  }
  const create = factories[0]![1] as (opts: { env: NodeJS.ProcessEnv }) => CasaFunction;
  const fn = create({ env: options.env ?? process.env });
  if (fn.name !== name) throw new ConfigError(`${handlerPath} created a function named '${fn.name}', not '${name}'.`);
  return fn;
}

/**
 * Serves one function on host:port the way the OpenFaaS watchdog (HTTP mode) expects its
 * upstream: every request, path and query as received, goes to the function. `close` stops
 * listening, then closes the function (predict flushes its request log there).
 */
export async function serveFunction(fn: CasaFunction, options: { host?: string; port?: number } = {}): Promise<RunningServer> {
  const running = await serveFetch((req) => fn.handle(req), options.host ?? '127.0.0.1', options.port ?? 3000);
  return {
    url: running.url,
    port: running.port,
    async close() {
      await running.close();
      await fn.close?.();
    },
  };
}
