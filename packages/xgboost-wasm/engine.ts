/// <reference lib="esnext.disposable" />
/**
 * The WebAssembly engine: one emscripten instance of XGBoost per thread, and the
 * `DMatrix` / `Booster` wrappers around its C API handles.
 *
 * Every C API call goes through `XGBoostEngine.call`, which turns a -1 return into an
 * `XGBoostError` carrying `XGBGetLastError()`. XGBoost is compiled with native wasm
 * exceptions, so its errors are caught by its own C API guards and nothing aborts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { XGBoostError } from './errors.js';
import { WA, type WasmImports, type WasmInstance, type WasmModule } from './webassembly.js';

const WASM_DIR = new URL('./wasm/', import.meta.url);

// ---------------------------------------------------------------------------------------------
// Emscripten module surface (only what we use)

type CFn = (...args: (number | bigint)[]) => number;
interface EmModule {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  UTF8ToString(ptr: number, maxBytes?: number): string;
  stringToUTF8(str: string, ptr: number, maxBytes: number): void;
  lengthBytesUTF8(str: string): number;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _casa_heap_in_use(): number;
  _casa_heap_arena(): number;
  _XGBGetLastError(): number;
  _XGBoostVersion: CFn;
  [fn: `_XG${string}`]: CFn;
}
type EmFactory = (opts: Record<string, unknown>) => Promise<EmModule>;

export interface LoadOptions {
  /** A compiled module to instantiate (e.g. sent by the main thread to a worker). */
  wasmModule?: WasmModule;
  /** Receives every line XGBoost writes to its console (warnings, verbose output). */
  onLog?: (line: string) => void;
  /**
   * Another build's directory (its xgboost.cjs + xgboost.wasm, not checked against SHA256SUMS)
   * instead of the committed one: for comparing builds (bench/ab.ts), not for serving.
   */
  buildDir?: string;
}

let wasmBytesCache: Uint8Array | undefined;
let compiledCache: WasmModule | undefined;

/** The committed wasm binary, checked against wasm/SHA256SUMS before first use. */
export function wasmBytes(): Uint8Array {
  if (wasmBytesCache) return wasmBytesCache;
  const bytes = readFileSync(new URL('xgboost.wasm', WASM_DIR));
  const sums = readFileSync(new URL('SHA256SUMS', WASM_DIR), 'utf8');
  const expected = /^([0-9a-f]{64})\s+\*?xgboost\.wasm$/m.exec(sums)?.[1];
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (expected !== actual) {
    throw new XGBoostError(
      `packages/xgboost-wasm/wasm/xgboost.wasm does not match wasm/SHA256SUMS (expected ${expected ?? 'an entry'}, got ${actual}); ` +
        'restore it from git or rebuild it with packages/xgboost-wasm/build.sh',
      { origin: 'engine' },
    );
  }
  wasmBytesCache = bytes;
  return bytes;
}

/** The compiled WasmModule (compiled once per thread, shareable with workers). */
export async function compiledWasm(): Promise<WasmModule> {
  compiledCache ??= await WA.compile(wasmBytes());
  return compiledCache;
}

// ---------------------------------------------------------------------------------------------
// Handles and the finalizer

type HandleKind = 'DMatrix' | 'Booster';
interface Held {
  engine: XGBoostEngine;
  kind: HandleKind;
  handle: number;
}
const leakRegistry = new FinalizationRegistry<Held>((held) => held.engine._freeLeaked(held));

/** Memory of one engine instance, for leak checks. */
export interface HeapStats {
  /** Size of the WebAssembly linear memory (grows, never shrinks). */
  heapBytes: number;
  /** Bytes the allocator holds from the linear memory (dlmalloc arena). */
  arenaBytes: number;
  /** Bytes handed out by malloc and not yet freed. */
  inUseBytes: number;
  /** DMatrix + Booster handles alive now. */
  liveHandles: number;
  /** Handles that were garbage-collected without dispose() and freed by the finalizer. */
  leakedHandles: number;
}

