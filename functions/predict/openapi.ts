import { z } from 'zod';
import {
  BatchPredictResponseSchema,
  ListingSchema,
  MAX_BATCH,
  MAX_BODY_BYTES,
  ModelRefSchema,
  PredictionSchema,
  PredictResponseSchema,
  ProblemSchema,
} from './listing-schema.js';

let cached: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document of predict, generated from the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const registry = z.registry<{ id: string }>();
  registry.add(ListingSchema, { id: 'Listing' });
  registry.add(ModelRefSchema, { id: 'ModelRef' });
  registry.add(PredictionSchema, { id: 'Prediction' });
  registry.add(PredictResponseSchema, { id: 'PredictResponse' });
  registry.add(BatchPredictResponseSchema, { id: 'BatchPredictResponse' });
  registry.add(ProblemSchema, { id: 'Problem' });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }) as { schemas: Record<string, Record<string, unknown>> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const modelHeader = { 'X-Model-Version': { description: 'the registered model version that produced the answer', schema: { type: 'string' } } };
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'casa predict',
      version: '1',
      description: 'Prices a listing with the production model (MLflow alias champion, else stage Production) and explains it with exact TreeSHAP.',
    },
    paths: {
      '/': {
        post: {
          summary: 'Price one listing, or a batch of them',
          requestBody: {
            required: true,
            description: `One listing, or an array of 1–${MAX_BATCH}. Body at most ${MAX_BODY_BYTES} bytes, Content-Type application/json.`,
            content: { 'application/json': { schema: { oneOf: [ref('Listing'), { type: 'array', items: ref('Listing'), minItems: 1, maxItems: MAX_BATCH }] } } },
          },
          responses: {
            '200': {
              description: 'the price and its explanation',
              headers: modelHeader,
              content: { 'application/json': { schema: { oneOf: [ref('PredictResponse'), ref('BatchPredictResponse')] } } },
            },
            '400': problem('the body is not JSON'),
            '413': problem('the body is too large'),
            '415': problem('the body is not application/json'),
            '422': problem('a field is invalid: `errors` has one JSON pointer per bad field'),
            '503': problem('no model loaded yet (see Retry-After)'),
          },
        },
      },
      '/_/health': { get: { summary: 'Liveness and the model state (always 200 while the process runs)', responses: { '200': { description: 'health' } } } },
      '/_/ready': { get: { summary: 'Readiness: 200 once a model is loaded, 503 before', responses: { '200': { description: 'ready' }, '503': problem('not ready') } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: { schemas },
  };
  return cached;
}
