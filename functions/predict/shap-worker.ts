/**
 * Worker side of WorkerShapScorer: its own engine and copies of the models it was sent; one
 * message = one matrix of features → exact TreeSHAP contributions (transferred back).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Booster, DMatrix, loadXGBoost } from '../../packages/xgboost-wasm/index.js';
import type { WasmModule } from '../../packages/xgboost-wasm/webassembly.js';

export type ShapWorkerRequest =
  | { kind: 'score'; id: number; key: number; bytes?: Uint8Array; x: Float32Array; nrow: number; ncol: number }
  | { kind: 'drop'; key: number };
export type ShapWorkerAnswer = { id: number; ok: true; contributions: Float32Array } | { id: number; ok: false; error: string };

const ready = loadXGBoost({ wasmModule: (workerData as { wasmModule: WasmModule }).wasmModule });
const models = new Map<number, Booster>();

parentPort!.on('message', async (msg: ShapWorkerRequest) => {
  await ready;
  if (msg.kind === 'drop') {
    models.get(msg.key)?.dispose();
    models.delete(msg.key);
    return;
  }
  try {
    if (msg.bytes) {
      models.get(msg.key)?.dispose();
      models.set(msg.key, Booster.loadModel(msg.bytes));
    }
    const booster = models.get(msg.key);
    if (!booster) throw new Error(`model ${msg.key} was not sent to the SHAP worker`);
    const dm = DMatrix.fromRows(msg.x, msg.nrow, msg.ncol);
    try {
      const contributions = booster.predictContributions(dm, { validateFeatures: false }).values; // a copy out of the heap
      parentPort!.postMessage({ id: msg.id, ok: true, contributions } satisfies ShapWorkerAnswer, [contributions.buffer as ArrayBuffer]);
    } finally {
      dm.dispose();
    }
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ShapWorkerAnswer);
  }
});
