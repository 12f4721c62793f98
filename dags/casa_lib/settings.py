"""Settings of casa's DAGs, read from the environment only (never from a connection, a variable
or the network), so parsing a DAG file is fast and side-effect free. Each has a default that
suits the deployment; the tests override them through the same variables.

The timeout ladder: each outer bound is longer than the one inside it, so the innermost
component always fails first and says why:

    function  <  gateway  <  HTTP call  <  task execution_timeout
    (the function's own bound, e.g. OpenFaaS exec_timeout or the data API timeout;
     `npx casa gateway --timeout`; the read timeout of one call from Airflow; the task's bound)

Training is asynchronous: the gateway bounds one train call (train must finish within the
gateway timeout), and the train task polls until its own longer execution_timeout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

GATEWAY_CONN_ID = "casa_gateway"
GATEWAY_URL_ENV = "CASA_GATEWAY_URL"


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as err:
        raise ValueError(f"{name}={raw!r} must be a number of seconds") from err
    if not value > 0:
        raise ValueError(f"{name}={raw!r} must be positive")
    return value


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit():
        raise ValueError(f"{name}={raw!r} must be a non-negative integer")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Every knob of the DAGs. Times are in seconds."""

    schedule: str | None
    function_timeout: float
    gateway_timeout: float
    http_timeout: float
    task_timeout: float
    train_task_timeout: float
    connect_timeout: float
    retries: int
    retry_delay: float
    train_poll_interval: float
    #: Polls a submitted train call may read `unknown` (not started yet, or lost with its
    #: gateway) before it is submitted again with the same key.
    train_unknown_polls: int

    def ladder(self) -> list[tuple[str, float]]:
        return [
            ("CASA_AIRFLOW_FUNCTION_TIMEOUT", self.function_timeout),
            ("CASA_AIRFLOW_GATEWAY_TIMEOUT", self.gateway_timeout),
            ("CASA_AIRFLOW_HTTP_TIMEOUT", self.http_timeout),
            ("CASA_AIRFLOW_TASK_TIMEOUT", self.task_timeout),
        ]

    def check(self) -> None:
        """Raises ValueError when the timeouts are not strictly ordered."""
        ladder = self.ladder()
        for (inner, a), (outer, b) in zip(ladder, ladder[1:]):
            if not a < b:
                raise ValueError(f"timeouts out of order: {inner} ({a:g} s) must be shorter than {outer} ({b:g} s)")
        if not self.gateway_timeout < self.train_task_timeout:
            raise ValueError(
                f"timeouts out of order: CASA_AIRFLOW_GATEWAY_TIMEOUT ({self.gateway_timeout:g} s) bounds one train call "
                f"and must be shorter than CASA_AIRFLOW_TRAIN_TASK_TIMEOUT ({self.train_task_timeout:g} s)"
            )
        if not self.connect_timeout < self.http_timeout:
            raise ValueError("CASA_AIRFLOW_CONNECT_TIMEOUT must be shorter than CASA_AIRFLOW_HTTP_TIMEOUT")

    @property
    def execution_timeout(self) -> timedelta:
        return timedelta(seconds=self.task_timeout)

    @property
    def train_execution_timeout(self) -> timedelta:
        return timedelta(seconds=self.train_task_timeout)

    @property
    def default_args(self) -> dict:
        """Every casa task's retries, retry delay and timeout (both DAGs)."""
        return {
            "owner": "casa",
            "retries": self.retries,
            "retry_delay": timedelta(seconds=self.retry_delay),
            "execution_timeout": self.execution_timeout,
        }


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """The settings from `env` (default os.environ), checked."""
    e = dict(os.environ if env is None else env)
    schedule = e.get("CASA_AIRFLOW_SCHEDULE", "@hourly").strip()
    s = Settings(
        schedule=None if schedule.lower() in ("", "none", "manual") else schedule,
        function_timeout=_seconds(e, "CASA_AIRFLOW_FUNCTION_TIMEOUT", 600),
        gateway_timeout=_seconds(e, "CASA_AIRFLOW_GATEWAY_TIMEOUT", 900),
        http_timeout=_seconds(e, "CASA_AIRFLOW_HTTP_TIMEOUT", 960),
        task_timeout=_seconds(e, "CASA_AIRFLOW_TASK_TIMEOUT", 1200),
        train_task_timeout=_seconds(e, "CASA_AIRFLOW_TRAIN_TASK_TIMEOUT", 2 * 3600),
        connect_timeout=_seconds(e, "CASA_AIRFLOW_CONNECT_TIMEOUT", 10),
        retries=_int(e, "CASA_AIRFLOW_RETRIES", 3),
        retry_delay=_seconds(e, "CASA_AIRFLOW_RETRY_DELAY", 60),
        train_poll_interval=_seconds(e, "CASA_AIRFLOW_TRAIN_POLL_INTERVAL", 15),
        train_unknown_polls=_int(e, "CASA_AIRFLOW_TRAIN_UNKNOWN_POLLS", 4),
    )
    s.check()
    return s
