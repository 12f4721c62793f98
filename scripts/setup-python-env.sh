#!/usr/bin/env bash
# Creates a project-local Python virtualenv from a requirements file (and optional constraints),
# reinstalling only when those files changed or the venv lost its main command. Prints nothing
# when it is up to date. Used by setup-venv.sh, setup-mlflow.sh, setup-ui.sh, setup-airflow.sh.
# Usage: setup-python-env.sh VENV MAIN_COMMAND REQUIREMENTS [CONSTRAINTS]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1 main=$2 req=$3 constraints=${4:-}
files=("$req"); [ -n "$constraints" ] && files+=("$constraints")
want=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
stamp=$venv/.casa-requirements.sha256
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/$main" ] && exit 0
echo "setup: installing $req into $venv"
python3 -m venv "$venv"
# Self-ignoring, so the root .gitignore need not know about it.
echo "*" > "$venv/.gitignore"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req" ${constraints:+-c "$constraints"}
echo "$want" > "$stamp"
