"""Gateways the UI tests run against, given by the node:test file that starts them (ui/ui.integration.test.ts).

CASA_UI_TEST_GATEWAY_URL        a gateway whose model has versions and whose lake has batches
CASA_UI_TEST_EMPTY_GATEWAY_URL  a gateway with no model version and an empty lake
CASA_UI_TEST_DOWN_URL           an address where nothing listens
CASA_UI_TEST_CHAMPION           the version the champion alias names on the first gateway
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: run these through ui/ui.integration.test.ts, which starts the gateways")
    return value


@pytest.fixture
def gateway_url() -> str:
    return _env("CASA_UI_TEST_GATEWAY_URL")


@pytest.fixture
def empty_gateway_url() -> str:
    return _env("CASA_UI_TEST_EMPTY_GATEWAY_URL")


@pytest.fixture
def down_url() -> str:
    return _env("CASA_UI_TEST_DOWN_URL")


@pytest.fixture
def champion() -> str:
    return _env("CASA_UI_TEST_CHAMPION")
