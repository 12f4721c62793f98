/**
 * Fixtures for predict's tests and benchmark (not part of the public API): a small model
 * trained with the WebAssembly engine on packages/features' columns, its model directory in
 * MLflow's xgboost flavour layout, an in-memory ModelSource, and registration in a real MLflow.
 * The feature spec is packages/model-format's (currentFeatureSpec); MLmodel follows its layout.
 */
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_TYPES, STATES, STATUSES, featureMatrix, toTarget, type ListingFields, type LocationLevels } from '../../packages/features/index.js';
import type { MlflowClient, ModelVersion } from '../../packages/mlflow/index.js';
import { currentFeatureSpec } from '../../packages/model-format/index.js';
import { Booster, DMatrix, loadXGBoost, type FeatureType } from '../../packages/xgboost-wasm/index.js';
import { toListingFields, type Listing } from './listing-schema.js';
import type { FetchedModel, ModelRef, ModelSource } from './model-source.js';
import { checkModelDescriptor } from './model-artifacts.js';

/** The fixture models' location table: every state at its own level, so location_level varies. */
export const FIXTURE_LOCATION_LEVELS: LocationLevels = {
  smoothing: 5,
  global: 12.5,
  state: Object.fromEntries(STATES.map((s, i) => [s, 12 + (i % 7) / 7])),
  city: {},
  zip: {},
};

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A plausible valid listing drawn from `r`. */
export function randomListing(r: () => number): Listing {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  return {
    status: pick(STATUSES),
    bed: 1 + Math.floor(r() * 6),
    bath: 1 + Math.floor(r() * 4),
    acre_lot: Math.round(r() * 200) / 100,
    city: 'Springfield',
    state: pick(STATES),
    zip_code: String(Math.floor(r() * 99_999)).padStart(5, '0'),
    house_size: 500 + Math.round(r() * 4000),
    prev_sold_date: `${1990 + Math.floor(r() * 30)}-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 10)}`,
  };
}

/**
 * Trains a small regression model on log price of synthetic listings; `priceFactor` scales
 * every price, so two fixtures give visibly different answers. Returns UBJ bytes.
 */
export async function trainFixtureModel(options: { seed?: number; rows?: number; rounds?: number; priceFactor?: number } = {}): Promise<Uint8Array> {
  await loadXGBoost();
  const r = rng(options.seed ?? 1);
  const n = options.rows ?? 2_000;
  const listings: ListingFields[] = Array.from({ length: n }, () => toListingFields(randomListing(r)));
  const labels = listings.map((l) => toTarget((options.priceFactor ?? 1) * (40_000 + 150 * l.house_size! + 20_000 * l.bath! + 30_000 * l.acre_lot!) * (0.9 + 0.2 * r())));
  using dtrain = DMatrix.fromRows(featureMatrix(listings, FIXTURE_LOCATION_LEVELS), n, FEATURE_COUNT, { labels, featureNames: FEATURE_NAMES, featureTypes: FEATURE_TYPES as FeatureType[] });
  const { booster } = Booster.train({ params: { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 4, eta: 0.3, seed: options.seed ?? 1 }, dtrain, numBoostRound: options.rounds ?? 20 });
  try {
    return booster.saveModel('ubj');
  } finally {
    booster.dispose();
  }
}

/** The model directory's files, as MLflow's xgboost flavour lays them out. */
export function modelDirectoryFiles(modelBytes: Uint8Array): Record<string, Uint8Array | string> {
  const mlmodel = [
    'artifact_path: model',
    'flavors:',
    '  python_function:',
    '    data: model.ubj',
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.xgboost',
    '    python_version: 3.11.2',
    '  xgboost:',
    '    code: null',
    '    data: model.ubj',
    '    model_class: xgboost.core.Booster',
    '    model_format: ubj',
    '    xgb_version: 3.2.0',
    'mlflow_version: 3.17.2',
    `utc_time_created: '${new Date().toISOString().replace('T', ' ').replace('Z', '')}'`,
    '',
  ].join('\n');
  return {
    MLmodel: mlmodel,
    'model.ubj': modelBytes,
    'feature_spec.json': JSON.stringify(
      currentFeatureSpec({ dataDigest: 'fixture', batches: { from: 0, to: 0 }, source: 'predict test fixture', trainRows: 0, holdoutRows: 0, holdoutFraction: 0, bestIteration: 0, params: {} }, FIXTURE_LOCATION_LEVELS),
    ),
    'conda.yaml': 'name: mlflow-env\nchannels: [conda-forge]\ndependencies: [python=3.11.2, {pip: [mlflow==3.17.2, xgboost==3.2.0]}]\n',
    'python_env.yaml': 'python: 3.11.2\nbuild_dependencies: [pip]\ndependencies: [mlflow==3.17.2, xgboost==3.2.0]\n',
  };
}

/** An in-memory registry: `promote(version)` moves production, `fail` makes it unreachable. */
export function memoryModelSource(models: Record<string, Uint8Array>, name = 'casa-house-price') {
  let production: string | undefined;
  let failure: Error | undefined;
  const fetches: string[] = [];
  const source: ModelSource & { promote(v: string | undefined): void; fail(err: Error | undefined): void; fetches: string[] } = {
    fetches,
    promote(v) {
      production = v;
    },
    fail(err) {
      failure = err;
    },
    async resolveProduction(): Promise<ModelRef> {
      if (failure) throw failure;
      if (!production) {
        const { NoProductionModelError } = await import('./model-source.js');
        throw new NoProductionModelError(`no production version of ${name}`);
      }
      return { name, version: production, alias: 'champion', stage: 'Production', run_id: `run-${production}`, source: `memory:/${production}` };
    },
    async fetchModel(ref): Promise<FetchedModel> {
      if (failure) throw failure;
      fetches.push(ref.version);
      const files = modelDirectoryFiles(models[ref.version]!);
      return { ...checkModelDescriptor(files.MLmodel as string, files['feature_spec.json'] as string), bytes: models[ref.version]! };
    },
  };
  return source;
}

/** Logs a run with the model directory under `model/` and registers it as a new version of `name`. */
export async function registerFixtureVersion(client: MlflowClient, name: string, modelBytes: Uint8Array, experimentName = 'casa-predict-tests'): Promise<ModelVersion> {
  const experiment = await client.getOrCreateExperiment(experimentName);
  const run = await client.createRun({ experimentId: experiment.experimentId, runName: 'predict-fixture' });
  const artifactUri = run.info.artifactUri;
  for (const [path, content] of Object.entries(modelDirectoryFiles(modelBytes))) await client.uploadArtifact(artifactUri, `model/${path}`, content);
  await client.terminateRun(run.info.runId);
  await client.getOrCreateRegisteredModel(name);
  return client.registerModelVersion({ name, source: `${artifactUri}/model`, runId: run.info.runId });
}