export type ParamValue = string | number | boolean;
export type Params = Record<string, ParamValue | ParamValue[]>;

/** One XGBoost instance (a WebAssembly module instance) and its heap. */
export class XGBoostEngine {
  readonly version: string;
  readonly buildInfo: Record<string, unknown>;
  /** Set when the instance trapped; a broken instance refuses every call. */
  broken: Error | undefined;
  onLog: ((line: string) => void) | undefined;
  private readonly m: EmModule;
  private readonly scratch: number;
  private liveHandles = 0;
  private leakedHandles = 0;
  private capture: string[] | undefined;

  /** @internal use loadXGBoost() */
  constructor(m: EmModule, onLog?: (line: string) => void) {
    this.m = m;
    this.onLog = onLog;
    this.scratch = m._malloc(64);
    m._XGBoostVersion(this.scratch, this.scratch + 4, this.scratch + 8);
    const h = m.HEAP32;
    this.version = `${h[this.scratch >>> 2]}.${h[(this.scratch >>> 2) + 1]}.${h[(this.scratch >>> 2) + 2]}`;
    this.call('XGBuildInfo', this.scratch);
    this.buildInfo = JSON.parse(m.UTF8ToString(this.u32(this.scratch))) as Record<string, unknown>;
    // Errors only unless the caller asks for more (verbosity is global per instance).
    this.call('XGBSetGlobalConfig', this.cstrTemp('{"verbosity":1}'));
  }

  /** @internal console line from the emscripten runtime (stdout and stderr). */
  _log(line: string): void {
    if (this.capture) this.capture.push(line);
    if (this.onLog) this.onLog(line);
  }

  // ----- low-level helpers (internal to the package) -------------------------------------------

  /** Calls an XGBoost C API function; a non-zero return becomes an XGBoostError. */
  call(name: string, ...args: (number | bigint)[]): void {
    if (this.broken) {
      throw new XGBoostError(`the XGBoost engine of this thread failed earlier and cannot be used: ${this.broken.message}`, {
        origin: 'engine',
        call: name,
        cause: this.broken,
      });
    }
    const fn = this.m[`_${name}` as `_XG${string}`];
    if (typeof fn !== 'function') throw new XGBoostError(`${name} is not exported by the wasm build`, { origin: 'engine', call: name });
    let rc: number;
    try {
      rc = fn(...args);
    } catch (e) {
      // A trap (out of bounds, unreachable) or an exception that escaped the C API guard:
      // the instance can no longer be trusted. loadXGBoost() will build a fresh one.
      this.broken = e instanceof Error ? e : new Error(String(e));
      throw new XGBoostError(`XGBoost engine fault in ${name}: ${this.broken.message}`, { origin: 'engine', call: name, cause: e });
    } finally {
      this.freeTemps();
    }
    if (rc !== 0) {
      const raw = this.m.UTF8ToString(this.m._XGBGetLastError());
      throw new XGBoostError(cleanMessage(raw), { origin: 'xgboost', call: name, xgboostMessage: raw });
    }
  }

  private temps: number[] = [];
  private freeTemps(): void {
    for (const p of this.temps) this.m._free(p);
    this.temps.length = 0;
  }

