/// <reference lib="esnext.disposable" />
/**
 * DMatrix and Booster: XGBoost's data matrix and model, as disposable TypeScript objects.
 * Create them after `await loadXGBoost()` (they live in the calling thread's engine) or
 * pass an engine explicitly.
 */
import { engineOfThisThread, type Params, type ParamValue, type XGBoostEngine } from './engine.js';
import { XGBoostError } from './errors.js';

export type FeatureType = 'q' | 'c' | 'int' | 'float' | 'i';

export interface DMatrixOptions {
  /** Value that marks a missing cell (default NaN; NaN cells are always missing). */
  missing?: number;
  labels?: Float32Array | readonly number[];
  weights?: Float32Array | readonly number[];
  baseMargin?: Float32Array | readonly number[];
  featureNames?: readonly string[];
  featureTypes?: readonly FeatureType[];
  /** Engine to allocate in (default: this thread's, from loadXGBoost()). */
  engine?: XGBoostEngine;
}

function fail(message: string): never {
  throw new XGBoostError(message, { origin: 'casa' });
}

function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) fail(`${name} must be a non-negative integer, got ${n}`);
}

function toF32(name: string, v: Float32Array | readonly number[]): Float32Array {
  if (v instanceof Float32Array) return v;
  if (!Array.isArray(v)) fail(`${name} must be a Float32Array or an array of numbers`);
  return Float32Array.from(v);
}

abstract class Handle {
  protected readonly engine: XGBoostEngine;
  private handleValue: number;
  private readonly kind: 'DMatrix' | 'Booster';

  protected constructor(engine: XGBoostEngine, kind: 'DMatrix' | 'Booster', handle: number) {
    this.engine = engine;
    this.kind = kind;
    this.handleValue = handle;
    engine._track(this, kind, handle);
  }

  /** The raw C API handle; throws once disposed. */
  get handle(): number {
    if (this.handleValue === 0) fail(`this ${this.kind} has been disposed`);
    return this.handleValue;
  }

  get disposed(): boolean {
    return this.handleValue === 0;
  }

  /** Frees the XGBoost object now. Safe to call twice. */
  dispose(): void {
    if (this.handleValue === 0) return;
    const h = this.handleValue;
    this.handleValue = 0;
    this.engine._release(this, this.kind, h);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  protected assertSameEngine(other: Handle): void {
    if (other.engine !== this.engine) fail(`the ${other.kind} belongs to another XGBoost engine (thread)`);
  }
}

// ---------------------------------------------------------------------------------------------

export class DMatrix extends Handle {
  private constructor(engine: XGBoostEngine, handle: number) {
    super(engine, 'DMatrix', handle);
  }

  /**
   * A matrix from row-major float32 values: `data[r * ncol + c]`. NaN (and `missing`) cells
   * are missing. The data is copied into the engine's heap.
   */
  static fromRows(data: Float32Array, nrow: number, ncol: number, options: DMatrixOptions = {}): DMatrix {
    const engine = options.engine ?? engineOfThisThread();
    if (!(data instanceof Float32Array)) fail('data must be a Float32Array of row-major values');
    checkCount('nrow', nrow);
    checkCount('ncol', ncol);
    if (nrow === 0 || ncol === 0) fail(`empty matrix: ${nrow} rows × ${ncol} columns (XGBoost needs at least one row and one column)`);
    if (data.length !== nrow * ncol) {
      fail(`data has ${data.length} values but nrow × ncol = ${nrow} × ${ncol} = ${nrow * ncol}`);
    }
    const missing = options.missing ?? Number.NaN;
    if (typeof missing !== 'number') fail('missing must be a number');
    const out = engine.out(0);
    engine.call('XGDMatrixCreateFromMat', engine.f32Temp(data), BigInt(nrow), BigInt(ncol), missing, out);
    const dm = new DMatrix(engine, engine.u32(out));
    try {
      if (options.labels !== undefined) dm.setLabels(options.labels);
      if (options.weights !== undefined) dm.setWeights(options.weights);
      if (options.baseMargin !== undefined) dm.setFloatInfo('base_margin', options.baseMargin);
      if (options.featureNames !== undefined) dm.featureNames = options.featureNames;
      if (options.featureTypes !== undefined) dm.featureTypes = options.featureTypes;
    } catch (e) {
      dm.dispose();
      throw e;
    }
    return dm;
  }

  get numRow(): number {
    this.engine.call('XGDMatrixNumRow', this.handle, this.engine.out(0));
    return this.engine.u64(this.engine.out(0));
  }

