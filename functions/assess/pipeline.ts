import { cleanBatch, readBatchQuality } from '../clean/core.js';
import { NotFoundError } from '../../packages/core/index.js';
import { PROMOTION_ARTIFACT, promoteChallenger, type PromotionVerdict } from '../promote/core.js';
import type { PromotionGate } from '../promote/gate.js';
import { TrainingSetTooSmallError, type TrainingOptions } from '../train/candidates.js';
import type { TrainSettings } from '../train/config.js';
import { allModelVersions, TAGS, TRAIN_RESULT_ARTIFACT, trainAndRegister, type TrainCallResult } from '../train/core.js';
import { datasetFromRows, withLocationLevels } from '../../packages/evaluation/index.js';
import type { Lake } from '../../packages/lake/index.js';
import { MlflowNotFoundError, type MlflowClient } from '../../packages/mlflow/index.js';
import { computeShapImportance } from '../../packages/model-format/index.js';
import type { XGBoostPool } from '../../packages/xgboost-wasm/index.js';
import { assessBatch, CHAMPION_ALIAS, loadVersion, readCleanRows, readDecisions, storeDecision, versionByAlias, type AssessDecision } from './core.js';
import { buildExplanation, EXPLANATION_JSON, EXPLANATION_MD, renderMarkdown, type Explanation, type PromotionFacts } from './report.js';
import type { RetrainRules } from './rules.js';
import { compareShapImportance, type ShapComparison } from './shap-comparison.js';

export interface PipelineDeps {
  lake: Lake;
  mlflow: MlflowClient;
  settings: TrainSettings;
  rules?: RetrainRules;
  gate?: PromotionGate;
  pool?: XGBoostPool;
  training?: Omit<TrainingOptions, 'pool' | 'minTrainRows'>;
  /** Clean the batch first when batch_quality lacks it (default true; false when CLEAN is written by other means). */
  clean?: boolean;
  log?: (event: Record<string, unknown>) => void;
}

/** What publishing a report needs: the lake, MLflow and the registered model's name. */
export interface ReportDeps {
  lake: Lake;
  mlflow: MlflowClient;
  settings: Pick<TrainSettings, 'modelName'>;
}

/** One line's worth of facts about a batch, for the demo and the DAG. */
export interface BatchLine {
  batch: number;
  decision: AssessDecision['decision'];
  leadRule: AssessDecision['leadRule'];
  /** The deciding reasons (at most three), lead first. */
  topReasons: string[];
  trainedVersion: string | null;
  promotion: string | null;
  productionVersion: string | null;
  /** Why train refused to train on a retrain decision (too few rows), else null. */
  trainingRefused: string | null;
  seconds: number;
}

export interface BatchPipelineResult {
  line: BatchLine;
  decision: AssessDecision;
  training: TrainCallResult | null;
  promotion: PromotionVerdict | null;
  explanation: Explanation;
  markdown: string;
}

const SHAP_ROWS = 5_000;

/** Mean |SHAP| of the old champion and the challenger on the same rows (the new batch). */
async function compareVersions(deps: ReportDeps, decision: AssessDecision, challengerVersion: string): Promise<ShapComparison | undefined> {
  if (!decision.champion) return undefined;
  const rows = datasetFromRows(await readCleanRows(deps.lake, decision.batch, decision.batch));
  const [oldV, newV] = await Promise.all([
    deps.mlflow.getModelVersion(deps.settings.modelName, decision.champion.version),
    deps.mlflow.getModelVersion(deps.settings.modelName, challengerVersion),
  ]);
  const older = await loadVersion(deps.mlflow, oldV);
  try {
    const newer = await loadVersion(deps.mlflow, newV);
    try {
      const a = computeShapImportance(older.booster, withLocationLevels(rows, older.locationLevels).x, rows.n, SHAP_ROWS);
      const b = computeShapImportance(newer.booster, withLocationLevels(rows, newer.locationLevels).x, rows.n, SHAP_ROWS);
      return compareShapImportance({
        champion: { version: oldV.version, meanAbs: a.meanAbs },
        challenger: { version: newV.version, meanAbs: b.meanAbs },
        rows: a.rows,
        evaluatedOn: `batch ${decision.batch} (CLEAN, at most ${SHAP_ROWS.toLocaleString('en-US')} rows evenly spaced)`,
      });
    } finally {
      newer.booster.dispose();
    }
  } finally {
    older.booster.dispose();
  }
}

