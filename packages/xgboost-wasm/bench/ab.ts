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
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeHousing } from '../housing-data.js';
import { WA, type WasmImports, type WasmInstance, type WasmModule } from '../webassembly.js';

type Fn = (...a: (number | bigint)[]) => number;
interface Em {
  HEAPU8: Uint8Array;
  HEAPF32: Float32Array;
  HEAPU32: Uint32Array;
  _malloc: Fn;
  _free: Fn;
  stringToUTF8(s: string, p: number, n: number): void;
  lengthBytesUTF8(s: string): number;
  UTF8ToString(p: number): string;
  [k: string]: unknown;
}

const ROWS = Number(process.env.AB_ROWS ?? 200_000);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 100);
const REPS = Number(process.env.AB_REPS ?? 4);
const PARAMS: Record<string, string> = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: '6', eta: '0.1', max_bin: '256', seed: '0', verbosity: '1' };

class Build {
  private constructor(
    readonly dir: string,
    private readonly m: Em,
    private readonly dtrain: number,
  ) {}

  static async load(dir: string, x: Float32Array, y: Float32Array, ncol: number): Promise<Build> {
    const require = createRequire(import.meta.url);
    const factory = require(resolve(dir, 'xgboost.cjs')) as (o: Record<string, unknown>) => Promise<Em>;
    const module = await WA.compile(readFileSync(resolve(dir, 'xgboost.wasm')));
    const m = await factory({
      print: (s: string) => console.log(s),
      printErr: (s: string) => console.error(s),
      instantiateWasm(imports: WasmImports, done: (i: WasmInstance, mod: WasmModule) => void) {
        void WA.instantiate(module, imports).then((i) => done(i, module));
        return {};
      },
    });
    const b = new Build(dir, m, 0);
    const px = b.copyIn(x);
    const out = b.m._malloc(8);
    b.call('XGDMatrixCreateFromMat', px, BigInt(x.length / ncol), BigInt(ncol), Number.NaN, out);
    const d = b.m.HEAPU32[out >>> 2]!;
    const py = b.copyIn(y);
    b.call('XGDMatrixSetFloatInfo', d, b.str('label'), py, BigInt(y.length));
    m._free(px);
    m._free(py);
    return new Build(dir, m, d);
  }

  private call(name: string, ...args: (number | bigint)[]): void {
    const rc = (this.m[`_${name}`] as Fn)(...args);
    if (rc !== 0) throw new Error(`${name}: ${this.m.UTF8ToString((this.m._XGBGetLastError as Fn)())}`);
  }
  private copyIn(a: Float32Array): number {
    const p = this.m._malloc(a.byteLength);
    this.m.HEAPF32.set(a, p >>> 2);
    return p;
  }
  private str(s: string): number {
    const n = this.m.lengthBytesUTF8(s) + 1;
    const p = this.m._malloc(n);
    this.m.stringToUTF8(s, p, n);
    return p;
  }

  /** Trains `rounds` rounds; returns the booster's predictions on the training matrix. */
  train(rounds: number): Float32Array {
    const out = this.m._malloc(24);
    this.m.HEAPU32[out >>> 2] = this.dtrain;
    this.call('XGBoosterCreate', out, 1n, out + 4);
    const h = this.m.HEAPU32[(out + 4) >>> 2]!;
    for (const [k, v] of Object.entries(PARAMS)) this.call('XGBoosterSetParam', h, this.str(k), this.str(v));
    for (let i = 0; i < rounds; i++) this.call('XGBoosterUpdateOneIter', h, i, this.dtrain);
    this.call('XGBoosterPredict', h, this.dtrain, 0, 0, 0, out + 8, out + 16);
    const len = Number(new BigUint64Array(this.m.HEAPU8.buffer, out + 8, 1)[0]);
    const p = this.m.HEAPU32[(out + 16) >>> 2]!;
    const pred = this.m.HEAPF32.slice(p >>> 2, (p >>> 2) + len);
    this.call('XGBoosterFree', h);
    this.m._free(out);
    return pred;
  }
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
for (const dir of dirs) builds.push(await Build.load(dir, d.x, d.y, d.ncol));
const ref: Float32Array[] = builds.map((b) => b.train(10)); // warm-up (tier-up) and predictions
const wall = builds.map(() => [] as number[]);
const cpus = builds.map(() => [] as number[]);
for (let rep = 0; rep < REPS; rep++) {
  const order = rep % 2 === 0 ? builds.map((_, i) => i) : builds.map((_, i) => builds.length - 1 - i);
  for (const i of order) {
    const t0 = performance.now();
    const c0 = cpu();
    const pred = builds[i]!.train(ROUNDS);
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
