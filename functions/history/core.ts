import { NotFoundError } from '../../packages/core/index.js';
import type { Lake } from '../../packages/lake/index.js';
import { MlflowNotFoundError, type MlflowClient, type ModelVersion } from '../../packages/mlflow/index.js';
import { readBatchQuality, type BatchQuality } from '../clean/core.js';
import { EXPLANATION_JSON, type Explanation } from '../assess/report.js';
import { CHAMPION, PROMOTION_ARTIFACT, type PromotionVerdict } from '../promote/core.js';
import { allModelVersions, TAGS } from '../train/core.js';

export interface HistoryDeps {
  mlflow: MlflowClient;
  /** Opened on first use: the models view needs only MLflow. */
  lake: () => Promise<Lake>;
  modelName: string;
}

/** Metrics of one holdout slice as train logs them on the version's run (`holdout_b<batch>_<metric>`). */
export type SliceMetrics = Partial<Record<'n' | 'rmse_log' | 'mae_log' | 'r2_log' | 'rmse' | 'mae' | 'mape' | 'r2', number>>;

/** What promote recorded on the version (its `casa.promotion.*` tags), null when never judged. */
export interface VersionPromotion {
  decision: string;
  /** The champion it was compared with, or `baseline`. */
  against: string;
  relativeGain: number | null;
  challengerRmseLog: number | null;
  incumbentRmseLog: number | null;
  decidedAt: string | null;
  reasons: string[];
}

export interface VersionView {
  version: string;
  createdAt: string | null;
  stage: string;
  aliases: string[];
  runId: string;
  candidate: string | null;
  /** The CLEAN batches it was trained on. */
  batches: { from: number; to: number } | null;
  triggerReason: string | null;
  /** Holdout metrics overall and per batch (keys are batch ordinals). */
  holdout: SliceMetrics;
  holdoutByBatch: Record<string, SliceMetrics>;
  promotion: VersionPromotion | null;
  /** The explanation report's one-paragraph summary (tag casa.explanation), when published. */
  summary: string | null;
}

/** One stretch of time during which a version held the production alias. */
export interface ProductionPeriod {
  version: string;
  /** When promote moved the alias to it (null when it was set outside promote). */
  from: string | null;
  /** When the next promotion replaced it; null while it still serves. */
  until: string | null;
  /** The version it replaced, or null for the first one. */
  replaced: string | null;
  source: 'promotion' | 'alias';
}

export interface ModelsView {
  view: 'models';
  model: string;
  /** alias → version */
  aliases: Record<string, string>;
  production: string | null;
  versions: VersionView[];
  timeline: ProductionPeriod[];
}

export interface FeatureDrift {
  feature: string;
  kind: string;
  score: number;
  drifted: boolean;
  importanceShare: number;
  contribution: number;
}

export interface BatchView {
  batch: number;
  quality: Omit<BatchQuality, 'batch_ordinal' | 'content_sha256'> | null;
  decision: null | {
    decision: string;
    leadRule: string | null;
    leadReason: string;
    reasons: string[];
    championVersion: string | null;
    trainedVersion: string | null;
    promotion: string | null;
    productionVersion: string | null;
    decidedAt: string | null;
    /** The champion's RMSE(log) change on this batch vs its holdout, when it was judged. */
    rmseIncrease: number | null;
    weightedDrift: number | null;
  };
  /** Every feature's drift against the champion's training batches (empty when not judged). */
  drift: FeatureDrift[];
}

export interface BatchesView {
  view: 'batches';
  batches: BatchView[];
}

export interface ChangeView {
  view: 'change';
  version: string;
  /** The explanation report of the batch that led to this version (explanation.json, else the lake's decisions row). */
  explanation: Explanation | null;
  /** promote's verdict on it (promotion.json). */
  promotion: PromotionVerdict | null;
  /** The production version before it, for "what changed" (null for the first one). */
  previous: string | null;
}