  /** malloc or throw; `temp` buffers are freed after the next call(). */
  malloc(bytes: number, temp = false): number {
    const p = this.m._malloc(Math.max(bytes, 1)) >>> 0;
    if (p === 0) {
      throw new XGBoostError(`out of WebAssembly memory allocating ${bytes} bytes (the heap is limited to 4 GiB)`, { origin: 'engine' });
    }
    if (temp) this.temps.push(p);
    return p;
  }
  free(ptr: number): void {
    this.m._free(ptr);
  }
  /** A NUL-terminated UTF-8 copy of `s`, freed after the next call(). */
  cstrTemp(s: string): number {
    const n = this.m.lengthBytesUTF8(s) + 1;
    const p = this.malloc(n, true);
    this.m.stringToUTF8(s, p, n);
    return p;
  }
  /** A `const char*[]` of copies of `items`, all freed after the next call(). */
  cstrArrayTemp(items: readonly string[]): number {
    const arr = this.malloc(items.length * 4, true);
    items.forEach((s, i) => {
      const p = this.cstrTemp(s);
      this.m.HEAPU32[(arr >>> 2) + i] = p;
    });
    return arr;
  }
  /** A temp copy of a Float32Array in the heap. */
  f32Temp(data: Float32Array): number {
    const p = this.malloc(data.length * 4, true);
    this.m.HEAPF32.set(data, p >>> 2);
    return p;
  }
  /** A temp array of 32-bit values (handles, ints). */
  u32Temp(values: readonly number[] | Int32Array): number {
    const p = this.malloc(values.length * 4, true);
    if (values instanceof Int32Array) this.m.HEAP32.set(values, p >>> 2);
    else this.m.HEAPU32.set(values, p >>> 2);
    return p;
  }
  bytesTemp(bytes: Uint8Array): number {
    const p = this.malloc(bytes.length, true);
    this.m.HEAPU8.set(bytes, p);
    return p;
  }
  /** The scratch area for out-parameters (64 bytes, 8-aligned). */
  out(slot: number): number {
    return this.scratch + slot * 8;
  }
  u32(ptr: number): number {
    return this.m.HEAPU32[ptr >>> 2]! >>> 0;
  }
  i32(ptr: number): number {
    return this.m.HEAP32[ptr >>> 2]!;
  }
  u64(ptr: number): number {
    const lo = this.m.HEAPU32[ptr >>> 2]!;
    const hi = this.m.HEAPU32[(ptr >>> 2) + 1]!;
    return hi * 2 ** 32 + lo;
  }
  str(ptr: number): string {
    return this.m.UTF8ToString(ptr);
  }
  bytes(ptr: number, len: number): Uint8Array {
    return this.m.HEAPU8.slice(ptr, ptr + len);
  }
  f32(ptr: number, len: number): Float32Array {
    return this.m.HEAPF32.slice(ptr >>> 2, (ptr >>> 2) + len);
  }
  /** Reads a `const char**` of `len` strings. */
  strArray(ptr: number, len: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < len; i++) out.push(this.m.UTF8ToString(this.u32(ptr + i * 4)));
    return out;
  }

  /** Runs fn while collecting XGBoost's console lines. */
  captureLog<T>(fn: () => T): { result: T; lines: string[] } {
    const outer = this.capture;
    const lines: string[] = [];
    this.capture = lines;
    try {
      const result = fn();
      return { result, lines };
    } finally {
      this.capture = outer;
      if (outer) outer.push(...lines);
    }
  }

  // ----- handle bookkeeping ---------------------------------------------------------------------

  /** @internal */
  _track(owner: object, kind: HandleKind, handle: number): void {
    this.liveHandles++;
    leakRegistry.register(owner, { engine: this, kind, handle }, owner);
  }
  /** @internal explicit dispose */
  _release(owner: object, kind: HandleKind, handle: number): void {
    leakRegistry.unregister(owner);
    this.liveHandles--;
    if (!this.broken) this.call(kind === 'DMatrix' ? 'XGDMatrixFree' : 'XGBoosterFree', handle);
  }
  /** @internal finalizer */
  _freeLeaked(held: Held): void {
    this.leakedHandles++;
    this.liveHandles--;
    if (this.broken) return;
    try {
      this.call(held.kind === 'DMatrix' ? 'XGDMatrixFree' : 'XGBoosterFree', held.handle);
    } catch {
      /* nothing useful to do in a finalizer */
    }
  }

  /** Heap size, allocator usage and handle counts of this instance. */
  heapStats(): HeapStats {
    return {
      heapBytes: this.m.HEAPU8.length,
      arenaBytes: this.m._casa_heap_arena() >>> 0,
      inUseBytes: this.m._casa_heap_in_use() >>> 0,
      liveHandles: this.liveHandles,
      leakedHandles: this.leakedHandles,
    };
  }

  /** XGBoost's global configuration (verbosity, use_rmm, ...). */
  getGlobalConfig(): Record<string, unknown> {
    this.call('XGBGetGlobalConfig', this.out(0));
    return JSON.parse(this.str(this.u32(this.out(0)))) as Record<string, unknown>;
  }
  setGlobalConfig(config: Record<string, unknown>): void {
    this.call('XGBSetGlobalConfig', this.cstrTemp(JSON.stringify(config)));
  }
}

