/**
 * The shared samples the drift statistics are checked on against scipy: every branch of
 * ks_2samp's method choice (exact square, exact band, asymptotic via each kstwo algorithm), ties,
 * heavy tails, missing values, and categorical tables with unseen levels and one degree of freedom.
 */
import {
  categoricalSample,
  createRandom,
  heavyTailedSample,
  logNormalSample,
  normalSample,
  tiedSample,
  withMissing,
} from './sample-generators.js';

export interface NumericCase {
  name: string;
  reference: Float64Array;
  current: Float64Array;
}

export interface CategoricalCase {
  name: string;
  reference: (string | null)[];
  current: (string | null)[];
}

export interface ReferenceCases {
  numeric: NumericCase[];
  categorical: CategoricalCase[];
  /** (n, x) points of the one-sample KS distribution, covering each of its algorithms. */
  kstwo: [number, number][];
  /** (degrees of freedom, statistic) points of the chi-squared survival function. */
  chi2: [number, number][];
}

const STATES = { Massachusetts: 30, 'New York': 25, Connecticut: 12, Vermont: 5, Maine: 6, 'New Hampshire': 7, 'Rhode Island': 4, 'Puerto Rico': 11 };

export function buildReferenceCases(): ReferenceCases {
  const random = createRandom(20_240_611);
  const numeric: NumericCase[] = [
    { name: 'small n, exact (7 vs 5)', reference: normalSample(random, 7), current: normalSample(random, 5, 0.8) },
    { name: 'tiny n, exact (1 vs 3)', reference: Float64Array.of(0.5), current: normalSample(random, 3) },
    { name: 'equal n, exact square (500 vs 500, shifted)', reference: normalSample(random, 500), current: normalSample(random, 500, 0.3) },
    { name: 'unequal n, exact band (200 vs 300)', reference: normalSample(random, 200), current: normalSample(random, 300) },
    { name: 'unequal n sharing factors, exact band (1000 vs 750)', reference: normalSample(random, 1000), current: normalSample(random, 750, 0.1, 1.2) },
    { name: 'ties (bedrooms, 800 vs 600)', reference: tiedSample(random, 800, [10, 30, 35, 20, 5]), current: tiedSample(random, 600, [8, 25, 35, 25, 7]) },
    { name: 'heavy tails (2000 vs 3000)', reference: heavyTailedSample(random, 2000), current: heavyTailedSample(random, 3000) },
    { name: 'log-normal prices with 10 % missing', reference: withMissing(random, logNormalSample(random, 1000), 0.1), current: withMissing(random, logNormalSample(random, 1200, 12.3), 0.2) },
    { name: 'exact at the limit (10000 vs 9999)', reference: normalSample(random, 10_000), current: normalSample(random, 9_999, 0.02) },
    { name: 'asymptotic, n ≈ 50 (12000 vs 50)', reference: normalSample(random, 12_000), current: normalSample(random, 50, 0.2) },
    { name: 'asymptotic, n ≈ 148 (11000 vs 150)', reference: normalSample(random, 11_000), current: normalSample(random, 150, 0.05) },
    { name: 'asymptotic, same distribution (20000 vs 15000)', reference: normalSample(random, 20_000), current: normalSample(random, 15_000) },
    { name: 'asymptotic, slight shift (50000 vs 40000)', reference: normalSample(random, 50_000), current: normalSample(random, 40_000, 0.03) },
    { name: 'asymptotic, large shift (100000 vs 100000)', reference: logNormalSample(random, 100_000), current: logNormalSample(random, 100_000, 12.5) },
    { name: 'asymptotic, ties and missing (30000 vs 20000)', reference: withMissing(random, tiedSample(random, 30_000, [10, 30, 35, 20, 5]), 0.05), current: withMissing(random, tiedSample(random, 20_000, [10, 29, 35, 21, 5]), 0.05) },
    { name: 'disjoint supports (20000 vs 300)', reference: normalSample(random, 20_000), current: normalSample(random, 300, 100) },
    { name: 'constant reference (spread falls back)', reference: new Float64Array(400).fill(3), current: tiedSample(random, 300, [1, 1, 5]) },
  ];
  const categorical: CategoricalCase[] = [
    { name: 'states, same mix', reference: categoricalSample(random, 5_000, STATES, 0.02), current: categoricalSample(random, 3_000, STATES, 0.02) },
    {
      name: 'states, new mix with unseen states',
      reference: categoricalSample(random, 5_000, STATES),
      current: categoricalSample(random, 3_000, { ...STATES, Massachusetts: 10, Florida: 5, Texas: 2 }, 0.1),
    },
    { name: 'status, 1 dof (Yates)', reference: categoricalSample(random, 400, { for_sale: 70, sold: 30 }), current: categoricalSample(random, 300, { for_sale: 60, sold: 40 }) },
    { name: 'status, 1 dof, tiny counts', reference: ['sold', 'for_sale', 'for_sale'], current: ['sold', 'sold', null, 'for_sale', 'sold'] },
    { name: 'one category (0 dof)', reference: categoricalSample(random, 100, { sold: 1 }), current: categoricalSample(random, 80, { sold: 1 }, 0.1) },
    { name: 'single-state batch', reference: categoricalSample(random, 20_000, STATES), current: categoricalSample(random, 800, { Massachusetts: 1 }) },
    {
      name: 'many cities, large',
      reference: categoricalSample(random, 100_000, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`city-${i}`, 1 + (i % 17)]))),
      current: categoricalSample(random, 60_000, Object.fromEntries(Array.from({ length: 320 }, (_, i) => [`city-${i}`, 1 + ((i * 7) % 17)]))),
    },
  ];
  const kstwo: [number, number][] = [];
  // scipy's one-sided Smirnov sum takes ~1 s per point at n ≥ 10⁵, so the largest n get fewer points.
  for (const n of [1, 2, 3, 5, 10, 50, 100, 140, 141, 500, 5_000, 20_000, 100_001, 200_000, 2_000_000]) {
    const zs = n > 20_000 && n <= 1_000_000 ? [0.3, 0.8, 1.2, 2.0] : [0.3, 0.5, 0.6, 0.8, 0.9, 1.0, 1.2, 1.5, 1.8, 2.2, 3.0, 5.0, 12.0];
    for (const z of zs) {
      const x = z / Math.sqrt(n);
      if (x < 1) kstwo.push([n, x]);
    }
    for (const x of [0.55 / n, 0.9 / n, 1 - 0.9 / n, 0.5, 0.7, 0.95]) if (x > 0 && x < 1) kstwo.push([n, x]);
  }
  const chi2: [number, number][] = [];
  for (const dof of [1, 2, 3, 7, 49, 299, 5_000]) {
    for (const f of [0.01, 0.3, 0.9, 1.0, 1.1, 1.5, 2, 4, 10]) chi2.push([dof, dof * f]);
  }
  chi2.push([1, 1e-8], [1, 700], [2, 1400], [3, 30]);
  return { numeric, categorical, kstwo, chi2 };
}

/** The cases as JSON for the Python side: NaN becomes null (JSON has no NaN). */
export function serialiseCases(cases: ReferenceCases): string {
  return JSON.stringify({
    numeric: cases.numeric.map((c) => ({
      name: c.name,
      reference: Array.from(c.reference, (x) => (Number.isNaN(x) ? null : x)),
      current: Array.from(c.current, (x) => (Number.isNaN(x) ? null : x)),
    })),
    categorical: cases.categorical,
    kstwo: cases.kstwo,
    chi2: cases.chi2,
  });
}
