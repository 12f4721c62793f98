import { UnavailableError } from '../../packages/core/index.js';
import { FEATURE_COUNT, FEATURE_NAMES, type LocationLevels } from '../../packages/features/index.js';
import { MlflowError } from '../../packages/mlflow/index.js';
import { Booster, loadXGBoost } from '../../packages/xgboost-wasm/index.js';
import { ModelArtifactError } from './model-artifacts.js';
import { NoProductionModelError, type ModelRef, type ModelSource } from './model-source.js';

/**
 * A loaded version. Requests `acquire` it when they start and `release` it when they answer;
 * a retired version is disposed only once its last request has released it, so a swap never
 * pulls a booster from under a request in flight.
 */
export class ServingModel {
  private uses = 0;
  private retired = false;
  constructor(
    readonly ref: ModelRef,
    readonly booster: Booster,
    readonly loadedAt: Date,
    /** The version's location_level table (from its feature spec). */
    readonly locationLevels: LocationLevels,
    /** The model file, for engines in other threads (WorkerShapScorer). */
    readonly bytes: Uint8Array = booster.saveModel('ubj'),
  ) {}

  acquire(): this {
    this.uses += 1;
    return this;
  }

  release(): void {
    this.uses -= 1;
    if (this.retired && this.uses === 0) this.booster.dispose();
  }

  retire(): void {
    this.retired = true;
    if (this.uses === 0) this.booster.dispose();
  }

  get inFlight(): number {
    return this.uses;
  }

  get disposed(): boolean {
    return this.booster.disposed;
  }
}

export type ModelStatus = 'starting' | 'ready' | 'unavailable' | 'no-model';

export interface ModelHealth {
  status: ModelStatus;
  model: Omit<ModelRef, 'source'> | null;
  loaded_at: string | null;
  /** From start() to the first model served, in ms (null until then). */
  cold_start_ms: number | null;
  /** Whether the last check of the registry succeeded. */
  registry_reachable: boolean;
  last_check_at: string | null;
  last_error: string | null;
  swaps: number;
  refresh_seconds: number;
}

export interface SwapEvent {
  /** performance.now() when the new version became the one new requests get. */
  at: number;
  from: string | null;
  to: string;
}

export interface ModelHolderOptions {
  refreshMs: number;
  /** Wait between cold-start attempts while no model is loaded (default min(refreshMs, 2 s)). */
  coldRetryMs?: number;
  log?: (line: string) => void;
}

/**
 * Holds the production model: cold start (resolve → download → check → load), then a re-check
 * every `refreshMs` that swaps atomically to a new version. While a model is loaded, registry
 * failures only show in health: the last good model keeps serving.
 */
export class ModelHolder {
  private current: ServingModel | undefined;
  private status: ModelStatus = 'starting';
  private startedAt = 0;
  private coldStartMs: number | null = null;
  private registryReachable = false;
  private lastCheckAt: Date | null = null;
  private lastError: string | null = null;
  private lastLoggedError: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private closed = false;
  readonly swaps: SwapEvent[] = [];
  private readonly log: (line: string) => void;

  constructor(
    private readonly source: ModelSource,
    private readonly options: ModelHolderOptions,
  ) {
    this.log = options.log ?? ((l) => console.error(l));
  }

  /** Starts the cold start in the background (never throws) and the refresh loop. */
  start(): void {
    if (this.startedAt !== 0) return;
    this.startedAt = performance.now();
    const loop = async () => {
      await this.refresh();
      if (this.closed) return;
      const wait = this.current ? this.options.refreshMs : (this.options.coldRetryMs ?? Math.min(this.options.refreshMs, 2_000));
      this.timer = setTimeout(() => void loop(), wait);
      this.timer.unref();
    };
    void loop();
  }

