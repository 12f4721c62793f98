"""The SHAP waterfall is built from predict's contributions with the shap library itself."""

import math

import matplotlib.figure

from casa_ui.charts import drift_chart, metrics_by_batch_chart, shap_explanation, timeline_chart, waterfall_figure

PREDICTION = {
    "price": math.exp(12.0),
    "log_price": 12.0,
    "shap": {"space": "log_price", "base_value": 11.5, "values": {"bed": 0.25, "house_size": 0.4, "state": -0.15, "zip3": 0.05, "location_level": -0.05}},
}
LISTING = {"bed": 3, "house_size": 1800.0, "state": "Massachusetts", "zip_code": "01609"}


def test_the_explanation_adds_up_to_the_log_price_and_shows_the_listing_values():
    e = shap_explanation(PREDICTION, LISTING)
    assert math.isclose(float(e.base_values) + float(e.values.sum()), PREDICTION["log_price"], abs_tol=1e-9)
    assert list(e.feature_names) == ["bed", "house_size", "state", "zip3", "location_level"]
    assert list(e.data) == ["3", "1800", "Massachusetts", "016", "ZIP 01609"]


def test_waterfall_is_a_matplotlib_figure_from_shap():
    fig = waterfall_figure(PREDICTION, LISTING)
    assert isinstance(fig, matplotlib.figure.Figure)
    labels = " ".join(t.get_text() for ax in fig.axes for t in ax.get_yticklabels())
    assert "house_size" in labels and "state" in labels


def test_history_charts_have_one_mark_per_datum_and_none_when_empty():
    versions = [{"version": "1", "holdoutByBatch": {"0": {"rmse_log": 0.3}}}, {"version": "2", "holdoutByBatch": {"0": {"rmse_log": 0.28}, "4": {"rmse_log": 0.35}}}]
    assert len(metrics_by_batch_chart(versions).data) == 3
    assert metrics_by_batch_chart([]) is None
    assert drift_chart([]) is None
    assert timeline_chart([], None) is None
