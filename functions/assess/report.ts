import type { FeatureDriftResult } from '../../packages/drift/index.js';
import type { Metrics } from '../../packages/evaluation/index.js';
import type { AssessDecision } from './core.js';
import type { WeightedFeatureDrift } from './measure.js';
import type { ShapComparison } from './shap-comparison.js';

export const EXPLANATION_MD = 'explanation.md';
export const EXPLANATION_JSON = 'explanation.json';

/** The training that followed a retrain decision (a subset of train's result). */
export interface TrainingFacts {
  version: string;
  candidate: string;
  batches: { from: number; to: number };
  rows: { total: number; train: number; holdout: number };
  holdout: Metrics;
}

/** The promotion that followed (a subset of promote's verdict). */
export interface PromotionFacts {
  decision: string;
  challenger?: string;
  champion?: string;
  championAfter?: string;
  reference?: string;
  relativeGain?: number;
  reasons: string[];
  /** Per batch RMSE(log) of both on the same holdout rows. */
  byBatch?: { batch: string; rows: number; incumbent: number; challenger: number }[];
  overall?: { incumbent: number; challenger: number; rows: number };
}

export interface ExplanationInput {
  decision: AssessDecision;
  training?: TrainingFacts;
  promotion?: PromotionFacts;
  shap?: ShapComparison;
  /** The champion after this batch was handled. */
  productionVersion?: string;
}

/** A drifted feature as the report lists it: drift × importance and the statistics behind it. */
export interface ReportedDrift extends WeightedFeatureDrift {
  statistics: Record<string, number | null>;
}

export interface Explanation {
  format: 'casa-explanation/1';
  summary: string;
  batch: number;
  decision: AssessDecision['decision'];
  leadRule: AssessDecision['leadRule'];
  reasons: string[];
  driftedFeatures: ReportedDrift[];
  target: { drifted: boolean; reasons: string[]; referenceMedian: number | null; currentMedian: number | null } | null;
  championError: null | {
    version: string;
    /** Holdout per batch it was trained on, then the new batch (rows it never saw). */
    perBatch: { batch: string; role: 'holdout' | 'new batch'; n: number; rmse_log: number; mae: number; mape: number }[];
    rmseIncrease: number;
  };
  training: TrainingFacts | null;
  promotion: PromotionFacts | null;
  shapComparison: ShapComparison | null;
  productionVersion: string | null;
  decidedAt: string;
}

