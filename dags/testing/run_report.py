"""Prints the state of every run of a DAG from the test's SQLite metadata DB as one JSON line:
run state, and per task its state, try number and return value (read by the e2e test)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys

dag_id = sys.argv[1]
db = sqlite3.connect(os.path.join(os.environ["AIRFLOW_HOME"], "airflow.db"))
runs = []
for run_id, state, logical_date in db.execute("SELECT run_id, state, logical_date FROM dag_run WHERE dag_id = ? ORDER BY id", (dag_id,)):
    tasks = {}
    for task_id, tstate, tries in db.execute("SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)):
        tasks[task_id] = {"state": tstate, "tries": tries}
    for task_id, value in db.execute("SELECT task_id, value FROM xcom WHERE dag_id = ? AND run_id = ? AND key = 'return_value'", (dag_id, run_id)):
        if task_id in tasks:
            v = value.decode() if isinstance(value, bytes) else value
            try:
                tasks[task_id]["value"] = json.loads(v) if isinstance(v, str) else v
            except ValueError:
                tasks[task_id]["value"] = v
    runs.append({"run_id": run_id, "state": state, "logical_date": str(logical_date), "tasks": tasks})
print("RUN-REPORT " + json.dumps(runs))
