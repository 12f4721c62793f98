"""The reference design predict is measured against: a FastAPI app that loads the registered
champion with mlflow.xgboost and explains each price with shap.TreeExplainer.

Runs in the project's .venv (requirements-dev.txt: xgboost, shap, mlflow-skinny, fastapi,
uvicorn). Started by bench.ts:
    MLFLOW_TRACKING_URI=http://127.0.0.1:P CASA_MODEL_NAME=name \
    .venv/bin/python -m uvicorn reference_app:app --app-dir functions/predict/bench --port Q
Features mirror packages/features/features.ts (same columns, codes and NaN for missing).
"""
import datetime as dt
import json
import math
import os
import re
from typing import Literal, Optional, Union

import mlflow
import mlflow.xgboost
import numpy as np
import shap
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "District of Columbia", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
    "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota",
    "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey",
    "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon",
    "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah",
    "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming", "Puerto Rico",
    "Virgin Islands", "Guam", "New Brunswick",
]
STATUSES = ["for_sale", "sold", "ready_to_build"]
# Columns by name; the order is the model's own (booster.feature_names), so a feature added to
# packages/features only needs its formula here.


class Listing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    brokered_by: Optional[int] = None
    street: Optional[int] = None
    status: Literal["for_sale", "sold", "ready_to_build"]
    bed: Optional[int]
    bath: Optional[int]
    acre_lot: Optional[float]
    city: Optional[str]
    state: str
    zip_code: Optional[Union[str, int]]
    house_size: Optional[float]
    prev_sold_date: Optional[str]


def decimal_year(date: Optional[str]) -> float:
    if date is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return math.nan
    d = dt.date.fromisoformat(date)
    start = dt.date(d.year, 1, 1)
    length = (dt.date(d.year + 1, 1, 1) - start).days
    return d.year + (d - start).days / length


def location_level(levels: dict, l: Listing, zip_code: Optional[str]) -> float:
    # The model's table (feature_spec.json): ZIP, else city, else state, else global.
    if zip_code is not None and zip_code in levels["zip"]:
        return levels["zip"][zip_code]
    city = f"{l.state}|{l.city}" if l.city else None
    if city is not None and city in levels["city"]:
        return levels["city"][city]
    return levels["state"].get(l.state, levels["global"])


def feature_values(l: Listing) -> dict:
    zip_code = l.zip_code if not isinstance(l.zip_code, int) else str(l.zip_code).zfill(5)
    nan = math.nan
    zip5 = int(zip_code) if zip_code is not None and re.fullmatch(r"\d{5}", zip_code) else nan
    return {
        "bed": nan if l.bed is None else l.bed,
        "bath": nan if l.bath is None else l.bath,
        "house_size": nan if l.house_size is None else l.house_size,
        "acre_lot": nan if l.acre_lot is None else l.acre_lot,
        "state": STATES.index(l.state) if l.state in STATES else nan,
        "status": STATUSES.index(l.status),
        "zip3": zip5 // 100 if zip5 == zip5 else nan,
        "zip": zip5,
        "prev_sold_year": decimal_year(l.prev_sold_date),
        "location_level": location_level(LEVELS, l, zip_code),
    }


name = os.environ.get("CASA_MODEL_NAME", "casa-house-price")
uri = f"models:/{name}@champion"
model_dir = mlflow.artifacts.download_artifacts(artifact_uri=uri)
booster = mlflow.xgboost.load_model(model_dir)
with open(os.path.join(model_dir, "feature_spec.json")) as f:
    LEVELS = json.load(f)["locationLevels"]
version = mlflow.MlflowClient().get_model_version_by_alias(name, "champion")
FEATURES = booster.feature_names
explainer = shap.TreeExplainer(booster)
app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok", "model_version": version.version}


@app.post("/predict")
def predict(listing: Listing):
    values = feature_values(listing)
    x = np.array([[values[f] for f in FEATURES]], dtype=np.float32)
    log_price = float(booster.predict(xgb.DMatrix(x, feature_names=FEATURES))[0])
    contributions = explainer.shap_values(x)[0]
    return {
        "price": math.exp(log_price),
        "log_price": log_price,
        "model": {"name": name, "version": version.version, "run_id": version.run_id},
        "shap": {
            "base_value": float(np.ravel(explainer.expected_value)[0]),
            "values": {f: float(v) for f, v in zip(FEATURES, contributions)},
        },
    }
