#!/usr/bin/env bash
# Runs Airflow locally against the project, in one command: `airflow standalone` (metadata DB,
# api-server, scheduler, dag-processor and triggerer in one process tree) on 127.0.0.1, with the
# DAGs of dags/, calling the gateway at CASA_GATEWAY_URL (start one first: `npx casa gateway`,
# or `npx casa demo`, which prints its URL). Ctrl-C stops it.
#
#   CASA_GATEWAY_URL   the gateway (default http://127.0.0.1:8080); becomes the connection casa_gateway
#   CASA_AIRFLOW_PORT  Airflow's web UI / API port (default 8280: 8080 is the gateway's)
#   AIRFLOW_HOME       metadata DB (SQLite), logs, config (default .casa/airflow)
#   CASA_AIRFLOW_*     the DAGs' settings (schedule, retries, timeouts), see dags/README.md
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bash scripts/setup-airflow.sh

gateway=${CASA_GATEWAY_URL:-http://127.0.0.1:8080}
export CASA_GATEWAY_URL=$gateway
export AIRFLOW_CONN_CASA_GATEWAY=${AIRFLOW_CONN_CASA_GATEWAY:-$gateway}
export AIRFLOW_HOME=${AIRFLOW_HOME:-$repo/.casa/airflow}
export AIRFLOW__CORE__DAGS_FOLDER=$repo/dags
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT=${CASA_AIRFLOW_PORT:-8280}
export AIRFLOW__API__BASE_URL=http://127.0.0.1:$AIRFLOW__API__PORT
# Local development only: every visitor of 127.0.0.1 is admin, no login page.
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS:-True}
# The local gateway's own default; say it so the timeout ladder's check sees the real value.
export CASA_AIRFLOW_GATEWAY_TIMEOUT=${CASA_AIRFLOW_GATEWAY_TIMEOUT:-900}
# standalone starts its components as `airflow …` from PATH.
export PATH=$repo/.venv-airflow/bin:$PATH
mkdir -p "$AIRFLOW_HOME"

if ! .venv-airflow/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/healthz', timeout=3)" "$gateway" 2>/dev/null; then
  echo "airflow-local: warning: no gateway answers at $gateway/healthz; start one (npx casa gateway --port 8080) before triggering casa_batch" >&2
fi
echo "airflow-local: Airflow on http://127.0.0.1:$AIRFLOW__API__PORT (AIRFLOW_HOME=$AIRFLOW_HOME), gateway $gateway"
echo "airflow-local: trigger a batch: AIRFLOW_HOME=$AIRFLOW_HOME .venv-airflow/bin/airflow dags trigger casa_batch   (or the UI's ▶)"
exec .venv-airflow/bin/airflow standalone
