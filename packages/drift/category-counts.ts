/** A categorical column in both samples, counted over the union of their categories. */
export interface CategoryCounts {
  /** Every category seen in either sample, in code-unit order (stable across runs). */
  categories: string[];
  referenceCounts: number[];
  currentCounts: number[];
  /** Non-missing rows in each sample. */
  referenceTotal: number;
  currentTotal: number;
  /** Rows whose value is null or undefined. */
  referenceMissing: number;
  currentMissing: number;
}

function countInto(column: ArrayLike<string | null | undefined>, counts: Map<string, [number, number]>, side: 0 | 1): number {
  let missing = 0;
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (value === null || value === undefined) {
      missing++;
      continue;
    }
    let entry = counts.get(value);
    if (entry === undefined) {
      entry = [0, 0];
      counts.set(value, entry);
    }
    entry[side]++;
  }
  return missing;
}

/** Counts each category in both samples; null (or undefined) is missing, any string — even "" — a category. */
export function countCategories(
  reference: ArrayLike<string | null | undefined>,
  current: ArrayLike<string | null | undefined>,
): CategoryCounts {
  const counts = new Map<string, [number, number]>();
  const referenceMissing = countInto(reference, counts, 0);
  const currentMissing = countInto(current, counts, 1);
  const categories = [...counts.keys()].sort();
  return {
    categories,
    referenceCounts: categories.map((c) => counts.get(c)![0]),
    currentCounts: categories.map((c) => counts.get(c)![1]),
    referenceTotal: reference.length - referenceMissing,
    currentTotal: current.length - currentMissing,
    referenceMissing,
    currentMissing,
  };
}