function statisticsOf(f: FeatureDriftResult): Record<string, number | null> {
  const base = { missing_reference: f.missing.reference, missing_current: f.missing.current };
  if (f.kind === 'numeric') {
    return { ...base, ks_d: f.ks?.statistic ?? null, ks_p: f.ks?.pValue ?? null, wasserstein_normalised: f.wasserstein?.normalised ?? null, psi: f.psi?.value ?? null, median_reference: f.summary.reference?.median ?? null, median_current: f.summary.current?.median ?? null };
  }
  return { ...base, jensen_shannon: f.jensenShannon?.distance ?? null, chi2: f.chiSquared?.statistic ?? null, chi2_p: f.chiSquared?.pValue ?? null, unseen_share: f.unseen?.share ?? null };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const signedPct = (x: number) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(1)} %`;
const dollars = (x: number) => (x >= 1e6 ? `$${(x / 1e6).toFixed(2)}M` : `$${Math.round(x / 1000)}k`);
const fmt = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(digits));

/** The plain-language summary, generated from the numbers only. */
export function summarise(e: Omit<Explanation, 'summary' | 'format'>): string {
  const parts: string[] = [];
  const c = e.championError;
  const rows = e.championError?.perBatch.find((p) => p.role === 'new batch')?.n;
  const head = `Batch ${e.batch}${rows !== undefined ? ` (${rows.toLocaleString('en-US')} rows)` : ''}: ${e.decision === 'retrain' ? 'retrain' : 'no retrain'}.`;
  parts.push(head);
  if (e.leadRule === 'no-champion') parts.push('There is no production model yet, so a first model is trained and compared with the per-state median baseline.');
  else if (e.leadRule === 'min-batch-size') parts.push(`The batch is too small to justify a new model (${e.reasons[0]?.replace(/^batch too small to retrain on: /, '')}).`);
  else if (e.leadRule === 'already-trained-on') parts.push(e.reasons[0] ?? '');
  if (c) {
    const now = c.perBatch.find((p) => p.role === 'new batch')!;
    const before = c.perBatch.filter((p) => p.role === 'holdout');
    const holdoutMape = before.length ? before.reduce((s, p) => s + p.mape * p.n, 0) / before.reduce((s, p) => s + p.n, 0) : NaN;
    const verb = c.rmseIncrease > 0 ? 'worse' : 'better';
    parts.push(
      `The production model v${c.version} is ${pct(Math.abs(c.rmseIncrease))} ${verb} on this batch than on its own holdout (RMSE of log price ${now.rmse_log.toFixed(3)}; typical error ${pct(now.mape)} of the price vs ${pct(holdoutMape)} before).`,
    );
  }
  const used = e.driftedFeatures.filter((d) => d.contribution > 0).slice(0, 3);
  const unused = e.driftedFeatures.filter((d) => d.contribution === 0).map((d) => d.feature);
  if (used.length) parts.push(`The inputs that moved and matter most to the model: ${used.map((d) => `${d.feature} (drift ${d.score.toFixed(2)}, ${pct(d.importanceShare)} of its attributions)`).join(', ')}.`);
  else if (c) parts.push('None of the inputs the model relies on drifted.');
  if (unused.length) parts.push(`Drifted, but the model gives them no weight: ${unused.join(', ')}.`);
  if (e.target?.drifted && e.target.referenceMedian !== null && e.target.currentMedian !== null) {
    parts.push(`Prices moved: median ${dollars(e.target.referenceMedian)} in the training data vs ${dollars(e.target.currentMedian)} in this batch.`);
  }
  if (e.training) parts.push(`Version ${e.training.version} (${e.training.candidate}) was trained on batches ${e.training.batches.from}–${e.training.batches.to}, holdout RMSE(log) ${e.training.holdout.rmse_log.toFixed(3)}.`);
  if (e.shapComparison && Number.isFinite(e.shapComparison.spearman)) {
    const moved = e.shapComparison.features.filter((f) => f.rankChange !== 0).sort((a, b) => Math.abs(b.rankChange) - Math.abs(a.rankChange)).slice(0, 2);
    parts.push(
      `Its feature ranking is ${e.shapComparison.spearman >= 0.9 ? 'nearly the same as' : e.shapComparison.spearman >= 0.6 ? 'similar to' : 'different from'} the old model's (Spearman ${e.shapComparison.spearman.toFixed(2)})${moved.length ? `; ${moved.map((f) => `${f.feature} ${f.rankChange > 0 ? 'rose' : 'fell'} ${Math.abs(f.rankChange)} place${Math.abs(f.rankChange) === 1 ? '' : 's'}`).join(', ')}` : ''}.`,
    );
  }
  if (e.promotion) {
    const gain = e.promotion.relativeGain;
    parts.push(
      e.promotion.decision === 'promoted'
        ? `It was promoted${gain !== undefined ? `: ${pct(gain)} lower error than the ${e.promotion.reference ?? 'incumbent'} on the same holdout rows` : ''}.`
        : `It was not promoted (${e.promotion.decision})${gain !== undefined ? `: relative gain ${signedPct(gain)}` : ''}.`,
    );
  }
  if (e.productionVersion) parts.push(`Production: v${e.productionVersion}.`);
  return parts.join(' ');
}

/** Builds the explanation (JSON for machines) of a decision and what followed it. */
export function buildExplanation(input: ExplanationInput): Explanation {
  const d = input.decision;
  const target = d.drift?.target ?? null;
  const body: Omit<Explanation, 'summary' | 'format'> = {
    batch: d.batch,
    decision: d.decision,
    leadRule: d.leadRule,
    reasons: d.reasons,
    driftedFeatures: (d.drift?.ranked ?? [])
      .filter((w) => w.drifted)
      .map((w) => ({ ...w, statistics: statisticsOf(d.drift!.report.features.find((f) => f.feature === w.feature)!) })),
    target: target
      ? {
          drifted: target.drifted,
          reasons: target.reasons,
          referenceMedian: target.kind === 'numeric' ? (target.summary.reference?.median ?? null) : null,
          currentMedian: target.kind === 'numeric' ? (target.summary.current?.median ?? null) : null,
        }
      : null,
    championError: d.champion
      ? {
          version: d.champion.version,
          perBatch: [
            ...Object.entries(d.champion.holdoutByBatch).map(([batch, m]) => ({ batch, role: 'holdout' as const, n: m.n, rmse_log: m.rmse_log, mae: m.mae, mape: m.mape })),
            { batch: String(d.batch), role: 'new batch' as const, n: d.champion.batch.n, rmse_log: d.champion.batch.rmse_log, mae: d.champion.batch.mae, mape: d.champion.batch.mape },
          ],
          rmseIncrease: d.champion.rmseIncrease,
        }
      : null,
    training: input.training ?? null,
    promotion: input.promotion ?? null,
    shapComparison: input.shap ?? null,
    productionVersion: input.productionVersion ?? d.champion?.version ?? null,
    decidedAt: d.decidedAt,
  };
  return { format: 'casa-explanation/1', summary: summarise(body), ...body };
}

