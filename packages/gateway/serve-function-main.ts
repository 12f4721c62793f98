// Entry of a function image: `node --import tsx packages/gateway/serve-function-main.ts [NAME] [options]`.
// It loads only the serve-function command (not the whole casa CLI), because a function image
// carries the functions and packages but none of the CLI's other commands' needs.
import { Command } from 'commander';
import { CasaError } from '../core/index.js';
import { registerServeFunctionCommand } from './serve-function-cli.js';

const program = new Command('casa').exitOverride();
registerServeFunctionCommand(program);
try {
  await program.parseAsync([process.argv[0]!, process.argv[1]!, 'serve-function', ...process.argv.slice(2)]);
} catch (err) {
  if (err && typeof err === 'object' && 'exitCode' in err && typeof err.exitCode === 'number') process.exit(err.exitCode);
  console.error(err instanceof CasaError ? `casa serve-function: ${err.message}` : err);
  process.exit(1);
}
