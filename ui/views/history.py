"""History: every model version, its batches, metrics per batch, verdicts, the production timeline,
and for each change the explanation report as charts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from casa_ui.charts import drift_chart, metrics_by_batch_chart, paired_bars, timeline_chart
from casa_ui.gateway import GatewayClient, GatewayError
from casa_ui.states import show_failure

st.title("Model history")


@st.cache_data(ttl=10, show_spinner=False)
def load(base_url: str, view: str, version: str | None = None) -> dict[str, Any]:
    return GatewayClient(base_url).history(view, **({"version": version} if version else {}))


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:+.1f} %"


client = GatewayClient()
try:
    models = load(client.base_url, "models")
except GatewayError as err:
    show_failure(err, "the model history")
    st.stop()

versions: list[dict[str, Any]] = models["versions"]
if not versions:
    st.info(f"**No history yet.** Model `{models['model']}` has no registered version: no batch has been trained on. "
            "Run the pipeline (`make demo`, or the Airflow DAG) and come back.", icon=":material/inbox:")
    st.stop()

production = models.get("production")
c1, c2, c3 = st.columns(3)
c1.metric("Serving now", f"v{production}" if production else "none")
c2.metric("Registered versions", len(versions))
c3.metric("Promotions", sum(1 for v in versions if (v.get("promotion") or {}).get("decision") == "promoted"))
if models.get("aliases"):
    st.caption("Aliases: " + ", ".join(f"`{a}` → v{v}" for a, v in sorted(models["aliases"].items())))

st.subheader("Versions")
table = pd.DataFrame(
    [
        {
            "version": f"v{v['version']}",
            "created (UTC)": (v.get("createdAt") or "")[:19].replace("T", " "),
            "batches": f"{v['batches']['from']}–{v['batches']['to']}" if v.get("batches") else "—",
            "candidate": v.get("candidate") or "—",
            "holdout RMSE (log)": v["holdout"].get("rmse_log"),
            "holdout MAPE": v["holdout"].get("mape"),
            "verdict": (v.get("promotion") or {}).get("decision", "not judged"),
            "against": (v.get("promotion") or {}).get("against", "—"),
            "gain": pct((v.get("promotion") or {}).get("relativeGain")),
            "aliases": ", ".join(v.get("aliases") or []),
            "stage": v.get("stage"),
        }
        for v in versions
    ]
)
st.dataframe(table, hide_index=True, column_config={"holdout RMSE (log)": st.column_config.NumberColumn(format="%.4f"), "holdout MAPE": st.column_config.NumberColumn(format="percent")})

left, right = st.columns(2)
with left:
    st.markdown("**Holdout RMSE (log price) per training batch**")
    chart = metrics_by_batch_chart(versions)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    else:
        st.caption("No per-batch metrics logged.")
with right:
    st.markdown("**Production alias over time** (rebuilt from promote's verdicts)")
    chart = timeline_chart(models["timeline"], pd.Timestamp.now(tz="UTC"))
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    for p in models["timeline"]:
        since = (p.get("from") or "unknown time")[:19].replace("T", " ")
        replaced = f", replacing v{p['replaced']}" if p.get("replaced") else ""
        how = "promoted" if p["source"] == "promotion" else "alias set outside promote"
        st.caption(f"v{p['version']}: {how} at {since}{replaced}{'' if p.get('until') else ' — serving now'}")

st.subheader("Why the model changed")
labels = {f"v{v['version']} — {(v.get('promotion') or {}).get('decision', 'not judged')}, batches {v['batches']['from']}–{v['batches']['to']}" if v.get("batches") else f"v{v['version']}": v["version"] for v in reversed(versions)}
choice = st.selectbox("Version", list(labels), key="change_version")
try:
    change = load(client.base_url, "change", labels[choice])
except GatewayError as err:
    show_failure(err, "the explanation report")
    st.stop()

report = change.get("explanation")
verdict = change.get("promotion")
if not report:
    st.info("No explanation report was published for this version (it was trained outside the assess pipeline).")
else:
    st.markdown(report["summary"])
    if report.get("reasons"):
        with st.expander("Every reason assess gave"):
            for r in report["reasons"]:
                st.markdown(f"- {r}")
    a, b = st.columns(2)
    with a:
        st.markdown("**Drifted features** (drift score; red = drifted)")
        chart = drift_chart(report.get("driftedFeatures") or [])
        if chart is not None:
            st.altair_chart(chart, width="stretch")
            with st.expander("Drift statistics"):
                st.dataframe(
                    pd.DataFrame([{"feature": f["feature"], "kind": f["kind"], "score": f["score"], "importance share": f["importanceShare"], **f.get("statistics", {})} for f in report["driftedFeatures"]]),
                    hide_index=True,
                )
        else:
            st.caption("No feature drifted (or there was no previous model to compare with).")
    with b:
        err = report.get("championError")
        if err:
            st.markdown(f"**The old model v{err['version']} degraded {pct(err['rmseIncrease'])}** — RMSE (log) on its holdout batches vs the new batch")
            rows = [{"slice": f"batch {p['batch']} ({p['role']})", "model": f"v{err['version']}", "RMSE (log)": p["rmse_log"]} for p in err["perBatch"]]
            st.altair_chart(paired_bars(rows, "slice", "model", "RMSE (log)", "RMSE (log price)"), width="stretch")
        else:
            st.caption("There was no production model before this one.")
    shap_cmp = report.get("shapComparison")
    if shap_cmp:
        st.markdown(f"**SHAP importance, v{shap_cmp['championVersion']} (old) vs v{shap_cmp['challengerVersion']} (new)** — mean |SHAP| on {shap_cmp['evaluatedOn']}; Spearman ρ {shap_cmp['spearman']:.2f}")
        rows = [
            {"feature": f["feature"], "model": label, "mean |SHAP|": f[key]}
            for f in shap_cmp["features"]
            for label, key in ((f"v{shap_cmp['championVersion']} (old)", "championMeanAbs"), (f"v{shap_cmp['challengerVersion']} (new)", "challengerMeanAbs"))
        ]
        st.altair_chart(paired_bars(rows, "feature", "model", "mean |SHAP|", "mean |SHAP| (log price)"), width="stretch")
if verdict:
    st.markdown(f"**Promotion: {verdict['decision']}**" + (f" against the {verdict.get('reference')}" if verdict.get("reference") else ""))
    evaluation = verdict.get("evaluation") or {}
    if evaluation:
        rows = []
        for batch, m in (evaluation.get("challenger", {}).get("byBatch") or {}).items():
            rows.append({"batch": f"batch {batch}", "model": f"v{verdict.get('challenger')} (challenger)", "RMSE (log)": m["rmse_log"]})
            inc = (evaluation.get("incumbent", {}).get("byBatch") or {}).get(batch)
            if inc:
                incumbent = str(evaluation["incumbent"].get("version"))
                rows.append({"batch": f"batch {batch}", "model": "baseline (state medians)" if incumbent == "baseline" else f"v{incumbent} (incumbent)", "RMSE (log)": inc["rmse_log"]})
        chart = paired_bars(rows, "batch", "model", "RMSE (log)", "holdout RMSE (log price), same rows")
        if chart is not None:
            st.altair_chart(chart, width="stretch")
    for r in verdict.get("reasons") or []:
        st.markdown(f"- {r}")
