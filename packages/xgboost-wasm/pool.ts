/// <reference lib="esnext.disposable" />
/**
 * Independent trainings (candidates, folds) in worker threads, one XGBoost engine per
 * worker. WebAssembly here is single-threaded, so this is how casa uses both cores.
 *
 * Data crosses to the worker as transferable buffers: by default the typed arrays of a task
 * are *moved* (zero copy; the caller's arrays become detached). Pass `{ transfer: false }`
 * to copy instead, or back the arrays with a SharedArrayBuffer to share one copy of a
 * dataset between many tasks (e.g. folds that select rows with `rows`).
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compiledWasm, type Params } from './engine.js';
import { XGBoostError } from './errors.js';
import type { WasmModule } from './webassembly.js';
import type { FeatureType, TrainResult } from './model.js';

/** A matrix as plain data, for a worker to build its own DMatrix from. */
export interface MatrixSpec {
  /** Row-major values, `nrow * ncol` of them (NaN = missing). */
  data: Float32Array;
  nrow: number;
  ncol: number;
  labels?: Float32Array;
  weights?: Float32Array;
  missing?: number;
  featureNames?: string[];
  featureTypes?: FeatureType[];
  /** Use only these rows (indices into the matrix above), e.g. a fold. */
  rows?: Int32Array;
}

export interface TrainTask {
  params: Params;
  dtrain: MatrixSpec;
  evals?: { name: string; data: MatrixSpec }[];
  numBoostRound: number;
  earlyStoppingRounds?: number;
  maximize?: boolean;
  /** Format of the returned model bytes (default ubj). */
  modelFormat?: 'json' | 'ubj';
  /** Matrices to predict with the trained model ('best' = up to the best iteration). */
  predict?: { data: MatrixSpec; iterationRange?: 'best' | [number, number] }[];
}

export interface TrainTaskResult extends Omit<TrainResult, 'booster'> {
  model: Uint8Array;
  predictions: Float32Array[];
  /** Wall time inside the worker (building matrices + training + saving). */
  seconds: number;
  workerId: number;
}

interface Pending {
  resolve: (r: TrainTaskResult) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending: Map<number, Pending>;
}

function workerEntry(): { url: URL; workerUrl?: string } {
  const js = new URL('./pool-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js };
  // Running from TypeScript sources (tsx): a small .mjs entry registers tsx in the worker.
  return { url: new URL('./pool-worker-entry.mjs', import.meta.url), workerUrl: new URL('./pool-worker.ts', import.meta.url).href };
}

function transferables(task: TrainTask): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | undefined): void => {
    if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  const addSpec = (s: MatrixSpec): void => {
    add(s.data);
    add(s.labels);
    add(s.weights);
    add(s.rows);
  };
  addSpec(task.dtrain);
  for (const e of task.evals ?? []) addSpec(e.data);
  for (const p of task.predict ?? []) addSpec(p.data);
  return [...out];
}

/** Rebuilds an XGBoostError (or Error) sent from a worker. */
export function reviveError(e: { name?: string; message: string; origin?: string; call?: string; xgboostMessage?: string }): Error {
  if (e.name === 'XGBoostError') {
    const opts: ConstructorParameters<typeof XGBoostError>[1] = { origin: (e.origin as 'xgboost' | 'casa' | 'engine') ?? 'xgboost' };
    if (e.call !== undefined) opts.call = e.call;
    if (e.xgboostMessage !== undefined) opts.xgboostMessage = e.xgboostMessage;
    return new XGBoostError(e.message, opts);
  }
  return new Error(e.message);
}

export class XGBoostPool {
  readonly size: number;
  private slots: Slot[] = [];
  private queue: { task: TrainTask; transfer: boolean; pending: Pending }[] = [];
  private nextId = 1;
  private closed = false;
  private module: Promise<WasmModule>;

  /** `size` workers (default: the number of cores). Workers start on first use. */
  constructor(options: { size?: number } = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.module = compiledWasm();
  }

  /** Trains in a worker; resolves with the model bytes, history and predictions. */
  train(task: TrainTask, options: { transfer?: boolean } = {}): Promise<TrainTaskResult> {
    if (this.closed) return Promise.reject(new XGBoostError('the XGBoost pool is closed', { origin: 'casa' }));
    return new Promise<TrainTaskResult>((resolve, reject) => {
      this.queue.push({ task, transfer: options.transfer ?? true, pending: { resolve, reject } });
      void this.pump();
    });
  }

  /** Runs all tasks, at most `size` at a time; results in task order. */
  trainAll(tasks: TrainTask[], options: { transfer?: boolean } = {}): Promise<TrainTaskResult[]> {
    return Promise.all(tasks.map((t) => this.train(t, options)));
  }

  private async spawn(): Promise<Slot> {
    const wasmModule = await this.module;
    const { url, workerUrl } = workerEntry();
    const worker = new Worker(url, { workerData: { wasmModule, workerUrl } });
    const slot: Slot = { worker, busy: false, pending: new Map() };
    worker.on('message', (msg: { id: number; ok: boolean; result?: TrainTaskResult; error?: { message: string } }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      slot.busy = false;
      if (msg.ok) p.resolve(msg.result!);
      else p.reject(reviveError(msg.error!));
      void this.pump();
    });
    const die = (err: unknown): void => {
      this.slots = this.slots.filter((s) => s !== slot);
      for (const p of slot.pending.values()) {
        p.reject(new XGBoostError(`XGBoost worker died: ${err instanceof Error ? err.message : String(err)}`, { origin: 'engine', cause: err }));
      }
      slot.pending.clear();
      if (!this.closed) void this.pump();
    };
    worker.on('error', die);
    worker.on('exit', (code) => {
      if (slot.pending.size > 0 || (!this.closed && code !== 0)) die(new Error(`exit code ${code}`));
      else this.slots = this.slots.filter((s) => s !== slot);
    });
    worker.unref();
    return slot;
  }

  private spawning = 0;
  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot) {
        if (this.slots.length + this.spawning >= this.size) return;
        this.spawning++;
        try {
          slot = await this.spawn();
          this.slots.push(slot);
        } catch (e) {
          const job = this.queue.shift();
          job?.pending.reject(e);
          continue;
        } finally {
          this.spawning--;
        }
        if (this.closed) return;
        continue;
      }
      const job = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = true;
      slot.pending.set(id, job.pending);
      slot.worker.ref();
      try {
        slot.worker.postMessage({ id, task: job.task }, job.transfer ? transferables(job.task) : []);
      } catch (e) {
        slot.pending.delete(id);
        slot.busy = false;
        job.pending.reject(e);
      }
    }
    // Let the process exit while idle.
    for (const s of this.slots) if (!s.busy) s.worker.unref();
  }

  /** Stops every worker (pending tasks are rejected). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.pending.reject(new XGBoostError('the XGBoost pool was closed', { origin: 'casa' }));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
