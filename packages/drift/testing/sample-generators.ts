/**
 * Deterministic samples for the drift tests: a seeded PRNG and the few shapes the statistics must
 * handle (normal, shifted, heavy-tailed, tied, with missing values, categorical with new levels).
 */

/** mulberry32: a small, fast, seeded generator of uniforms in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller. */
export function normalSample(random: () => number, n: number, mean = 0, sd = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + sd * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + sd * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Log-normal draws: heavy right tail, like prices and lot sizes. */
export function logNormalSample(random: () => number, n: number, mu = 12, sigma = 1): Float64Array {
  return normalSample(random, n, mu, sigma).map(Math.exp);
}

/** Student-t-like heavy tails: normal / sqrt(uniform), with occasional huge values. */
export function heavyTailedSample(random: () => number, n: number): Float64Array {
  const z = normalSample(random, n);
  return z.map((x) => x / Math.sqrt(1e-3 + random()));
}

/** Small integers (bedroom counts): many ties. */
export function tiedSample(random: () => number, n: number, weights: number[]): Float64Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u = random() * total;
    let k = 0;
    while (k < weights.length - 1 && u >= weights[k]!) u -= weights[k++]!;
    out[i] = k + 1;
  }
  return out;
}

/** Replaces a share of values with NaN (missing). */
export function withMissing(random: () => number, values: Float64Array, share: number): Float64Array {
  return values.map((x) => (random() < share ? Number.NaN : x));
}

/** Categorical draws with given weights per category; `missingShare` of rows are null. */
export function categoricalSample(
  random: () => number,
  n: number,
  weights: Record<string, number>,
  missingShare = 0,
): (string | null)[] {
  const entries = Object.entries(weights);
  const total = entries.reduce((a, [, w]) => a + w, 0);
  const out: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (missingShare > 0 && random() < missingShare) {
      out[i] = null;
      continue;
    }
    let u = random() * total;
    let k = 0;
    while (k < entries.length - 1 && u >= entries[k]![1]) u -= entries[k++]![1];
    out[i] = entries[k]![0];
  }
  return out;
}
