/**
 * The shapes of MLflow's REST answers (API 2.0), validated with zod and turned into camelCase
 * objects. MLflow's JSON omits empty fields, so lists default to empty; int64 fields may come as
 * numbers or strings; key/value lists become plain records.
 */
import { z } from 'zod';

const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).transform(Number);
const keyValues = z
  .array(z.object({ key: z.string(), value: z.string().default('') }))
  .default([])
  .transform((list) => Object.fromEntries(list.map((kv) => [kv.key, kv.value])) as Record<string, string>);

export const runStatuses = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof runStatuses)[number];
export const modelVersionStages = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelVersionStage = (typeof modelVersionStages)[number];

export const experimentSchema = z
  .object({
    experiment_id: z.string(),
    name: z.string(),
    artifact_location: z.string().default(''),
    lifecycle_stage: z.string().default('active'),
    creation_time: int64.optional(),
    last_update_time: int64.optional(),
    tags: keyValues,
  })
  .transform((e) => ({
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location,
    lifecycleStage: e.lifecycle_stage,
    creationTime: e.creation_time,
    lastUpdateTime: e.last_update_time,
    tags: e.tags,
  }));
export type Experiment = z.output<typeof experimentSchema>;

export const runInfoSchema = z
  .object({
    run_id: z.string(),
    experiment_id: z.string(),
    run_name: z.string().default(''),
    user_id: z.string().default(''),
    status: z.enum(runStatuses),
    start_time: int64.optional(),
    end_time: int64.optional(),
    artifact_uri: z.string(),
    lifecycle_stage: z.string().default('active'),
  })
  .transform((i) => ({
    runId: i.run_id,
    experimentId: i.experiment_id,
    runName: i.run_name,
    userId: i.user_id,
    status: i.status,
    startTime: i.start_time,
    endTime: i.end_time,
    /** Where the run's artifacts live, e.g. `mlflow-artifacts:/1/<run>/artifacts`: the real location to register models from. */
    artifactUri: i.artifact_uri,
    lifecycleStage: i.lifecycle_stage,
  }));
export type RunInfo = z.output<typeof runInfoSchema>;

const metricSchema = z.object({ key: z.string(), value: double, timestamp: int64.default(0), step: int64.default(0) });

const datasetSchema = z
  .object({
    name: z.string(),
    digest: z.string(),
    source_type: z.string().default(''),
    source: z.string().default(''),
    schema: z.string().optional(),
    profile: z.string().optional(),
  })
  .transform((d) => ({ name: d.name, digest: d.digest, sourceType: d.source_type, source: d.source, schema: d.schema, profile: d.profile }));
export type Dataset = z.output<typeof datasetSchema>;

export const runSchema = z
  .object({
    info: runInfoSchema,
    data: z
      .object({ metrics: z.array(metricSchema).default([]), params: keyValues, tags: keyValues })
      .prefault({}),
    inputs: z
      .object({ dataset_inputs: z.array(z.object({ dataset: datasetSchema, tags: keyValues })).default([]) })
      .prefault({}),
  })
  .transform((r) => ({
    info: r.info,
    data: {
      /** The latest value of each metric. */
      metrics: Object.fromEntries(r.data.metrics.map((m) => [m.key, m.value])) as Record<string, number>,
      params: r.data.params,
      tags: r.data.tags,
    },
    inputs: { datasetInputs: r.inputs.dataset_inputs },
  }));
export type Run = z.output<typeof runSchema>;

export const modelVersionSchema = z
  .object({
    name: z.string(),
    version: z.union([z.string(), z.number()]).transform(String),
    creation_timestamp: int64.optional(),
    last_updated_timestamp: int64.optional(),
    user_id: z.string().default(''),
    current_stage: z.string().default('None'),
    description: z.string().default(''),
    source: z.string().default(''),
    run_id: z.string().default(''),
    status: z.enum(['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY']).default('READY'),
    status_message: z.string().default(''),
    run_link: z.string().default(''),
    tags: keyValues,
    aliases: z.array(z.string()).default([]),
  })
  .transform((v) => ({
    name: v.name,
    version: v.version,
    creationTimestamp: v.creation_timestamp,
    lastUpdatedTimestamp: v.last_updated_timestamp,
    userId: v.user_id,
    currentStage: v.current_stage,
    description: v.description,
    source: v.source,
    runId: v.run_id,
    status: v.status,
    statusMessage: v.status_message,
    runLink: v.run_link,
    tags: v.tags,
    aliases: v.aliases,
  }));
export type ModelVersion = z.output<typeof modelVersionSchema>;

export const registeredModelSchema = z
  .object({
    name: z.string(),
    creation_timestamp: int64.optional(),
    last_updated_timestamp: int64.optional(),
    description: z.string().default(''),
    latest_versions: z.array(modelVersionSchema).default([]),
    tags: keyValues,
    aliases: z.array(z.object({ alias: z.string(), version: z.union([z.string(), z.number()]).transform(String) })).default([]),
  })
  .transform((m) => ({
    name: m.name,
    creationTimestamp: m.creation_timestamp,
    lastUpdatedTimestamp: m.last_updated_timestamp,
    description: m.description,
    latestVersions: m.latest_versions,
    tags: m.tags,
    /** alias → version */
    aliases: Object.fromEntries(m.aliases.map((a) => [a.alias, a.version])) as Record<string, string>,
  }));
export type RegisteredModel = z.output<typeof registeredModelSchema>;

export const fileInfoSchema = z.object({
  path: z.string(),
  is_dir: z.boolean().default(false),
  file_size: int64.optional(),
});

/** An error answer: `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "…"}`. */
export const errorBodySchema = z.object({ error_code: z.string(), message: z.string().default('') });

export const multipartCreateSchema = z.object({
  upload_id: z.string().default(''),
  credentials: z.array(
    z.object({
      part_number: int64,
      url: z.string(),
      headers: z.record(z.string(), z.string()).default({}),
    }),
  ),
});