function promotionFacts(v: PromotionVerdict): PromotionFacts {
  const ev = v.evaluation;
  return {
    decision: v.decision,
    ...(v.challenger ? { challenger: v.challenger } : {}),
    ...(v.champion ? { champion: v.champion } : {}),
    ...(v.championAfter ? { championAfter: v.championAfter } : {}),
    ...(v.reference ? { reference: v.reference } : {}),
    ...(v.verdict ? { relativeGain: v.verdict.relativeGain } : {}),
    reasons: v.reasons,
    ...(ev
      ? {
          byBatch: Object.entries(ev.challenger.byBatch).map(([batch, m]) => ({ batch, rows: m.n, challenger: m.rmse_log, incumbent: ev.incumbent.byBatch[batch]?.rmse_log ?? NaN })),
          overall: { rows: ev.holdoutRows, challenger: ev.challenger.overall.rmse_log, incumbent: ev.incumbent.overall.rmse_log },
        }
      : {}),
  };
}

/**
 * One batch through the pipeline: clean (if not yet) → assess → on retrain, train on CLEAN
 * 0..batch with the decision as the trigger reason (idempotent per batch and data) → promote.
 * The explanation report is stored in the lake's `decisions` row of the batch and, when a
 * version was trained, uploaded to its run as explanation.md / explanation.json.
 */
export async function runBatchPipeline(deps: PipelineDeps, request: { batch: number }): Promise<BatchPipelineResult> {
  const t0 = performance.now();
  const { lake, mlflow, settings } = deps;
  const batch = request.batch;
  if (deps.clean !== false && !(await readBatchQuality(lake)).some((q) => q.batch_ordinal === batch)) await cleanBatch({ lake }, batch);

  const decision = await assessBatch({ lake, mlflow, settings, ...(deps.rules ? { rules: deps.rules } : {}), ...(deps.log ? { log: deps.log } : {}) }, { batch });
  let training: TrainCallResult | null = null;
  let promotion: PromotionVerdict | null = null;
  let trainingRefused: string | null = null;
  if (decision.decision === 'retrain') {
    try {
      training = await trainAndRegister(
        { lake, mlflow, settings, ...(deps.pool ? { pool: deps.pool } : {}), ...(deps.training ? { training: deps.training } : {}), ...(deps.log ? { log: deps.log } : {}) },
        { upToBatch: batch, reason: decision.trainReason, idempotencyKey: `assess-b${batch}-${decision.batchDigest.slice(0, 16)}` },
      );
    } catch (err) {
      // Too little data for train's own minimum (a tiny first batch): recorded, not fatal; the next batch tries again.
      if (!(err instanceof TrainingSetTooSmallError)) throw err;
      trainingRefused = err.message;
      deps.log?.({ msg: 'pipeline: train refused the training set', batch, detail: err.message });
    }
    if (training) {
      promotion = await promoteChallenger({ lake, mlflow, settings, ...(deps.gate ? { gate: deps.gate } : {}), ...(deps.log ? { log: deps.log } : {}) }, { reason: `assess batch ${batch}: ${decision.leadRule}` });
    }
  }
  const { explanation, markdown, productionVersion } = await publishExplanation(deps, decision, { training, promotion });
  const line: BatchLine = {
    batch,
    decision: decision.decision,
    leadRule: decision.leadRule,
    topReasons: decision.reasons.filter((r) => !r.startsWith('not fired')).slice(0, 3),
    trainedVersion: training?.version ?? null,
    promotion: promotion?.decision ?? null,
    productionVersion: productionVersion ?? null,
    trainingRefused,
    seconds: (performance.now() - t0) / 1000,
  };
  deps.log?.({ msg: 'pipeline: batch done', ...line });
  return { line, decision, training, promotion, explanation, markdown };
}

/**
 * Builds the explanation of a decision and what followed it (training, promotion, the SHAP
 * comparison of the old and new model on the batch's rows), stores it in the batch's
 * `decisions` row and, when a version was trained, uploads it to that version's run as
 * explanation.md / explanation.json and tags the version with its summary.
 */
