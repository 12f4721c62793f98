"""casa_maintenance: operator actions, triggered by hand with parameters — restart the data API's
sequence and replay it up to the last committed batch; re-run assess (and train/promote) for a
chosen batch. See dags/README.md."""

from __future__ import annotations

import os
import sys

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Param, TriggerRule, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

# Airflow puts the DAGs folder on sys.path; tools that load this file by path may not.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))) if os.path.dirname(os.path.abspath(__file__)) not in sys.path else None

from casa_lib import steps  # noqa: E402
from casa_lib.gateway import Gateway  # noqa: E402
from casa_lib.settings import load_settings  # noqa: E402

SETTINGS = load_settings()

DAG_DOC = """
### casa_maintenance — operator actions (manual trigger only)

Trigger with parameters (*Trigger DAG w/ config*):

- `restart_and_replay` (bool): `POST /function/ingest {"restart": true}` — restarts the data API's
  sequence and replays every committed batch, checking each against RAW's content hash, so the
  server's cursor stands where RAW ends. Use it after the data API was restarted or redeployed, or
  when `casa_batch`'s ingest reports a diverged sequence (then this task fails with the batch that
  differs: RAW and the API disagree and a person must decide which is right).
- `batch` (int, optional): re-runs **assess** for that CLEAN batch against the current champion,
  then, per `retrain`, **train** on CLEAN 0..batch and **promote**, and publishes the report.
- `retrain`: `decision` (train only if assess says retrain), `always`, or `never`.

Every call carries an idempotency key made of this run's id and the batch. Do not run it while
`casa_batch` is running (pause `casa_batch` first): both would move the same data API cursor;
ingest's lease refuses the second with a 409, which is retried and then fails.
"""


def _ctx() -> tuple[str, str, dict]:
    ctx = get_current_context()
    return ctx["dag"].dag_id, ctx["run_id"], ctx["params"]


with DAG(
    dag_id="casa_maintenance",
    description="Operator actions: restart + replay the data API; re-assess / retrain a chosen batch",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["casa", "maintenance"],
    doc_md=DAG_DOC,
    params={
        "restart_and_replay": Param(False, type="boolean", description="Restart the data API's sequence and replay to the last committed batch"),
        "batch": Param(None, type=["null", "integer"], minimum=0, description="Re-run assess (and train/promote per `retrain`) for this CLEAN batch"),
        "retrain": Param("decision", enum=["decision", "always", "never"], description="When to train after re-assessing"),
    },
    default_args=SETTINGS.default_args,
) as dag:

    @task(
        doc_md="""
**restart_and_replay** — `POST /function/ingest {"restart": true}`; skipped unless the parameter
`restart_and_replay` is true. *On failure*: 409 `sequence-diverged` names the batch whose content
differs from RAW's: the data API no longer serves what was ingested; compare before going on.
"""
    )
    def restart_and_replay() -> dict:
        dag_id, run_id, params = _ctx()
        if not params.get("restart_and_replay"):
            raise AirflowSkipException("restart_and_replay is false")
        return steps.restart_and_replay(Gateway(SETTINGS), steps.idempotency_key(dag_id, run_id, "restart"))

    @task(
        trigger_rule=TriggerRule.NONE_FAILED,
        doc_md="""
**reassess** — `POST /function/assess {"batch": N}` for the parameter `batch` (skipped when it is
empty): the decision against the current champion, stored in the lake (replacing the batch's
earlier decision). *On failure*: 404 — the batch is not CLEAN.
""",
    )
    def reassess() -> dict:
        dag_id, run_id, params = _ctx()
        if params.get("batch") is None:
            raise AirflowSkipException("no batch given")
        b = int(params["batch"])
        return steps.assess(Gateway(SETTINGS), b, steps.idempotency_key(dag_id, run_id, "assess", b))

    @task.branch(doc_md="**decide** — `train` when `retrain` is `always`, or `decision` and assess said retrain; else `no_retrain`.")
    def decide(decision: dict) -> str:
        _, _, params = _ctx()
        mode = params.get("retrain", "decision")
        wants = mode == "always" or (mode == "decision" and decision["decision"] == "retrain")
        return "train" if wants else "no_retrain"

    no_retrain = EmptyOperator(task_id="no_retrain", doc_md="**no_retrain** — no training was asked for (retrain=never, or decision and assess said no-retrain); nothing to do.")

    @task(
        execution_timeout=SETTINGS.train_execution_timeout,
        doc_md="""
**train** — as in `casa_batch`: `/async-function/train` with this run's key, polled until the
version is registered. *On failure*: read the problem in the log; safe to clear (same key).
""",
    )
    def train(decision: dict) -> dict:
        dag_id, run_id, _ = _ctx()
        b = decision["batch"]
        reason = decision["train_reason"] or f"assess batch {b}: retrain"
        if not reason.startswith(f"assess batch {b}: retrain"):
            reason = f"assess batch {b}: retrain (operator, casa_maintenance): {reason}"[:5000]
        return steps.train(
            Gateway(SETTINGS),
            b,
            reason,
            steps.idempotency_key(dag_id, run_id, "train", b),
            poll_interval=SETTINGS.train_poll_interval,
            unknown_polls=SETTINGS.train_unknown_polls,
        )

    @task(doc_md="**promote** — the champion/challenger gate, as in `casa_batch`. Safe to clear.")
    def promote(decision: dict, trained: dict) -> dict:
        if not trained.get("version"):
            return {"batch": decision["batch"], "decision": "not-trained"}
        dag_id, run_id, _ = _ctx()
        b = decision["batch"]
        return steps.promote(Gateway(SETTINGS), b, decision["lead_rule"] or "operator", steps.idempotency_key(dag_id, run_id, "promote", b))

    @task(
        trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
        doc_md="**publish_report** — stores the batch's explanation report (lake + MLflow run). Safe to clear.",
    )
    def publish_report(decision: dict) -> dict:
        dag_id, run_id, _ = _ctx()
        b = decision["batch"]
        return steps.publish_report(Gateway(SETTINGS), b, steps.idempotency_key(dag_id, run_id, "publish", b))

    decision = reassess()
    restart_and_replay() >> decision
    trained = train(decision)
    promoted = promote(decision, trained)
    published = publish_report(decision)
    decide(decision) >> [trained, no_retrain]
    promoted >> published
    no_retrain >> published