  get numCol(): number {
    this.engine.call('XGDMatrixNumCol', this.handle, this.engine.out(0));
    return this.engine.u64(this.engine.out(0));
  }

  setLabels(labels: Float32Array | readonly number[]): void {
    this.setFloatInfo('label', labels);
  }

  setWeights(weights: Float32Array | readonly number[]): void {
    this.setFloatInfo('weight', weights);
  }

  /** Sets a per-row float field: label, weight, base_margin, label_lower_bound, label_upper_bound. */
  setFloatInfo(field: string, values: Float32Array | readonly number[]): void {
    const v = toF32(field, values);
    const n = this.numRow;
    if (field !== 'base_margin' && v.length !== n) fail(`${field} has ${v.length} values for ${n} rows`);
    if (field === 'base_margin' && (v.length === 0 || v.length % n !== 0)) fail(`base_margin has ${v.length} values for ${n} rows`);
    const e = this.engine;
    e.call('XGDMatrixSetFloatInfo', this.handle, e.cstrTemp(field), e.f32Temp(v), BigInt(v.length));
  }

  getFloatInfo(field: string): Float32Array {
    const e = this.engine;
    e.call('XGDMatrixGetFloatInfo', this.handle, e.cstrTemp(field), e.out(0), e.out(1));
    return e.f32(e.u32(e.out(1)), e.u64(e.out(0)));
  }

  get labels(): Float32Array {
    return this.getFloatInfo('label');
  }

  get featureNames(): string[] {
    return this.getStrInfo('feature_name');
  }

  set featureNames(names: readonly string[]) {
    if (names.length !== this.numCol) fail(`${names.length} feature names for ${this.numCol} columns`);
    if (new Set(names).size !== names.length) fail('feature names must be unique');
    this.setStrInfo('feature_name', names);
  }

  get featureTypes(): string[] {
    return this.getStrInfo('feature_type');
  }

  set featureTypes(types: readonly FeatureType[]) {
    if (types.length !== this.numCol) fail(`${types.length} feature types for ${this.numCol} columns`);
    this.setStrInfo('feature_type', types);
  }

  /** A new DMatrix holding the given rows (for folds); labels and weights follow. */
  slice(rows: Int32Array | readonly number[]): DMatrix {
    const idx = rows instanceof Int32Array ? rows : Int32Array.from(rows);
    if (idx.length === 0) fail('cannot slice an empty set of rows');
    const n = this.numRow;
    for (const r of idx) if (r < 0 || r >= n) fail(`row index ${r} out of range 0..${n - 1}`);
    const e = this.engine;
    e.call('XGDMatrixSliceDMatrix', this.handle, e.u32Temp(idx), BigInt(idx.length), e.out(0));
    return new DMatrix(e, e.u32(e.out(0)));
  }

  private setStrInfo(field: string, values: readonly string[]): void {
    const e = this.engine;
    e.call('XGDMatrixSetStrFeatureInfo', this.handle, e.cstrTemp(field), e.cstrArrayTemp(values), BigInt(values.length));
  }

  private getStrInfo(field: string): string[] {
    const e = this.engine;
    e.call('XGDMatrixGetStrFeatureInfo', this.handle, e.cstrTemp(field), e.out(0), e.out(1));
    return e.strArray(e.u32(e.out(1)), e.u64(e.out(0)));
  }
}

// ---------------------------------------------------------------------------------------------

export interface PredictOptions {
  /** [begin, end) boosting rounds to use; default all. Use [0, bestIteration + 1] after early stopping. */
  iterationRange?: [number, number];
  /** Raw margin (before the link function) instead of the transformed prediction. */
  outputMargin?: boolean;
  /** Predict as during training (dropout for dart). Default false. */
  training?: boolean;
  /**
   * Refuse a matrix whose column count or feature names differ from the model's (default
   * true). XGBoost itself accepts fewer columns and treats the rest as missing.
   */
  validateFeatures?: boolean;
}

/** A prediction with its shape (row-major values). */
export interface Prediction {
  values: Float32Array;
  shape: number[];
}

export interface EvalSet {
  name: string;
  data: DMatrix;
}

export interface TrainOptions {
  params: Params;
  dtrain: DMatrix;
  /** Evaluated after every round, in order; early stopping watches the last one. */
  evals?: EvalSet[] | [DMatrix, string][];
  numBoostRound: number;
  /** Stop when the last eval set's last metric has not improved for this many rounds. */
  earlyStoppingRounds?: number;
  /** Override the metric direction for early stopping (default: from the metric name). */
  maximize?: boolean;
  /** Continue training this booster instead of creating a new one. */
  booster?: Booster;
  /** Called after every round with the round's eval results. Return true to stop. */
  onRound?: (round: number, scores: Record<string, Record<string, number>>) => boolean | void;
}

export interface TrainResult {
  booster: Booster;
  /** Best round (0-based) under early stopping; the last round without it. */
  bestIteration: number;
  /** Score of the watched metric at bestIteration (undefined without evals). */
  bestScore: number | undefined;
  /** history[evalName][metric][round] */
  history: Record<string, Record<string, number[]>>;
  /** Rounds actually boosted in this call. */
  rounds: number;
  stoppedEarly: boolean;
}

const MAXIMIZE_PREFIXES = ['auc', 'aucpr', 'pre', 'pre@', 'map', 'ndcg', 'auc@', 'aucpr@', 'map@', 'ndcg@'];

function paramEntries(params: Params): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(params)) {
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) {
      if (typeof item === 'number' && !Number.isFinite(item)) fail(`parameter ${k} must be finite, got ${item}`);
      if (!['string', 'number', 'boolean'].includes(typeof item)) fail(`parameter ${k} has an unsupported value type ${typeof item}`);
      out.push([k, typeof item === 'boolean' ? (item ? '1' : '0') : String(item)]);
    }
  }
  return out;
}

