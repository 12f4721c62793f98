"""Reference values for casa's drift statistics, computed with scipy/numpy on the same samples.

Usage: python scipy_reference.py CASES.json > RESULTS.json
Numeric values arrive with null for missing; statistics use the non-missing values only, which is
casa's documented policy (scipy itself would propagate NaN). PSI has no scipy function: it is
computed here with numpy from the definition in population-stability-index.ts.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

PSI_EPSILON = 1e-4


def finite(values):
    a = np.array([np.nan if v is None else v for v in values], dtype=float)
    return a[np.isfinite(a)]


def psi(ref, cur, bins):
    ref = np.sort(ref)
    n = ref.size
    cuts = []
    for k in range(1, bins):
        cut = ref[max(0, (n * k + bins - 1) // bins - 1)]
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
    cuts = np.array(cuts)
    # Right-closed bins: the bin of x is the number of cut points strictly below it.
    r = np.bincount(np.searchsorted(cuts, ref, side="left"), minlength=cuts.size + 1) / ref.size
    c = np.bincount(np.searchsorted(cuts, cur, side="left"), minlength=cuts.size + 1) / cur.size
    r = np.maximum(r, PSI_EPSILON)
    c = np.maximum(c, PSI_EPSILON)
    return float(np.sum((c - r) * np.log(c / r)))


def spread(ref):
    q25, q75 = np.percentile(ref, [25, 75])
    if q75 - q25 > 0:
        return float(q75 - q25)
    std = float(np.std(ref))
    return std if std > 0 else 1.0


def numeric(case):
    ref, cur = finite(case["reference"]), finite(case["current"])
    ks = stats.ks_2samp(ref, cur)
    w = float(stats.wasserstein_distance(ref, cur))
    return {
        "ksStatistic": float(ks.statistic),
        "ksPValue": float(ks.pvalue),
        "wasserstein": w,
        "wassersteinNormalised": w / spread(ref),
        "psi": psi(ref, cur, case.get("bins", 10)),
    }


def categorical(case):
    ref = [v for v in case["reference"] if v is not None]
    cur = [v for v in case["current"] if v is not None]
    categories = sorted(set(ref) | set(cur))
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((2, len(categories)))
    for v in ref:
        table[0, index[v]] += 1
    for v in cur:
        table[1, index[v]] += 1
    res = stats.chi2_contingency(table)
    seen = set(ref)
    return {
        "chiSquared": float(res.statistic),
        "chiSquaredPValue": float(res.pvalue),
        "dof": int(res.dof),
        "jensenShannon": float(distance.jensenshannon(table[0], table[1], base=2)),
        "unseenShare": sum(1 for v in cur if v not in seen) / len(cur),
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    out = {
        "versions": {"scipy": scipy.__version__, "numpy": np.__version__},
        "numeric": [numeric(c) for c in cases["numeric"]],
        "categorical": [categorical(c) for c in cases["categorical"]],
        "kstwo": [float(stats.kstwo.sf(x, n)) for n, x in cases["kstwo"]],
        "chi2": [float(stats.chi2.sf(x, dof)) for dof, x in cases["chi2"]],
    }
    json.dump(out, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
