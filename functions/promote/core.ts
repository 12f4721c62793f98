import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError } from '../../packages/core/index.js';
import { DEFAULT_HOLDOUT_FRACTION, isHoldout, loadCleanDataset, metricsByGroup, subsetDataset, withLocationLevels, type Dataset, type Metrics } from '../../packages/evaluation/index.js';
import type { Lake } from '../../packages/lake/index.js';
import { MlflowNotFoundError, type MlflowClient, type ModelVersion } from '../../packages/mlflow/index.js';
import { downloadArtifactTree, loadModelDirectory, predictLogPrices } from '../../packages/model-format/index.js';
import { fitStateMedians, predictStateMedians } from '../train/candidates.js';
import type { TrainSettings } from '../train/config.js';
import { CHALLENGER, TAGS } from '../train/core.js';
import { applyGate, DEFAULT_GATE, type GateVerdict, type PromotionGate } from './gate.js';
import { acquireLock } from './lock.js';

export const CHAMPION = 'champion';
export const PREVIOUS_CHAMPION = 'previous-champion';
export const PROMOTION_ARTIFACT = 'promotion.json';

export interface PromoteDeps {
  lake: Lake;
  mlflow: MlflowClient;
  settings: TrainSettings;
  gate?: PromotionGate;
  lock?: { ttlMs?: number; waitMs?: number };
  log?: (event: Record<string, unknown>) => void;
}

export interface ModelEvaluation {
  version: string;
  overall: Metrics;
  byBatch: Record<string, Metrics>;
}

export interface PromotionVerdict {
  decision: 'promoted' | 'rejected' | 'already-champion' | 'no-challenger';
  modelName: string;
  challenger?: string;
  /** The champion before this call (undefined for the first model). */
  champion?: string;
  /** The champion after this call, read back from the registry. */
  championAfter?: string;
  reference?: 'champion' | 'baseline';
  evaluation?: {
    batches: { from: number; to: number };
    newestBatch: number;
    holdoutRows: number;
    challenger: ModelEvaluation;
    incumbent: ModelEvaluation | { version: 'baseline'; overall: Metrics; byBatch: Record<string, Metrics> };
  };
  gate?: PromotionGate;
  verdict?: GateVerdict;
  reasons: string[];
  decidedAt: string;
}

async function aliasVersion(mlflow: MlflowClient, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await mlflow.getModelVersionByAlias(name, alias);
  } catch (err) {
    if (err instanceof MlflowNotFoundError) return undefined;
    throw err;
  }
}