/** The "Parameters: { "a", "b" } are not used." warning XGBoost prints when it configures. */
function unusedParams(lines: string[]): string[] | undefined {
  const text = lines.join('\n');
  const m = /Parameters: \{([^}]*)\} are not used/.exec(text);
  if (!m) return undefined;
  return [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!);
}

export class Booster extends Handle {
  /** Set by create(): unknown parameters are errors instead of XGBoost's warning. */
  private strict = true;
  private checked = false;

  private constructor(engine: XGBoostEngine, handle: number) {
    super(engine, 'Booster', handle);
  }

  /**
   * A new booster with these parameters; `cache` lists the matrices it will train and
   * evaluate on (XGBoost caches their predictions). Unknown parameter names are refused
   * (XGBoost's `validate_parameters`) unless `strict: false`.
   */
  static create(params: Params = {}, cache: DMatrix[] = [], options: { strict?: boolean; engine?: XGBoostEngine } = {}): Booster {
    const engine = options.engine ?? cache[0]?.['engine'] ?? engineOfThisThread();
    for (const d of cache) if (d['engine'] !== engine) fail('all cache matrices must belong to the same engine');
    const handles = cache.map((d) => d.handle);
    engine.call('XGBoosterCreate', engine.u32Temp(handles), BigInt(handles.length), engine.out(0));
    const b = new Booster(engine, engine.u32(engine.out(0)));
    b.strict = options.strict ?? true;
    try {
      // Like Python's Booster: the model takes the training data's feature names and types.
      const first = cache[0];
      if (first) {
        const names = first.featureNames;
        if (names.length > 0) b.featureNames = names;
        const types = first.featureTypes;
        if (types.length > 0) b.featureTypes = types as FeatureType[];
      }
      if (!('validate_parameters' in params)) b.setParam('validate_parameters', '1');
      b.setParams(params);
      if (cache.length > 0) b.checkParams();
    } catch (e) {
      b.dispose();
      throw e;
    }
    return b;
  }

  /** A booster from saved model bytes (XGBoost JSON or UBJ, as saveModel writes them). */
  static loadModel(bytes: Uint8Array, options: { engine?: XGBoostEngine } = {}): Booster {
    if (!(bytes instanceof Uint8Array)) fail('model bytes must be a Uint8Array');
    if (bytes.length === 0) fail('model bytes are empty');
    const engine = options.engine ?? engineOfThisThread();
    engine.call('XGBoosterCreate', 0, 0n, engine.out(0));
    const b = new Booster(engine, engine.u32(engine.out(0)));
    try {
      b.loadModel(bytes);
    } catch (e) {
      b.dispose();
      throw e;
    }
    b.checked = true;
    return b;
  }

