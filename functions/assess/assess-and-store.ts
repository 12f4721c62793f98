import { assessBatch, storeDecision, type AssessDecision, type AssessDeps } from './core.js';
import { buildExplanation, renderMarkdown, type Explanation } from './report.js';

/**
 * Assesses a batch and stores the decision with its explanation report in the lake's
 * `decisions` table (what the handler and `casa assess` do; the pipeline adds what follows).
 */
export async function assessAndStore(deps: AssessDeps, request: { batch: number }): Promise<{ decision: AssessDecision; explanation: Explanation; markdown: string }> {
  const decision = await assessBatch(deps, request);
  const explanation = buildExplanation({ decision });
  const markdown = renderMarkdown(explanation);
  await storeDecision(deps.lake, decision, { report: { json: { ...explanation, decisionDetail: decision }, markdown } });
  return { decision, explanation, markdown };
}
