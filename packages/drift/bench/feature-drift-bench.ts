/**
 * Times featureDrift on batch-sized data: 400k reference rows against 400k current rows, five
 * numeric features (two with missing values) and three categorical ones (50 states, 2 statuses,
 * 5,000 cities). Run: node --import tsx packages/drift/bench/feature-drift-bench.ts
 * Prints one JSON line: best and median wall and CPU milliseconds over 5 runs.
 */
import { featureDrift, type FeatureSpec } from '../feature-drift.js';
import { categoricalSample, createRandom, logNormalSample, normalSample, withMissing } from '../testing/sample-generators.js';

const ROWS = 400_000;
const RUNS = 5;

function makeBatch(seed: number, shift: number) {
  const random = createRandom(seed);
  const states = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`state-${i}`, 1 + (i % 7)]));
  const cities = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`city-${i}`, 1 + (i % 13)]));
  return {
    price: logNormalSample(random, ROWS, 12 + shift, 0.8),
    bed: normalSample(random, ROWS, 3, 1).map(Math.round),
    bath: withMissing(random, normalSample(random, ROWS, 2, 1).map(Math.round), 0.1),
    acre_lot: logNormalSample(random, ROWS, -1, 1.5),
    house_size: withMissing(random, logNormalSample(random, ROWS, 7.5 + shift, 0.4), 0.2),
    state: categoricalSample(random, ROWS, states),
    status: categoricalSample(random, ROWS, { for_sale: 7, sold: 3 }),
    city: categoricalSample(random, ROWS, cities, 0.01),
  };
}

const spec: FeatureSpec = { bed: 'numeric', bath: 'numeric', acre_lot: 'numeric', house_size: 'numeric', state: 'categorical', status: 'categorical', city: 'categorical' };
const reference = makeBatch(1, 0);
const current = makeBatch(2, 0.02);
const wall: number[] = [];
const cpu: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  featureDrift(reference, current, spec, { target: { name: 'price', kind: 'numeric' } });
  const used = process.cpuUsage(cpuStarted);
  wall.push(performance.now() - started);
  cpu.push((used.user + used.system) / 1000);
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const round = (x: number) => Math.round(x);
console.log(
  JSON.stringify({
    rows: ROWS,
    features: '5 numeric (incl. target) + 3 categorical',
    best_wall_ms: round(sorted(wall)[0]!),
    median_wall_ms: round(sorted(wall)[RUNS >> 1]!),
    best_cpu_ms: round(sorted(cpu)[0]!),
    median_cpu_ms: round(sorted(cpu)[RUNS >> 1]!),
  }),
);