  /** Trains a booster (Python's xgboost.train): evaluation sets, history and early stopping. */
  static train(options: TrainOptions): TrainResult {
    const { params, dtrain, numBoostRound } = options;
    if (!(dtrain instanceof DMatrix)) fail('dtrain must be a DMatrix');
    checkCount('numBoostRound', numBoostRound);
    const evals: EvalSet[] = (options.evals ?? []).map((e) => (Array.isArray(e) ? { data: e[0], name: e[1] } : e));
    for (const ev of evals) {
      if (!(ev.data instanceof DMatrix)) fail(`eval set ${ev.name} is not a DMatrix`);
      if (!ev.name || /[\s:]/.test(ev.name)) fail(`eval set name ${JSON.stringify(ev.name)} must be non-empty, without spaces or colons`);
    }
    if (new Set(evals.map((e) => e.name)).size !== evals.length) fail('eval set names must be unique');
    const esr = options.earlyStoppingRounds;
    if (esr !== undefined) {
      checkCount('earlyStoppingRounds', esr);
      if (esr < 1) fail('earlyStoppingRounds must be at least 1');
      if (evals.length === 0) fail('early stopping needs at least one eval set');
    }
    const owned = !options.booster;
    const booster = options.booster ?? Booster.create(params, [dtrain, ...evals.map((e) => e.data)]);
    if (options.booster) booster.setParams(params);
    try {
      const start = booster.boostedRounds;
      const history: Record<string, Record<string, number[]>> = {};
      for (const ev of evals) history[ev.name] = {};
      let bestIteration = start + numBoostRound - 1;
      let bestScore: number | undefined;
      let sinceBest = 0;
      let maximize = options.maximize;
      let rounds = 0;
      let stoppedEarly = false;
      for (let i = start; i < start + numBoostRound; i++) {
        booster.update(dtrain, i);
        rounds++;
        if (evals.length === 0) continue;
        const scores = booster.evalSets(evals, i);
        for (const [name, metrics] of Object.entries(scores)) {
          for (const [metric, v] of Object.entries(metrics)) (history[name]![metric] ??= []).push(v);
        }
        const stop = options.onRound?.(i, scores) === true;
        if (esr !== undefined) {
          const last = evals[evals.length - 1]!.name;
          const metricNames = Object.keys(scores[last] ?? {});
          const metric = metricNames[metricNames.length - 1];
          if (metric === undefined) fail(`no metric was reported for eval set ${last}`);
          const score = scores[last]![metric]!;
          maximize ??= metric !== 'mape' && MAXIMIZE_PREFIXES.some((p) => metric.startsWith(p));
          const improved = bestScore === undefined || (maximize ? score > bestScore : score < bestScore);
          if (improved) {
            bestScore = score;
            bestIteration = i;
            sinceBest = 0;
            booster.setAttr('best_iteration', String(i));
            booster.setAttr('best_score', String(score));
          } else if (++sinceBest >= esr) {
            stoppedEarly = true;
            break;
          }
        }
        if (stop) break;
      }
      if (esr === undefined) {
        bestIteration = start + rounds - 1;
        if (evals.length > 0) {
          const last = history[evals[evals.length - 1]!.name]!;
          const metric = Object.keys(last).pop();
          bestScore = metric ? last[metric]![last[metric]!.length - 1] : undefined;
        }
      }
      return { booster, bestIteration, bestScore, history, rounds, stoppedEarly };
    } catch (e) {
      if (owned) booster.dispose();
      throw e;
    }
  }

  setParam(name: string, value: ParamValue): void {
    if (typeof name !== 'string' || name.length === 0) fail('parameter name must be a non-empty string');
    const e = this.engine;
    e.call('XGBoosterSetParam', this.handle, e.cstrTemp(name), e.cstrTemp(typeof value === 'boolean' ? (value ? '1' : '0') : String(value)));
    this.checked = false;
  }

  setParams(params: Params): void {
    for (const [k, v] of paramEntries(params)) this.setParam(k, v);
  }

  /** Configures the learner now and refuses parameters XGBoost does not use (when strict). */
  private checkParams(): void {
    const { lines } = this.engine.captureLog(() => this.getConfigRaw());
    this.checked = true;
    const unused = unusedParams(lines);
    if (unused && this.strict) {
      throw new XGBoostError(`unknown parameter${unused.length > 1 ? 's' : ''} ${unused.map((u) => JSON.stringify(u)).join(', ')}: XGBoost does not use ${unused.length > 1 ? 'them' : 'it'} ("Parameters: { ${unused.map((u) => JSON.stringify(u)).join(', ')} } are not used.")`, {
        origin: 'xgboost',
        xgboostMessage: lines.join('\n').trim(),
      });
    }
  }

