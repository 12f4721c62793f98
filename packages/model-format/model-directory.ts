import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CasaError } from '../core/index.js';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_TYPES, STATES, STATUSES, type LocationLevels } from '../features/index.js';
import { Booster, loadXGBoost, type FeatureType } from '../xgboost-wasm/index.js';

/**
 * The model directory: MLflow's xgboost flavour layout (what `mlflow.xgboost.save_model`
 * writes in MLflow 3.17, so `mlflow.xgboost.load_model` and `mlflow.pyfunc` load it) plus
 * casa's own files. Written once here, used by train, promote, predict and `casa predict`.
 *
 *   MLmodel              flavours xgboost + python_function, input signature
 *   model.ubj            the booster (XGBoost UBJ), trimmed to its best iteration
 *   feature_spec.json    casa: feature names/types in order, target transform, vocabulary, location levels, training data
 *   shap_importance.json casa: mean |SHAP| per feature on the holdout
 *   requirements.txt, python_env.yaml, conda.yaml   the Python environment MLflow records
 */
export const MODEL_FILE = 'model.ubj';
export const MLMODEL_FILE = 'MLmodel';
export const FEATURE_SPEC_FILE = 'feature_spec.json';
export const SHAP_IMPORTANCE_FILE = 'shap_importance.json';
export const MODEL_DIRECTORY_FILES = [MLMODEL_FILE, MODEL_FILE, FEATURE_SPEC_FILE, SHAP_IMPORTANCE_FILE, 'requirements.txt', 'python_env.yaml', 'conda.yaml'] as const;

/** The MLflow and Python versions recorded in MLmodel: those of the pinned .venv-mlflow (requirements-mlflow.txt). */
export const MLFLOW_VERSION = '3.17.2';
export const PYTHON_VERSION = '3.11.7';
// 2: adds locationLevels (the location_level feature's table).
export const FEATURE_SPEC_FORMAT = 'casa-feature-spec/2';

