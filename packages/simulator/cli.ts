import { Command, InvalidArgumentError, Option } from 'commander';
import { createSimulator, type SimulatorDescription } from './app.js';
import { startDataApi } from './server.js';

const intArg = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new InvalidArgumentError(`must be an integer ${min}–${max}.`);
  return n;
};
const numArg = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number ${min}–${max}.`);
  return n;
};

const usd = (x: number) =>
  x >= 1e6 ? `$${+(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `$${+(x / 1e3).toFixed(1)}k` : `$${x}`;
const int = (x: number) => x.toLocaleString('en-US');

/** The human-readable batch plan and noise floor (what `casa data-api --describe` prints). */
export function formatDescription(d: SimulatorDescription): string {
  const lines: string[] = [];
  lines.push(
    `casa data API simulator — seed ${d.seed}, scale ${d.scale}: ${int(d.totalRows)} rows in ${d.batches.length} batches (the real API: ${int(d.realTotalRows)})`,
    `Prices: ln(price) = hedonic mean(state, city, zip, size, bed, bath, lot, years since last sale, status) + ε, ε ~ N(0, ${d.sigma}²)`,
    `        (model and defects: packages/simulator/README.md). Latency ×${d.latencyScale}.`,
    '',
  );
  const head = ['batch', 'rows', 'filter', 'price band', 'observed (clean)', 'latency', 'noise RMSE', 'in-band floor', 'defects', 'nulls', 'dups in/cross'];
  const rows = d.batches.map((b) => {
    const s = b.stats;
    const band = b.priceMin > 0 ? `${usd(b.priceMin)} < p ≤ ${usd(b.priceMax)}` : `p ≤ ${usd(b.priceMax)}`;
    const filter = `${b.statuses.length === 1 ? b.statuses[0] : 'any status'}${b.state ? `, ${b.state}` : ''}`;
    const defects = s ? Object.values(s.defects).reduce((a, v) => a + v, 0) : undefined;
    return [
      String(b.index),
      int(b.rows),
      filter,
      band,
      s ? `${usd(s.observedPrice.minClean)}–${usd(s.observedPrice.maxClean)}` : '-',
      `${b.latencySeconds.toFixed(1)} s`,
      s ? s.noiseRmse.toFixed(3) : '-',
      s ? s.inBandFloor.toFixed(3) : '-',
      defects === undefined ? '-' : int(defects),
      s ? int(s.rowsWithNull) : '-',
      s ? `${int(s.duplicates.within)}/${int(s.duplicates.cross)}` : '-',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  lines.push(fmt(head), ...rows.map(fmt), '');
  if (d.batches.some((b) => b.stats)) {
    lines.push(
      'noise RMSE    = RMSE of ln(price) − hedonic mean over the batch (defect rows excluded): the error of a model that',
      '                knows the hedonic function exactly. Above σ where the band cuts the tail of a state (batch 3), below it',
      '                where the band cuts both sides (batch 4).',
      'in-band floor = √mean Var[ε | price in band]: the least RMSE any model can reach on that batch, even one that also',
      '                knows the batch\'s band. A value sent as null keeps its true effect on the price, so rows with',
      '                nulls (see "nulls") cannot reach either floor.',
    );
  }
  return lines.join('\n');
}

export interface DataApiCommandDeps {
  /** Where --describe writes (stdout by default). */
  write?: (text: string) => void;
  /** Resolves when the server should close (SIGINT/SIGTERM by default). */
  untilStopped?: () => Promise<unknown>;
}

const untilSignal = () =>
  new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

interface Opts {
  host: string;
  port: number;
  scale: number;
  seed: number;
  latencyScale: number;
  groups: number;
  groupRangeCheck: 'validation' | 'handler';
  staleBatchNumberAfterRestart?: boolean;
  sigma?: number;
  describe?: boolean;
  json?: boolean;
}

/** Adds `casa data-api`: serve the simulator, or describe its batch plan and noise floor. */
export function registerDataApiCommand(program: Command, deps: DataApiCommandDeps = {}): Command {
  const write = deps.write ?? ((t: string) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`));
  return program
    .command('data-api')
    .description('Serve the data API simulator (/data, /restart_data_generation, /health), or --describe its batch plan and noise floor.')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', intArg(0, 65535), 8000)
    .option('--scale <s>', 'rows per batch = round(real rows × s), at least 1 (1 = the real 1,084,909)', numArg(1e-6, 10), 1)
    .option('--seed <n>', 'seed of the synthetic dataset', intArg(0, 0xffffffff), 42)
    .option('--latency-scale <x>', '0 = answer at once; 1 = the real API (~30 s for the largest batch)', numArg(0, 100), 0)
    .option('--groups <n>', 'valid group numbers are 1..n', intArg(1, 1000), 10)
    .addOption(
      new Option('--group-range-check <how>', 'out-of-range group: 422 (FastAPI validation) or 400 "Número de grupo inválido"')
        .choices(['validation', 'handler'])
        .default('validation'),
    )
    .option('--stale-batch-number-after-restart', "reproduce the real API's bug: the first batch after a restart repeats the old batch_number")
    .option('--sigma <σ>', 'σ of the price noise in ln(price)', numArg(0, 3))
    .option('--describe', 'print the batch plan and the noise floor per batch (generates every batch), then exit')
    .option('--json', 'with --describe: print JSON instead of a table')
    .action(async (opts: Opts) => {
      const simOptions = {
        seed: opts.seed,
        scale: opts.scale,
        latencyScale: opts.latencyScale,
        groups: opts.groups,
        groupRangeCheck: opts.groupRangeCheck,
        staleBatchNumberAfterRestart: opts.staleBatchNumberAfterRestart ?? false,
        ...(opts.sigma !== undefined ? { sigma: opts.sigma } : {}),
      };
      if (opts.describe) {
        const started = performance.now();
        const d = createSimulator(simOptions).describe({ stats: true });
        const seconds = (performance.now() - started) / 1000;
        write(opts.json ? JSON.stringify({ ...d, generationSeconds: seconds }, null, 2) : `${formatDescription(d)}\n(generated and measured in ${seconds.toFixed(1)} s)`);
        return;
      }
      const server = await startDataApi({ ...simOptions, host: opts.host, port: opts.port });
      const d = server.simulator.describe();
      console.log(
        `data-api listening on ${server.url} — seed ${d.seed}, scale ${d.scale}: ${int(d.totalRows)} rows in ${d.batches.length} batches, groups 1–${d.groups}, latency ×${d.latencyScale}`,
      );
      const signal = await (deps.untilStopped ?? untilSignal)();
      if (typeof signal === 'string') console.error(`${signal}: closing the data API…`);
      await server.close();
    });
}