export async function publishExplanation(
  deps: ReportDeps,
  decision: AssessDecision,
  followed: { training: TrainCallResult | null; promotion: PromotionVerdict | null },
): Promise<{ explanation: Explanation; markdown: string; productionVersion: string | undefined }> {
  const { lake, mlflow, settings } = deps;
  const { training, promotion } = followed;
  const shap = training ? await compareVersions(deps, decision, training.version) : undefined;
  const productionVersion = (await versionByAlias(mlflow, settings.modelName, CHAMPION_ALIAS))?.version;
  const explanation = buildExplanation({
    decision,
    ...(training ? { training: { version: training.version, candidate: training.candidate, batches: training.batches, rows: training.rows, holdout: training.metrics.holdout } } : {}),
    ...(promotion ? { promotion: promotionFacts(promotion) } : {}),
    ...(shap ? { shap } : {}),
    ...(productionVersion ? { productionVersion } : {}),
  });
  const markdown = renderMarkdown(explanation);
  await storeDecision(lake, decision, {
    ...(training ? { trainedVersion: training.version } : {}),
    ...(promotion ? { promotion: promotion.decision } : {}),
    ...(productionVersion ? { productionVersion } : {}),
    report: { json: { ...explanation, decisionDetail: decision }, markdown },
  });
  if (training) {
    const run = await mlflow.getRun(training.runId);
    await mlflow.uploadArtifact(run.info.artifactUri, EXPLANATION_MD, markdown);
    await mlflow.uploadArtifact(run.info.artifactUri, EXPLANATION_JSON, JSON.stringify(explanation, null, 2));
    await mlflow.setModelVersionTag(settings.modelName, training.version, 'casa.explanation', explanation.summary.slice(0, 4900));
  }
  return { explanation, markdown, productionVersion };
}

/**
 * Publishes the report of batch `batch` when train and promote were called separately (the
 * DAG's last task): the stored decision, the version trained for it (the newest whose trigger
 * reason is this batch's decision), its train_result.json and promotion.json artifacts.
 */
export async function explainBatch(deps: ReportDeps, request: { batch: number }): Promise<{ explanation: Explanation; markdown: string }> {
  const { lake, mlflow, settings } = deps;
  const stored = (await readDecisions(lake)).find((d) => d.batch_ordinal === request.batch);
  if (!stored) throw new NotFoundError(`no decision is stored for batch ${request.batch}: assess it first`);
  const decision = (JSON.parse(stored.report_json) as { decisionDetail?: AssessDecision }).decisionDetail;
  if (!decision) throw new NotFoundError(`the stored decision of batch ${request.batch} has no detail: assess it again`);
  let training: TrainCallResult | null = null;
  let promotion: PromotionVerdict | null = null;
  const version = (await allModelVersions(mlflow, settings.modelName))
    .filter((v) => v.tags[TAGS.batchTo] === String(request.batch) && (v.tags[TAGS.reason] ?? '').startsWith(`assess batch ${request.batch}: retrain`))
    .pop();
  if (decision.decision === 'retrain' && version) {
    const run = await mlflow.getRun(version.runId);
    training = JSON.parse((await mlflow.readArtifact(run.info.artifactUri, TRAIN_RESULT_ARTIFACT)).toString('utf8')) as TrainCallResult;
    try {
      promotion = JSON.parse((await mlflow.readArtifact(run.info.artifactUri, PROMOTION_ARTIFACT)).toString('utf8')) as PromotionVerdict;
    } catch (err) {
      if (!(err instanceof MlflowNotFoundError)) throw err;
    }
  }
  const { explanation, markdown } = await publishExplanation(deps, decision, { training, promotion });
  return { explanation, markdown };
}

/** The demo's one line per batch. */
export function formatBatchLine(l: BatchLine): string {
  const lead = l.topReasons[0] ?? '';
  const trained = l.trainedVersion ? ` → v${l.trainedVersion} ${l.promotion}` : l.trainingRefused ? ' → train refused (too few rows)' : '';
  return `batch ${l.batch}: ${l.decision.padEnd(10)}${trained} | production v${l.productionVersion ?? '–'} | ${lead.length > 140 ? `${lead.slice(0, 139)}…` : lead}`;
}
