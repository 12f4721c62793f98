/**
 * A client for the data API's contract (`/data`, `/restart_data_generation`, `/health`) that
 * streams each batch to a file with its content hash and never retries `/data` on its own.
 */
export { DataApiClient, EXHAUSTED_DETAIL, type FetchBatchResult, type FetchOptions } from './data-api-client.js';
export { BatchBodyWriter, hashFileRange, type WrittenBody } from './batch-body-writer.js';
export { dataApiConfigFromEnv, dataApiEnvSchema, type DataApiConfig } from './config.js';
export {
  DataApiHttpError,
  DataApiProtocolError,
  DataApiTimeoutError,
  DataApiUnavailableError,
  cursorMayHaveMoved,
  type CursorAware,
} from './errors.js';
