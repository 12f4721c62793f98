import { InvalidArgumentError, type Command } from 'commander';
import { InvalidInputError } from '../../packages/core/index.js';
import { datasetFromRows, readRealtorCsv } from '../../packages/evaluation/index.js';
import { writeModelDirectory } from '../../packages/model-format/index.js';
import { trainCandidates } from './candidates.js';
import { trainAndRegister } from './core.js';
import { trainDepsFromEnv } from './deps.js';

export interface TrainCsvResult {
  out: string;
  candidate: string;
  rows: { total: number; train: number; holdout: number; skipped: number };
  holdout: Record<string, number>;
  baseline_holdout: Record<string, number>;
  candidates: { name: string; valid_rmse_log: number; holdout_rmse_log: number; best_iteration: number }[];
}

/**
 * Trains on a CSV in the realtor dataset's format, offline: the same candidates, split and
 * metrics as the train function, the model directory written to `out` (MLflow xgboost layout).
 */
export async function trainOnCsv(options: { csv: string; out: string; minTrainRows?: number }): Promise<TrainCsvResult> {
  const { rows } = await readRealtorCsv(options.csv);
  const usable = rows.filter((r) => r.reason === null && r.price !== null && r.price > 0);
  const data = datasetFromRows(usable);
  const outcome = await trainCandidates(data, { minTrainRows: options.minTrainRows ?? 500 });
  await writeModelDirectory(options.out, {
    model: outcome.best.model!,
    shapImportance: outcome.shapImportance,
    locationLevels: outcome.locationLevels,
    training: {
      dataDigest: data.digest,
      batches: { from: 0, to: 0 },
      source: options.csv,
      trainRows: outcome.trainRows,
      holdoutRows: outcome.holdoutRows,
      holdoutFraction: outcome.holdoutFraction,
      bestIteration: outcome.best.bestIteration,
      params: outcome.best.params,
    },
  });
  const plain = (m: object) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v)]));
  return {
    out: options.out,
    candidate: outcome.best.name,
    rows: { total: rows.length, train: outcome.trainRows, holdout: outcome.holdoutRows, skipped: rows.length - data.n },
    holdout: plain(outcome.best.holdout.overall),
    baseline_holdout: plain(outcome.baseline.holdout.overall),
    candidates: outcome.candidates.map((c) => ({ name: c.name, valid_rmse_log: c.validRmseLog, holdout_rmse_log: c.holdout.overall.rmse_log, best_iteration: c.bestIteration })),
  };
}

const nonNegativeInt = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`${flag} must be a non-negative integer.`);
  return Number(v);
};

/**
 * `casa train --csv FILE --out DIR` (offline, no server) or
 * `casa train --up-to-batch N [--reason R] [--idempotency-key K]` (the lake + MLflow from the environment).
 * Prints the metrics as one JSON object on the last line.
 */
export function registerTrainCommand(program: Command, io: { out?: (t: string) => void; err?: (t: string) => void; env?: NodeJS.ProcessEnv } = {}): void {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  program
    .command('train')
    .description('Train XGBoost candidates and a baseline on log price; keep the best. Offline on a CSV (--csv, --out) or on CLEAN batches with MLflow tracking and registration (--up-to-batch).')
    .option('--csv <file>', 'a CSV in the realtor dataset\'s format (as ../shared/data/realtor-sample.csv)')
    .option('--out <dir>', 'with --csv: where to write the model directory (MLflow xgboost layout)')
    .option('--up-to-batch <n>', 'train on CLEAN batches 0..N of the lake, tracked in MLflow (needs MLFLOW_TRACKING_URI)', nonNegativeInt('--up-to-batch'))
    .option('--reason <text>', 'with --up-to-batch: why this training happens (recorded on the runs)', 'manual: casa train')
    .option('--idempotency-key <key>', 'with --up-to-batch: a retry with the same key registers at most once')
    .option('--lake <url>', 'lake location (default: $CASA_LAKE_URL or .casa/lake)')
    .addHelpText('after', '\nExamples:\n  npx casa train --csv ../shared/data/realtor-sample.csv --out ./model\n  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 npx casa train --up-to-batch 2 --reason "first model"')
    .action(async (opts: { csv?: string; out?: string; upToBatch?: number; reason: string; idempotencyKey?: string; lake?: string }) => {
      if ((opts.csv === undefined) === (opts.upToBatch === undefined)) throw new InvalidInputError('give either --csv FILE --out DIR or --up-to-batch N');
      if (opts.csv !== undefined) {
        if (!opts.out) throw new InvalidInputError('--csv needs --out DIR (where the model directory goes)');
        err(`training on ${opts.csv}…\n`);
        const result = await trainOnCsv({ csv: opts.csv, out: opts.out });
        err(`best: ${result.candidate}; holdout RMSE(log) ${result.holdout['rmse_log']!.toFixed(4)}, MAPE ${(result.holdout['mape']! * 100).toFixed(1)} % (baseline ${result.baseline_holdout['rmse_log']!.toFixed(4)}); model in ${opts.out}\n`);
        out(`${JSON.stringify(result)}\n`);
        return;
      }
      const deps = await trainDepsFromEnv(io.env ?? process.env, opts.lake);
      try {
        const result = await trainAndRegister(deps, { upToBatch: opts.upToBatch!, reason: opts.reason, ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}) });
        err(`${result.status}: ${result.modelName} version ${result.version} (run ${result.runId}), alias challenger\n`);
        out(`${JSON.stringify(result)}\n`);
      } finally {
        deps.lake.close();
      }
    });
}
