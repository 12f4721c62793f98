/**
 * Seeded, house-price-like datasets for the engine's tests and benchmarks: `makeHousing` (the
 * tests' own columns; only realistic shapes matter there: skewed sizes, missing values, region
 * codes, a status flag, a log-price target with noise) and `makeCasaFeatures` (casa's feature
 * set, for the benchmarks).
 */
import { FEATURES } from '../features/index.js';

export const HOUSING_FEATURES = [
  'bed',
  'bath',
  'house_size',
  'acre_lot',
  'state_code',
  'zip3',
  'lat',
  'lon',
  'status_sold',
  'years_since_sold',
] as const;

type FeatureName = (typeof FEATURES)[number]['name'];

export interface HousingData {
  /** Row-major features, NaN = missing. */
  x: Float32Array;
  /** log(price) */
  y: Float32Array;
  nrow: number;
  ncol: number;
  featureNames: string[];
}

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

// 50 "states": centre lat/lon and a price level.
const STATES = Array.from({ length: 50 }, (_, i) => {
  const r = rng(1000 + i);
  return { lat: 25 + r() * 23, lon: -122 + r() * 52, level: 11.2 + r() * 1.6 };
});

/** A state index, skewed toward the first states (as listings crowd into a few states). */
function pickState(r: () => number): number {
  return Math.min(49, Math.floor(Math.pow(r(), 1.3) * 50));
}

export function makeHousing(nrow: number, seed = 42): HousingData {
  const r = rng(seed);
  const ncol = HOUSING_FEATURES.length;
  const x = new Float32Array(nrow * ncol);
  const y = new Float32Array(nrow);
  for (let i = 0; i < nrow; i++) {
    const s = pickState(r);
    const st = STATES[s]!;
    const bed = Math.max(1, Math.min(9, Math.round(3 + normal(r) * 1.1)));
    const bath = Math.max(1, Math.min(8, Math.round(bed * 0.7 + normal(r) * 0.6)));
    const size = Math.max(350, Math.exp(7.4 + 0.12 * bed + normal(r) * 0.35));
    const acre = Math.exp(-1.6 + normal(r) * 1.2);
    const lat = st.lat + normal(r) * 1.5;
    const lon = st.lon + normal(r) * 2;
    const zip3 = s * 20 + Math.floor(r() * 20);
    const sold = r() < 0.35 ? 1 : 0;
    const years = r() * 30;
    const urban = Math.exp(-((lat - st.lat) ** 2 + (lon - st.lon) ** 2) / 4);
    const logPrice =
      st.level +
      0.65 * Math.log(size / 1800) +
      0.05 * bath +
      0.08 * Math.log1p(acre) +
      0.35 * urban +
      0.02 * ((zip3 % 20) - 10) / 10 +
      -0.04 * sold -
      0.004 * years +
      normal(r) * 0.18;
    const row = [
      bed,
      r() < 0.08 ? NaN : bath,
      r() < 0.2 ? NaN : Math.round(size),
      r() < 0.15 ? NaN : acre,
      s,
      zip3,
      lat,
      lon,
      sold,
      r() < 0.4 ? NaN : years,
    ];
    x.set(row, i * ncol);
    y[i] = logPrice;
  }
  return { x, y, nrow, ncol, featureNames: [...HOUSING_FEATURES] };
}

/**
 * Rows of casa's own feature set (`FEATURES` in packages/features, in its order; NaN = missing)
 * with a log-price target, seeded. Synthetic, shaped like the realtor data in ../shared/data: a
 * quarter of listings without bed, bath and house size (land), 13 % without a lot size, two
 * thirds without a previous sale.
 */
export function makeCasaFeatures(nrow: number, seed = 42): HousingData {
  const r = rng(seed);
  const ncol = FEATURES.length;
  const x = new Float32Array(nrow * ncol);
  const y = new Float32Array(nrow);
  for (let i = 0; i < nrow; i++) {
    const s = pickState(r);
    const st = STATES[s]!;
    const zip3 = s * 20 + Math.floor(r() * 20);
    const zip = zip3 * 100 + Math.floor(r() * 100);
    // A ZIP's own price level, fixed per ZIP (a hash of it), and casa's shrunk estimate of it.
    const zipEffect = normal(rng(zip)) * 0.3;
    const locationLevel = st.level + 0.8 * zipEffect + normal(r) * 0.03;
    const u = r();
    const status = u < 0.64 ? 0 : u < 0.99 ? 1 : 2; // for_sale, sold, ready_to_build
    const land = r() < 0.25;
    const bed = Math.max(1, Math.min(9, Math.round(3 + normal(r) * 1.1)));
    const bath = Math.max(1, Math.min(8, Math.round(bed * 0.7 + normal(r) * 0.6)));
    const size = Math.max(350, Math.exp(7.4 + 0.12 * bed + normal(r) * 0.35));
    const acre = Math.exp(-1.6 + normal(r) * 1.2);
    const prevSold = 1990 + r() * 32;
    const logPrice =
      st.level +
      zipEffect +
      (land ? -1.2 + 0.3 * Math.log1p(acre) : 0.65 * Math.log(size / 1800) + 0.05 * bath + 0.08 * Math.log1p(acre)) -
      0.04 * (status === 1 ? 1 : 0) +
      0.003 * (prevSold - 2006) +
      normal(r) * 0.18;
    // Keyed by name, so a change to casa's feature set fails to compile here rather than
    // silently shifting columns.
    const row: Record<FeatureName, number> = {
      bed: land || r() < 0.01 ? NaN : bed,
      bath: land || r() < 0.01 ? NaN : bath,
      house_size: land || r() < 0.01 ? NaN : Math.round(size),
      acre_lot: r() < 0.13 ? NaN : acre,
      state: s,
      status,
      zip3,
      zip,
      prev_sold_year: r() < 0.66 ? NaN : prevSold,
      location_level: locationLevel,
    };
    FEATURES.forEach((f, c) => (x[i * ncol + c] = row[f.name]));
    y[i] = logPrice;
  }
  return { x, y, nrow, ncol, featureNames: FEATURES.map((f) => f.name) };
}
