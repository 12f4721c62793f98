"""Charts: the SHAP waterfall (the shap library's own plot) and the history/batches charts (Altair)."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display here: render to images only

import altair as alt  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402


def _feature_value(feature: str, listing: dict[str, Any]) -> str:
    """What the listing said for a model feature, as shown next to its bar."""
    zip_code = str(listing.get("zip_code") or "")
    derived = {
        "zip3": zip_code[:3],
        "zip": zip_code,
        "prev_sold_year": str(listing.get("prev_sold_date") or "")[:4],
        # Not a field of the listing: the model's own price level for this ZIP (or city, or state).
        "location_level": f"ZIP {zip_code}" if zip_code else str(listing.get("city") or listing.get("state") or ""),
    }
    v = derived.get(feature, listing.get(feature))
    if v is None or v == "":
        return "missing"
    return f"{v:g}" if isinstance(v, float) else str(v)


def shap_explanation(prediction: dict[str, Any], listing: dict[str, Any]) -> shap.Explanation:
    """A shap.Explanation of one prediction from predict's log-price contributions."""
    contributions: dict[str, float] = prediction["shap"]["values"]
    names = list(contributions)
    return shap.Explanation(
        values=np.array([float(contributions[n]) for n in names]),
        base_values=float(prediction["shap"]["base_value"]),
        data=np.array([_feature_value(n, listing) for n in names], dtype=object),
        feature_names=names,
    )


def waterfall_figure(prediction: dict[str, Any], listing: dict[str, Any], max_display: int = 12) -> plt.Figure:
    """shap.plots.waterfall of the prediction, in log-price space (where SHAP values add up)."""
    plt.close("all")
    shap.plots.waterfall(shap_explanation(prediction, listing), max_display=max_display, show=False)
    fig = plt.gcf()
    fig.set_size_inches(8, 0.45 * min(max_display, len(prediction["shap"]["values"])) + 1.6)
    fig.tight_layout()
    return fig


def metrics_by_batch_chart(versions: list[dict[str, Any]], metric: str = "rmse_log") -> alt.Chart | None:
    """Grouped bars: each version's holdout metric on each batch it was trained on."""
    rows = [
        {"version": f"v{v['version']}", "batch": int(b), metric: m.get(metric)}
        for v in versions
        for b, m in (v.get("holdoutByBatch") or {}).items()
        if m.get(metric) is not None
    ]
    if not rows:
        return None
    df = pd.DataFrame(rows)
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("batch:O", title="batch"),
            xOffset="version:N",
            y=alt.Y(f"{metric}:Q", title=f"holdout {metric}"),
            color=alt.Color("version:N", title="version"),
            tooltip=["version", "batch", alt.Tooltip(f"{metric}:Q", format=".4f")],
        )
        .properties(height=260)
    )


def timeline_chart(timeline: list[dict[str, Any]], now: pd.Timestamp) -> alt.Chart | None:
    """One bar per period a version held the production alias."""
    rows = [
        {"version": f"v{p['version']}", "from": pd.Timestamp(p["from"]), "until": pd.Timestamp(p["until"]) if p.get("until") else now}
        for p in timeline
        if p.get("from")
    ]
    if not rows:
        return None
    df = pd.DataFrame(rows)
    return (
        alt.Chart(df)
        .mark_bar(height=18)
        .encode(
            x=alt.X("from:T", title="time (UTC)"),
            x2="until:T",
            y=alt.Y("version:N", sort=None, title="production"),
            color=alt.Color("version:N", legend=None),
            tooltip=["version", alt.Tooltip("from:T", format="%Y-%m-%d %H:%M:%S"), alt.Tooltip("until:T", format="%Y-%m-%d %H:%M:%S")],
        )
        .properties(height=40 + 28 * len(rows))
    )


def drift_chart(features: list[dict[str, Any]], score_field: str = "score") -> alt.Chart | None:
    """Drift score per feature, drifted ones highlighted; importance share in the tooltip."""
    if not features:
        return None
    df = pd.DataFrame(
        [
            {
                "feature": f["feature"],
                "drift": f.get(score_field, 0.0),
                "drifted": "drifted" if f.get("drifted") else "stable",
                "importance share": f.get("importanceShare", 0.0),
                "drift × importance": f.get("contribution", 0.0),
            }
            for f in features
        ]
    )
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("drift:Q", title="drift (KS D or Jensen–Shannon)"),
            y=alt.Y("feature:N", sort="-x"),
            color=alt.Color("drifted:N", scale=alt.Scale(domain=["drifted", "stable"], range=["#d62728", "#9ecae1"])),
            tooltip=["feature", alt.Tooltip("drift:Q", format=".3f"), "drifted", alt.Tooltip("importance share:Q", format=".1%"), alt.Tooltip("drift × importance:Q", format=".3f")],
        )
        .properties(height=28 * len(df) + 30)
    )


def paired_bars(rows: list[dict[str, Any]], category: str, series: str, value: str, title: str) -> alt.Chart | None:
    """Side-by-side bars of `value` per `category`, one colour per `series` (e.g. old vs new model)."""
    if not rows:
        return None
    df = pd.DataFrame(rows)
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=None, title=category),
            yOffset=f"{series}:N",
            x=alt.X(f"{value}:Q", title=title),
            color=alt.Color(f"{series}:N", title=""),
            tooltip=[category, series, alt.Tooltip(f"{value}:Q", format=".4f")],
        )
        .properties(height=max(120, 34 * df[category].nunique()))
    )


def quality_chart(batches: list[dict[str, Any]]) -> alt.Chart | None:
    """Stacked bars per batch: rows clean, quarantined by reason (duplicates included)."""
    rows: list[dict[str, Any]] = []
    for b in batches:
        q = b.get("quality")
        if not q:
            continue
        rows.append({"batch": b["batch"], "outcome": "clean", "rows": q["rows_clean"]})
        for reason, n in (q.get("quarantined_by_reason") or {}).items():
            rows.append({"batch": b["batch"], "outcome": reason, "rows": n})
    if not rows:
        return None
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("batch:O"),
            y=alt.Y("rows:Q", stack=True, title="rows ingested"),
            color=alt.Color("outcome:N", title="row outcome"),
            tooltip=["batch", "outcome", "rows"],
        )
        .properties(height=280)
    )
