export * from './errors.js';
export * from './retry.js';
export * from './log-batch.js';
export * from './artifact-paths.js';
export * from './schemas.js';
export * from './mlflow-client.js';
export * from './config.js';
