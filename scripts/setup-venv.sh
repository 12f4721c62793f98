#!/usr/bin/env bash
# Creates the project-local Python virtualenv (.venv) used for reference checks in tests,
# reinstalling only when requirements-dev.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
req=requirements-dev.txt
[ -f "$req" ] || { echo "setup-venv: no $req, nothing to do"; exit 0; }
want=$(sha256sum "$req" | cut -d' ' -f1)
stamp=.venv/.casa-requirements.sha256
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && exit 0
echo "setup-venv: installing $req into .venv"
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
