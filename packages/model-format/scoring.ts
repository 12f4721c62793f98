import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../core/index.js';
import { FEATURE_COUNT, FEATURE_NAMES } from '../features/index.js';
import type { MlflowClient, ModelVersion } from '../mlflow/index.js';
import { Booster, DMatrix } from '../xgboost-wasm/index.js';
import { FEATURE_TYPES_FOR_ENGINE, type ShapImportance } from './model-directory.js';

/** ln(price) predictions for `n` rows of features (row-major, NaN = missing), in chunks to bound memory. */
export function predictLogPrices(booster: Booster, x: Float32Array, n: number, chunkRows = 200_000): Float32Array {
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += chunkRows) {
    const rows = Math.min(chunkRows, n - start);
    using dm = DMatrix.fromRows(x.subarray(start * FEATURE_COUNT, (start + rows) * FEATURE_COUNT), rows, FEATURE_COUNT, {
      featureNames: FEATURE_NAMES,
      featureTypes: FEATURE_TYPES_FOR_ENGINE,
    });
    out.set(booster.predict(dm), start);
  }
  return out;
}

/** Global importance: mean |TreeSHAP| per feature over the rows given (at most `maxRows`, evenly spaced). */
export function computeShapImportance(booster: Booster, x: Float32Array, n: number, maxRows = 5_000): ShapImportance {
  const step = Math.max(1, Math.ceil(n / maxRows));
  const picked: number[] = [];
  for (let i = 0; i < n; i += step) picked.push(i);
  const m = picked.length;
  const sample = new Float32Array(m * FEATURE_COUNT);
  picked.forEach((r, k) => sample.set(x.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT), k * FEATURE_COUNT));
  using dm = DMatrix.fromRows(sample, m, FEATURE_COUNT, { featureNames: FEATURE_NAMES, featureTypes: FEATURE_TYPES_FOR_ENGINE });
  const { values } = booster.predictContributions(dm);
  const width = FEATURE_COUNT + 1;
  const sums = new Float64Array(width);
  for (let r = 0; r < m; r++) for (let c = 0; c < width; c++) sums[c]! += c < FEATURE_COUNT ? Math.abs(values[r * width + c]!) : values[r * width + c]!;
  const meanAbs: Record<string, number> = {};
  FEATURE_NAMES.forEach((name, c) => (meanAbs[name] = sums[c]! / m));
  return { rows: m, baseValue: sums[FEATURE_COUNT]! / m, meanAbs };
}

/** `models:/NAME@ALIAS` or `models:/NAME/VERSION` → its parts; undefined for anything else. */
export function parseModelUri(uri: string): { name: string; alias?: string; version?: string } | undefined {
  const m = /^models:\/([^/@]+)(?:@([A-Za-z0-9_-]+)|\/(\d+))$/.exec(uri);
  if (!m) return undefined;
  return { name: decodeURIComponent(m[1]!), ...(m[2] ? { alias: m[2] } : {}), ...(m[3] ? { version: m[3] } : {}) };
}

/** Downloads every artifact under `source` (a version's artifact location) into `dest`, keeping paths. */
export async function downloadArtifactTree(client: MlflowClient, source: string, dest: string, path = ''): Promise<string[]> {
  const got: string[] = [];
  for (const f of await client.listArtifacts(source, path)) {
    if (f.isDir) got.push(...(await downloadArtifactTree(client, source, dest, f.path)));
    else {
      const to = join(dest, f.path);
      await mkdir(dirname(to), { recursive: true });
      await client.downloadArtifact(source, f.path, to);
      got.push(f.path);
    }
  }
  return got;
}

/** Resolves a `models:/` URI through the registry and downloads the version's model directory. */
export async function fetchRegisteredModel(client: MlflowClient, uri: string, dest?: string): Promise<{ dir: string; version: ModelVersion }> {
  const parsed = parseModelUri(uri);
  if (!parsed) throw new InvalidInputError(`${JSON.stringify(uri)} is not a model URI (models:/NAME@ALIAS or models:/NAME/VERSION)`, [{ pointer: '/model', message: 'bad model URI' }]);
  const version = parsed.alias ? await client.getModelVersionByAlias(parsed.name, parsed.alias) : await client.getModelVersion(parsed.name, parsed.version!);
  const dir = dest ?? (await mkdtemp(join(tmpdir(), 'casa-model-')));
  const files = await downloadArtifactTree(client, version.source, dir);
  if (files.length === 0) throw new InvalidInputError(`model ${parsed.name} version ${version.version} has no artifacts at ${version.source}`);
  return { dir, version };
}
