import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Parses configuration from the environment once, at start, and fails loudly naming
 * each bad variable. Empty strings count as unset, so `FOO=` never becomes 0 or "".
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const raw = env[key];
    if (raw !== undefined && raw.trim() !== '') cleaned[key] = raw.trim();
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

/** An integer variable with bounds, e.g. a port. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
