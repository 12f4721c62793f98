import { InvalidArgumentError, type Command } from 'commander';
import { assessAndStore } from './assess-and-store.js';
import { assessDepsFromEnv } from './deps.js';
import { explainBatch, formatBatchLine, runBatchPipeline } from './pipeline.js';
import { trainSettingsFromEnv } from '../train/config.js';
import { gateFromEnv } from '../promote/gate.js';

export interface AssessCommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * `casa assess --batch N [--pipeline] [--lake URL] [--markdown]`: the retrain decision for a
 * CLEAN batch against the production model, stored in the lake's `decisions` table; with
 * --pipeline, also clean first and train + promote when the decision says so. The report goes
 * to stderr (Markdown with --markdown, else its summary); the decision as JSON is the last stdout line.
 */
export function registerAssessCommand(program: Command, io: AssessCommandIo = {}): void {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  program
    .command('assess')
    .description('Decide whether batch N calls for a new model: drift against the champion\'s training data, the champion\'s measured error on the batch, drift weighted by SHAP importance; rules in functions/assess/rules.ts (CASA_ASSESS_* override them).')
    .requiredOption('--batch <n>', 'the CLEAN batch ordinal to assess (0, 1, 2, …)', (v) => {
      if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('--batch must be a batch ordinal (0, 1, 2, …).');
      return Number(v);
    })
    .option('--pipeline', 'run the whole step: clean the batch if needed, assess, and on retrain train on batches 0..N and promote')
    .option('--publish', 'after train and promote ran on their own: build, store and upload the report of batch N')
    .option('--lake <url>', 'lake location: a path, file:///path or s3://bucket/prefix (default: $CASA_LAKE_URL or .casa/lake)')
    .option('--markdown', 'print the whole explanation report (Markdown) to stderr, not only its summary')
    .addHelpText('after', '\nNeeds MLFLOW_TRACKING_URI (the champion is read from the registry).\nExamples:\n  npx casa assess --batch 4\n  npx casa assess --batch 4 --pipeline --markdown')
    .action(async (opts: { batch: number; pipeline?: boolean; publish?: boolean; lake?: string; markdown?: boolean }) => {
      const env = io.env ?? process.env;
      const deps = await assessDepsFromEnv(env, opts.lake);
      try {
        if (opts.pipeline) {
          const r = await runBatchPipeline({ ...deps, settings: trainSettingsFromEnv(env), gate: gateFromEnv(env), clean: true }, { batch: opts.batch });
          err(`${opts.markdown ? r.markdown : r.explanation.summary}\n`);
          err(`${formatBatchLine(r.line)}\n`);
          out(`${JSON.stringify(r.line)}\n`);
          return;
        }
        if (opts.publish) {
          const p = await explainBatch(deps, { batch: opts.batch });
          err(`${opts.markdown ? p.markdown : p.explanation.summary}\n`);
          out(`${JSON.stringify(p.explanation)}\n`);
          return;
        }
        const r = await assessAndStore(deps, { batch: opts.batch });
        err(`${opts.markdown ? r.markdown : r.explanation.summary}\n`);
        out(`${JSON.stringify(r.decision)}\n`);
      } finally {
        deps.lake.close();
      }
    });
}
