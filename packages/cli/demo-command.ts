import { startUi, uiSkipReason } from '../../ui/start-ui.js';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { startDataApi } from '../simulator/index.js';
import { startGateway } from '../gateway/index.js';
import { openLake } from '../lake/index.js';
import { createMlflowClientFromEnv } from '../mlflow/index.js';
import { startEmbeddedMlflow } from '../testkit/mlflow-server.js';
import { loadFunctions } from '../../functions/index.js';
import { readBatchQuality } from '../../functions/clean/core.js';
import { formatQualityTable } from '../../functions/clean/cli.js';
import { formatBatchLine, runBatchPipeline } from '../../functions/assess/pipeline.js';
import { trainSettingsFromEnv } from '../../functions/train/config.js';
import { EXAMPLE_LISTING } from '../../functions/predict/listing-schema.js';
import { untilSignal } from './gateway-command.js';

export interface DemoOptions {
  scale: number;
  dir: string;
  once: boolean;
  uiPort: number;
}

type Out = (line: string) => void;

/** POSTs JSON to a gateway function and returns the parsed answer, failing loudly on a problem. */
async function callFunction(gatewayUrl: string, name: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${gatewayUrl}/function/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${name} answered ${res.status}: ${String(json['detail'] ?? JSON.stringify(json))}`);
  return json;
}

/** Waits until predict serves the production version (its refresh runs every few seconds), then prices one listing through the gateway. */
async function samplePrediction(gatewayUrl: string, production: string | null, out: Out): Promise<void> {
  const listing = EXAMPLE_LISTING;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await fetch(`${gatewayUrl}/function/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(listing) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body = (await res.json()) as Record<string, any>;
    const served = res.headers.get('x-model-version');
    if (res.ok && (production === null || served === production || Date.now() > deadline)) {
      const top = Object.entries((body['shap']?.['values'] ?? {}) as Record<string, number>)
        .sort((a, b) => Math.abs(Number(b[1])) - Math.abs(Number(a[1])))
        .slice(0, 3)
        .map(([k, v]) => `${k} ${Number(v) >= 0 ? '+' : ''}${Number(v).toFixed(3)}`)
        .join(', ');
      out(`  sample prediction   $${Math.round(Number(body['price'])).toLocaleString('en-US')} for a 3-bed, 1,800 sq ft house in Worcester, MA`);
      out(`                      by ${body['model']?.['name'] ?? 'model'} v${res.headers.get('x-model-version')}${top ? `; largest SHAP contributions (log price): ${top}` : ''}`);
      return;
    }
    if (!res.ok && (res.status !== 503 || Date.now() > deadline)) throw new Error(`predict answered ${res.status}: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * `casa demo`: the whole system on embedded defaults, on loopback — the data API simulator,
 * a lake in a local directory, an embedded MLflow (SQLite + local artifacts) and the gateway
 * with every function — then every batch through ingest → clean → assess → (train → promote),
 * one line per batch; then serves until Ctrl-C (or stops with --once, as the tests do).
 */
export async function runDemo(opts: DemoOptions, out: Out = (l) => console.log(l), progress: Out = (l) => console.error(l)): Promise<void> {
  const dir = resolve(opts.dir);
  const lakeDir = resolve(dir, 'lake');
  // A demo starts from nothing: the simulator restarts its sequence too. Only our own subfolders go.
  await rm(lakeDir, { recursive: true, force: true });
  await rm(resolve(dir, 'mlflow'), { recursive: true, force: true });
  await mkdir(lakeDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  try {
    progress('starting the data API simulator, MLflow (embedded, ~20 s) and the gateway…');
    const dataApi = await startDataApi({ scale: opts.scale });
    stops.unshift(() => dataApi.close());
    const mlflow = await startEmbeddedMlflow(resolve(dir, 'mlflow'));
    stops.unshift(() => mlflow.stop());
    // Every function reads its configuration from the environment, as it will in its container.
    process.env['CASA_LAKE_URL'] = lakeDir;
    process.env['CASA_DATA_API_URL'] = dataApi.url;
    process.env['MLFLOW_TRACKING_URI'] = mlflow.url;
    process.env['CASA_MODEL_REFRESH_SECONDS'] ??= '3';
    const functions = await loadFunctions();
    const gateway = await startGateway({ port: 0, functions });
    stops.unshift(() => gateway.close());

    const lake = await openLake();
    stops.unshift(async () => lake.close());
    const client = createMlflowClientFromEnv();
    const settings = trainSettingsFromEnv();

    out(`casa demo — simulator at scale ${opts.scale}; one line per batch: decision, model trained, production version, lead reason`);
    let production: string | null = null;
    for (;;) {
      progress('ingesting the next batch…');
      const ingested = await callFunction(gateway.url, 'ingest', {});
      if (ingested['status'] === 'exhausted') break;
      const batch = Number(ingested['ordinal']);
      progress(`batch ${batch}: ${Number(ingested['rows']).toLocaleString('en-US')} rows ingested; cleaning…`);
      await callFunction(gateway.url, 'clean', { batch });
      progress(`batch ${batch}: assessing (and training/promoting if the data says so)…`);
      const result = await runBatchPipeline({ lake, mlflow: client, settings, clean: false }, { batch });
      out(formatBatchLine(result.line));
      production = result.line.productionVersion;
    }
    out('');
    out('Ingest and clean, per batch:');
    for (const line of formatQualityTable(await readBatchQuality(lake)).trimEnd().split('\n')) out(`  ${line}`);
    out('');
    out('Where to look:');
    out(`  gateway             ${gateway.url}/system/functions`);
    out(`  predict             curl -s -H 'content-type: application/json' -d '${JSON.stringify(EXAMPLE_LISTING)}' ${gateway.url}/function/predict`);
    out(`  MLflow UI           ${mlflow.url}/#/models/${settings.modelName}   (versions, aliases, explanation.md on each run)`);
    out(`  lake                npx casa lake tables --lake ${lakeDir}`);
    out(`  decisions           npx casa lake query --lake ${lakeDir} "SELECT batch_ordinal, decision, lead_rule FROM decisions ORDER BY 1"`);
    out(`  data API simulator  ${dataApi.url}/health`);
    await samplePrediction(gateway.url, production, out);
    if (opts.once) return;
    const missing = uiSkipReason();
    if (missing) out(`  UI                  not started: ${missing}`);
    else {
      progress('starting the Streamlit UI');
      // 8501 is Streamlit's usual port; when something else holds it, any free one will do.
      const ui = await startUi({ gatewayUrl: gateway.url, port: opts.uiPort }).catch(() => startUi({ gatewayUrl: gateway.url, port: 0 }));
      stops.unshift(() => ui.stop());
      out(`  UI                  ${ui.url}   (prediction with its SHAP waterfall, model history, batches)`);
    }
    out('Serving until Ctrl-C.');
    await untilSignal();
  } finally {
    for (const stop of stops) await stop().catch((err) => progress(`while stopping: ${String(err)}`));
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run casa end to end on embedded defaults (simulator, local lake, embedded MLflow, gateway) and say where to look.')
    .option('--scale <fraction>', 'simulator scale: 1 = the real 1,084,909 rows', (v) => Number(v), 0.02)
    .option('--dir <path>', 'where the demo keeps its lake and MLflow store (wiped at start)', '.casa/demo')
    .option('--once', 'stop after the pipeline instead of serving until Ctrl-C (and without the UI)', false)
    .option('--ui-port <port>', 'port of the Streamlit UI (taken: any free port)', (v) => Number(v), 8501)
    .action(async (opts: DemoOptions) => runDemo(opts));
}
