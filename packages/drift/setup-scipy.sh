#!/usr/bin/env bash
# Puts the pinned scipy (requirements-drift.txt) into the project .venv for the drift reference
# test. Idempotent: does nothing when .venv already has that version. Needs .venv first
# (scripts/setup-venv.sh); once requirements-dev.txt carries the pin, this script is redundant.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=requirements-drift.txt
want=$(sed -n 's/^scipy==//p' "$req")
[ -x .venv/bin/python ] || { echo "setup-scipy: no .venv (run scripts/setup-venv.sh first)" >&2; exit 1; }
have=$(.venv/bin/python -c 'import scipy; print(scipy.__version__)' 2>/dev/null || true)
[ "$have" = "$want" ] && exit 0
echo "setup-scipy: installing scipy==$want into .venv (had: ${have:-none})"
.venv/bin/pip install -q --disable-pip-version-check -r "$req"
