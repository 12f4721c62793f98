"""casa_batch: one batch from the data API through ingest → clean → assess → (train → promote)
→ publish the report, by calling casa's functions through the gateway. See dags/README.md."""

from __future__ import annotations

import os
import sys

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TriggerRule, get_current_context, task

# Airflow puts the DAGs folder on sys.path; tools that load this file by path may not.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))) if os.path.dirname(os.path.abspath(__file__)) not in sys.path else None

from casa_lib import steps  # noqa: E402
from casa_lib.gateway import Gateway  # noqa: E402
from casa_lib.settings import load_settings  # noqa: E402

SETTINGS = load_settings()

DAG_DOC = """
### casa_batch — one batch per run

Calls casa's functions through the gateway (Airflow connection `casa_gateway`, or env
`CASA_GATEWAY_URL`): **ingest** one batch from the data API into RAW → **clean** it →
**assess** it (drift, the champion's error on it → `retrain` or `no-retrain`) → on `retrain`,
**train** (asynchronously, polled) and **promote** (champion/challenger gate) → **publish_report**
(the explanation of the decision, in the lake and on the trained version's MLflow run).

- One batch per run, `max_active_runs=1`: batches are strictly sequential.
- When the data API is exhausted, `ingest` ends **skipped** and so does the whole run: nothing failed.
- Transient failures (connection errors, timeouts, 5xx, 409 lease held) are retried after a delay;
  a 4xx problem from a function (bad request, a sequence that diverged) fails the task at once.
- Every call carries an idempotency key made of the DAG run id, the step and the batch: clearing
  and re-running any task repeats nothing (no batch is taken twice, no version registered twice).
- Only ids and decisions go through XCom; the data stays in the lake and MLflow.

**When a run fails**: open the failed task's log — the last line quotes the function's problem
(`detail`). Fix the cause, then *Clear* the failed task (not the whole run: ingest would keep its
batch anyway, thanks to the key). A run that keeps failing on ingest with `sequence-diverged`
needs the `casa_maintenance` DAG (restart + replay) or an operator's look at RAW.
"""


def _ctx() -> tuple[str, str]:
    ctx = get_current_context()
    return ctx["dag"].dag_id, ctx["run_id"]


def _gateway() -> Gateway:
    return Gateway(SETTINGS)


with DAG(
    dag_id="casa_batch",
    description="One data API batch: ingest → clean → assess → (train → promote) → publish the report",
    schedule=SETTINGS.schedule,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["casa", "batch", "continuous-training"],
    doc_md=DAG_DOC,
    default_args=SETTINGS.default_args,
) as dag:

    @task(
        doc_md="""
**ingest** — `POST /function/ingest` with `Idempotency-Key`: takes exactly one batch from the data
API into RAW and returns its ordinal. A retry with the same key answers `already-committed`.
When the data API says the data is exhausted, this task (and so the run) ends **skipped**.

*On failure*: 5xx/timeouts were already retried; a 409 `sequence-diverged` means the API's
sequence no longer matches RAW — run `casa_maintenance` (restart + replay) and read its log.
"""
    )
    def ingest() -> dict:
        dag_id, run_id = _ctx()
        return steps.ingest(_gateway(), steps.idempotency_key(dag_id, run_id, "ingest"))

    @task(
        doc_md="""
**clean** — `POST /function/clean`: cleans every RAW batch not clean yet (in order), then this
run's batch if it was already clean (re-cleaning is idempotent). Returns the clean row count.

*On failure*: a 404 says RAW lacks the batch (ingest did not commit it: clear `ingest`); 409 an
earlier batch is not clean (this task cleans those first, so read the detail).
"""
    )
    def clean(ingested: dict) -> dict:
        dag_id, run_id = _ctx()
        b = ingested["batch"]
        return steps.clean(_gateway(), b, steps.idempotency_key(dag_id, run_id, "clean", b))

    @task(
        doc_md="""
**assess** — `POST /function/assess {"batch": N}`: drift per feature against the champion's
training data and the champion's error on the batch → `retrain` or `no-retrain`, stored in the
lake's `decisions` table. Returns the decision, its lead rule and the train reason.

*On failure*: 404 — the batch is not CLEAN (clear `clean`); 503 — MLflow or the lake is down
(retried; check the MLflow server).
"""
    )
    def assess(cleaned: dict) -> dict:
        dag_id, run_id = _ctx()
        b = cleaned["batch"]
        return steps.assess(_gateway(), b, steps.idempotency_key(dag_id, run_id, "assess", b))

    @task.branch(doc_md="**decide** — follows assess's decision: `train` on retrain, else `no_retrain`. Never fails on its own.")
    def decide(decision: dict) -> str:
        return "train" if decision["decision"] == "retrain" else "no_retrain"

    no_retrain = EmptyOperator(task_id="no_retrain", doc_md="**no_retrain** — the data did not call for a new model; nothing to do.")

    @task(
        execution_timeout=SETTINGS.train_execution_timeout,
        doc_md="""
**train** — `POST /async-function/train` (202 at once) with the idempotency key of this run and
batch, then polls `GET /function/train?idempotencyKey=…` until the version is registered; a call
lost with its gateway is submitted again with the same key (train registers at most once). A
last synchronous call with the key answers `already-trained` and finishes what a crash left.
A training set too small is recorded and not fatal (promote then does nothing).

*On failure*: a 4xx problem (recorded by train) is in the log; 5xx/timeouts are retried. The
MLflow experiment shows the candidate runs of the key (tag `casa.idempotency_key`).
"""
    )
    def train(decision: dict) -> dict:
        dag_id, run_id = _ctx()
        b = decision["batch"]
        return steps.train(
            _gateway(),
            b,
            decision["train_reason"] or f"assess batch {b}: retrain",
            steps.idempotency_key(dag_id, run_id, "train", b),
            poll_interval=SETTINGS.train_poll_interval,
            unknown_polls=SETTINGS.train_unknown_polls,
        )

    @task(
        doc_md="""
**promote** — `POST /function/promote`: the champion/challenger gate on the same evaluation data;
moves the alias `champion` (and the stage `Production`) when the challenger wins. Idempotent: a
repeat answers `already-champion`. Does nothing when train refused to train.

*On failure*: 409 — another promotion holds the lock (retried); 503 — MLflow down (retried).
"""
    )
    def promote(decision: dict, trained: dict) -> dict:
        if not trained.get("version"):
            return {"batch": decision["batch"], "decision": "not-trained"}
        dag_id, run_id = _ctx()
        b = decision["batch"]
        return steps.promote(_gateway(), b, decision["lead_rule"], steps.idempotency_key(dag_id, run_id, "promote", b))

    @task(
        trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,
        doc_md="""
**publish_report** — `POST /function/assess {"batch": N, "publish": true}`: builds the batch's
explanation (drift, degradation, the SHAP comparison of old and new model, the promotion
verdict) and stores it in the lake's `decisions` row and on the trained version's MLflow run.

*On failure*: safe to clear and re-run at any time; 404 means assess stored no decision.
"""
    )
    def publish_report(decision: dict) -> dict:
        dag_id, run_id = _ctx()
        b = decision["batch"]
        return steps.publish_report(_gateway(), b, steps.idempotency_key(dag_id, run_id, "publish", b))

    decision = assess(clean(ingest()))
    trained = train(decision)
    promoted = promote(decision, trained)
    published = publish_report(decision)
    decide(decision) >> [trained, no_retrain]
    promoted >> published
    no_retrain >> published