/** Downloads a version's model directory and predicts ln(price) for the dataset's rows. */
async function predictWithVersion(mlflow: MlflowClient, version: ModelVersion, data: Dataset): Promise<{ pred: Float32Array; holdoutFraction: number }> {
  const dir = await mkdtemp(join(tmpdir(), `casa-promote-v${version.version}-`));
  try {
    await downloadArtifactTree(mlflow, version.source, dir);
    const { booster, directory } = await loadModelDirectory(dir);
    try {
      return { pred: predictLogPrices(booster, withLocationLevels(data, directory.featureSpec.locationLevels).x, data.n), holdoutFraction: directory.featureSpec.training.holdoutFraction ?? DEFAULT_HOLDOUT_FRACTION };
    } finally {
      booster.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function lockKey(modelName: string): string {
  return `locks/promote/${modelName.replace(/[^A-Za-z0-9_.+@-]/g, '_')}.lock`;
}

/**
 * The promote function's core: compares `challenger` with `champion` on the same evaluation
 * data — the holdout rows (stable listing hash) of every CLEAN batch either model has seen —
 * overall and per batch, by the gate. Pass: `champion` → challenger, `previous-champion` → the
 * old one, stage Production on the new one (the old Production version archived). Fail:
 * nothing moves. Either way the verdict and its numbers go to the challenger's version tags
 * and a `promotion.json` artifact of its run. Promotions of one model are serialised by a
 * lease in the lake, and the alias is read back after moving it. With no champion, the
 * challenger is promoted if it beats the baseline (median log price per state) by the gate.
 */
export async function promoteChallenger(deps: PromoteDeps, request: { reason?: string } = {}): Promise<PromotionVerdict> {
  const { mlflow, lake, settings } = deps;
  const name = settings.modelName;
  const gate = deps.gate ?? DEFAULT_GATE;
  const log = deps.log ?? (() => undefined);
  const lock = await acquireLock(lake.store, lockKey(name), deps.lock ?? {});
  try {
    const decidedAt = new Date().toISOString();
    const challenger = await aliasVersion(mlflow, name, CHALLENGER);
    if (!challenger) return { decision: 'no-challenger', modelName: name, reasons: [`model ${name} has no ${CHALLENGER} alias: train first`], decidedAt };
    const champion = await aliasVersion(mlflow, name, CHAMPION);
    if (champion && champion.version === challenger.version) {
      return {
        decision: 'already-champion', modelName: name, challenger: challenger.version, champion: champion.version, championAfter: champion.version,
        reasons: [`version ${challenger.version} is already the champion; nothing to do`], decidedAt,
      };
    }

    const batchTo = Math.max(Number(challenger.tags[TAGS.batchTo] ?? 0), Number(champion?.tags[TAGS.batchTo] ?? 0));
    const all = await loadCleanDataset(lake, batchTo);
    const challengerPred = await predictWithVersion(mlflow, challenger, all);
    const holdoutIdx: number[] = [];
    const trainIdx: number[] = [];
    for (let i = 0; i < all.n; i++) (isHoldout(all.listingIds[i]!, challengerPred.holdoutFraction) ? holdoutIdx : trainIdx).push(i);
    const holdout = subsetDataset(all, holdoutIdx);
    const pick = (p: ArrayLike<number>) => holdoutIdx.map((i) => p[i]!);
    const evalOf = (version: string, pred: ArrayLike<number>): ModelEvaluation => {
      const { overall, byGroup } = metricsByGroup(holdout.batches, holdout.y, pred);
      return { version, overall, byBatch: byGroup };
    };
    const challengerEval = evalOf(challenger.version, pick(challengerPred.pred));
    let incumbent: ModelEvaluation | { version: 'baseline'; overall: Metrics; byBatch: Record<string, Metrics> };
    if (champion) {
      incumbent = evalOf(champion.version, pick((await predictWithVersion(mlflow, champion, all)).pred));
    } else {
      const medians = fitStateMedians(subsetDataset(all, trainIdx));
      incumbent = { ...evalOf('baseline', predictStateMedians(medians, holdout)), version: 'baseline' };
    }
    const batchesSeen = [...new Set(all.batches)].sort((a, b) => a - b);
    const newestBatch = batchesSeen[batchesSeen.length - 1]!;
    const reference = champion ? ('champion' as const) : ('baseline' as const);
    const verdict = applyGate({ reference, challenger: challengerEval, incumbent, newestBatch }, gate);

    let championAfter = champion?.version;
    if (verdict.passed) {
      await mlflow.setRegisteredModelAlias(name, CHAMPION, challenger.version);
      if (champion) await mlflow.setRegisteredModelAlias(name, PREVIOUS_CHAMPION, champion.version);
      await mlflow.transitionModelVersionStage(name, challenger.version, 'Production', { archiveExistingVersions: true });
      championAfter = (await mlflow.getModelVersionByAlias(name, CHAMPION)).version;
      if (championAfter !== challenger.version) {
        throw new ConflictError(`after promoting version ${challenger.version}, ${CHAMPION} points at version ${championAfter}: someone moved it outside casa's promotion lock`);
      }
    }
    const result: PromotionVerdict = {
      decision: verdict.passed ? 'promoted' : 'rejected',
      modelName: name,
      challenger: challenger.version,
      ...(champion ? { champion: champion.version } : {}),
      ...(championAfter ? { championAfter } : {}),
      reference,
      evaluation: { batches: { from: batchesSeen[0]!, to: newestBatch }, newestBatch, holdoutRows: holdout.n, challenger: challengerEval, incumbent },
      gate,
      verdict,
      reasons: [
        ...(request.reason ? [`requested: ${request.reason}`] : []),
        ...verdict.checks.filter((c) => !c.passed || c.name === 'cumulative_gain').map((c) => `${c.passed ? 'pass' : 'FAIL'} ${c.name}: ${c.detail}`),
      ],
      decidedAt,
    };
    await recordVerdict(mlflow, challenger, result);
    log({ msg: 'promote: decided', decision: result.decision, challenger: challenger.version, champion: champion?.version, gain: verdict.relativeGain });
    return result;
  } finally {
    await lock.release();
  }
}

async function recordVerdict(mlflow: MlflowClient, version: ModelVersion, v: PromotionVerdict): Promise<void> {
  const tags: Record<string, string> = {
    'casa.promotion.decision': v.decision,
    'casa.promotion.reference': v.reference ?? '',
    'casa.promotion.against': v.champion ?? 'baseline',
    'casa.promotion.relative_gain': String(v.verdict?.relativeGain ?? ''),
    'casa.promotion.challenger_rmse_log': String(v.evaluation?.challenger.overall.rmse_log ?? ''),
    'casa.promotion.incumbent_rmse_log': String(v.evaluation?.incumbent.overall.rmse_log ?? ''),
    'casa.promotion.decided_at': v.decidedAt,
    'casa.promotion.reasons': v.reasons.join('\n').slice(0, 4900),
  };
  for (const [k, value] of Object.entries(tags)) await mlflow.setModelVersionTag(version.name, version.version, k, value);
  const run = await mlflow.getRun(version.runId);
  await mlflow.uploadArtifact(run.info.artifactUri, PROMOTION_ARTIFACT, JSON.stringify(v, null, 2));
}
