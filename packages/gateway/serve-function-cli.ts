import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/index.js';
import { loadFunction, loadSecretsIntoEnv, OPENFAAS_SECRETS_DIR, serveFunction } from './serve-function.js';

const FUNCTIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'functions');

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number 0–65535.');
  return n;
}

export interface ServeFunctionOptions {
  host: string;
  port: number;
  functionsDir: string;
  secretsDir: string;
}

/**
 * Serves one function until SIGINT/SIGTERM: secrets first (so the function's configuration sees
 * them), then the function, then the listener. Prints one JSON line when listening.
 */
export async function runServeFunction(name: string | undefined, opts: ServeFunctionOptions): Promise<void> {
  const fnName = name ?? process.env['CASA_FUNCTION'];
  if (!fnName) throw new ConfigError('Name the function to serve (argument NAME or CASA_FUNCTION).');
  const secrets = loadSecretsIntoEnv(opts.secretsDir, process.env);
  const fn = await loadFunction(fnName, { functionsDir: opts.functionsDir, env: process.env });
  const server = await serveFunction(fn, { host: opts.host, port: opts.port });
  console.log(JSON.stringify({ level: 'info', msg: 'serving', function: fn.name, url: server.url, secrets }));
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  console.error(JSON.stringify({ level: 'info', msg: 'closing', function: fn.name, signal }));
  await server.close();
}

/** `casa serve-function NAME`: one function on one port, the upstream of the OpenFaaS watchdog in a function image. */
export function registerServeFunctionCommand(program: Command): void {
  program
    .command('serve-function')
    .description(
      'Serve exactly one function (functions/NAME) on one port, as the upstream of the OpenFaaS watchdog in HTTP mode.\n' +
        'Secret files in --secrets-dir become environment variables first (aws-secret-access-key → AWS_SECRET_ACCESS_KEY).',
    )
    .argument('[name]', 'the function to serve (default: $CASA_FUNCTION)')
    .option('--host <host>', 'address to listen on (the watchdog proxies from the same container)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 3000)
    .option('--functions-dir <dir>', 'folder holding the function folders', FUNCTIONS_DIR)
    .option('--secrets-dir <dir>', 'folder of secret files (absent = none)', process.env['CASA_SECRETS_DIR'] ?? OPENFAAS_SECRETS_DIR)
    .action((name: string | undefined, opts: ServeFunctionOptions) => runServeFunction(name, opts));
}