/**
 * XGBoost prefixes messages with a timestamp and the C++ source position
 * ("[18:33:11] xgboost/src/learner.cc:742: ..."); keep the text, drop the prefix and the
 * stack trace it appends in some builds.
 */
function cleanMessage(raw: string): string {
  let msg = raw.replace(/^\[\d\d:\d\d:\d\d\]\s+/, '').replace(/^[^\s:]+\.(?:cc|h|cu|cuh):\d+:\s*/, '');
  const stack = msg.indexOf('\nStack trace:');
  if (stack >= 0) msg = msg.slice(0, stack);
  return msg.trim() || raw;
}

// ---------------------------------------------------------------------------------------------
// Loading: one engine per thread

let current: Promise<XGBoostEngine> | undefined;
let currentEngine: XGBoostEngine | undefined;

async function instantiate(options: LoadOptions): Promise<XGBoostEngine> {
  const require = createRequire(import.meta.url);
  const dir = options.buildDir ? pathToFileURL(`${resolve(options.buildDir)}/`) : WASM_DIR;
  const factory = require(fileURLToPath(new URL('xgboost.cjs', dir))) as EmFactory;
  const wasmModule = options.wasmModule ?? (options.buildDir ? await WA.compile(readFileSync(new URL('xgboost.wasm', dir))) : await compiledWasm());
  let engine: XGBoostEngine | undefined;
  const pending: string[] = [];
  const print = (line: string): void => {
    if (engine) engine._log(line);
    else pending.push(line);
  };
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const m = await Promise.race([
    factory({
      print,
      printErr: print,
      // Node 20 + emscripten 3.1.6: hand the compiled module over explicitly instead of
      // letting the loader look for the file next to itself.
      instantiateWasm(imports: WasmImports, done: (instance: WasmInstance, module: WasmModule) => void) {
        WA.instantiate(wasmModule, imports).then((instance) => done(instance, wasmModule), fail);
        return {};
      },
    }),
    failed,
  ]);
  engine = new XGBoostEngine(m, options.onLog);
  for (const line of pending) engine._log(line);
  return engine;
}

/**
 * The XGBoost engine of the calling thread (created on first use, shared afterwards).
 * If the instance ever trapped, the next call builds a fresh one.
 */
export async function loadXGBoost(options: LoadOptions = {}): Promise<XGBoostEngine> {
  if (currentEngine?.broken) {
    current = undefined;
    currentEngine = undefined;
  }
  if (!current) {
    current = instantiate(options).then((e) => (currentEngine = e));
    current.catch(() => {
      current = undefined;
    });
  } else if (options.onLog) {
    const e = await current;
    e.onLog = options.onLog;
  }
  return current;
}

/** A separate engine (own heap) — for tests and isolation; most code wants loadXGBoost(). */
export function createXGBoostEngine(options: LoadOptions = {}): Promise<XGBoostEngine> {
  return instantiate(options);
}

/** The engine loaded on this thread; throws if loadXGBoost() has not completed. */
export function engineOfThisThread(): XGBoostEngine {
  if (!currentEngine || currentEngine.broken) {
    throw new XGBoostError('the XGBoost engine is not loaded on this thread: await loadXGBoost() first', { origin: 'casa' });
  }
  return currentEngine;
}
