import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../../packages/core/index.js';
import type { LocationLevels } from '../../packages/features/index.js';
import { featureSpecProblems, type FeatureSpec } from '../../packages/model-format/index.js';

/**
 * The files predict needs from a registered version's model directory (MLflow's xgboost
 * flavour layout, artifact path `model/` of the run): the MLmodel descriptor, the model, and
 * the feature spec that must name packages/features' columns in order.
 * The feature spec is checked by packages/model-format's rules; its checkModelDirectory works on a
 * local directory, so these files are read through the artifact proxy into memory instead.
 */
export const MODEL_FILES = ['MLmodel', 'feature_spec.json'] as const;

export interface CheckedModel {
  /** The booster file named by the xgboost flavour, e.g. `model.ubj`. */
  dataFile: string;
  format: 'ubj' | 'json';
  featureNames: string[];
  /** The model's table for the location_level feature. */
  locationLevels: LocationLevels;
}

/** A model directory that cannot be served; it never replaces the model being served. */
export class ModelArtifactError extends InvalidInputError {
  override readonly code: string = 'model-artifact';
}

/** Checks MLmodel + feature_spec.json; returns where the booster is and how it is stored. */
export function checkModelDescriptor(mlmodelText: string, featureSpecText: string): CheckedModel {
  let mlmodel: unknown;
  try {
    mlmodel = parseYaml(mlmodelText);
  } catch (err) {
    throw new ModelArtifactError(`MLmodel is not YAML: ${String(err)}`);
  }
  const flavour = (mlmodel as { flavors?: { xgboost?: { data?: unknown; model_format?: unknown } } } | null)?.flavors?.xgboost;
  if (!flavour || typeof flavour.data !== 'string') throw new ModelArtifactError('MLmodel has no xgboost flavour naming its data file');
  if (!/^[A-Za-z0-9_.-]+$/.test(flavour.data)) throw new ModelArtifactError(`MLmodel names an unsafe data file ${JSON.stringify(flavour.data)}`);
  const format = flavour.model_format ?? (flavour.data.endsWith('.json') ? 'json' : 'ubj');
  if (format !== 'ubj' && format !== 'json') throw new ModelArtifactError(`unsupported xgboost model_format ${JSON.stringify(format)}`);

  let spec: unknown;
  try {
    spec = JSON.parse(featureSpecText);
  } catch {
    throw new ModelArtifactError('feature_spec.json is not JSON');
  }
  const features = (spec as { features?: unknown } | null)?.features;
  if (!Array.isArray(features)) throw new ModelArtifactError('feature_spec.json has no features array');
  // The same rules train writes by (packages/model-format): names/types in order, log target, vocabulary prefix.
  const problems = featureSpecProblems(spec as FeatureSpec);
  if (problems.length > 0) throw new ModelArtifactError(`the model cannot be served by this build: ${problems.join('; ')}`);
  const names = features.map((f: { name: string }) => f.name);
  return { dataFile: flavour.data, format, featureNames: names as string[], locationLevels: (spec as FeatureSpec).locationLevels };
}
