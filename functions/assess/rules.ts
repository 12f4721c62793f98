import { z } from 'zod';
import { parseEnv } from '../../packages/core/index.js';

/**
 * The retraining rules, as configuration (defaults argued in README.md). Rules are applied in
 * this order and the first rule that decides gives the lead reason:
 * 1. no champion → retrain (the first model, against the baseline);
 * 2. a batch below `minBatchRows`, or below `minBatchShareOfReference` × the champion's
 *    reference rows → never retrain (too little evidence; its rows join the next training anyway);
 * 3. degradation: the champion's RMSE (log price) on the batch exceeds its holdout RMSE by more
 *    than `maxRmseIncrease` (relative), judged on the one-sided lower confidence bound of the
 *    batch RMSE (z = `confidenceZ`), so a noisy small batch cannot trigger it by chance → retrain;
 * 4. importance-weighted drift (Σ over drifted features of SHAP share × drift score) above
 *    `maxWeightedDrift` → retrain;
 * otherwise no-retrain, with the numbers of every rule that did not fire.
 */
export interface RetrainRules {
  minBatchRows: number;
  minBatchShareOfReference: number;
  maxRmseIncrease: number;
  confidenceZ: number;
  maxWeightedDrift: number;
}

export const DEFAULT_RETRAIN_RULES: Readonly<RetrainRules> = Object.freeze({
  minBatchRows: 200,
  minBatchShareOfReference: 0.1,
  maxRmseIncrease: 0.2,
  confidenceZ: 1.645,
  maxWeightedDrift: 0.15,
});

const fraction = z.coerce.number().min(0).max(10);
export const rulesEnvSchema = z.object({
  CASA_ASSESS_MIN_BATCH_ROWS: z.coerce.number().int().min(1).optional(),
  CASA_ASSESS_MIN_BATCH_SHARE: fraction.optional(),
  CASA_ASSESS_MAX_RMSE_INCREASE: fraction.optional(),
  CASA_ASSESS_CONFIDENCE_Z: z.coerce.number().min(0).max(10).optional(),
  CASA_ASSESS_MAX_WEIGHTED_DRIFT: fraction.optional(),
});

/** The rules from CASA_ASSESS_* variables, each falling back to its default. */
export function rulesFromEnv(env: NodeJS.ProcessEnv = process.env): RetrainRules {
  const e = parseEnv(rulesEnvSchema, env);
  return {
    minBatchRows: e.CASA_ASSESS_MIN_BATCH_ROWS ?? DEFAULT_RETRAIN_RULES.minBatchRows,
    minBatchShareOfReference: e.CASA_ASSESS_MIN_BATCH_SHARE ?? DEFAULT_RETRAIN_RULES.minBatchShareOfReference,
    maxRmseIncrease: e.CASA_ASSESS_MAX_RMSE_INCREASE ?? DEFAULT_RETRAIN_RULES.maxRmseIncrease,
    confidenceZ: e.CASA_ASSESS_CONFIDENCE_Z ?? DEFAULT_RETRAIN_RULES.confidenceZ,
    maxWeightedDrift: e.CASA_ASSESS_MAX_WEIGHTED_DRIFT ?? DEFAULT_RETRAIN_RULES.maxWeightedDrift,
  };
}

/** What the rules look at: the numbers assess measured (no champion → only batchRows). */
export interface RuleInput {
  batchRows: number;
  champion: null | {
    version: string;
    referenceRows: number;
    holdoutRmseLog: number;
    batchRmseLog: number;
    /** One-sided lower confidence bound of the batch RMSE (log). */
    batchRmseLogLower: number;
    weightedDrift: number;
    /** Drifted features by drift × importance, largest first (for the reason's text). */
    topDrifted: { feature: string; score: number; importanceShare: number; contribution: number }[];
  };
}

export type RuleName = 'no-champion' | 'min-batch-size' | 'degradation' | 'weighted-drift';

export interface RuleOutcome {
  rule: RuleName;
  fired: boolean;
  /** Whether the rule, when fired, asks for a retrain (true) or forbids it (false). */
  effect: 'retrain' | 'block';
  value: number | null;
  threshold: number | null;
  reason: string;
}

