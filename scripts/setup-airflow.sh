#!/usr/bin/env bash
# .venv-airflow: Apache Airflow 3 + the HTTP and standard providers, every transitive package
# pinned by dags/constraints.txt (Airflow's own constraints files are not reachable here).
exec bash "$(dirname "$0")/setup-python-env.sh" .venv-airflow airflow dags/requirements.txt dags/constraints.txt
