#!/usr/bin/env bash
# .venv-mlflow: the MLflow server with its PostgreSQL and S3 drivers.
exec bash "$(dirname "$0")/setup-python-env.sh" .venv-mlflow mlflow requirements-mlflow.txt