  /** One boosting round on dtrain (round number `iteration`, 0-based). */
  update(dtrain: DMatrix, iteration: number = this.boostedRounds): void {
    this.assertSameEngine(dtrain);
    const e = this.engine;
    if (!this.checked && this.strict) {
      const { lines } = e.captureLog(() => e.call('XGBoosterUpdateOneIter', this.handle, iteration, dtrain.handle));
      this.checked = true;
      const unused = unusedParams(lines);
      if (unused) {
        throw new XGBoostError(`unknown parameter${unused.length > 1 ? 's' : ''} ${unused.map((u) => JSON.stringify(u)).join(', ')}: XGBoost does not use ${unused.length > 1 ? 'them' : 'it'}`, {
          origin: 'xgboost',
          xgboostMessage: lines.join('\n').trim(),
        });
      }
      return;
    }
    e.call('XGBoosterUpdateOneIter', this.handle, iteration, dtrain.handle);
  }

  /** Evaluates the configured metrics on the sets: scores[name][metric]. */
  evalSets(evals: EvalSet[], iteration = 0): Record<string, Record<string, number>> {
    const e = this.engine;
    for (const ev of evals) this.assertSameEngine(ev.data);
    e.call(
      'XGBoosterEvalOneIter',
      this.handle,
      iteration,
      e.u32Temp(evals.map((ev) => ev.data.handle)),
      e.cstrArrayTemp(evals.map((ev) => ev.name)),
      BigInt(evals.length),
      e.out(0),
    );
    const text = e.str(e.u32(e.out(0)));
    const out: Record<string, Record<string, number>> = {};
    for (const ev of evals) out[ev.name] = {};
    for (const field of text.split('\t').slice(1)) {
      const colon = field.lastIndexOf(':');
      const key = field.slice(0, colon);
      const value = Number(field.slice(colon + 1));
      const ev = evals.find((x) => key.startsWith(`${x.name}-`));
      if (!ev) continue;
      out[ev.name]![key.slice(ev.name.length + 1)] = value;
    }
    return out;
  }

  private validateFeatures(dm: DMatrix): void {
    const nf = this.numFeatures;
    const nc = dm.numCol;
    if (nf > 0 && nc !== nf) fail(`the matrix has ${nc} columns but the model was trained on ${nf} features`);
    const mine = this.featureNames;
    const theirs = dm.featureNames;
    if (mine.length > 0 && theirs.length > 0 && mine.join('\u0000') !== theirs.join('\u0000')) {
      const i = mine.findIndex((n, k) => n !== theirs[k]);
      fail(`feature names differ from the model's at column ${i}: ${JSON.stringify(theirs[i])} where the model has ${JSON.stringify(mine[i])}`);
    }
  }

  private predictRaw(dm: DMatrix, type: number, options: PredictOptions): Prediction {
    this.assertSameEngine(dm);
    if (options.validateFeatures ?? true) this.validateFeatures(dm);
    const [begin, end] = options.iterationRange ?? [0, 0];
    checkCount('iterationRange[0]', begin);
    checkCount('iterationRange[1]', end);
    if (end !== 0 && end <= begin) fail(`iterationRange [${begin}, ${end}) is empty`);
    const config = JSON.stringify({
      type,
      training: options.training ?? false,
      iteration_begin: begin,
      iteration_end: end,
      strict_shape: false,
    });
    const e = this.engine;
    e.call('XGBoosterPredictFromDMatrix', this.handle, dm.handle, e.cstrTemp(config), e.out(0), e.out(1), e.out(2));
    const dim = e.u64(e.out(1));
    const shapePtr = e.u32(e.out(0));
    const shape: number[] = [];
    for (let i = 0; i < dim; i++) shape.push(e.u64(shapePtr + i * 8));
    const len = shape.reduce((a, b) => a * b, 1);
    return { values: e.f32(e.u32(e.out(2)), len), shape };
  }

  /** Predictions, one per row (n × classes for multi-class softprob). */
  predict(dm: DMatrix, options: PredictOptions = {}): Float32Array {
    return this.predictRaw(dm, options.outputMargin ? 1 : 0, options).values;
  }

  /** Like predict(), with the output shape. */
  predictWithShape(dm: DMatrix, options: PredictOptions = {}): Prediction {
    return this.predictRaw(dm, options.outputMargin ? 1 : 0, options);
  }

  /**
   * Exact TreeSHAP contributions (XGBoost's pred_contribs; the C API's option mask 4):
   * shape [rows, features + 1], the last column is the bias; each row sums to the margin.
   */
  predictContributions(dm: DMatrix, options: Omit<PredictOptions, 'outputMargin'> = {}): Prediction {
    return this.predictRaw(dm, 2, options);
  }

