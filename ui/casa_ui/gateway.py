"""The UI's only way out: HTTP calls to the casa gateway (predict and history functions).

Every failure becomes one of a few named errors, so each page can show a clear state:
the gateway is down, the model is not ready yet, the input is invalid, or another problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import requests

DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080"


def gateway_url() -> str:
    """The gateway base URL from CASA_GATEWAY_URL (no trailing slash)."""
    return (os.environ.get("CASA_GATEWAY_URL") or DEFAULT_GATEWAY_URL).strip().rstrip("/")


def request_timeout() -> float:
    """Seconds one call may take (CASA_UI_TIMEOUT_SECONDS, default 30)."""
    try:
        return max(1.0, float(os.environ.get("CASA_UI_TIMEOUT_SECONDS", "30")))
    except ValueError:
        return 30.0


class GatewayError(Exception):
    """Any failure talking to the gateway."""


class GatewayUnreachableError(GatewayError):
    """No answer at all: the gateway is down or the URL is wrong."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"cannot reach the gateway at {url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass
class ProblemError(GatewayError):
    """An RFC 9457 problem answered by a function (or the gateway)."""

    status: int
    detail: str
    title: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}".strip()


class NotReadyError(ProblemError):
    """503: the function cannot answer yet (predict has no model loaded); retry after `retry_after` s."""


class InvalidInputError(ProblemError):
    """422: `errors` has one {pointer, detail} per bad field."""


@dataclass
class Answer:
    body: Any
    headers: dict[str, str]


class GatewayClient:
    """Calls `/function/predict` and `/function/history` on one gateway."""

    def __init__(self, base_url: str | None = None, timeout: float | None = None):
        self.base_url = (base_url or gateway_url()).rstrip("/")
        self.timeout = timeout or request_timeout()

    def _call(self, method: str, path: str, **kwargs: Any) -> Answer:
        url = f"{self.base_url}{path}"
        try:
            res = requests.request(method, url, timeout=self.timeout, **kwargs)
        except requests.ConnectionError as err:
            raise GatewayUnreachableError(self.base_url, "connection refused or host unknown") from err
        except requests.Timeout as err:
            raise GatewayUnreachableError(self.base_url, f"no answer within {self.timeout:.0f} s") from err
        if res.ok:
            try:
                return Answer(res.json(), dict(res.headers))
            except ValueError as err:
                raise GatewayError(f"{path} answered {res.status_code} with a body that is not JSON") from err
        raise _problem_of(res)

    def predict(self, listing: dict[str, Any]) -> Answer:
        """Prices one listing: body has price, model {name, version, alias, …}, shap, shap_dollars."""
        return self._call("POST", "/function/predict", json=listing)

    def predict_openapi(self) -> dict[str, Any]:
        """predict's OpenAPI document (the listing schema: fields, enums, bounds, example)."""
        return self._call("GET", "/function/predict/openapi.json").body

    def predict_ready(self) -> dict[str, Any]:
        """predict's readiness: {ready, model_version}; NotReadyError (503 + Retry-After) until a model is loaded."""
        return self._call("GET", "/function/predict/_/ready").body

    def history(self, view: str, **params: str) -> dict[str, Any]:
        """One history view: models, batches, or change (version=N)."""
        return self._call("GET", "/function/history", params={"view": view, **params}).body


def _problem_of(res: requests.Response) -> ProblemError:
    try:
        body = res.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    retry = res.headers.get("retry-after")
    kwargs = dict(
        status=res.status_code,
        detail=str(body.get("detail") or res.reason or "no detail"),
        title=str(body.get("title") or ""),
        errors=[e for e in body.get("errors") or [] if isinstance(e, dict)],
        retry_after=int(retry) if retry and retry.isdigit() else None,
    )
    if res.status_code == 503:
        return NotReadyError(**kwargs)
    if res.status_code == 422:
        return InvalidInputError(**kwargs)
    return ProblemError(**kwargs)
