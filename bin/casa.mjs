#!/usr/bin/env node
// The `casa` command: runs the TypeScript sources through tsx's loader, so a clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../packages/cli/main.ts');
await main(process.argv);
