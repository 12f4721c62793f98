import { Duck } from '../../packages/duckdb/index.js';

let shared: Promise<Duck> | undefined;

/**
 * One in-memory DuckDB for ingest and clean in this process, opened on first use: opening an
 * instance per batch costs more than small batches take. Each use takes its own connection, whose
 * temp tables vanish when it closes, so concurrent calls do not see each other's tables.
 */
export function sharedDuck(): Promise<Duck> {
  shared ??= Duck.open().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}
