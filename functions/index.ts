import type { CasaFunction } from '../packages/gateway/index.js';

/**
 * Every function the gateway mounts, created from the environment. The OpenFaaS stack deploys
 * the same handlers one per container; locally they share one process.
 */
export async function loadFunctions(): Promise<CasaFunction[]> {
  return [];
}
