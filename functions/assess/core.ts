import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../packages/core/index.js';
import type { DriftReport, FeatureDriftResult } from '../../packages/drift/index.js';
import { datasetFromRows, DEFAULT_HOLDOUT_FRACTION, type Metrics } from '../../packages/evaluation/index.js';
import type { LocationLevels } from '../../packages/features/index.js';
import type { Lake } from '../../packages/lake/index.js';
import { MlflowNotFoundError, type MlflowClient, type ModelVersion } from '../../packages/mlflow/index.js';
import { downloadArtifactTree, loadModelDirectory, type ShapImportance } from '../../packages/model-format/index.js';
import { loadXGBoost, type Booster } from '../../packages/xgboost-wasm/index.js';
import type { TrainSettings } from '../train/config.js';
import { measureAgainstChampion, type AssessRow, type WeightedFeatureDrift } from './measure.js';
import { decideRetrain, DEFAULT_RETRAIN_RULES, type RetrainRules, type RuleName, type RuleOutcome } from './rules.js';

export const CHAMPION_ALIAS = 'champion';

export interface AssessDeps {
  lake: Lake;
  mlflow: MlflowClient;
  settings: Pick<TrainSettings, 'modelName'>;
  rules?: RetrainRules;
  log?: (event: Record<string, unknown>) => void;
  now?: () => Date;
}

/** The decision for one batch, with every number behind it (the handler's JSON answer). */
export interface AssessDecision {
  batch: number;
  decision: 'retrain' | 'no-retrain';
  leadRule: RuleName | 'already-trained-on' | null;
  leadReason: string;
  reasons: string[];
  rules: RuleOutcome[];
  rulesConfig: RetrainRules;
  batchRows: number;
  /** Digest of the batch's CLEAN rows (names the exact data judged). */
  batchDigest: string;
  champion: null | {
    version: string;
    runId: string;
    batches: { from: number; to: number };
    referenceRows: number;
    holdout: Metrics;
    holdoutByBatch: Record<string, Metrics>;
    batch: Metrics;
    batchRmseLogLower: number;
    /** batch RMSE(log) / holdout RMSE(log) − 1. */
    rmseIncrease: number;
  };
  drift: null | {
    weightedDrift: number;
    /** Every feature, drifted first by drift × importance. */
    ranked: WeightedFeatureDrift[];
    driftedFeatures: string[];
    importanceShares: Record<string, number>;
    target: FeatureDriftResult | null;
    /** The full statistics per feature (packages/drift's report). */
    report: DriftReport;
  };
  /** What train records as its trigger reason when this decision leads to training. */
  trainReason: string;
  decidedAt: string;
}

const CLEAN_BATCHES_SQL = `
SELECT listing_id, batch_ordinal, status, price, bed, bath, acre_lot, city, state, zip_code, house_size,
       strftime(prev_sold_date, '%Y-%m-%d') AS prev_sold_date
FROM clean_listings
WHERE batch_ordinal >= $from AND batch_ordinal <= $to
ORDER BY batch_ordinal, row_index`;

/** CLEAN rows of batches from..to (inclusive), read through the lake's committed manifests. */
export async function readCleanRows(lake: Lake, from: number, to: number): Promise<AssessRow[]> {
  return lake.query<AssessRow & Record<string, unknown>>(CLEAN_BATCHES_SQL, { from, to });
}

/** The version behind an alias, or undefined when the model or the alias does not exist. */
export async function versionByAlias(mlflow: MlflowClient, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await mlflow.getModelVersionByAlias(name, alias);
  } catch (err) {
    if (err instanceof MlflowNotFoundError) return undefined;
    throw err;
  }
}

/** A registered version's model, loaded in this thread's engine; dispose the booster when done. */
export interface LoadedModel {
  version: ModelVersion;
  booster: Booster;
  shap: ShapImportance | undefined;
  batches: { from: number; to: number };
  holdoutFraction: number;
  /** The version's location_level table: apply it (withLocationLevels) before predicting. */
  locationLevels: LocationLevels;
}

