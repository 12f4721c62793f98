/** A numeric column's non-missing values, sorted ascending once and shared by every statistic. */
export interface NumericSample {
  /** Finite values, ascending. */
  readonly sorted: Float64Array;
  /** Rows in the column, missing ones included. */
  readonly total: number;
  /** Rows whose value is missing: NaN, or ±Infinity (which no statistic here can use). */
  readonly missing: number;
}

/** Drops missing values (NaN, ±Infinity) and sorts the rest ascending, in a fresh typed array. */
export function toNumericSample(column: ArrayLike<number>): NumericSample {
  const total = column.length;
  const sorted = new Float64Array(total);
  let kept = 0;
  for (let i = 0; i < total; i++) {
    const value = column[i]!;
    // + 0 turns −0 into 0: equal for every statistic, and JSON cannot tell them apart anyway.
    if (Number.isFinite(value)) sorted[kept++] = value + 0;
  }
  const values = kept === total ? sorted : sorted.slice(0, kept);
  values.sort();
  return { sorted: values, total, missing: total - kept };
}

/**
 * Quantile of sorted values with numpy's default ('linear') method, including numpy's way of
 * interpolating from the upper neighbour when the fraction is ≥ 0.5.
 */
export function linearQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const fraction = position - below;
  const a = sorted[below]!;
  const b = sorted[Math.min(below + 1, n - 1)]!;
  const difference = b - a;
  return fraction >= 0.5 ? b - difference * (1 - fraction) : a + difference * fraction;
}

/** Mean and population standard deviation (numpy's np.std, ddof = 0), by two passes. */
export function meanAndStd(values: Float64Array): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return { mean, std: Math.sqrt(squares / n) };
}
