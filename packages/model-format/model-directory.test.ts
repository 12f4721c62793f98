import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_TYPES } from '../features/index.js';
import { Booster, DMatrix, loadXGBoost } from '../xgboost-wasm/index.js';
import { checkModelDirectory, FEATURE_TYPES_FOR_ENGINE, MODEL_DIRECTORY_FILES, ModelDirectoryError, writeModelDirectory } from './model-directory.js';
import { computeShapImportance, parseModelUri, predictLogPrices } from './scoring.js';

let work: string;
let model: Uint8Array;
const n = 400;
const x = new Float32Array(n * FEATURE_COUNT);

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'casa-model-format-'));
  await loadXGBoost();
  for (let i = 0; i < x.length; i++) x[i] = (i * 7919) % 101;
  const y = Array.from({ length: n }, (_, i) => 12 + x[i * FEATURE_COUNT + 2]! / 100);
  using dm = DMatrix.fromRows(x, n, FEATURE_COUNT, { labels: y, featureNames: FEATURE_NAMES, featureTypes: FEATURE_TYPES_FOR_ENGINE });
  const { booster } = Booster.train({ params: { max_depth: 3, tree_method: 'hist' }, dtrain: dm, numBoostRound: 10 });
  model = booster.saveModel('ubj');
  booster.dispose();
});
after(() => rm(work, { recursive: true, force: true }));

const locationLevels = { smoothing: 5, global: 12, state: { Texas: 11.9 }, city: {}, zip: {} };
const training = { dataDigest: 'abc', batches: { from: 0, to: 2 }, source: 'test', trainRows: 400, holdoutRows: 0, holdoutFraction: 0.2, bestIteration: 9, params: { max_depth: 3 } };

test('writes the MLflow xgboost flavour layout that checkModelDirectory accepts', async () => {
  // Prepare / Act
  const dir = join(work, 'ok');
  await writeModelDirectory(dir, { model, training, shapImportance: { rows: 1, baseValue: 12, meanAbs: {} }, locationLevels, runId: 'r1', artifactPath: 'model' });
  const checked = await checkModelDirectory(dir);
  // Assess
  assert.equal(checked.numFeatures, FEATURE_COUNT);
  const mlmodel = parse(await readFile(join(dir, 'MLmodel'), 'utf8')) as Record<string, any>;
  assert.equal(mlmodel.artifact_path, 'model');
  assert.deepEqual(Object.keys(mlmodel.flavors).sort(), ['python_function', 'xgboost']);
  assert.equal(mlmodel.flavors.xgboost.data, 'model.ubj');
  assert.equal(mlmodel.flavors.xgboost.model_class, 'xgboost.core.Booster');
  assert.equal(mlmodel.flavors.python_function.loader_module, 'mlflow.xgboost');
  assert.deepEqual(JSON.parse(mlmodel.signature.inputs).map((c: { name: string; type: string }) => `${c.name}:${c.type}`), FEATURE_NAMES.map((f) => `${f}:double`));
  assert.deepEqual(checked.featureSpec.features.map((f) => f.type), FEATURE_TYPES);
});

test('refuses a directory with a missing model file, naming it', async () => {
  const dir = join(work, 'missing');
  await writeModelDirectory(dir, { model, training, shapImportance: { rows: 1, baseValue: 12, meanAbs: {} }, locationLevels });
  await rm(join(dir, 'model.ubj'));
  await assert.rejects(checkModelDirectory(dir), (e: unknown) => e instanceof ModelDirectoryError && e.problems.includes('model.ubj is missing'));
});

test('refuses a feature spec that disagrees with packages/features', async () => {
  const dir = join(work, 'features');
  await writeModelDirectory(dir, { model, training, shapImportance: { rows: 1, baseValue: 12, meanAbs: {} }, locationLevels });
  const spec = JSON.parse(await readFile(join(dir, 'feature_spec.json'), 'utf8'));
  spec.features.reverse();
  spec.vocabulary.states = ['Atlantis'];
  await writeFile(join(dir, 'feature_spec.json'), JSON.stringify(spec));
  await assert.rejects(checkModelDirectory(dir), (e: unknown) => e instanceof ModelDirectoryError && e.problems.length === 2);
});

test('refuses a truncated model file and an MLmodel that is not YAML', async () => {
  const dir = join(work, 'corrupt');
  await writeModelDirectory(dir, { model, training, shapImportance: { rows: 1, baseValue: 12, meanAbs: {} }, locationLevels });
  await writeFile(join(dir, 'model.ubj'), model.subarray(0, 40));
  await assert.rejects(checkModelDirectory(dir), /does not load in XGBoost/);
  await writeFile(join(dir, 'MLmodel'), 'flavors: [unclosed');
  await assert.rejects(checkModelDirectory(dir), /MLmodel does not parse/);
  await assert.rejects(checkModelDirectory(join(work, 'nowhere')), /no such directory/);
  assert.equal(MODEL_DIRECTORY_FILES.length, 7);
});

test('SHAP importances are mean |contribution| per feature; predictions come back in chunks unchanged', () => {
  using booster = Booster.loadModel(model);
  const imp = computeShapImportance(booster, x, n);
  assert.equal(imp.rows, n);
  assert.ok(imp.meanAbs['house_size']! > 0, 'the only informative feature carries importance');
  const whole = predictLogPrices(booster, x, n);
  const chunked = predictLogPrices(booster, x, n, 64);
  assert.deepEqual(chunked, whole);
});

test('model URIs: alias and version forms; anything else is not one', () => {
  assert.deepEqual(parseModelUri('models:/casa-house-price@champion'), { name: 'casa-house-price', alias: 'champion' });
  assert.deepEqual(parseModelUri('models:/casa-house-price/3'), { name: 'casa-house-price', version: '3' });
  assert.equal(parseModelUri('runs:/abc/model'), undefined);
  assert.equal(parseModelUri('models:/x@'), undefined);
});
