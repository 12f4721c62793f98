#!/usr/bin/env bash
# .venv: xgboost, shap, scipy, FastAPI and MLflow's client, for reference checks in tests and the predict benchmark's reference app.
exec bash "$(dirname "$0")/setup-python-env.sh" .venv python requirements-dev.txt
