import { MlflowNotFoundError, type MlflowClient, type ModelVersion } from '../../packages/mlflow/index.js';
import { NotFoundError } from '../../packages/core/index.js';
import { checkModelDescriptor, ModelArtifactError, type CheckedModel } from './model-artifacts.js';

/** Which registered version is production, and how it was found. */
export interface ModelRef {
  name: string;
  version: string;
  /** The alias it was resolved by, or null when found by the stage fallback. */
  alias: string | null;
  stage: string;
  run_id: string;
  /** Artifact URI of the model directory (the run's artifact URI + `/model`). */
  source: string;
}

export interface FetchedModel extends CheckedModel {
  bytes: Uint8Array;
}

/** Where production models come from: MLflow in service, an in-memory registry in unit tests. */
export interface ModelSource {
  /** The production version now; NotFoundError when there is none, MlflowUnavailableError when the registry cannot answer. */
  resolveProduction(): Promise<ModelRef>;
  /** Downloads and checks the version's model directory. */
  fetchModel(ref: ModelRef): Promise<FetchedModel>;
}

/** No version is marked production (neither the alias nor the stage). */
export class NoProductionModelError extends NotFoundError {
  override readonly code: string = 'no-production-model';
}

/**
 * Production in MLflow: the version the alias (default `champion`) points at; when the alias
 * is unset, the newest version in stage `Production` (for registries promoted by stages).
 * Artifacts come through MLflow's artifact proxy.
 */
export function mlflowModelSource(client: MlflowClient, name: string, alias = 'champion'): ModelSource {
  return {
    async resolveProduction() {
      try {
        return refOf(await client.getModelVersionByAlias(name, alias), alias);
      } catch (err) {
        if (!(err instanceof MlflowNotFoundError)) throw err;
      }
      const found = await client.searchModelVersions({ filter: `name='${name.replace(/'/g, "''")}'`, maxResults: 200 }).catch((err: unknown) => {
        if (err instanceof MlflowNotFoundError) return { modelVersions: [] as ModelVersion[] };
        throw err;
      });
      const production = found.modelVersions
        .filter((v) => v.currentStage === 'Production')
        .sort((a, b) => Number(b.version) - Number(a.version))[0];
      if (!production) throw new NoProductionModelError(`registered model '${name}' has no version with alias '${alias}' or in stage Production`);
      return refOf(production, null);
    },
    async fetchModel(ref) {
      const [mlmodel, spec] = await Promise.all([client.readArtifact(ref.source, 'MLmodel'), client.readArtifact(ref.source, 'feature_spec.json')]).catch((err: unknown) => {
        if (err instanceof MlflowNotFoundError) throw new ModelArtifactError(`version ${ref.version} of '${ref.name}' lacks MLmodel or feature_spec.json under ${ref.source}`, [], { cause: err });
        throw err;
      });
      const checked = checkModelDescriptor(mlmodel.toString('utf8'), spec.toString('utf8'));
      const bytes = await client.readArtifact(ref.source, checked.dataFile);
      return { ...checked, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    },
  };
}

function refOf(v: ModelVersion, alias: string | null): ModelRef {
  return { name: v.name, version: v.version, alias, stage: v.currentStage, run_id: v.runId, source: v.source };
}
