import { rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInputError } from '../core/index.js';
import { FEATURE_COUNT, fromTarget, writeFeatures } from '../features/index.js';
import { readRealtorCsv } from '../evaluation/index.js';
import { createMlflowClientFromEnv } from '../mlflow/index.js';
import { loadModelDirectory, type ModelDirectory } from './model-directory.js';
import { fetchRegisteredModel, parseModelUri, predictLogPrices } from './scoring.js';

export interface PredictCsvResult {
  rows: number;
  scored: number;
  unscored: number;
  reasons: Record<string, number>;
  model: string;
  out: string;
}

/** A CSV field, quoted when it has to be. */
function csvField(v: string | null | undefined): string {
  if (v === null || v === undefined) return '';
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Why a row cannot be scored by this model, or null. */
function unscorable(row: { status: string | null; state: string | null; bed: number | null; bath: number | null; acre_lot: number | null; house_size: number | null; reason: string | null }, spec: ModelDirectory['featureSpec']): string | null {
  const reasons: string[] = row.reason ? row.reason.split(';') : [];
  if (!row.state || !spec.vocabulary.states.includes(row.state)) reasons.push('unknown_state');
  if (!row.status || !spec.vocabulary.statuses.includes(row.status)) reasons.push('unknown_status');
  for (const f of ['bed', 'bath', 'acre_lot', 'house_size'] as const) {
    const v = row[f];
    if (v !== null && (!Number.isFinite(v) || v < 0)) reasons.push(`negative_${f}`);
  }
  return reasons.length ? reasons.join(';') : null;
}

/**
 * Scores a CSV in the realtor dataset's format with a model directory (or a `models:/` URI
 * resolved through MLflow): writes every input row, as it was, with `predicted_price` (dollars)
 * and `reason` (why a row got no prediction, e.g. `unknown_state`).
 */
export async function predictCsv(options: { model: string; csv: string; out: string; env?: NodeJS.ProcessEnv }): Promise<PredictCsvResult> {
  let dir = options.model;
  let cleanup: string | undefined;
  if (parseModelUri(options.model)) {
    const fetched = await fetchRegisteredModel(createMlflowClientFromEnv(options.env ?? process.env), options.model);
    dir = cleanup = fetched.dir;
  } else if (options.model.startsWith('models:/')) {
    throw new InvalidInputError(`${JSON.stringify(options.model)} is not a model URI: use models:/NAME@ALIAS or models:/NAME/VERSION`);
  }
  try {
    const { booster, directory } = await loadModelDirectory(dir);
    try {
      const { columns, raw, rows } = await readRealtorCsv(options.csv);
      const reasons = rows.map((r) => unscorable(r, directory.featureSpec));
      const scoredIdx = rows.flatMap((_, i) => (reasons[i] === null ? [i] : []));
      const x = new Float32Array(scoredIdx.length * FEATURE_COUNT);
      scoredIdx.forEach((i, k) => writeFeatures(rows[i]!, directory.featureSpec.locationLevels, x, k * FEATURE_COUNT));
      const pred = scoredIdx.length ? predictLogPrices(booster, x, scoredIdx.length) : new Float32Array(0);
      const prices = new Map<number, number>(scoredIdx.map((i, k) => [i, fromTarget(pred[k]!)]));
      const lines = [[...columns, 'predicted_price', 'reason'].map(csvField).join(',')];
      const counts: Record<string, number> = {};
      raw.forEach((r, i) => {
        const p = prices.get(i);
        if (reasons[i]) for (const reason of reasons[i]!.split(';')) counts[reason] = (counts[reason] ?? 0) + 1;
        lines.push([...columns.map((c) => csvField(r[c])), p === undefined ? '' : p.toFixed(2), csvField(reasons[i])].join(','));
      });
      await writeFile(options.out, `${lines.join('\n')}\n`);
      return { rows: rows.length, scored: scoredIdx.length, unscored: rows.length - scoredIdx.length, reasons: counts, model: options.model, out: options.out };
    } finally {
      booster.dispose();
    }
  } finally {
    if (cleanup) await rm(cleanup, { recursive: true, force: true });
  }
}

/**
 * `casa predict --model DIR|models:/NAME@ALIAS --csv FILE --out FILE`: scores a CSV offline
 * (a model directory needs no server; a `models:/` URI needs MLFLOW_TRACKING_URI).
 */
export function registerPredictCommand(program: Command, io: { out?: (t: string) => void; env?: NodeJS.ProcessEnv } = {}): void {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  program
    .command('predict')
    .description('Score a CSV in the realtor dataset\'s format with a trained model; writes the rows with predicted_price (and a reason where a row cannot be scored).')
    .requiredOption('--model <dir|uri>', 'a model directory (from `casa train --out`) or models:/NAME@ALIAS (e.g. models:/casa-house-price@champion, needs MLFLOW_TRACKING_URI)')
    .requiredOption('--csv <file>', 'input CSV with the columns of the realtor dataset (price may be absent)')
    .requiredOption('--out <file>', 'output CSV: the input columns + predicted_price + reason')
    .addHelpText('after', '\nExample:\n  npx casa predict --model ./model --csv listings.csv --out scored.csv\n  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 npx casa predict --model models:/casa-house-price@champion --csv listings.csv --out scored.csv')
    .action(async (opts: { model: string; csv: string; out: string }) => {
      const result = await predictCsv({ ...opts, env: io.env ?? process.env });
      out(`${JSON.stringify(result)}\n`);
    });
}
