/** The model directory (MLflow xgboost flavour + casa's feature spec) and scoring with it. */
export * from './model-directory.js';
export * from './scoring.js';
