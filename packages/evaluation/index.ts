/** Evaluation shared by train and promote: the stable train/holdout split and the metrics. */
export * from './split.js';
export * from './metrics.js';
export * from './dataset.js';
