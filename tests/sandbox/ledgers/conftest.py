"""Fixtures for the ledger stand-in tests: one sandbox (Xero and QBO) on loopback per module, reset before
each test, and signed-in sessions for each ledger (helpers in `helpers.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers.helpers import TIME_SCALE, Session


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(time_scale=TIME_SCALE), only=("xero", "qbo")) as srv:
        yield srv


@pytest.fixture
def http(server: SandboxServer) -> Iterator[httpx.Client]:
    """A client on the sandbox; the sandbox is reset (documents, tokens, limits, faults) first."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        client.post("/_sandbox/clock", json={"time_scale": TIME_SCALE, "rate_limits": True}).raise_for_status()
        yield client


@pytest.fixture
def xero(http: httpx.Client) -> Session:
    return Session(http, "xero")


@pytest.fixture
def qbo(http: httpx.Client) -> Session:
    return Session(http, "qbo")
