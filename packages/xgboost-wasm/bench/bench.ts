/**
 * `npm run bench:xgboost`: casa's WebAssembly XGBoost against native XGBoost from PyPI on the
 * same data and parameters, in the same run. The last line printed is one JSON object.
 *
 * Native runs use the project .venv's Python with the xgboost under test first on
 * PYTHONPATH, installed once (no dependencies) into $CASA_CACHE/xgboost-native/VERSION:
 *   - newest release (XGB_BENCH_NEWEST, default 3.4.1), nthread=1 and nthread=all;
 *   - the same version as the wasm build (read from wasm/BUILDINFO.json), nthread=1.
 * Each timing is the best of XGB_BENCH_REPEAT runs (default 3), interleaved, because this
 * machine's two cores are shared. The JSON has wall-clock seconds; the lines above it also
 * give process CPU seconds, which other load on the machine does not inflate (for the
 * single-threaded runs they are the cleaner comparison).
 *
 * Environment: XGB_BENCH_ROWS (200000), XGB_BENCH_ROUNDS (200), XGB_BENCH_REPEAT (3).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Booster, DMatrix, loadXGBoost } from '../index.js';
import { makeCasaFeatures } from '../housing-data.js';
import { processCpuSeconds, watchCpuShare } from '../../testkit/cpu-share.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PKG = resolve(HERE, '..');
const REPO = resolve(PKG, '..', '..');
const PYTHON = process.env.CASA_VENV_PYTHON ?? join(REPO, '.venv', 'bin', 'python');
const CACHE = process.env.CASA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'casa');

const ROWS = Number(process.env.XGB_BENCH_ROWS ?? 200_000);
const ROUNDS = Number(process.env.XGB_BENCH_ROUNDS ?? 200);
const REPEAT = Math.max(1, Number(process.env.XGB_BENCH_REPEAT ?? 3));
const NEWEST = process.env.XGB_BENCH_NEWEST ?? '3.4.1';
const SHAP_ROWS = 2000;
const PARAMS = { objective: 'reg:squarederror', tree_method: 'hist', max_depth: 6, eta: 0.1, max_bin: 256, seed: 0 };

const log = (s: string): void => console.log(s);

function nativeXgboost(version: string): string {
  const dir = join(CACHE, 'xgboost-native', version);
  if (!existsSync(join(dir, 'xgboost', '__init__.py'))) {
    log(`installing native xgboost==${version} into ${dir}`);
    mkdirSync(dir, { recursive: true });
    // --ignore-requires-python: 3.3+ declare Python >= 3.12; the wheel's library and Python
    // code load on the .venv's 3.11 (the numpy and scipy it needs are in the .venv).
    execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--ignore-requires-python', '--target', dir, `xgboost==${version}`], { stdio: 'inherit' });
  }
  return dir;
}

interface NativeTiming {
  version: string;
  train_s: number;
  predict_s: number;
  train_cpu_s: number;
  predict_cpu_s: number;
}

function runNative(pythonPath: string, args: Record<string, unknown>): NativeTiming {
  const r = spawnSync(PYTHON, [join(HERE, 'native_bench.py'), JSON.stringify(args)], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: pythonPath, OMP_NUM_THREADS: String(args.nthread) },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`native bench failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as NativeTiming;
}

function writeF32(path: string, a: Float32Array): string {
  writeFileSync(path, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return path;
}
function readF(path: string, kind: 'f32' | 'f64'): Float32Array | Float64Array {
  const b = readFileSync(path);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return kind === 'f32' ? new Float32Array(ab) : new Float64Array(ab);
}
const round = (v: number, d = 4): number => Number(v.toFixed(d));

async function main(): Promise<void> {
  if (!existsSync(PYTHON)) {
    console.error(`${PYTHON} not found: run \`make test\` or scripts/setup-venv.sh first (the native side needs the project .venv)`);
    process.exit(2);
  }
  const buildInfo = JSON.parse(readFileSync(join(PKG, 'wasm', 'BUILDINFO.json'), 'utf8')) as { xgboost_version: string };
  const cores = availableParallelism();
  const newestDir = nativeXgboost(NEWEST);
  const sameDir = nativeXgboost(buildInfo.xgboost_version);

  const d = makeCasaFeatures(ROWS, 2026);
  log(`data: ${ROWS} rows × casa's ${d.ncol} features (synthetic, shaped like the realtor data), ${ROUNDS} rounds, depth ${PARAMS.max_depth}, hist, max_bin ${PARAMS.max_bin}`);
  const dir = mkdtempSync(join(tmpdir(), 'casa-xgb-bench-'));
  try {
    const x = writeF32(join(dir, 'x.f32'), d.x);
    const y = writeF32(join(dir, 'y.f32'), d.y);
    const base = { x, y, nrow: d.nrow, ncol: d.ncol, params: PARAMS, rounds: ROUNDS };

    const xgb = await loadXGBoost();
    log(`wasm engine: XGBoost ${xgb.version}; native newest ${NEWEST}, same version ${buildInfo.xgboost_version}; ${cores} cores`);
    const best = { wasm_train: Infinity, wasm_predict: Infinity, n1_train: Infinity, n1_predict: Infinity, nN_train: Infinity, same1_train: Infinity };
    const cpu = { wasm_train: Infinity, wasm_predict: Infinity, n1_train: Infinity, n1_predict: Infinity };
    let model: Uint8Array | undefined;
    let wasmPred: Float32Array | undefined;
    let contrib: Float32Array | undefined;
    const cpuShare = watchCpuShare();
    for (let rep = 1; rep <= REPEAT; rep++) {
      {
        using dtrain = DMatrix.fromRows(d.x, d.nrow, d.ncol, { labels: d.y, featureNames: d.featureNames });
        let t0 = performance.now();
        let c0 = processCpuSeconds();
        using booster = Booster.train({ params: PARAMS, dtrain, numBoostRound: ROUNDS }).booster;
        const train = (performance.now() - t0) / 1000;
        cpu.wasm_train = Math.min(cpu.wasm_train, processCpuSeconds() - c0);
        using dtest = DMatrix.fromRows(d.x, d.nrow, d.ncol, { featureNames: d.featureNames });
        t0 = performance.now();
        c0 = processCpuSeconds();
        wasmPred = booster.predict(dtest);
        const predict = (performance.now() - t0) / 1000;
        cpu.wasm_predict = Math.min(cpu.wasm_predict, processCpuSeconds() - c0);
        best.wasm_train = Math.min(best.wasm_train, train);
        best.wasm_predict = Math.min(best.wasm_predict, predict);
        log(`[${rep}/${REPEAT}] wasm            train ${train.toFixed(3)} s  predict ${predict.toFixed(3)} s`);
        if (rep === 1) {
          model = booster.saveModel('ubj');
          using dshap = DMatrix.fromRows(d.x.subarray(0, SHAP_ROWS * d.ncol), SHAP_ROWS, d.ncol);
          contrib = booster.predictContributions(dshap).values;
        }
      }
      const n1 = runNative(newestDir, { ...base, nthread: 1 });
      best.n1_train = Math.min(best.n1_train, n1.train_s);
      best.n1_predict = Math.min(best.n1_predict, n1.predict_s);
      cpu.n1_train = Math.min(cpu.n1_train, n1.train_cpu_s);
      cpu.n1_predict = Math.min(cpu.n1_predict, n1.predict_cpu_s);
      log(`[${rep}/${REPEAT}] native ${n1.version} ×1  train ${n1.train_s.toFixed(3)} s  predict ${n1.predict_s.toFixed(3)} s`);
      const nN = runNative(newestDir, { ...base, nthread: cores });
      best.nN_train = Math.min(best.nN_train, nN.train_s);
      log(`[${rep}/${REPEAT}] native ${nN.version} ×${cores}  train ${nN.train_s.toFixed(3)} s  predict ${nN.predict_s.toFixed(3)} s`);
      const s1 = runNative(sameDir, { ...base, nthread: 1 });
      best.same1_train = Math.min(best.same1_train, s1.train_s);
      log(`[${rep}/${REPEAT}] native ${s1.version} ×1 (same version as wasm)  train ${s1.train_s.toFixed(3)} s`);
    }

    // Accuracy: the wasm model in native XGBoost, and wasm SHAP against shap.TreeExplainer.
    const modelPath = join(dir, 'wasm.ubj');
    writeFileSync(modelPath, model!);
    const predOut = join(dir, 'pred.f32');
    runNative(newestDir, { ...base, nthread: cores, predict_model: modelPath, pred_out: predOut });
    const pyPred = readF(predOut, 'f32');
    let predDiff = 0;
    for (let i = 0; i < wasmPred!.length; i++) predDiff = Math.max(predDiff, Math.abs(wasmPred![i]! - pyPred[i]!));

    const xs = writeF32(join(dir, 'xs.f32'), d.x.subarray(0, SHAP_ROWS * d.ncol));
    const shapOut = join(dir, 'shap.f64');
    const r = spawnSync(PYTHON, [join(PKG, 'test', 'py', 'xgb_ref.py'), JSON.stringify({ cmd: 'shap', model: modelPath, x: xs, nrow: SHAP_ROWS, ncol: d.ncol, out: shapOut })], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`shap reference failed: ${r.stderr}`);
    const shapInfo = JSON.parse(r.stdout.trim().split('\n').pop()!) as { shap: string; xgboost: string };
    const theirs = readF(shapOut, 'f64');
    let shapDiff = 0;
    for (let row = 0; row < SHAP_ROWS; row++) {
      for (let c = 0; c < d.ncol; c++) shapDiff = Math.max(shapDiff, Math.abs(contrib![row * (d.ncol + 1) + c]! - theirs[row * d.ncol + c]!));
    }
    log(`accuracy: max |wasm − native ${NEWEST}| prediction ${predDiff.toExponential(2)}; max |wasm SHAP − shap ${shapInfo.shap} TreeExplainer| ${shapDiff.toExponential(2)}`);
    const trainRatio = best.wasm_train / best.n1_train;
    const predictRatio = best.wasm_predict / best.n1_predict;
    log(`during the timed runs: ${cpuShare()}`);
    log(`train ratio vs native ×1: ${trainRatio.toFixed(3)} (target ≤ 1.3); predict ratio: ${predictRatio.toFixed(3)} (target ≤ 1.5)  [wall clock, best of ${REPEAT}]`);
    log(`CPU seconds, best of ${REPEAT}: wasm train ${cpu.wasm_train.toFixed(3)} / native ×1 ${cpu.n1_train.toFixed(3)} = ${(cpu.wasm_train / cpu.n1_train).toFixed(3)}; predict ${cpu.wasm_predict.toFixed(3)} / ${cpu.n1_predict.toFixed(3)} = ${(cpu.wasm_predict / cpu.n1_predict).toFixed(3)}`);
    log(`machine load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores)`);

    console.log(
      JSON.stringify({
        rows: ROWS,
        wasm_train_s: round(best.wasm_train),
        native1_train_s: round(best.n1_train),
        nativeN_train_s: round(best.nN_train),
        same_version_native1_train_s: round(best.same1_train),
        train_ratio_vs_native1: round(trainRatio, 3),
        wasm_predict_s: round(best.wasm_predict),
        native1_predict_s: round(best.n1_predict),
        max_abs_pred_diff_vs_python: Number(predDiff.toExponential(3)),
        max_abs_shap_diff_vs_shap: Number(shapDiff.toExponential(3)),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