const num = (s: string | undefined): number | null => {
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

const HOLDOUT_METRIC = /^holdout_(?:b(\d+)_)?(n|rmse_log|mae_log|r2_log|rmse|mae|mape|r2)$/;

/** Splits a run's metrics into the holdout's overall and per-batch slices. */
export function holdoutSlices(metrics: Record<string, number>): { holdout: SliceMetrics; byBatch: Record<string, SliceMetrics> } {
  const holdout: SliceMetrics = {};
  const byBatch: Record<string, SliceMetrics> = {};
  for (const [key, value] of Object.entries(metrics)) {
    const m = HOLDOUT_METRIC.exec(key);
    if (!m) continue;
    const name = m[2] as keyof SliceMetrics;
    if (m[1] === undefined) holdout[name] = value;
    else (byBatch[m[1]] ??= {})[name] = value;
  }
  return { holdout, byBatch };
}

function promotionOf(tags: Record<string, string>): VersionPromotion | null {
  const decision = tags['casa.promotion.decision'];
  if (!decision) return null;
  return {
    decision,
    against: tags['casa.promotion.against'] ?? 'baseline',
    relativeGain: num(tags['casa.promotion.relative_gain']),
    challengerRmseLog: num(tags['casa.promotion.challenger_rmse_log']),
    incumbentRmseLog: num(tags['casa.promotion.incumbent_rmse_log']),
    decidedAt: tags['casa.promotion.decided_at'] || null,
    reasons: (tags['casa.promotion.reasons'] ?? '').split('\n').filter((r) => r.trim() !== ''),
  };
}

/**
 * The production alias over time, rebuilt from promote's verdicts: each `promoted` verdict moved
 * `champion` to its version at `decidedAt`, replacing the version it was compared with. When the
 * alias now names a version no verdict promoted (moved by hand), that is the last period.
 */
export function productionTimeline(versions: readonly VersionView[], champion: string | null): ProductionPeriod[] {
  const promoted = versions
    .filter((v) => v.promotion?.decision === 'promoted')
    .sort((a, b) => (a.promotion!.decidedAt ?? '').localeCompare(b.promotion!.decidedAt ?? '') || Number(a.version) - Number(b.version));
  const out: ProductionPeriod[] = promoted.map((v, i) => ({
    version: v.version,
    from: v.promotion!.decidedAt,
    until: promoted[i + 1]?.promotion!.decidedAt ?? null,
    replaced: i === 0 ? null : promoted[i - 1]!.version,
    source: 'promotion',
  }));
  const last = out[out.length - 1];
  if (champion !== null && last?.version !== champion) {
    out.push({ version: champion, from: null, until: null, replaced: last?.version ?? null, source: 'alias' });
  }
  return out;
}

function isoOf(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

async function versionView(mlflow: MlflowClient, v: ModelVersion): Promise<VersionView> {
  let metrics: Record<string, number> = {};
  try {
    metrics = (await mlflow.getRun(v.runId)).data.metrics;
  } catch (err) {
    // A version whose run was deleted still belongs in the history, without its metrics.
    if (!(err instanceof MlflowNotFoundError)) throw err;
  }
  const { holdout, byBatch } = holdoutSlices(metrics);
  const from = num(v.tags[TAGS.batchFrom]);
  const to = num(v.tags[TAGS.batchTo]);
  return {
    version: v.version,
    createdAt: isoOf(v.creationTimestamp),
    stage: v.currentStage,
    aliases: [...v.aliases].sort(),
    runId: v.runId,
    candidate: v.tags[TAGS.candidate] ?? null,
    batches: from !== null && to !== null ? { from, to } : null,
    triggerReason: v.tags[TAGS.reason] ?? null,
    holdout,
    holdoutByBatch: byBatch,
    promotion: promotionOf(v.tags),
    summary: v.tags['casa.explanation'] ?? null,
  };
}

async function registeredAliases(mlflow: MlflowClient, name: string): Promise<Record<string, string>> {
  try {
    return (await mlflow.getRegisteredModel(name)).aliases;
  } catch (err) {
    if (err instanceof MlflowNotFoundError) return {};
    throw err;
  }
}

/** Every registered version of the model with its batches, metrics, verdicts; the aliases; the production timeline. */
export async function buildModelsView(deps: HistoryDeps): Promise<ModelsView> {
  const versions = await allModelVersions(deps.mlflow, deps.modelName);
  const views: VersionView[] = [];
  // One run read per version, a few at a time: MLflow's server is single-process in small deployments.
  for (let i = 0; i < versions.length; i += 4) views.push(...(await Promise.all(versions.slice(i, i + 4).map((v) => versionView(deps.mlflow, v)))));
  // Search results carry no aliases (MLflow fills them only on single-version reads): the registered model has them all.
  const aliases = versions.length ? await registeredAliases(deps.mlflow, deps.modelName) : {};
  for (const v of views) v.aliases = Object.keys(aliases).filter((a) => aliases[a] === v.version).sort();
  const production = aliases[CHAMPION] ?? views.filter((v) => v.stage === 'Production').pop()?.version ?? null;
  return { view: 'models', model: deps.modelName, aliases, production, versions: views, timeline: productionTimeline(views, production) };
}

interface DecisionRow {
  batch_ordinal: number;
  decision: string;
  lead_rule: string | null;
  lead_reason: string;
  champion_version: string | null;
  trained_version: string | null;
  promotion: string | null;
  production_version: string | null;
  report_json: string;
  decided_at: string | null;
}

const DECISIONS_SQL = `
SELECT CAST(batch_ordinal AS INTEGER) AS batch_ordinal, decision, lead_rule, lead_reason, champion_version, trained_version,
       promotion, production_version, CAST(report_json AS VARCHAR) AS report_json, CAST(decided_at AS VARCHAR) AS decided_at
FROM decisions ORDER BY batch_ordinal`;

/** The lake's decisions table, one row per batch. */
async function readDecisionRows(lake: Lake): Promise<DecisionRow[]> {
  return (await lake.query<DecisionRow & Record<string, unknown>>(DECISIONS_SQL)).map((r) => ({ ...r, batch_ordinal: Number(r.batch_ordinal) }));
}

interface StoredReport {
  decisionDetail?: { drift?: { weightedDrift?: number; ranked?: FeatureDrift[] } | null; champion?: { rmseIncrease?: number } | null };
}

/** Per batch: rows ingested/clean/quarantined by reason, the decision, drift per feature. */
export async function buildBatchesView(deps: HistoryDeps): Promise<BatchesView> {
  const lake = await deps.lake();
  const [quality, decisions] = await Promise.all([readBatchQuality(lake), readDecisionRows(lake)]);
  const ordinals = [...new Set([...quality.map((q) => q.batch_ordinal), ...decisions.map((d) => d.batch_ordinal)])].sort((a, b) => a - b);
  return {
    view: 'batches',
    batches: ordinals.map((batch) => {
      const q = quality.find((r) => r.batch_ordinal === batch);
      const d = decisions.find((r) => r.batch_ordinal === batch);
      const report = d ? (JSON.parse(d.report_json) as StoredReport & Partial<Explanation>) : undefined;
      const detail = report?.decisionDetail;
      const { batch_ordinal: _b, content_sha256: _c, ...rest } = q ?? ({} as BatchQuality);
      return {
        batch,
        quality: q ? rest : null,
        decision: d
          ? {
              decision: d.decision,
              leadRule: d.lead_rule,
              leadReason: d.lead_reason,
              reasons: report?.reasons ?? [d.lead_reason],
              championVersion: d.champion_version,
              trainedVersion: d.trained_version,
              promotion: d.promotion,
              productionVersion: d.production_version,
              decidedAt: d.decided_at,
              rmseIncrease: detail?.champion?.rmseIncrease ?? null,
              weightedDrift: detail?.drift?.weightedDrift ?? null,
            }
          : null,
        drift: (detail?.drift?.ranked ?? []).map((f) => ({ feature: f.feature, kind: f.kind, score: f.score, drifted: f.drifted, importanceShare: f.importanceShare, contribution: f.contribution })),
      };
    }),
  };
}

async function readJsonArtifact<T>(mlflow: MlflowClient, artifactUri: string, path: string): Promise<T | null> {
  try {
    return JSON.parse((await mlflow.readArtifact(artifactUri, path)).toString('utf8')) as T;
  } catch (err) {
    if (err instanceof MlflowNotFoundError) return null;
    throw err;
  }
}

/** What changed with version `version`: the explanation report and promote's verdict. 404 for an unknown version. */
export async function buildChangeView(deps: HistoryDeps, version: string): Promise<ChangeView> {
  let v: ModelVersion;
  try {
    v = await deps.mlflow.getModelVersion(deps.modelName, version);
  } catch (err) {
    if (err instanceof MlflowNotFoundError) throw new NotFoundError(`model ${deps.modelName} has no version ${version}`);
    throw err;
  }
  const run = await deps.mlflow.getRun(v.runId);
  const [explanation, promotion] = await Promise.all([
    readJsonArtifact<Explanation>(deps.mlflow, run.info.artifactUri, EXPLANATION_JSON),
    readJsonArtifact<PromotionVerdict>(deps.mlflow, run.info.artifactUri, PROMOTION_ARTIFACT),
  ]);
  let report = explanation;
  if (!report) {
    // Not uploaded (e.g. the report step failed): the lake's decisions row of the batch that trained it has the same report.
    const row = (await readDecisionRows(await deps.lake())).find((d) => d.trained_version === version);
    if (row) {
      const { decisionDetail: _d, ...rest } = JSON.parse(row.report_json) as Explanation & { decisionDetail?: unknown };
      report = rest.format === 'casa-explanation/1' ? rest : null;
    }
  }
  const previous = promotion?.champion ?? report?.championError?.version ?? null;
  return { view: 'change', version: v.version, explanation: report, promotion, previous };
}
