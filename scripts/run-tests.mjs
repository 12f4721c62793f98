#!/usr/bin/env node
// Shorthand for `node --import tsx scripts/run-tests.ts [substring ...]` (see there).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./run-tests.ts', import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
