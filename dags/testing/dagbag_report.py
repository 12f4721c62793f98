"""Parses the DAGs folder the way Airflow does, with every socket and every connection or
variable lookup made to fail and recorded, and prints one JSON report on stdout (read by
dags/dagbag.test.ts)."""

from __future__ import annotations

import json
import os
import socket
import sys

DAGS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
attempts: list[str] = []


def _refuse(what):
    def inner(*args, **kwargs):
        attempts.append(f"{what} {args[1:2] if what == 'socket.connect' else args[:1]}")
        raise OSError(f"network access at parse time: {what}")

    return inner


socket.socket.connect = _refuse("socket.connect")  # type: ignore[method-assign]
socket.socket.connect_ex = _refuse("socket.connect_ex")  # type: ignore[method-assign]
socket.create_connection = _refuse("socket.create_connection")  # type: ignore[assignment]
socket.getaddrinfo = _refuse("socket.getaddrinfo")  # type: ignore[assignment]

from airflow.dag_processing.dagbag import DagBag  # noqa: E402
from airflow.sdk import BaseHook, Variable  # noqa: E402

for owner, name in ((BaseHook, "get_connection"), (Variable, "get")):
    def make(n):
        def refused(*args, **kwargs):
            attempts.append(f"{n} {args[-1:] if args else ''}")
            raise RuntimeError(f"{n} at parse time")

        return staticmethod(refused) if n.endswith("get") else classmethod(lambda cls, *a, **k: refused(*a, **k))

    setattr(owner, name, make(f"{owner.__name__}.{name}"))

bag = DagBag(dag_folder=sys.argv[1] if len(sys.argv) > 1 else DAGS)
sys.path.insert(0, DAGS)
from casa_lib.settings import load_settings  # noqa: E402

try:
    s = load_settings()
    ladder = s.ladder() + [("CASA_AIRFLOW_TRAIN_TASK_TIMEOUT", s.train_task_timeout)]
except ValueError:
    ladder = None
report = {
    "import_errors": {os.path.basename(k): v for k, v in bag.import_errors.items()},
    "attempts": attempts,
    "ladder": ladder,
    "dags": {},
}
for dag_id, dag in sorted(bag.dags.items()):
    report["dags"][dag_id] = {
        "file": os.path.basename(dag.fileloc),
        "tags": sorted(dag.tags),
        "catchup": dag.catchup,
        "catchup_explicit": "catchup=" in open(dag.fileloc).read(),
        "max_active_runs": dag.max_active_runs,
        "schedule": None if dag.schedule is None else str(dag.schedule),
        "doc_md": bool(dag.doc_md and len(dag.doc_md) > 200),
        "params": sorted(dag.params.keys()),
        "tasks": {
            t.task_id: {
                "retries": t.retries,
                "retry_delay": t.retry_delay.total_seconds(),
                "execution_timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
                "doc_md": bool(t.doc_md and len(t.doc_md.strip()) > 40),
                "upstream": sorted(t.upstream_task_ids),
                "trigger_rule": str(t.trigger_rule.value if hasattr(t.trigger_rule, "value") else t.trigger_rule),
            }
            for t in dag.tasks
        },
    }
print("DAGBAG-REPORT " + json.dumps(report))