/** Downloads a version's model directory and loads it (the directory is removed afterwards). */
export async function loadVersion(mlflow: MlflowClient, version: ModelVersion): Promise<LoadedModel> {
  await loadXGBoost();
  const dir = await mkdtemp(join(tmpdir(), `casa-assess-v${version.version}-`));
  try {
    await downloadArtifactTree(mlflow, version.source, dir);
    const { booster, directory } = await loadModelDirectory(dir);
    const training = directory.featureSpec.training;
    return { version, booster, shap: directory.shapImportance, batches: training.batches, holdoutFraction: training.holdoutFraction ?? DEFAULT_HOLDOUT_FRACTION, locationLevels: directory.featureSpec.locationLevels };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One compact line for train's trigger reason (≤ 5000 characters). */
export function trainReasonOf(d: Pick<AssessDecision, 'batch' | 'reasons' | 'decision'>): string {
  const text = `assess batch ${d.batch}: ${d.decision}: ${d.reasons.filter((r) => !r.startsWith('not fired')).join(' | ')}`;
  return text.length > 5000 ? `${text.slice(0, 4997)}…` : text;
}

/**
 * The assess function's core: judges CLEAN batch `batch` against the current champion — the
 * drift of every feature against the CLEAN rows of the batches the champion was trained on
 * (its feature spec's batch range), the champion's measured error on the batch against its
 * measured holdout error, drift weighted by its SHAP importance — and decides by the rules.
 * With no champion, the first batch trains a baseline. The caller stores it (`storeDecision`).
 */
export async function assessBatch(deps: AssessDeps, request: { batch: number }): Promise<AssessDecision> {
  const { lake, mlflow } = deps;
  const rules = deps.rules ?? DEFAULT_RETRAIN_RULES;
  const batch = request.batch;
  if (!Number.isSafeInteger(batch) || batch < 0) throw new InvalidInputError('batch must be a non-negative integer', [{ pointer: '/batch', message: 'non-negative integer' }]);
  const current = await readCleanRows(lake, batch, batch);
  if (current.length === 0) throw new NotFoundError(`CLEAN has no rows for batch ${batch}: ingest and clean it first`);
  const batchData = datasetFromRows(current);
  const decidedAt = (deps.now?.() ?? new Date()).toISOString();
  const base = { batch, rulesConfig: { ...rules }, batchRows: batchData.n, batchDigest: batchData.digest, decidedAt };

  const championVersion = await versionByAlias(mlflow, deps.settings.modelName, CHAMPION_ALIAS);
  if (!championVersion) {
    const d = decideRetrain({ batchRows: batchData.n, champion: null }, rules);
    const out = { ...base, decision: d.decision, leadRule: d.leadRule, leadReason: d.reasons[0]!, reasons: d.reasons, rules: d.rules, champion: null, drift: null };
    return { ...out, trainReason: trainReasonOf(out) };
  }

  const champion = await loadVersion(mlflow, championVersion);
  try {
    const { from, to } = champion.batches;
    if (batch >= from && batch <= to) {
      const reason = `champion v${championVersion.version} was trained on batches ${from}–${to}, which include batch ${batch}: nothing new to judge`;
      const out = { ...base, decision: 'no-retrain' as const, leadRule: 'already-trained-on' as const, leadReason: reason, reasons: [reason], rules: [], champion: null, drift: null };
      return { ...out, trainReason: trainReasonOf(out) };
    }
    const reference = await readCleanRows(lake, from, to);
    if (reference.length === 0) throw new NotFoundError(`CLEAN has no rows for batches ${from}–${to}, the champion's training data: the lake does not match the registry`);
    const m = measureAgainstChampion({ reference, current, booster: champion.booster, locationLevels: champion.locationLevels, shap: champion.shap, holdoutFraction: champion.holdoutFraction, confidenceZ: rules.confidenceZ });
    const d = decideRetrain(
      {
        batchRows: batchData.n,
        champion: {
          version: championVersion.version,
          referenceRows: m.referenceRows,
          holdoutRmseLog: m.holdout.rmse_log,
          batchRmseLog: m.batch.rmse_log,
          batchRmseLogLower: m.batchRmseLogLower,
          weightedDrift: m.weightedDrift,
          topDrifted: m.weighted.filter((w) => w.drifted && w.contribution > 0),
        },
      },
      rules,
    );
    const out = {
      ...base,
      decision: d.decision,
      leadRule: d.leadRule,
      leadReason: d.reasons[0]!,
      reasons: d.reasons,
      rules: d.rules,
      champion: {
        version: championVersion.version,
        runId: championVersion.runId,
        batches: champion.batches,
        referenceRows: m.referenceRows,
        holdout: m.holdout,
        holdoutByBatch: m.holdoutByBatch,
        batch: m.batch,
        batchRmseLogLower: m.batchRmseLogLower,
        rmseIncrease: m.batch.rmse_log / m.holdout.rmse_log - 1,
      },
      drift: {
        weightedDrift: m.weightedDrift,
        ranked: m.weighted,
        driftedFeatures: m.drift.driftedFeatures,
        importanceShares: m.importanceShares,
        target: m.drift.target,
        report: m.drift,
      },
    };
    deps.log?.({ msg: 'assess: decided', batch, decision: out.decision, lead: out.leadRule, champion: championVersion.version });
    return { ...out, trainReason: trainReasonOf(out) };
  } finally {
    champion.booster.dispose();
  }
}

/** What the decisions row holds besides the decision (filled in by the pipeline when training follows). */
export interface DecisionOutcome {
  trainedVersion?: string;
  promotion?: string;
  productionVersion?: string;
  report?: { json: unknown; markdown: string };
}

/** Writes (replaces) the batch's row of the `decisions` table. */
export async function storeDecision(lake: Lake, d: AssessDecision, outcome: DecisionOutcome = {}): Promise<void> {
  const row = {
    batch_ordinal: d.batch,
    decision: d.decision,
    lead_rule: d.leadRule,
    lead_reason: d.leadReason,
    reasons_json: JSON.stringify(d.reasons),
    champion_version: d.champion?.version ?? null,
    batch_rows: d.batchRows,
    trained_version: outcome.trainedVersion ?? null,
    promotion: outcome.promotion ?? null,
    production_version: outcome.productionVersion ?? d.champion?.version ?? null,
    report_json: JSON.stringify(outcome.report?.json ?? d),
    report_md: outcome.report?.markdown ?? null,
    decided_at: d.decidedAt,
  };
  await lake.writeTable('decisions', [row], { batch_ordinal: String(d.batch) }, { replace: true });
}

/** The stored decisions, one per batch, oldest first. */
export async function readDecisions(lake: Lake): Promise<{ batch_ordinal: number; decision: string; lead_rule: string | null; lead_reason: string; trained_version: string | null; promotion: string | null; production_version: string | null; report_json: string; report_md: string | null }[]> {
  return lake.query(
    'SELECT batch_ordinal, decision, lead_rule, lead_reason, trained_version, promotion, production_version, CAST(report_json AS VARCHAR) AS report_json, report_md FROM decisions ORDER BY batch_ordinal',
  );
}
