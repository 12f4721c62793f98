"""Prediction: a listing in, the price, the model that produced it and its SHAP waterfall out."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from casa_ui.charts import waterfall_figure
from casa_ui.gateway import GatewayClient, GatewayError, InvalidInputError, NotReadyError
from casa_ui.listing_form import bounds_hint, errors_by_field, listing_fields, to_listing
from casa_ui.states import show_failure

st.title("Price a listing")
st.caption("The production model (MLflow alias `champion`) prices it through the gateway's `/function/predict`, and explains the price with exact TreeSHAP.")


@st.cache_data(ttl=300, show_spinner=False)
def load_openapi(base_url: str) -> dict[str, Any]:
    return GatewayClient(base_url).predict_openapi()


client = GatewayClient()
try:
    fields = listing_fields(load_openapi(client.base_url))
except GatewayError as err:
    show_failure(err, "the listing form")
    st.stop()

# Said before the form, so nobody fills it in for nothing; the form stays usable (validation works without a model).
try:
    client.predict_ready()
except NotReadyError as err:
    show_failure(err, "a price")
except GatewayError:
    pass  # the call below will say what is wrong

values: dict[str, Any] = {}
placeholders: dict[str, Any] = {}
with st.form("listing"):
    columns = st.columns(3)
    for i, f in enumerate(fields):
        with columns[i % 3]:
            hint = bounds_hint(f)
            help_text = f"{f.description}{f' ({hint})' if hint else ''}{'; leave blank if unknown' if f.nullable and f.kind == 'string' else ''}"
            key = f"field_{f.name}"
            if f.kind == "enum":
                values[f.name] = st.selectbox(f.name, f.enum, index=f.enum.index(f.default) if f.default in f.enum else 0, help=help_text, key=key)
            elif f.kind == "integer":
                values[f.name] = st.number_input(f.name, value=f.default, step=1, help=help_text, key=key)
            elif f.kind == "number":
                values[f.name] = st.number_input(f.name, value=None if f.default is None else float(f.default), step=0.01 if f.name == "acre_lot" else 50.0, help=help_text, key=key)
            else:
                values[f.name] = st.text_input(f.name, value="" if f.default is None else str(f.default), help=help_text, key=key)
            # Filled after the call with the API's message for this field, right under it.
            placeholders[f.name] = st.empty()
    submitted = st.form_submit_button("Price this listing", type="primary")

if submitted:
    listing = to_listing(fields, values)
    try:
        with st.spinner("Pricing…"):
            st.session_state["last"] = {"listing": listing, "answer": client.predict(listing).body}
    except InvalidInputError as err:
        st.session_state.pop("last", None)
        by_field, other = errors_by_field(err.errors)
        for name, message in by_field.items():
            if name in placeholders:
                placeholders[name].error(message, icon=":material/close:")
            else:
                other.append(f"/{name}: {message}")
        st.error(f"**The listing is not valid** — {err.detail}." + "".join(f"\n- `{o}`" for o in other), icon=":material/close:")
    except NotReadyError as err:
        st.session_state.pop("last", None)
        show_failure(err, "the price")
    except GatewayError as err:
        st.session_state.pop("last", None)
        show_failure(err, "the price")

last = st.session_state.get("last")
if last:
    answer, listing = last["answer"], last["listing"]
    model = answer["model"]
    left, right = st.columns([1, 2])
    with left:
        st.metric("Predicted price", f"${answer['price']:,.0f}")
        alias = f", alias `{model['alias']}`" if model.get("alias") else ""
        st.markdown(f"Model **{model['name']} v{model['version']}**{alias} (stage {model.get('stage', '—')})")
        st.caption(f"run `{model.get('run_id', '')}` · request `{answer.get('request_id', '')}`")
        dollars = answer.get("shap_dollars") or {}
        steps = dollars.get("steps") or []
        if steps:
            st.markdown("**Dollar view** (derived, not SHAP values: each factor applied in turn, largest first)")
            st.dataframe(
                pd.DataFrame([{"feature": s["feature"], "dollars": round(s["dollars"])} for s in steps]),
                hide_index=True,
            )
            st.caption(f"starting from ${dollars.get('base_price', 0):,.0f}, the model's average price")
    with right:
        st.markdown("**Why this price** — SHAP contributions in log-price space (they add up exactly: base + Σ = log price)")
        st.pyplot(waterfall_figure(answer, listing), clear_figure=True)
