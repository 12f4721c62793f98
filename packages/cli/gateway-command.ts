import { Command, InvalidArgumentError } from 'commander';
import { startGateway } from '../gateway/index.js';
import { loadFunctions } from '../../functions/index.js';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number 0–65535.');
  return n;
}

/** Resolves on SIGINT/SIGTERM so a server command can close cleanly. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('Serve every function under the OpenFaaS paths (/function/NAME, /async-function/NAME) on one port.')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 8080)
    .option('--timeout <seconds>', 'upper bound for one synchronous call', (v) => Number(v), 900)
    .action(async (opts: { host: string; port: number; timeout: number }) => {
      const functions = await loadFunctions();
      const gateway = await startGateway({ host: opts.host, port: opts.port, functions, timeoutMs: opts.timeout * 1000 });
      console.log(`gateway listening on ${gateway.url} — functions: ${functions.map((f) => f.name).join(', ') || '(none)'}`);
      const signal = await untilSignal();
      console.error(`${signal}: closing the gateway…`);
      await gateway.close();
    });
}
