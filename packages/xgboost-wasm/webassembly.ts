/**
 * The few WebAssembly JS API types this package needs. The project's TypeScript setup has no
 * DOM lib and @types/node 20 does not declare the global WebAssembly namespace.
 */
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export type WasmImports = Record<string, Record<string, unknown>>;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
