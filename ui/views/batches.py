"""Batches: per batch, rows ingested/clean/quarantined by reason, drift per feature, the decision."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from casa_ui.charts import drift_chart, quality_chart
from casa_ui.gateway import GatewayClient, GatewayError
from casa_ui.states import show_failure

st.title("Batches")


@st.cache_data(ttl=10, show_spinner=False)
def load(base_url: str) -> dict[str, Any]:
    return GatewayClient(base_url).history("batches")


client = GatewayClient()
try:
    batches: list[dict[str, Any]] = load(client.base_url)["batches"]
except GatewayError as err:
    show_failure(err, "the batches")
    st.stop()

if not batches:
    st.info("**No batches yet.** Nothing has been ingested and cleaned: run the pipeline (`make demo`, or the Airflow DAG) and come back.", icon=":material/inbox:")
    st.stop()


def row(b: dict[str, Any]) -> dict[str, Any]:
    q = b.get("quality") or {}
    d = b.get("decision") or {}
    return {
        "batch": b["batch"],
        "rows ingested": q.get("rows_in"),
        "clean": q.get("rows_clean"),
        "quarantined": q.get("rows_quarantined"),
        "duplicates": q.get("rows_duplicate"),
        "decision": d.get("decision", "not assessed"),
        "lead rule": d.get("leadRule") or "—",
        "trained": f"v{d['trainedVersion']}" if d.get("trainedVersion") else "—",
        "promotion": d.get("promotion") or "—",
        "production after": f"v{d['productionVersion']}" if d.get("productionVersion") else "—",
    }


st.dataframe(pd.DataFrame([row(b) for b in batches]), hide_index=True)
chart = quality_chart(batches)
if chart is not None:
    st.markdown("**Rows per batch: clean, and quarantined by reason**")
    st.altair_chart(chart, width="stretch")

st.subheader("One batch")
choice = st.selectbox("Batch", [b["batch"] for b in batches], index=len(batches) - 1, key="batch_choice")
b = next(x for x in batches if x["batch"] == choice)
d = b.get("decision")
if d:
    verb = {"retrain": "Retrain", "no-retrain": "No retrain"}.get(d["decision"], d["decision"])
    st.markdown(f"**{verb}** — {d['leadReason']}")
    extra = []
    if d.get("rmseIncrease") is not None:
        extra.append(f"champion v{d.get('championVersion')} RMSE (log) {d['rmseIncrease'] * 100:+.1f} % on this batch vs its holdout")
    if d.get("weightedDrift") is not None:
        extra.append(f"weighted drift {d['weightedDrift']:.3f}")
    if extra:
        st.caption(" · ".join(extra))
    with st.expander("Every reason"):
        for r in d.get("reasons") or []:
            st.markdown(f"- {r}")
else:
    st.caption("Not assessed yet.")
left, right = st.columns(2)
with left:
    st.markdown("**Drift per feature** against the production model's training batches")
    chart = drift_chart(b.get("drift") or [])
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    else:
        st.caption("No drift measured: there was no production model to compare with, or the batch was already part of its training data.")
with right:
    q = b.get("quality")
    if q:
        st.markdown("**Quarantined by reason**")
        reasons = q.get("quarantined_by_reason") or {}
        if reasons:
            st.bar_chart(pd.DataFrame({"rows": reasons}), horizontal=True)
        else:
            st.caption("No row quarantined.")
        nulls = {k: v for k, v in (q.get("null_rates") or {}).items() if v}
        if nulls:
            st.markdown("**Missing values** (share of rows)")
            st.bar_chart(pd.DataFrame({"share": nulls}), horizontal=True)
