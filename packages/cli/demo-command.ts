import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { startDataApi } from '../simulator/index.js';
import { startGateway } from '../gateway/index.js';
import { loadFunctions } from '../../functions/index.js';
import { untilSignal } from './gateway-command.js';

export interface DemoOptions {
  scale: number;
  dir: string;
  once: boolean;
}

/**
 * `casa demo`: the whole system on embedded defaults — the data API simulator, a lake in a
 * local directory, and the gateway with every function — on loopback, then serves until
 * Ctrl-C (or stops at once with --once, as the tests do).
 */
export async function runDemo(opts: DemoOptions, out: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const dir = resolve(opts.dir);
  const lakeDir = resolve(dir, 'lake');
  await mkdir(lakeDir, { recursive: true });
  // Every function reads its configuration from the environment, as it will in its container.
  process.env.CASA_LAKE_URL ??= lakeDir;

  const dataApi = await startDataApi({ scale: opts.scale });
  process.env.CASA_DATA_API_URL ??= dataApi.url;
  const functions = await loadFunctions();
  const gateway = await startGateway({ port: 0, functions });
  try {
    out('casa demo');
    out(`  data API simulator  ${dataApi.url}/data?group_number=1   (scale ${opts.scale}; try ${dataApi.url}/health)`);
    out(`  gateway             ${gateway.url}/system/functions   (functions: ${functions.map((f) => f.name).join(', ') || 'none yet'})`);
    out(`  lake                ${lakeDir}   (query it: npx casa lake tables --lake ${lakeDir})`);
    if (opts.once) return;
    out('Serving until Ctrl-C.');
    await untilSignal();
  } finally {
    await gateway.close();
    await dataApi.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run casa end to end on embedded defaults (simulator, local lake, gateway) and say where to look.')
    .option('--scale <fraction>', 'simulator scale: 1 = the real 1,084,909 rows', (v) => Number(v), 0.01)
    .option('--dir <path>', 'where the demo keeps its lake and models', '.casa/demo')
    .option('--once', 'stop after the pipeline instead of serving until Ctrl-C', false)
    .action(async (opts: DemoOptions) => runDemo(opts));
}