/** The XGBoost version of the WebAssembly engine that writes the model. */
export const XGBOOST_VERSION: string = (() => {
  try {
    const info = JSON.parse(readFileSync(new URL('../xgboost-wasm/wasm/BUILDINFO.json', import.meta.url), 'utf8')) as { xgboost_version?: string };
    return info.xgboost_version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

export interface FeatureSpec {
  format: typeof FEATURE_SPEC_FORMAT;
  features: { name: string; type: string }[];
  target: { column: 'price'; transform: 'log' };
  vocabulary: { states: string[]; statuses: string[] };
  /** The table the location_level feature is looked up in (packages/features/location-levels.ts). */
  locationLevels: LocationLevels;
  training: {
    dataDigest: string;
    /** Inclusive batch range of CLEAN the model was trained on (a CSV is batch 0..0). */
    batches: { from: number; to: number };
    source: string;
    trainRows: number;
    holdoutRows: number;
    holdoutFraction: number;
    bestIteration: number;
    params: Record<string, string | number | boolean>;
  };
}

/** Mean |SHAP| per feature (log-price units), in feature order, plus the mean bias. */
export interface ShapImportance {
  rows: number;
  baseValue: number;
  meanAbs: Record<string, number>;
}

export interface ModelDirectoryInput {
  model: Uint8Array;
  training: FeatureSpec['training'];
  locationLevels: LocationLevels;
  shapImportance: ShapImportance;
  /** Recorded in MLmodel when the directory is a run's artifact. */
  runId?: string;
  artifactPath?: string;
  now?: Date;
}

/** A model directory that is missing a file, does not parse, or does not match casa's features. */
export class ModelDirectoryError extends CasaError {
  override readonly status: number = 422;
  override readonly code: string = 'model-directory';
  readonly problems: string[];
  constructor(dir: string, problems: string[], options?: { cause?: unknown }) {
    super(`model directory ${dir} is not usable: ${problems.join('; ')}`, options);
    this.problems = problems;
  }
}

/** The feature spec of a model trained now: packages/features' columns and vocabulary, and its location levels. */
export function currentFeatureSpec(training: FeatureSpec['training'], locationLevels: LocationLevels): FeatureSpec {
  return {
    format: FEATURE_SPEC_FORMAT,
    features: FEATURE_NAMES.map((name, i) => ({ name, type: FEATURE_TYPES[i]! })),
    target: { column: 'price', transform: 'log' },
    vocabulary: { states: [...STATES], statuses: [...STATUSES] },
    locationLevels,
    training,
  };
}

/** MLflow's `utc_time_created` format: `2026-11-29 19:00:41.430339`. */
function mlflowTime(d: Date): string {
  return `${d.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** Writes the model directory (creating `dir`); returns the feature spec written. */
export async function writeModelDirectory(dir: string, input: ModelDirectoryInput): Promise<FeatureSpec> {
  await mkdir(dir, { recursive: true });
  const spec = currentFeatureSpec(input.training, input.locationLevels);
  const signatureInputs = JSON.stringify(FEATURE_NAMES.map((name) => ({ type: 'double', name, required: false })));
  const mlmodel: Record<string, unknown> = {
    ...(input.artifactPath !== undefined ? { artifact_path: input.artifactPath } : {}),
    flavors: {
      python_function: {
        data: MODEL_FILE,
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.xgboost',
        python_version: PYTHON_VERSION,
      },
      xgboost: { code: null, data: MODEL_FILE, model_class: 'xgboost.core.Booster', model_format: 'ubj', xgb_version: XGBOOST_VERSION },
    },
    is_signature_from_type_hint: false,
    mlflow_version: MLFLOW_VERSION,
    model_size_bytes: input.model.byteLength,
    model_uuid: randomUUID().replaceAll('-', ''),
    ...(input.runId !== undefined ? { run_id: input.runId } : {}),
    signature: {
      inputs: signatureInputs,
      outputs: JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } }]),
      params: null,
    },
    type_hint_from_example: false,
    utc_time_created: mlflowTime(input.now ?? new Date()),
    metadata: { casa_target_transform: 'log', casa_feature_spec: FEATURE_SPEC_FILE },
  };
  const requirements = [`mlflow==${MLFLOW_VERSION}`, `xgboost==${XGBOOST_VERSION}`, 'numpy', 'pandas'].join('\n');
  await Promise.all([
    writeFile(join(dir, MODEL_FILE), input.model),
    writeFile(join(dir, MLMODEL_FILE), stringifyYaml(mlmodel, { lineWidth: 0 })),
    writeFile(join(dir, FEATURE_SPEC_FILE), `${JSON.stringify(spec, null, 2)}\n`),
    writeFile(join(dir, SHAP_IMPORTANCE_FILE), `${JSON.stringify(input.shapImportance, null, 2)}\n`),
    writeFile(join(dir, 'requirements.txt'), `${requirements}\n`),
    writeFile(join(dir, 'python_env.yaml'), stringifyYaml({ python: PYTHON_VERSION, build_dependencies: ['pip', 'setuptools', 'wheel'], dependencies: ['-r requirements.txt'] })),
    writeFile(
      join(dir, 'conda.yaml'),
      stringifyYaml({ channels: ['conda-forge'], dependencies: [`python=${PYTHON_VERSION}`, 'pip', { pip: requirements.split('\n') }], name: 'mlflow-env' }),
    ),
  ]);
  return spec;
}

export interface ModelDirectory {
  dir: string;
  mlmodel: Record<string, unknown>;
  featureSpec: FeatureSpec;
  shapImportance: ShapImportance | undefined;
  model: Uint8Array;
}

/** Reads a model directory's files (no engine involved); ModelDirectoryError naming what is wrong. */
export async function readModelDirectory(dir: string): Promise<ModelDirectory> {
  const problems: string[] = [];
  const read = async (name: string): Promise<Buffer | undefined> => {
    try {
      return await readFile(join(dir, name));
    } catch {
      problems.push(`${name} is missing`);
      return undefined;
    }
  };
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new ModelDirectoryError(dir, ['no such directory']);
  }
  const [mlText, specText, shapText] = await Promise.all([read(MLMODEL_FILE), read(FEATURE_SPEC_FILE), read(SHAP_IMPORTANCE_FILE)]);
  let mlmodel: Record<string, unknown> = {};
  let modelFile = MODEL_FILE;
  if (mlText) {
    try {
      mlmodel = parseYaml(mlText.toString('utf8')) as Record<string, unknown>;
      const xgb = (mlmodel?.['flavors'] as Record<string, Record<string, unknown>> | undefined)?.['xgboost'];
      if (!xgb) problems.push('MLmodel has no xgboost flavour');
      else {
        if (typeof xgb['data'] === 'string') modelFile = xgb['data'];
        if (xgb['model_format'] !== undefined && xgb['model_format'] !== 'ubj' && xgb['model_format'] !== 'json') problems.push(`MLmodel names an unknown model_format ${String(xgb['model_format'])}`);
      }
    } catch (err) {
      problems.push(`MLmodel does not parse as YAML: ${(err as Error).message}`);
    }
  }
  const model = await read(modelFile);
  let featureSpec: FeatureSpec | undefined;
  if (specText) {
    try {
      featureSpec = JSON.parse(specText.toString('utf8')) as FeatureSpec;
    } catch (err) {
      problems.push(`${FEATURE_SPEC_FILE} does not parse: ${(err as Error).message}`);
    }
  }
  let shapImportance: ShapImportance | undefined;
  if (shapText) {
    try {
      shapImportance = JSON.parse(shapText.toString('utf8')) as ShapImportance;
    } catch {
      problems.push(`${SHAP_IMPORTANCE_FILE} does not parse`);
    }
  }
  if (featureSpec) problems.push(...featureSpecProblems(featureSpec));
  if (problems.length > 0 || !model || !featureSpec) throw new ModelDirectoryError(dir, problems);
  return { dir, mlmodel, featureSpec, shapImportance, model: new Uint8Array(model) };
}

/** How a feature spec disagrees with packages/features (train and predict must not disagree). */
export function featureSpecProblems(spec: FeatureSpec): string[] {
  const out: string[] = [];
  if (spec.format !== FEATURE_SPEC_FORMAT) out.push(`feature spec format ${JSON.stringify(spec.format)} is not ${FEATURE_SPEC_FORMAT}`);
  const names = (spec.features ?? []).map((f) => f.name);
  const types = (spec.features ?? []).map((f) => f.type);
  if (names.join(',') !== FEATURE_NAMES.join(',')) out.push(`features [${names.join(', ')}] differ from casa's [${FEATURE_NAMES.join(', ')}]`);
  else if (types.join(',') !== FEATURE_TYPES.join(',')) out.push(`feature types [${types.join(', ')}] differ from casa's [${FEATURE_TYPES.join(', ')}]`);
  const levels = spec.locationLevels;
  if (!levels || typeof levels.global !== 'number' || typeof levels.zip !== 'object' || typeof levels.city !== 'object' || typeof levels.state !== 'object')
    out.push('the feature spec has no usable locationLevels table');
  if (spec.target?.transform !== 'log') out.push(`target transform ${JSON.stringify(spec.target?.transform)} is not "log"`);
  // Codes are positions in the vocabulary, which may only grow: the model's must be a prefix of ours.
  const states = spec.vocabulary?.states ?? [];
  const statuses = spec.vocabulary?.statuses ?? [];
  if (states.some((s, i) => STATES[i] !== s)) out.push('the state vocabulary is not a prefix of casa\'s (codes would mean different states)');
  if (statuses.some((s, i) => STATUSES[i] !== s)) out.push('the status vocabulary is not a prefix of casa\'s');
  return out;
}

/**
 * Verifies what serving needs: every file present, MLmodel parses with the xgboost flavour,
 * the feature spec matches packages/features, and the model loads in the engine with the
 * same feature names. Returns the directory's contents; throws ModelDirectoryError otherwise.
 */
export async function checkModelDirectory(dir: string): Promise<ModelDirectory & { numFeatures: number }> {
  const md = await readModelDirectory(dir);
  const others = await Promise.all(['requirements.txt', 'python_env.yaml', 'conda.yaml'].map(async (f) => ((await stat(join(dir, f)).catch(() => null)) ? null : `${f} is missing`)));
  const problems = others.filter((p): p is string => p !== null);
  await loadXGBoost();
  let numFeatures = 0;
  try {
    using booster = Booster.loadModel(md.model);
    numFeatures = booster.numFeatures;
    const names = booster.featureNames;
    if (numFeatures !== FEATURE_COUNT) problems.push(`the model has ${numFeatures} features, casa has ${FEATURE_COUNT}`);
    if (names.length > 0 && names.join(',') !== FEATURE_NAMES.join(',')) problems.push(`the model's feature names [${names.join(', ')}] differ from casa's`);
  } catch (err) {
    problems.push(`${MODEL_FILE} does not load in XGBoost: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new ModelDirectoryError(dir, problems);
  return { ...md, numFeatures };
}

/** Loads the directory's booster into this thread's engine (after checking it). Dispose it when done. */
export async function loadModelDirectory(dir: string): Promise<{ booster: Booster; directory: ModelDirectory }> {
  const directory = await checkModelDirectory(dir);
  const booster = Booster.loadModel(directory.model);
  return { booster, directory };
}

export const FEATURE_TYPES_FOR_ENGINE = FEATURE_TYPES as FeatureType[];
