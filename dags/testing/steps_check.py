"""Drives casa_lib.steps against a scripted stand-in for the gateway (answers by path) and prints
one JSON line of outcomes (read by dags/dagbag.test.ts): the train poll loop's decisions,
exhaustion → skip, and the idempotency keys."""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from casa_lib import steps  # noqa: E402


class ScriptedGateway:
    """Answers GET train status from `statuses` in turn; records every call."""

    def __init__(self, statuses, post_answers=None):
        self.statuses = list(statuses)
        self.post_answers = post_answers or {}
        self.calls: list[str] = []

    def call(self, method, path, *, body=None, idempotency_key=None, headers=None, expect=(200,)):
        self.calls.append(f"{method} {path.split('?')[0]}")
        if method == "GET":
            return SimpleNamespace(json=lambda: self.statuses.pop(0))
        return SimpleNamespace(json=lambda: {}, status_code=202)

    def post_json(self, function, body, key):
        self.calls.append(f"POST /function/{function}")
        return self.post_answers[function]


def outcome(fn):
    try:
        return {"ok": fn()}
    except Exception as err:  # noqa: BLE001
        return {"error": type(err).__name__, "message": str(err)[:300]}


trained = {"status": "trained", "version": "7"}
cases = {}

gw = ScriptedGateway([{"status": "unknown"}] * 5 + [{"status": "running"}] * 2 + [trained], {"train": {"status": "already-trained", "version": "7", "batches": {}}})
cases["unknown_then_trained"] = {**outcome(lambda: steps.train(gw, 4, "assess batch 4: retrain", "k", poll_interval=0, unknown_polls=2, sleep=lambda s: None)), "calls": gw.calls}

gw = ScriptedGateway([{"status": "running"}, {"status": "failed", "problem": {"status": 422, "type": "https://casa.dev/problems/training-set-too-small", "detail": "only 40 rows"}}])
cases["too_small"] = outcome(lambda: steps.train(gw, 0, "r", "k", poll_interval=0, unknown_polls=2, sleep=lambda s: None))

gw = ScriptedGateway([{"status": "failed", "problem": {"status": 422, "type": "https://casa.dev/problems/invalid-input", "detail": "reason too long"}}])
cases["refused"] = outcome(lambda: steps.train(gw, 0, "r", "k", poll_interval=0, unknown_polls=2, sleep=lambda s: None))

gw = ScriptedGateway([trained], {"train": {"status": "already-trained", "version": "7"}})
cases["already_trained"] = {**outcome(lambda: steps.train(gw, 4, "r", "k", poll_interval=0, unknown_polls=2, sleep=lambda s: None)), "calls": gw.calls}

gw = ScriptedGateway([], {"ingest": {"status": "exhausted", "committed_batches": 6}})
cases["exhausted"] = outcome(lambda: steps.ingest(gw, "k"))

gw = ScriptedGateway([], {"ingest": {"status": "already-committed", "ordinal": 3, "rows": 81}})
cases["already_committed"] = outcome(lambda: steps.ingest(gw, "k"))

keys = {
    "plain": steps.idempotency_key("casa_batch", "manual__2026-01-01T00:00:00+00:00", "train", 4),
    "long": steps.idempotency_key("casa_batch", "scheduled__" + "x" * 200, "train", 4),
}
print("STEPS-CHECK " + json.dumps({"cases": cases, "keys": keys}))
