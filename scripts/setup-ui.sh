#!/usr/bin/env bash
# .venv-ui: the Streamlit UI (Streamlit, shap, matplotlib) and its tests (pytest, Selenium).
exec bash "$(dirname "$0")/setup-python-env.sh" .venv-ui streamlit ui/requirements.txt
