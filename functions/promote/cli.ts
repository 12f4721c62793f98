import type { Command } from 'commander';
import { promoteChallenger } from './core.js';
import { promoteDepsFromEnv } from './handler.js';

/** `casa promote [--reason R]`: the champion/challenger gate against the configured lake + MLflow; prints the verdict as JSON. */
export function registerPromoteCommand(program: Command, io: { out?: (t: string) => void; err?: (t: string) => void; env?: NodeJS.ProcessEnv } = {}): void {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  program
    .command('promote')
    .description('Compare the challenger with the champion on the same holdout (cumulative and per batch) by the gate (CASA_PROMOTE_MIN_GAIN, CASA_PROMOTE_MAX_BATCH_REGRESSION); on a pass move the aliases and stages.')
    .option('--reason <text>', 'why (recorded in the verdict)')
    .option('--lake <url>', 'lake location (default: $CASA_LAKE_URL or .casa/lake)')
    .addHelpText('after', '\nNeeds MLFLOW_TRACKING_URI. The verdict is also written to the challenger version\'s tags and a promotion.json artifact of its run.')
    .action(async (opts: { reason?: string; lake?: string }) => {
      const deps = await promoteDepsFromEnv(io.env ?? process.env, opts.lake);
      try {
        const verdict = await promoteChallenger(deps, opts.reason ? { reason: opts.reason } : {});
        err(`${verdict.decision}: ${verdict.reasons.join('\n  ')}\n`);
        out(`${JSON.stringify(verdict)}\n`);
      } finally {
        deps.lake.close();
      }
    });
}
