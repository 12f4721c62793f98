"""What each task does, as plain functions of a Gateway and small ids (the DAG files wire
them into tasks). Only ids and decisions are returned: they become the tasks' XComs. Every
call carries an idempotency key derived from the DAG run and the batch, so a retried task
repeats nothing: ingest answers `already-committed`, clean re-cleans the same batch to the same
result, assess re-decides against the same champion, train finds the version registered for
the key, promote answers `already-champion`.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from casa_lib.gateway import Gateway, TransientGatewayError

log = logging.getLogger(__name__)

_KEY_CHARS = re.compile(r"[^A-Za-z0-9._:@-]")


def idempotency_key(dag_id: str, run_id: str, step: str, batch: int | None = None) -> str:
    """A key unique to (DAG, run, step[, batch]) in train's alphabet, at most 128 characters."""
    raw = f"{dag_id}.{run_id}.{step}" + ("" if batch is None else f".b{batch}")
    key = _KEY_CHARS.sub("_", raw)
    if len(key) > 128:
        import hashlib

        key = f"{key[:100]}.{hashlib.sha256(raw.encode()).hexdigest()[:16]}"
    return key


def ingest(gw: Gateway, key: str) -> dict[str, Any]:
    """One batch from the data API into RAW. Exhaustion skips the rest of the run."""
    r = gw.post_json("ingest", {}, key)
    if r.get("status") == "exhausted":
        raise AirflowSkipException(f"the data API is exhausted: RAW holds all {r.get('committed_batches')} batches; nothing to do")
    if r.get("status") not in ("committed", "already-committed"):
        raise AirflowFailException(f"ingest answered an unexpected status: {r!r}")
    log.info("ingest: batch %s %s (%s rows)", r["ordinal"], r["status"], r.get("rows"))
    return {"batch": int(r["ordinal"]), "rows": int(r.get("rows", 0))}


def clean(gw: Gateway, batch: int, key: str) -> dict[str, Any]:
    """Cleans every batch not clean yet (an earlier run may have stopped before its clean),
    then batch `batch` itself if it was clean already (re-cleaning is idempotent)."""
    r = gw.post_json("clean", {}, f"{key}.pending")
    done = {int(b["batch_ordinal"]): b for b in r.get("batches", [])}
    if batch not in done:
        r = gw.post_json("clean", {"batch": batch}, key)
        done.update({int(b["batch_ordinal"]): b for b in r.get("batches", [])})
    b = done.get(batch)
    if b is None:
        raise AirflowFailException(f"clean did not report batch {batch}: {r!r}")
    log.info("clean: batch %s: %s in, %s clean, %s quarantined", batch, b.get("rows_in"), b.get("rows_clean"), b.get("rows_quarantined"))
    return {"batch": batch, "rows_clean": int(b.get("rows_clean", 0))}


def assess(gw: Gateway, batch: int, key: str) -> dict[str, Any]:
    """The retrain decision for the batch (stored in the lake by assess)."""
    r = gw.post_json("assess", {"batch": batch}, key)
    decision = r.get("decision")
    if decision not in ("retrain", "no-retrain"):
        raise AirflowFailException(f"assess answered an unexpected decision: {decision!r}")
    log.info("assess: batch %s: %s (%s)", batch, decision, r.get("leadRule"))
    return {"batch": batch, "decision": decision, "lead_rule": r.get("leadRule"), "train_reason": r.get("trainReason")}


def train_status(gw: Gateway, key: str) -> dict[str, Any]:
    return gw.call("GET", f"/function/train?idempotencyKey={key}").json()


def train(gw: Gateway, batch: int, reason: str, key: str, *, poll_interval: float, unknown_polls: int, sleep=time.sleep) -> dict[str, Any]:
    """Trains on CLEAN 0..batch without an HTTP call that lasts as long as training: submits
    `/async-function/train` with the key, polls `GET /function/train?idempotencyKey=`, and
    submits again (same key: train registers at most once) when the call is lost (`unknown`
    for `unknown_polls` polls, e.g. the gateway restarted). Ends with one synchronous call
    with the key, which answers `already-trained` at once and finishes anything the original
    left (the challenger alias). A training set too small is recorded, not fatal."""
    body = {"upToBatch": batch, "reason": reason, "idempotencyKey": key}
    unknown = 0
    status = train_status(gw, key)
    while True:
        s = status.get("status")
        if s == "trained":
            break
        if s == "failed":
            problem = status.get("problem") or {}
            code = str(problem.get("type", "")).rsplit("/", 1)[-1]
            if code == "training-set-too-small":
                log.warning("train refused: %s", problem.get("detail"))
                return {"batch": batch, "version": None, "refused": problem.get("detail")}
            raise AirflowFailException(f"train refused the call: {problem.get('status')} {code}: {problem.get('detail')}")
        if s == "running":
            unknown = 0
        elif s == "unknown":
            # Not started yet (queued) or lost with its process: submitting again is harmless
            # (same key: a second call waits for the first's lease, then finds its version).
            # The task's execution_timeout bounds the whole wait.
            if unknown % max(unknown_polls, 1) == 0:
                log.info("train: submitting /async-function/train (key %s)%s", key, "" if unknown == 0 else f", not started after {unknown} polls")
                gw.call("POST", "/async-function/train", body=body, idempotency_key=key, expect=(200, 202))
            unknown += 1
        else:
            raise TransientGatewayError(f"train status answered {status!r}")
        sleep(poll_interval)
        status = train_status(gw, key)
    r = gw.post_json("train", body, key)
    log.info("train: version %s (%s) on batches %s", r.get("version"), r.get("status"), r.get("batches"))
    return {"batch": batch, "version": str(r["version"]), "refused": None}


def promote(gw: Gateway, batch: int, lead_rule: str | None, key: str) -> dict[str, Any]:
    """The champion/challenger gate. Naturally idempotent: a repeat answers `already-champion`."""
    r = gw.post_json("promote", {"reason": f"assess batch {batch}: {lead_rule or 'retrain'}"}, key)
    log.info("promote: %s (challenger %s, champion after %s)", r.get("decision"), r.get("challenger"), r.get("championAfter"))
    return {"batch": batch, "decision": r.get("decision")}


def publish_report(gw: Gateway, batch: int, key: str) -> dict[str, Any]:
    """Stores the batch's explanation report in the lake and on the trained version's run."""
    r = gw.post_json("assess", {"batch": batch, "publish": True}, key)
    summary = str(r.get("summary", ""))
    log.info("report of batch %s: %s", batch, summary)
    return {"batch": batch, "summary": summary[:500]}


def restart_and_replay(gw: Gateway, key: str) -> dict[str, Any]:
    """Restarts the data API's sequence and replays it up to the last committed batch."""
    r = gw.post_json("ingest", {"restart": True}, key)
    log.info("restart + replay: %r", r)
    return {"epoch": r.get("epoch"), "replayed": r.get("replayed"), "committed_batches": r.get("committed_batches")}
