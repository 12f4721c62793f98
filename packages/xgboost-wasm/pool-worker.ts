/** Worker side of XGBoostPool: its own engine, one training task per message. */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { loadXGBoost } from './engine.js';
import { XGBoostError } from './errors.js';
import type { WasmModule } from './webassembly.js';
import { Booster, DMatrix } from './model.js';
import type { MatrixSpec, TrainTask, TrainTaskResult } from './pool.js';

const ready = loadXGBoost({ wasmModule: (workerData as { wasmModule: WasmModule }).wasmModule });

function selectRows(spec: MatrixSpec): { data: Float32Array; nrow: number; labels?: Float32Array; weights?: Float32Array } {
  if (!spec.rows) return spec;
  const { rows, ncol } = spec;
  const data = new Float32Array(rows.length * ncol);
  const labels = spec.labels ? new Float32Array(rows.length) : undefined;
  const weights = spec.weights ? new Float32Array(rows.length) : undefined;
  rows.forEach((r, i) => {
    if (r < 0 || r >= spec.nrow) throw new XGBoostError(`row index ${r} out of range 0..${spec.nrow - 1}`, { origin: 'casa' });
    data.set(spec.data.subarray(r * ncol, (r + 1) * ncol), i * ncol);
    if (labels) labels[i] = spec.labels![r]!;
    if (weights) weights[i] = spec.weights![r]!;
  });
  return { data, nrow: rows.length, ...(labels ? { labels } : {}), ...(weights ? { weights } : {}) };
}

function matrix(spec: MatrixSpec): DMatrix {
  const sel = selectRows(spec);
  return DMatrix.fromRows(sel.data, sel.nrow, spec.ncol, {
    ...(spec.missing !== undefined ? { missing: spec.missing } : {}),
    ...(sel.labels ? { labels: sel.labels } : {}),
    ...(sel.weights ? { weights: sel.weights } : {}),
    ...(spec.featureNames ? { featureNames: spec.featureNames } : {}),
    ...(spec.featureTypes ? { featureTypes: spec.featureTypes } : {}),
  });
}

async function run(task: TrainTask): Promise<TrainTaskResult> {
  await ready;
  const t0 = performance.now();
  const owned: { dispose(): void }[] = [];
  try {
    const dtrain = matrix(task.dtrain);
    owned.push(dtrain);
    const evals = (task.evals ?? []).map((e) => {
      const d = matrix(e.data);
      owned.push(d);
      return { name: e.name, data: d };
    });
    const result = Booster.train({
      params: task.params,
      dtrain,
      evals,
      numBoostRound: task.numBoostRound,
      ...(task.earlyStoppingRounds !== undefined ? { earlyStoppingRounds: task.earlyStoppingRounds } : {}),
      ...(task.maximize !== undefined ? { maximize: task.maximize } : {}),
    });
    const { booster, ...rest } = result;
    owned.push(booster);
    const predictions = (task.predict ?? []).map((p) => {
      const d = matrix(p.data);
      owned.push(d);
      const range = p.iterationRange === 'best' ? ([0, result.bestIteration + 1] as [number, number]) : p.iterationRange;
      return booster.predict(d, range ? { iterationRange: range } : {});
    });
    const model = booster.saveModel(task.modelFormat ?? 'ubj');
    return { ...rest, model, predictions, seconds: (performance.now() - t0) / 1000, workerId: threadId };
  } finally {
    for (const o of owned.reverse()) o.dispose();
  }
}

parentPort!.on('message', (msg: { id: number; task: TrainTask }) => {
  run(msg.task).then(
    (result) => {
      parentPort!.postMessage({ id: msg.id, ok: true, result }, [result.model.buffer as ArrayBuffer, ...result.predictions.map((p) => p.buffer as ArrayBuffer)]);
    },
    (e: unknown) => {
      const err = e instanceof XGBoostError
        ? { name: 'XGBoostError', message: e.message, origin: e.origin, call: e.call, xgboostMessage: e.xgboostMessage }
        : { name: 'Error', message: e instanceof Error ? e.message : String(e) };
      parentPort!.postMessage({ id: msg.id, ok: false, error: err });
    },
  );
});