export interface RuleDecision {
  decision: 'retrain' | 'no-retrain';
  /** Every rule evaluated, fired or not, in order. */
  rules: RuleOutcome[];
  /** Reasons that decided, lead first; for no-retrain, why each retrain rule did not fire. */
  reasons: string[];
  leadRule: RuleName | null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const n4 = (x: number) => x.toFixed(4);

/** Applies the rules to the measured numbers; pure, so every rule is unit-tested both ways. */
export function decideRetrain(input: RuleInput, rules: RetrainRules = DEFAULT_RETRAIN_RULES): RuleDecision {
  const c = input.champion;
  if (!c) {
    const small = input.batchRows < rules.minBatchRows;
    const outcome: RuleOutcome = small
      ? { rule: 'min-batch-size', fired: true, effect: 'block', value: input.batchRows, threshold: rules.minBatchRows, reason: `no champion yet, but the batch has ${input.batchRows} rows < the minimum ${rules.minBatchRows}: wait for more data before training a first model` }
      : { rule: 'no-champion', fired: true, effect: 'retrain', value: null, threshold: null, reason: `no champion yet: train a first model on this batch (${input.batchRows} rows) and promote it if it beats the baseline` };
    return { decision: small ? 'no-retrain' : 'retrain', rules: [outcome], reasons: [outcome.reason], leadRule: outcome.rule };
  }

  const out: RuleOutcome[] = [];
  const minRows = Math.max(rules.minBatchRows, Math.ceil(rules.minBatchShareOfReference * c.referenceRows));
  const tooSmall = input.batchRows < minRows;
  out.push({
    rule: 'min-batch-size',
    fired: tooSmall,
    effect: 'block',
    value: input.batchRows,
    threshold: minRows,
    reason: tooSmall
      ? `batch too small to retrain on: ${input.batchRows} rows < ${minRows} (max of ${rules.minBatchRows} rows and ${pct(rules.minBatchShareOfReference)} of the champion's ${c.referenceRows} reference rows); its rows join the next training`
      : `batch size ${input.batchRows} rows ≥ ${minRows}`,
  });

  const increase = c.batchRmseLog / c.holdoutRmseLog - 1;
  const increaseLower = c.batchRmseLogLower / c.holdoutRmseLog - 1;
  const degraded = increaseLower > rules.maxRmseIncrease;
  out.push({
    rule: 'degradation',
    fired: degraded,
    effect: 'retrain',
    value: increase,
    threshold: rules.maxRmseIncrease,
    reason: `champion v${c.version} RMSE(log) on this batch ${n4(c.batchRmseLog)} vs its holdout ${n4(c.holdoutRmseLog)}: ${increase >= 0 ? '+' : ''}${pct(increase)} (lower 95 % bound ${increaseLower >= 0 ? '+' : ''}${pct(increaseLower)}) ${degraded ? '>' : '≤'} the ${pct(rules.maxRmseIncrease)} allowed`,
  });

  const drifted = c.weightedDrift > rules.maxWeightedDrift;
  const top = c.topDrifted.slice(0, 3).map((d) => `${d.feature} (drift ${d.score.toFixed(3)} × importance ${pct(d.importanceShare)} = ${d.contribution.toFixed(3)})`);
  out.push({
    rule: 'weighted-drift',
    fired: drifted,
    effect: 'retrain',
    value: c.weightedDrift,
    threshold: rules.maxWeightedDrift,
    reason: `importance-weighted drift ${c.weightedDrift.toFixed(3)} ${drifted ? '>' : '≤'} ${rules.maxWeightedDrift}${top.length ? `; largest: ${top.join(', ')}` : '; no feature drifted'}`,
  });

  const fired = out.filter((o) => o.fired);
  if (tooSmall) {
    const blocked = out.filter((o) => o.rule !== 'min-batch-size');
    return { decision: 'no-retrain', rules: out, reasons: [out[0]!.reason, ...blocked.map((o) => `${o.fired ? 'would have retrained, but' : 'not fired:'} ${o.reason}`)], leadRule: 'min-batch-size' };
  }
  const retrainers = fired.filter((o) => o.effect === 'retrain');
  if (retrainers.length > 0) {
    return { decision: 'retrain', rules: out, reasons: [...retrainers.map((o) => o.reason), ...out.filter((o) => !o.fired && o.rule !== 'min-batch-size').map((o) => `not fired: ${o.reason}`)], leadRule: retrainers[0]!.rule };
  }
  return { decision: 'no-retrain', rules: out, reasons: out.filter((o) => o.rule !== 'min-batch-size').map((o) => o.reason), leadRule: null };
}
