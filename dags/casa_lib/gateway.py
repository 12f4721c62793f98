"""The DAGs' one way to call casa's functions: HTTP through the gateway (the local one in
development and tests, OpenFaaS in production). Failures are sorted so that Airflow retries
only what a retry can fix:

- connection errors, timeouts, 5xx, 409 (a lease held by another call) and 429 → TransientGatewayError
  (an AirflowException: the task is retried with its delay);
- any other 4xx (a problem+json the function refused with; 409 `sequence-diverged` included)
  → AirflowFailException: the task fails at once, retrying the same request cannot help.

Nothing here runs at import time: the base URL is resolved on the first call.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import requests
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowNotFoundException

from casa_lib.settings import GATEWAY_CONN_ID, GATEWAY_URL_ENV, Settings

#: 4xx codes that say "not now" rather than "never".
RETRYABLE_4XX = {408, 409, 423, 425, 429}
#: Problem types (the last path segment of `type`) that stay fatal even with a retryable status.
FATAL_CODES = {"sequence-diverged"}


class TransientGatewayError(AirflowException):
    """The gateway or a function failed in a way a later attempt may not (retried by Airflow)."""


def resolve_base_url() -> str:
    """The gateway's base URL: the Airflow connection `casa_gateway` (e.g. env
    AIRFLOW_CONN_CASA_GATEWAY=http://127.0.0.1:8080), else env CASA_GATEWAY_URL."""
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(GATEWAY_CONN_ID)
    except AirflowNotFoundException:
        conn = None
    if conn is not None and conn.host:
        host = conn.host
        if "://" in host:  # a host given with its scheme
            base = host
        else:
            # HttpHook's convention (scheme in `schema`), else the URI's scheme (conn_type).
            scheme = conn.schema if conn.schema in ("http", "https") else conn.conn_type if conn.conn_type in ("http", "https") else "http"
            base = f"{scheme}://{host}"
        if conn.port and not re.search(r":\d+$", base):
            base = f"{base}:{conn.port}"
        return base.rstrip("/")
    url = os.environ.get(GATEWAY_URL_ENV, "").strip()
    if not url:
        raise AirflowFailException(
            f"no gateway configured: set the Airflow connection {GATEWAY_CONN_ID!r} "
            f"(env AIRFLOW_CONN_{GATEWAY_CONN_ID.upper()}=http://HOST:PORT) or {GATEWAY_URL_ENV}"
        )
    return url.rstrip("/")


def _problem_text(res: requests.Response) -> tuple[str, str]:
    """(code, one line) of a problem+json answer, or of whatever the body is."""
    try:
        body = res.json()
    except ValueError:
        return "", res.text[:500]
    if isinstance(body, dict):
        code = str(body.get("type", "")).rsplit("/", 1)[-1]
        detail = body.get("detail") or body.get("title") or json.dumps(body)[:500]
        errors = body.get("errors")
        if errors:
            fields = "; ".join(f"{e.get('pointer')}: {e.get('detail')}" for e in errors[:5] if isinstance(e, dict))
            detail = f"{detail} ({fields})"
        return code, str(detail)
    return "", json.dumps(body)[:500]


class Gateway:
    """A client of the gateway for one task attempt."""

    def __init__(self, settings: Settings, base_url: str | None = None, session: requests.Session | None = None):
        self.settings = settings
        self.base_url = base_url or resolve_base_url()
        self.session = session or requests.Session()

    def call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> requests.Response:
        """One HTTP call; raises TransientGatewayError or AirflowFailException on failure."""
        url = f"{self.base_url}{path}"
        h = {"accept": "application/json", **(headers or {})}
        if idempotency_key:
            h["Idempotency-Key"] = idempotency_key
        try:
            res = self.session.request(
                method,
                url,
                json=body,
                headers=h,
                timeout=(self.settings.connect_timeout, self.settings.http_timeout),
            )
        except (requests.ConnectionError, requests.Timeout) as err:
            raise TransientGatewayError(f"{method} {url}: {type(err).__name__}: {err}") from err
        if res.status_code in expect:
            return res
        code, detail = _problem_text(res)
        message = f"{method} {path} answered {res.status_code}{f' {code}' if code else ''}: {detail}"
        if res.status_code >= 500 or (res.status_code in RETRYABLE_4XX and code not in FATAL_CODES):
            raise TransientGatewayError(message)
        raise AirflowFailException(message)

    def post_json(self, function: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """POST /function/NAME with a JSON body; the JSON answer."""
        return self.call("POST", f"/function/{function}", body=body, idempotency_key=idempotency_key).json()
