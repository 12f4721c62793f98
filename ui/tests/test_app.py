"""The app through Streamlit's own testing API (AppTest), against real gateways (see conftest.py)."""

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP


@pytest.fixture
def open_app(monkeypatch):
    """Runs the app against `url`, on `page` (a path under ui/, e.g. views/history.py)."""

    def run(url: str, page: str | None = None) -> AppTest:
        monkeypatch.setenv("CASA_GATEWAY_URL", url)
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Price this listing").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_the_form_offers_the_listing_fields_with_allowed_values_and_defaults(open_app, gateway_url):
    at = open_app(gateway_url)
    status = at.selectbox(key="field_status")
    state = at.selectbox(key="field_state")
    assert list(status.options) == ["for_sale", "sold", "ready_to_build"]
    assert len(state.options) > 50 and "Massachusetts" in state.options and "Puerto Rico" in state.options
    assert (status.value, state.value) == ("for_sale", "Massachusetts")  # predict's OpenAPI example
    assert at.number_input(key="field_bed").value == 3
    assert at.text_input(key="field_zip_code").value == "01609"


def test_a_prediction_shows_the_price_the_model_version_and_a_shap_waterfall(open_app, gateway_url, champion):
    at = submit(open_app(gateway_url))
    assert [m.label for m in at.metric] == ["Predicted price"]
    assert at.metric[0].value.startswith("$") and float(at.metric[0].value[1:].replace(",", "")) > 1000
    assert f"v{champion}**, alias `champion`" in texts(at.markdown)
    assert len(at.get("image")) == 1, "the waterfall image"


def test_a_different_listing_changes_the_price(open_app, gateway_url):
    at = submit(open_app(gateway_url))
    first = at.metric[0].value
    at.number_input(key="field_house_size").set_value(4500.0)
    at.selectbox(key="field_state").set_value("California")
    submit(at)
    assert at.metric[0].value != first


def test_a_validation_error_is_shown_under_each_bad_field(open_app, gateway_url):
    at = open_app(gateway_url)
    at.number_input(key="field_house_size").set_value(1_000_000.0)
    at.text_input(key="field_zip_code").set_value("12ab")
    submit(at)
    errors = texts(at.error)
    assert "The listing is not valid" in errors
    assert len(at.error) == 3, errors  # one per field, one summary
    assert "75000" in errors and "5 digits" in errors
    assert not at.metric, "no price for an invalid listing"


def test_history_shows_every_version_the_timeline_and_the_reason_for_a_change(open_app, gateway_url, champion):
    at = open_app(gateway_url, "views/history.py")
    assert at.metric[0].label == "Serving now" and at.metric[0].value == f"v{champion}"
    versions = at.dataframe[0].value
    assert list(versions["version"])[-1] == f"v{champion}" and len(versions) >= 2
    assert set(versions["verdict"]) <= {"promoted", "rejected", "not judged"}
    assert "serving now" in texts(at.caption)
    # The newest version is selected: its report names the old model's degradation.
    assert "worse on this batch" in texts(at.markdown)
    assert len(at.get("vega_lite_chart")) >= 4, "metrics, timeline, drift, degradation, SHAP, promotion charts"


def test_batches_show_quality_decisions_and_drift(open_app, gateway_url):
    at = open_app(gateway_url, "views/batches.py")
    table = at.dataframe[0].value
    assert list(table["batch"]) == list(range(len(table))) and len(table) == 6
    assert (table["rows ingested"] >= table["clean"]).all()
    assert set(table["decision"]) == {"retrain", "no-retrain"}
    assert "Retrain" in texts(at.markdown)  # the last batch retrains
    assert len(at.get("vega_lite_chart")) >= 2, "quality and drift charts"


@pytest.mark.parametrize("page", [None, "views/history.py", "views/batches.py"])
def test_a_gateway_that_is_down_is_said_so_on_every_page(open_app, down_url, page):
    at = open_app(down_url, page)
    assert "The gateway is down" in texts(at.error)


def test_a_model_that_is_not_ready_and_an_empty_history_are_said_so(open_app, empty_gateway_url):
    at = open_app(empty_gateway_url)
    assert "Not ready yet" in texts(at.warning), "said before anyone fills in the form"
    submit(at)
    assert "Not ready yet" in texts(at.warning)
    assert not at.metric
    assert "No history yet" in texts(open_app(empty_gateway_url, "views/history.py").info)
    assert "No batches yet" in texts(open_app(empty_gateway_url, "views/batches.py").info)