  /** Resolves once a model is loaded (or rejects after `timeoutMs`). For tests and benchmarks. */
  async waitUntilReady(timeoutMs = 30_000): Promise<ServingModel> {
    const until = performance.now() + timeoutMs;
    while (!this.current) {
      if (performance.now() > until) throw new UnavailableError(`no model loaded after ${timeoutMs} ms: ${this.lastError ?? this.status}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.current;
  }

  /**
   * The model a request must use from start to answer; call `release()` on it when done.
   * UnavailableError (503 + Retry-After) while none is loaded.
   */
  acquire(): ServingModel {
    if (!this.current) {
      const why = this.status === 'no-model' ? 'no production model is registered yet' : this.status === 'unavailable' ? `the model registry is unreachable (${this.lastError ?? 'no answer'})` : 'the model is still loading';
      throw new UnavailableError(`predict is not ready: ${why}`, { retryAfterSeconds: Math.max(1, Math.ceil((this.options.coldRetryMs ?? 2_000) / 1000)) });
    }
    return this.current.acquire();
  }

  get ready(): boolean {
    return this.current !== undefined;
  }

  health(): ModelHealth {
    const ref = this.current?.ref;
    return {
      status: this.status,
      model: ref ? { name: ref.name, version: ref.version, alias: ref.alias, stage: ref.stage, run_id: ref.run_id } : null,
      loaded_at: this.current?.loadedAt.toISOString() ?? null,
      cold_start_ms: this.coldStartMs,
      registry_reachable: this.registryReachable,
      last_check_at: this.lastCheckAt?.toISOString() ?? null,
      last_error: this.lastError,
      swaps: this.swaps.length,
      refresh_seconds: this.options.refreshMs / 1000,
    };
  }

  /** One check of the registry; loads and swaps when production moved. Never throws. Concurrent calls share one check. */
  refresh(): Promise<void> {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async check(): Promise<void> {
    try {
      const ref = await this.source.resolveProduction();
      this.registryReachable = true;
      this.lastCheckAt = new Date();
      if (this.current && this.current.ref.version === ref.version && this.current.ref.name === ref.name) {
        this.lastError = null;
        return;
      }
      const fetched = await this.source.fetchModel(ref);
      await loadXGBoost();
      const booster = Booster.loadModel(fetched.bytes);
      try {
        if (booster.numFeatures !== FEATURE_COUNT) throw new ModelArtifactError(`version ${ref.version} expects ${booster.numFeatures} features, this build computes ${FEATURE_COUNT}`);
        const names = booster.featureNames;
        if (names.length > 0 && names.join('\u0000') !== FEATURE_NAMES.join('\u0000')) throw new ModelArtifactError(`version ${ref.version} was trained on features ${JSON.stringify(names)}`);
      } catch (err) {
        booster.dispose();
        throw err;
      }
      if (this.closed) {
        booster.dispose();
        return;
      }
      this.swap(new ServingModel(ref, booster, new Date(), fetched.locationLevels, fetched.bytes));
      this.lastError = null;
      this.lastLoggedError = null;
    } catch (err) {
      this.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      // A bad artifact or an empty registry is an answer: only MLflow's own failures mean unreachable.
      this.registryReachable = !(err instanceof MlflowError);
      this.lastCheckAt = new Date();
      if (!this.current) this.status = err instanceof NoProductionModelError ? 'no-model' : 'unavailable';
      // Once per distinct error, so an outage of hours does not flood the log.
      if (this.lastError !== this.lastLoggedError) {
        this.log(JSON.stringify({ level: 'warn', msg: this.current ? 'model re-check failed; still serving the last good model' : 'model cold start failed; retrying', serving: this.current?.ref.version ?? null, error: this.lastError }));
      }
      this.lastLoggedError = this.lastError;
    }
  }

  private swap(next: ServingModel): void {
    const previous = this.current;
    this.current = next; // one assignment: a request acquires either the old or the new version, whole
    this.status = 'ready';
    this.swaps.push({ at: performance.now(), from: previous?.ref.version ?? null, to: next.ref.version });
    if (this.swaps.length > 1000) this.swaps.shift();
    if (this.coldStartMs === null) this.coldStartMs = performance.now() - this.startedAt;
    this.log(JSON.stringify({ level: 'info', msg: previous ? 'model swapped' : 'model loaded', from: previous?.ref.version ?? null, to: next.ref.version, alias: next.ref.alias, cold_start_ms: previous ? undefined : Math.round(this.coldStartMs) }));
    previous?.retire();
  }

  /** Stops the refresh loop and frees the model once its requests are done. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.checking;
    this.current?.retire();
  }
}
