/**
 * The data API simulator: the real course data API's contract (endpoints, per-group cursor,
 * errors, latency profile, batch plan) over a seeded synthetic realtor-like dataset whose
 * prices follow a documented hedonic model with known noise. See README.md.
 */
export { createSimulator, parseGroupNumber, REAL_LATENCY } from './app.js';
export type { Simulator, SimulatorOptions, SimulatorDescription, BatchDescription } from './app.js';
export { startDataApi } from './server.js';
export type { DataApiServer, DataApiServerOptions } from './server.js';
export { BATCH_PLAN, REAL_TOTAL_ROWS, MAX_PRICE, STATUSES, batchRows } from './plan.js';
export type { BatchSpec, Status } from './plan.js';
export { DatasetGenerator, DATA_VERSION, HEDONIC, DEFAULT_DEFECTS, CROSS_DUPLICATES, toRecord, recordJson } from './generator.js';
export type { BatchStats, Listing, GeneratorOptions, DefectKind, DefectRates, CrossDuplicateRule } from './generator.js';
export {
  DataRecordSchema,
  DataResponseSchema,
  RECORD_FIELDS,
  EXHAUSTED_DETAIL,
  INVALID_GROUP_DETAIL,
  pyFloat,
} from './wire.js';
export type { DataRecord, DataResponse } from './wire.js';
export { STATES } from './geography.js';
export type { StateInfo, City } from './geography.js';
