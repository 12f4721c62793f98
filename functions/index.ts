import type { CasaFunction } from '../packages/gateway/index.js';
import { createAssessFunction } from './assess/handler.js';
import { createCleanFunction } from './clean/handler.js';
import { createHistoryFunction } from './history/handler.js';
import { createIngestFunction } from './ingest/handler.js';
import { createPredictFunction } from './predict/handler.js';
import { createPromoteFunction } from './promote/handler.js';
import { createTrainFunction } from './train/handler.js';

/**
 * Every function the gateway mounts, created from the environment. The OpenFaaS stack deploys
 * the same handlers one per container; locally they share one process.
 */
export async function loadFunctions(env: NodeJS.ProcessEnv = process.env): Promise<CasaFunction[]> {
  // predict starts its cold start in the background: the gateway listens at once, and predict answers 503 until ready.
  // ingest, clean, train, promote and assess read their configuration on first call, so a gateway without a data API or MLflow still starts.
  return [createIngestFunction({ env }), createCleanFunction({ env }), createPredictFunction({ env }), createTrainFunction({ env }), createPromoteFunction({ env }), createAssessFunction({ env }), createHistoryFunction({ env })];
}
