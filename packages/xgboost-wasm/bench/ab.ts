/**
 * A/B timing of two or more wasm builds in one process, for build experiments:
 *
 *   node --import tsx packages/xgboost-wasm/bench/ab.ts DIR_A DIR_B [...]
 *
 * Each DIR holds an xgboost.cjs + xgboost.wasm pair (e.g. wasm/ and an XGB_WASM_OUT of
 * build.sh). Every build gets its own engine and its own copy of the bench data; after one
 * warm-up training each (V8 tier-up), trainings alternate A, B, A, B, ... so that load from
 * other processes hits all builds alike. Prints wall and process-CPU seconds per training,
 * the medians, and the largest prediction difference against the first build (0 = identical).
 *
 * Environment: AB_ROWS (200000), AB_ROUNDS (100), AB_REPS (4).
 */
import { Booster, DMatrix, createXGBoostEngine, type XGBoostEngine } from '../index.js';
import { makeHousing } from '../housing-data.js';

const ROWS = Number(process.env.AB_ROWS ?? 200_000);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 100);
const REPS = Number(process.env.AB_REPS ?? 4);
const PARAMS = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 6, eta: 0.1, max_bin: 256, seed: 0, verbosity: 1 };

interface Build {
  dir: string;
  engine: XGBoostEngine;
  dtrain: DMatrix;
}

/** Trains `rounds` rounds with one build; returns the booster's predictions on the training matrix. */
function train(b: Build, rounds: number): Float32Array {
  using booster = Booster.train({ params: PARAMS, dtrain: b.dtrain, numBoostRound: rounds }).booster;
  return booster.predict(b.dtrain);
}

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;

const dirs = process.argv.slice(2);
if (dirs.length < 1) {
  console.error('usage: ab.ts DIR_A [DIR_B ...]');
  process.exit(2);
}
const d = makeHousing(ROWS, 2026);
const builds: Build[] = [];
for (const dir of dirs) {
  const engine = await createXGBoostEngine({ buildDir: dir });
  builds.push({ dir, engine, dtrain: DMatrix.fromRows(d.x, d.nrow, d.ncol, { labels: d.y, engine }) });
}
const ref: Float32Array[] = builds.map((b) => train(b, 10)); // warm-up (tier-up) and predictions
const wall = builds.map(() => [] as number[]);
const cpus = builds.map(() => [] as number[]);
for (let rep = 0; rep < REPS; rep++) {
  const order = rep % 2 === 0 ? builds.map((_, i) => i) : builds.map((_, i) => builds.length - 1 - i);
  for (const i of order) {
    const t0 = performance.now();
    const c0 = cpu();
    const pred = train(builds[i]!, ROUNDS);
    wall[i]!.push((performance.now() - t0) / 1000);
    cpus[i]!.push(cpu() - c0);
    if (rep === 0) ref[i] = pred;
    console.log(`rep ${rep} ${builds[i]!.dir}: wall ${wall[i]!.at(-1)!.toFixed(3)} s cpu ${cpus[i]!.at(-1)!.toFixed(3)} s`);
  }
}
for (let i = 0; i < builds.length; i++) {
  let diff = 0;
  for (let k = 0; k < ref[0]!.length; k++) diff = Math.max(diff, Math.abs(ref[i]![k]! - ref[0]![k]!));
  const rel = i === 0 ? '' : `  cpu ratio vs A ${(median(cpus[i]!) / median(cpus[0]!)).toFixed(3)}`;
  console.log(`${builds[i]!.dir}: median wall ${median(wall[i]!).toFixed(3)} s, cpu ${median(cpus[i]!).toFixed(3)} s (min ${Math.min(...cpus[i]!).toFixed(3)})  max |pred − A| ${diff}${rel}`);
}
