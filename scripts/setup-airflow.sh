#!/usr/bin/env bash
# Creates the project-local virtualenv .venv-airflow (Apache Airflow 3 + the HTTP provider) from
# dags/requirements.txt, every transitive package pinned by dags/constraints.txt. Reinstalls only
# when either file changed; prints nothing when it is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-airflow
want=$(cat dags/requirements.txt dags/constraints.txt | sha256sum | cut -d' ' -f1)
stamp=$venv/.casa-requirements.sha256
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/airflow" ] && exit 0
echo "setup-airflow: installing dags/requirements.txt into $venv"
python3 -m venv "$venv"
echo "*" > "$venv/.gitignore"
"$venv/bin/pip" install -q --disable-pip-version-check -r dags/requirements.txt -c dags/constraints.txt
echo "$want" > "$stamp"
