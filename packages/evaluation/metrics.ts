/** Regression metrics on log price and, after exp, in dollars. */
export interface Metrics {
  n: number;
  rmse_log: number;
  mae_log: number;
  r2_log: number;
  rmse: number;
  mae: number;
  /** Mean absolute percentage error, as a fraction (0.2 = 20 %). */
  mape: number;
  r2: number;
}

/**
 * Metrics of predictions against truth, both in log-price space (the model's target). Dollar
 * figures come from exp of both. n = 0 gives NaN everywhere (nothing to measure).
 */
export function computeMetrics(trueLog: ArrayLike<number>, predLog: ArrayLike<number>): Metrics {
  const n = trueLog.length;
  if (predLog.length !== n) throw new RangeError(`${n} true values but ${predLog.length} predictions`);
  let meanL = 0;
  let meanD = 0;
  for (let i = 0; i < n; i++) {
    meanL += trueLog[i]!;
    meanD += Math.exp(trueLog[i]!);
  }
  meanL /= n;
  meanD /= n;
  let sseL = 0, saeL = 0, sstL = 0, sseD = 0, saeD = 0, sstD = 0, sape = 0;
  for (let i = 0; i < n; i++) {
    const t = trueLog[i]!;
    const p = predLog[i]!;
    const dt = Math.exp(t);
    const dp = Math.exp(p);
    sseL += (t - p) ** 2;
    saeL += Math.abs(t - p);
    sstL += (t - meanL) ** 2;
    sseD += (dt - dp) ** 2;
    saeD += Math.abs(dt - dp);
    sstD += (dt - meanD) ** 2;
    sape += Math.abs(dt - dp) / dt;
  }
  return {
    n,
    rmse_log: Math.sqrt(sseL / n),
    mae_log: saeL / n,
    r2_log: 1 - sseL / sstL,
    rmse: Math.sqrt(sseD / n),
    mae: saeD / n,
    mape: sape / n,
    r2: 1 - sseD / sstD,
  };
}

/** Metrics overall and per group (e.g. per batch), from parallel arrays. */
export function metricsByGroup(groups: ArrayLike<number>, trueLog: ArrayLike<number>, predLog: ArrayLike<number>): { overall: Metrics; byGroup: Record<string, Metrics> } {
  const idx = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    let list = idx.get(g);
    if (!list) idx.set(g, (list = []));
    list.push(i);
  }
  const byGroup: Record<string, Metrics> = {};
  for (const [g, rows] of [...idx].sort((a, b) => a[0] - b[0])) {
    byGroup[String(g)] = computeMetrics(rows.map((r) => trueLog[r]!), rows.map((r) => predLog[r]!));
  }
  return { overall: computeMetrics(trueLog, predLog), byGroup };
}
