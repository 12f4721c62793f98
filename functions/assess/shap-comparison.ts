/** How the challenger's SHAP attributions differ from the champion's, on the same rows. */
export interface ShapComparison {
  rows: number;
  /** Which rows: e.g. "batch 4 (CLEAN, every row, at most 5,000 evenly spaced)". */
  evaluatedOn: string;
  championVersion: string;
  challengerVersion: string;
  features: {
    feature: string;
    championMeanAbs: number;
    challengerMeanAbs: number;
    /** 1 = most important. */
    championRank: number;
    challengerRank: number;
    /** championRank − challengerRank: positive when the feature became more important. */
    rankChange: number;
  }[];
  /** Spearman's ρ between the two importance vectors (average ranks for ties). */
  spearman: number;
  /** Kendall's τ-b between them. */
  kendallTau: number;
}

/** Average ranks, 1 = largest value (ties share the mean of their positions). */
export function descendingRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v);
  const ranks = new Array<number>(values.length);
  for (let k = 0; k < order.length; ) {
    let j = k;
    while (j + 1 < order.length && order[j + 1]!.v === order[k]!.v) j++;
    const avg = (k + j) / 2 + 1;
    for (let t = k; t <= j; t++) ranks[order[t]!.i] = avg;
    k = j + 1;
  }
  return ranks;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

/** Spearman's ρ (Pearson correlation of average ranks), as scipy.stats.spearmanr. */
export function spearmanRho(a: readonly number[], b: readonly number[]): number {
  return pearson(descendingRanks(a), descendingRanks(b));
}

/** Kendall's τ-b, as scipy.stats.kendalltau (O(n²): meant for a few dozen features). */
export function kendallTauB(a: readonly number[], b: readonly number[]): number {
  let concordant = 0, discordant = 0, tiesA = 0, tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denom === 0 ? NaN : (concordant - discordant) / denom;
}

/** Compares two mean-|SHAP| vectors over the same features (the champion's feature order is kept). */
export function compareShapImportance(input: {
  champion: { version: string; meanAbs: Record<string, number> };
  challenger: { version: string; meanAbs: Record<string, number> };
  rows: number;
  evaluatedOn: string;
}): ShapComparison {
  const names = Object.keys(input.champion.meanAbs);
  const a = names.map((f) => input.champion.meanAbs[f] ?? 0);
  const b = names.map((f) => input.challenger.meanAbs[f] ?? 0);
  const ra = descendingRanks(a);
  const rb = descendingRanks(b);
  const features = names.map((feature, i) => ({
    feature,
    championMeanAbs: a[i]!,
    challengerMeanAbs: b[i]!,
    championRank: ra[i]!,
    challengerRank: rb[i]!,
    rankChange: ra[i]! - rb[i]!,
  }));
  features.sort((x, y) => x.challengerRank - y.challengerRank);
  return {
    rows: input.rows,
    evaluatedOn: input.evaluatedOn,
    championVersion: input.champion.version,
    challengerVersion: input.challenger.version,
    features,
    spearman: spearmanRho(a, b),
    kendallTau: kendallTauB(a, b),
  };
}