  /** Exact SHAP interaction values: shape [rows, features + 1, features + 1]. */
  predictInteractions(dm: DMatrix, options: Omit<PredictOptions, 'outputMargin'> = {}): Prediction {
    return this.predictRaw(dm, 4, options);
  }

  /** The model as XGBoost JSON or UBJ bytes (loadable by every XGBoost binding). */
  saveModel(format: 'json' | 'ubj' = 'ubj'): Uint8Array {
    if (format !== 'json' && format !== 'ubj') fail(`model format must be 'json' or 'ubj', got ${String(format)}`);
    const e = this.engine;
    e.call('XGBoosterSaveModelToBuffer', this.handle, e.cstrTemp(JSON.stringify({ format })), e.out(0), e.out(1));
    return e.bytes(e.u32(e.out(1)), e.u64(e.out(0)));
  }

  /** Replaces this booster's model with saved bytes (JSON or UBJ, detected by XGBoost). */
  loadModel(bytes: Uint8Array): void {
    if (bytes.length === 0) fail('model bytes are empty');
    const e = this.engine;
    e.call('XGBoosterLoadModelFromBuffer', this.handle, e.bytesTemp(bytes), BigInt(bytes.length));
  }

  /** A new booster holding only rounds [begin, end) (e.g. up to the best iteration). */
  slice(begin: number, end: number, step = 1): Booster {
    checkCount('begin', begin);
    checkCount('end', end);
    const e = this.engine;
    e.call('XGBoosterSlice', this.handle, begin, end, step, e.out(0));
    const b = new Booster(e, e.u32(e.out(0)));
    b.checked = true;
    return b;
  }

  private getConfigRaw(): string {
    const e = this.engine;
    e.call('XGBoosterSaveJsonConfig', this.handle, e.out(0), e.out(1));
    return e.str(e.u32(e.out(1)));
  }

  /** The learner's full configuration (XGBoost's save_config). */
  getConfig(): Record<string, unknown> {
    return JSON.parse(this.getConfigRaw()) as Record<string, unknown>;
  }

  /** Loads a configuration as getConfig() returns it. */
  setConfig(config: Record<string, unknown> | string): void {
    const e = this.engine;
    e.call('XGBoosterLoadJsonConfig', this.handle, e.cstrTemp(typeof config === 'string' ? config : JSON.stringify(config)));
  }

  get boostedRounds(): number {
    this.engine.call('XGBoosterBoostedRounds', this.handle, this.engine.out(0));
    return this.engine.i32(this.engine.out(0));
  }

  get numFeatures(): number {
    this.engine.call('XGBoosterGetNumFeature', this.handle, this.engine.out(0));
    return this.engine.u64(this.engine.out(0));
  }

  getAttr(key: string): string | undefined {
    const e = this.engine;
    e.call('XGBoosterGetAttr', this.handle, e.cstrTemp(key), e.out(0), e.out(1));
    return e.i32(e.out(1)) ? e.str(e.u32(e.out(0))) : undefined;
  }

  /** Sets (or, with undefined, deletes) a string attribute saved with the model. */
  setAttr(key: string, value: string | undefined): void {
    const e = this.engine;
    e.call('XGBoosterSetAttr', this.handle, e.cstrTemp(key), value === undefined ? 0 : e.cstrTemp(value));
  }

  /** Best round recorded by early stopping (attribute best_iteration), if any. */
  get bestIteration(): number | undefined {
    const v = this.getAttr('best_iteration');
    return v === undefined ? undefined : Number(v);
  }

  get featureNames(): string[] {
    return this.getStrInfo('feature_name');
  }

  set featureNames(names: readonly string[]) {
    this.setStrInfo('feature_name', names);
  }

  get featureTypes(): string[] {
    return this.getStrInfo('feature_type');
  }

  set featureTypes(types: readonly FeatureType[]) {
    this.setStrInfo('feature_type', types);
  }

  private setStrInfo(field: string, values: readonly string[]): void {
    const e = this.engine;
    e.call('XGBoosterSetStrFeatureInfo', this.handle, e.cstrTemp(field), e.cstrArrayTemp(values), BigInt(values.length));
  }

  private getStrInfo(field: string): string[] {
    const e = this.engine;
    e.call('XGBoosterGetStrFeatureInfo', this.handle, e.cstrTemp(field), e.out(0), e.out(1));
    return e.strArray(e.u32(e.out(1)), e.u64(e.out(0)));
  }
}
