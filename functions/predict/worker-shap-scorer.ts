import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FEATURE_COUNT } from '../../packages/features/index.js';
import { compiledWasm } from '../../packages/xgboost-wasm/index.js';
import { featuresOf, predictionsFrom, settleGroup, takeGroup, type Prediction, type ScoreJob, type Scorer } from './core.js';
import type { ServingModel } from './model-holder.js';
import type { ShapWorkerAnswer, ShapWorkerRequest } from './shap-worker.js';

/** Model copies a worker keeps at most (a swap needs two: the old one finishing, the new one). */
const MAX_WORKER_MODELS = 4;

/**
 * Runs TreeSHAP in a worker thread, so the main thread parses, validates and answers HTTP while
 * the second core computes. Requests that arrive while the worker is busy are coalesced into the
 * next engine call (one matrix per model version, one call in flight), as ShapBatcher does.
 * The worker keeps its own copy of each model (sent once, with its bytes), identified by the
 * ServingModel object, so a request is scored by exactly the version it acquired.
 */
export class WorkerShapScorer {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private queue: ScoreJob[] = [];
  private busy = false;
  private nextId = 1;
  private nextKey = 1;
  private readonly keys = new Map<ServingModel, number>();
  private readonly pending = new Map<number, { resolve: (c: Float32Array) => void; reject: (e: unknown) => void }>();
  private closed = false;

  /**
   * `maxRows` bounds one engine call (a single job larger than that still goes whole). Small on
   * purpose: TreeSHAP costs ~0.4 ms a row and a call's fixed cost is under a third of a row, so
   * bigger groups save almost nothing, while the worker scoring one group as the main thread
   * answers the last one and parses the next keeps both cores busy. With the whole queue per
   * call the threads took turns; in A/B runs of bench:predict, 8 rather than 128 gave 1–20 %
   * (mean 10 %) more throughput and a lower p99 in most runs.
   */
  constructor(private readonly maxRows = 8) {}

  readonly score: Scorer = (model, listings) =>
    new Promise<Prediction[]>((resolve, reject) => {
      if (this.closed) return reject(new Error('the SHAP worker is closed'));
      this.queue.push({ model, listings, resolve, reject });
      if (!this.busy) void this.pump();
    });

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const group = takeGroup(this.queue, this.maxRows);
        const model = group[0]!.model;
        await settleGroup(group, async (listings) => predictionsFrom(await this.contributions(model, featuresOf(listings, model.locationLevels), listings.length), listings.length));
      }
    } finally {
      this.busy = false;
    }
  }

  private async contributions(model: ServingModel, x: Float32Array, nrow: number): Promise<Float32Array> {
    const worker = await this.start();
    let key = this.keys.get(model);
    let bytes: Uint8Array | undefined;
    if (key === undefined) {
      key = this.nextKey++;
      this.keys.set(model, key);
      bytes = model.bytes;
      for (const [m, k] of this.keys) {
        if (this.keys.size <= MAX_WORKER_MODELS) break;
        if (m !== model) {
          this.keys.delete(m); // re-sent with its bytes should a late request still need it
          worker.postMessage({ kind: 'drop', key: k } satisfies ShapWorkerRequest);
        }
      }
    }
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const msg: ShapWorkerRequest = { kind: 'score', id, key: key!, x, nrow, ncol: FEATURE_COUNT, ...(bytes ? { bytes } : {}) };
      worker.postMessage(msg, [x.buffer as ArrayBuffer]);
    });
  }

  private start(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= (async () => {
      const wasmModule = await compiledWasm();
      const js = new URL('./shap-worker.js', import.meta.url);
      const worker = existsSync(fileURLToPath(js))
        ? new Worker(js, { workerData: { wasmModule } })
        : new Worker(new URL('./shap-worker-entry.mjs', import.meta.url), { workerData: { wasmModule, workerUrl: new URL('./shap-worker.ts', import.meta.url).href } });
      worker.unref();
      worker.on('message', (a: ShapWorkerAnswer) => {
        const p = this.pending.get(a.id);
        this.pending.delete(a.id);
        if (a.ok) p?.resolve(a.contributions);
        else p?.reject(new Error(`SHAP worker: ${a.error}`));
      });
      const fail = (err: unknown) => {
        // A dead worker fails what it held; the next request starts a fresh one with fresh model copies.
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.keys.clear();
        this.worker = undefined;
        this.starting = undefined;
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`SHAP worker exited with ${code}`)));
      this.worker = worker;
      return worker;
    })();
    return this.starting;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }
}
