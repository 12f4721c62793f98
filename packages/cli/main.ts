import { Command, CommanderError } from 'commander';
import { CasaError } from '../core/index.js';
import { registerGatewayCommand } from './gateway-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerDataApiCommand } from '../simulator/cli.js';
import { registerLakeCommand } from '../lake/cli.js';
import { registerPredictCommand } from '../model-format/cli.js';
import { registerIngestCommand } from '../../functions/ingest/cli.js';
import { registerCleanCommand } from '../../functions/clean/cli.js';
import { registerAssessCommand } from '../../functions/assess/cli.js';
import { registerTrainCommand } from '../../functions/train/cli.js';
import { registerPromoteCommand } from '../../functions/promote/cli.js';
import { registerServeFunctionCommand } from '../gateway/serve-function-cli.js';

/** Builds the `casa` program: one subcommand per job. */
export function buildProgram(): Command {
  const program = new Command('casa')
    .description('casa — continuous training for house prices.\nEvery subcommand has its own --help.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  registerDemoCommand(program);
  registerDataApiCommand(program);
  registerIngestCommand(program);
  registerCleanCommand(program);
  registerAssessCommand(program);
  registerTrainCommand(program);
  registerPromoteCommand(program);
  registerPredictCommand(program);
  registerLakeCommand(program);
  registerGatewayCommand(program);
  registerServeFunctionCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    // Known errors print their message only; anything else is a bug and keeps its stack.
    console.error(err instanceof CasaError ? `casa: ${err.message}` : err);
    process.exit(1);
  }
}