/** The same explanation in Markdown, for people. */
export function renderMarkdown(e: Explanation): string {
  const out: string[] = [];
  out.push(`# Batch ${e.batch}: ${e.decision}`, '', e.summary, '', '## Reasons', '');
  for (const r of e.reasons) out.push(`- ${r}`);
  if (e.championError) {
    out.push('', `## Production model v${e.championError.version}: error before and after`, '', '| batch | rows | RMSE (log) | MAE ($) | MAPE |', '| --- | ---: | ---: | ---: | ---: |');
    for (const p of e.championError.perBatch) out.push(`| ${p.batch} (${p.role}) | ${p.n} | ${fmt(p.rmse_log)} | ${Math.round(p.mae).toLocaleString('en-US')} | ${pct(p.mape)} |`);
    out.push('', `RMSE (log) on the new batch vs holdout: ${signedPct(e.championError.rmseIncrease)}.`);
  }
  if (e.driftedFeatures.length) {
    out.push('', '## Drifted features, by drift × importance', '', '| feature | kind | drift | importance | drift × importance | statistics |', '| --- | --- | ---: | ---: | ---: | --- |');
    for (const f of e.driftedFeatures) {
      const stats = Object.entries(f.statistics).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${fmt(v as number, 3)}`).join(', ');
      out.push(`| ${f.feature} | ${f.kind} | ${f.score.toFixed(3)} | ${pct(f.importanceShare)} | ${f.contribution.toFixed(3)} | ${stats} |`);
    }
  } else if (e.championError) out.push('', 'No feature drifted.');
  if (e.target) out.push('', `Price (target, reported apart): ${e.target.drifted ? `drifted — ${e.target.reasons.join('; ')}` : 'no drift'}.`);
  if (e.training) {
    out.push('', `## New version v${e.training.version}`, '', `${e.training.candidate}, trained on batches ${e.training.batches.from}–${e.training.batches.to} (${e.training.rows.train} train, ${e.training.rows.holdout} holdout rows); holdout RMSE (log) ${fmt(e.training.holdout.rmse_log)}, MAPE ${pct(e.training.holdout.mape)}.`);
  }
  if (e.shapComparison) {
    const s = e.shapComparison;
    out.push('', `## SHAP: v${s.challengerVersion} vs v${s.championVersion}`, '', `Mean |SHAP| (log price) on ${s.evaluatedOn}, ${s.rows} rows. Spearman ρ ${fmt(s.spearman, 3)}, Kendall τ ${fmt(s.kendallTau, 3)}.`, '', `| feature | v${s.championVersion} | v${s.challengerVersion} | rank before → after |`, '| --- | ---: | ---: | --- |');
    for (const f of s.features) out.push(`| ${f.feature} | ${fmt(f.championMeanAbs)} | ${fmt(f.challengerMeanAbs)} | ${f.championRank} → ${f.challengerRank}${f.rankChange ? ` (${f.rankChange > 0 ? '▲' : '▼'}${Math.abs(f.rankChange)})` : ''} |`);
  }
  if (e.promotion) {
    out.push('', `## Promotion: ${e.promotion.decision}`, '');
    if (e.promotion.byBatch?.length) {
      out.push(`| batch | holdout rows | ${e.promotion.reference ?? 'incumbent'} RMSE (log) | challenger RMSE (log) |`, '| --- | ---: | ---: | ---: |');
      for (const b of e.promotion.byBatch) out.push(`| ${b.batch} | ${b.rows} | ${fmt(b.incumbent)} | ${fmt(b.challenger)} |`);
      if (e.promotion.overall) out.push(`| all | ${e.promotion.overall.rows} | ${fmt(e.promotion.overall.incumbent)} | ${fmt(e.promotion.overall.challenger)} |`);
      out.push('');
    }
    for (const r of e.promotion.reasons) out.push(`- ${r}`);
  }
  out.push('', `Production after this batch: ${e.productionVersion ? `v${e.productionVersion}` : 'none'}. Decided ${e.decidedAt}.`, '');
  return out.join('\n');
}
