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
 * AB_MODE=predict times prediction instead: every build trains one model of AB_ROUNDS rounds
 * first, then each repetition predicts all rows from a fresh matrix (not served from the
 * prediction cache; building the matrix is not timed).
 *
 * Environment: AB_MODE (train | predict), AB_ROWS (200000), AB_ROUNDS (100), AB_REPS (4).
 */
import { Booster, DMatrix, createXGBoostEngine, type XGBoostEngine } from '../index.js';
import { makeCasaFeatures } from '../housing-data.js';
import { processCpuSeconds } from '../../testkit/cpu-share.js';

const ROWS = Number(process.env.AB_ROWS ?? 200_000);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 100);
const REPS = Number(process.env.AB_REPS ?? 4);
const MODE = process.env.AB_MODE ?? 'train';
const PARAMS = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 6, eta: 0.1, max_bin: 256, seed: 0, verbosity: 1 };

interface Build {
  dir: string;
  engine: XGBoostEngine;
  dtrain: DMatrix;
  /** AB_MODE=predict: the model whose prediction is timed. */
  model?: Booster;
}

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;

interface Timed {
  pred: Float32Array;
  wall: number;
  cpu: number;
}
function timed(fn: () => Float32Array): Timed {
  const t0 = performance.now();
  const c0 = processCpuSeconds();
  const pred = fn();
  return { pred, wall: (performance.now() - t0) / 1000, cpu: processCpuSeconds() - c0 };
}

/** Trains `rounds` rounds with one build; its predictions on the training matrix (timed with it). */
function train(b: Build, rounds: number): Timed {
  return timed(() => {
    using booster = Booster.train({ params: PARAMS, dtrain: b.dtrain, numBoostRound: rounds }).booster;
    return booster.predict(b.dtrain);
  });
}

/** AB_MODE=predict: predicts every row from a fresh matrix (not the prediction cache; building it is not timed). */
function predict(b: Build): Timed {
  using dm = DMatrix.fromRows(d.x, d.nrow, d.ncol, { engine: b.engine });
  return timed(() => b.model!.predict(dm));
}

const dirs = process.argv.slice(2);
if (dirs.length < 1 || (MODE !== 'train' && MODE !== 'predict')) {
  console.error('usage: [AB_MODE=train|predict] ab.ts DIR_A [DIR_B ...]');
  process.exit(2);
}
const d = makeCasaFeatures(ROWS, 2026);
const builds: Build[] = [];
for (const dir of dirs) {
  const engine = await createXGBoostEngine({ buildDir: dir });
  const dtrain = DMatrix.fromRows(d.x, d.nrow, d.ncol, { labels: d.y, engine });
  const model = MODE === 'predict' ? Booster.train({ params: PARAMS, dtrain, numBoostRound: ROUNDS }).booster : undefined;
  builds.push({ dir, engine, dtrain, model });
}
const measure = (b: Build, rounds: number): Timed => (MODE === 'predict' ? predict(b) : train(b, rounds));
// One untimed run per build first (V8's tier-up); its predictions are compared at the end.
const ref: Float32Array[] = builds.map((b) => measure(b, 10).pred);
const wall = builds.map(() => [] as number[]);
const cpus = builds.map(() => [] as number[]);
for (let rep = 0; rep < REPS; rep++) {
  const order = rep % 2 === 0 ? builds.map((_, i) => i) : builds.map((_, i) => builds.length - 1 - i);
  for (const i of order) {
    const t = measure(builds[i]!, ROUNDS);
    wall[i]!.push(t.wall);
    cpus[i]!.push(t.cpu);
    if (rep === 0) ref[i] = t.pred;
    console.log(`rep ${rep} ${builds[i]!.dir}: wall ${t.wall.toFixed(3)} s cpu ${t.cpu.toFixed(3)} s`);
  }
}
for (let i = 0; i < builds.length; i++) {
  let diff = 0;
  for (let k = 0; k < ref[0]!.length; k++) diff = Math.max(diff, Math.abs(ref[i]![k]! - ref[0]![k]!));
  const rel = i === 0 ? '' : `  cpu ratio vs A ${(median(cpus[i]!) / median(cpus[0]!)).toFixed(3)}`;
  console.log(`${builds[i]!.dir}: median wall ${median(wall[i]!).toFixed(3)} s, cpu ${median(cpus[i]!).toFixed(3)} s (min ${Math.min(...cpus[i]!).toFixed(3)})  max |pred − A| ${diff}${rel}`);
}
