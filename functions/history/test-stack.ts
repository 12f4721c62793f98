/**
 * Test support for history and the UI: the real stack (PostgreSQL + SeaweedFS S3 + MLflow with
 * the artifact proxy, functions/train/test-stack.ts), the data API simulator at a small scale,
 * a local lake, and a gateway mounting every function from functions/index.ts. The simulator's
 * six batches go through ingest → clean (over the gateway, as the demo does) → assess → train →
 * promote, so history has versions, verdicts, reports, quality rows and drift to show.
 * A second gateway, on the same MLflow but a model name with no versions and an empty lake,
 * shows the "not ready / empty history" states.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFunctions } from '../index.js';
import { formatBatchLine, runBatchPipeline, type BatchLine } from '../assess/pipeline.js';
import type { CandidateSpec } from '../train/candidates.js';
import { trainSettingsFromEnv } from '../train/config.js';
import { startStack, stackSkipReason, type Stack } from '../train/test-stack.js';
import { startGateway, type RunningServer } from '../../packages/gateway/index.js';
import { openLake } from '../../packages/lake/index.js';
import { startDataApi } from '../../packages/simulator/index.js';

export { stackSkipReason };

const QUICK: CandidateSpec[] = [{ name: 'xgb-d6', params: { max_depth: 6, eta: 0.2, subsample: 0.8 } }];

export interface PopulatedGateway {
  /** The gateway with the populated model and lake. */
  gatewayUrl: string;
  /** A gateway whose model has no version and whose lake is empty. */
  emptyGatewayUrl: string;
  modelName: string;
  lines: BatchLine[];
  stop(): Promise<void>;
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Starts everything and runs every simulator batch through the pipeline (~1 min at scale 0.02 on 2 cores). */
export async function startPopulatedGateway(options: { scale?: number; log?: (line: string) => void } = {}): Promise<PopulatedGateway> {
  const log = options.log ?? ((l: string) => console.log(l));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0)) await s().catch((e: unknown) => log(`while stopping: ${String(e)}`));
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), 'casa-history-'));
    stops.unshift(() => rm(dir, { recursive: true, force: true }));
    const stack: Stack = await startStack();
    stops.unshift(() => stack.stop());
    const dataApi = await startDataApi({ scale: options.scale ?? 0.02 });
    stops.unshift(() => dataApi.close());
    const modelName = 'casa-history-it';
    const base = {
      ...process.env,
      MLFLOW_TRACKING_URI: stack.mlflowUrl,
      CASA_DATA_API_URL: dataApi.url,
      CASA_MODEL_REFRESH_SECONDS: '2',
      CASA_PREDICT_LOG: 'off',
      CASA_GIT_COMMIT: 'test-commit',
    };
    const env = { ...base, CASA_LAKE_URL: join(dir, 'lake'), CASA_LAKE_CACHE_DIR: join(dir, 'cache'), CASA_MODEL_NAME: modelName, CASA_MLFLOW_EXPERIMENT: modelName };
    const emptyEnv = { ...base, CASA_LAKE_URL: join(dir, 'empty-lake'), CASA_LAKE_CACHE_DIR: join(dir, 'empty-cache'), CASA_MODEL_NAME: 'casa-history-none' };
    const gateway: RunningServer = await startGateway({ port: 0, functions: await loadFunctions(env) });
    stops.unshift(() => gateway.close());
    const empty: RunningServer = await startGateway({ port: 0, functions: await loadFunctions(emptyEnv) });
    stops.unshift(() => empty.close());

    const lake = await openLake({ env });
    stops.unshift(async () => lake.close());
    const settings = trainSettingsFromEnv(env);
    const lines: BatchLine[] = [];
    for (;;) {
      const ingested = await postJson(`${gateway.url}/function/ingest`, {});
      if (ingested['status'] === 'exhausted') break;
      const batch = Number(ingested['ordinal']);
      await postJson(`${gateway.url}/function/clean`, { batch });
      const r = await runBatchPipeline(
        { lake, mlflow: stack.client(), settings, clean: false, training: { candidates: QUICK, numBoostRound: 60, earlyStoppingRounds: 10 } },
        { batch },
      );
      log(`${formatBatchLine(r.line)} (${r.line.seconds.toFixed(1)} s)`);
      lines.push(r.line);
    }
    return { gatewayUrl: gateway.url, emptyGatewayUrl: empty.url, modelName, lines, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
