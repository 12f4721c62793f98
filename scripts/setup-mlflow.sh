#!/usr/bin/env bash
# Creates the project-local virtualenv .venv-mlflow (MLflow server + PostgreSQL and S3 drivers),
# reinstalling only when requirements-mlflow.txt changed. Prints nothing when it is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
req=requirements-mlflow.txt
venv=.venv-mlflow
want=$(sha256sum "$req" | cut -d' ' -f1)
stamp=$venv/.casa-requirements.sha256
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/mlflow" ] && exit 0
echo "setup-mlflow: installing $req into $venv"
python3 -m venv "$venv"
# Self-ignoring, so the root .gitignore need not know about it.
echo "*" > "$venv/.gitignore"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
