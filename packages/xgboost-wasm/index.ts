/**
 * @casa/xgboost-wasm — XGBoost compiled to WebAssembly: training, scoring and SHAP in Node.
 *
 *   const xgb = await loadXGBoost();                 // one engine per thread
 *   using dtrain = DMatrix.fromRows(x, nrow, ncol, { labels: y });
 *   const { booster, bestIteration } = Booster.train({ params, dtrain, evals, numBoostRound: 200 });
 *   const shap = booster.predictContributions(dtrain);   // exact TreeSHAP
 *   const bytes = booster.saveModel('ubj');
 *   booster.dispose();
 */
export { XGBoostError } from './errors.js';
export {
  loadXGBoost,
  createXGBoostEngine,
  engineOfThisThread,
  compiledWasm,
  wasmBytes,
  XGBoostEngine,
  type HeapStats,
  type LoadOptions,
  type Params,
  type ParamValue,
} from './engine.js';
export {
  Booster,
  DMatrix,
  type DMatrixOptions,
  type EvalSet,
  type FeatureType,
  type PredictOptions,
  type Prediction,
  type TrainOptions,
  type TrainResult,
} from './model.js';
export { XGBoostPool, type MatrixSpec, type TrainTask, type TrainTaskResult } from './pool.js';
