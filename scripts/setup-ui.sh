#!/usr/bin/env bash
# Creates the project-local virtualenv .venv-ui (Streamlit UI, shap, matplotlib, pytest, Selenium),
# reinstalling only when ui/requirements.txt changed. Prints nothing when it is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
req=ui/requirements.txt
venv=.venv-ui
want=$(sha256sum "$req" | cut -d' ' -f1)
stamp=$venv/.casa-requirements.sha256
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/streamlit" ] && exit 0
echo "setup-ui: installing $req into $venv"
python3 -m venv "$venv"
# Self-ignoring, so the root .gitignore need not know about it.
echo "*" > "$venv/.gitignore"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
