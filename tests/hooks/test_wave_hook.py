"""WaveHook: identity and provider entry, test_connection against the Wave stand-in with its credentials,
and with a wrong secret that must not show up in the message."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from sellerledger.amazon.ratelimit import MemoryBucketStore
from sellerledger.hooks.wave import WaveHook
from sellerledger.ledgers import connection
from sellerledger.provider_info import get_provider_info
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.conftest import SANDBOX_TODAY

WRONG_SECRET = "not-the-wave-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(today=SANDBOX_TODAY, time_scale=60.0), only=("wave",)) as srv:
        yield srv


@pytest.fixture
def isolated(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_SHARED_STORE", MemoryBucketStore())


def set_conn(monkeypatch: pytest.MonkeyPatch, server: SandboxServer, conn_id: str, secret: str | None = None) -> dict:
    creds = httpx.get(f"{server.url}/_sandbox/credentials").json()["wave"]
    tenant = creds["tenants"][0]
    fields = {"conn_type": "wave", "login": creds["client_id"], "password": secret or creds["client_secret"],
              "extra": {"refresh_token": tenant["refresh_token"], "tenant_id": tenant["business_id"],
                        "base_url": creds["graphql_url"], "token_url": creds["token_url"], "time_scale": 60}}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
    return {**creds, **tenant}


def test_identity_matches_the_provider_entry() -> None:
    entry = next(e for e in get_provider_info()["connection-types"] if e["connection-type"] == "wave")
    assert entry["hook-class-name"] == "sellerledger.hooks.wave.WaveHook" and entry["hook-name"] == WaveHook.hook_name
    assert (WaveHook.conn_name_attr, WaveHook.default_conn_name, WaveHook.ledger) == ("wave_conn_id", "wave_default",
                                                                                       "wave")
    assert entry["conn-fields"]["refresh_token"]["schema"]["format"] == "password"
    assert set(entry["ui-field-behaviour"]["relabeling"]) == {"login", "password"}
    assert WaveHook(wave_conn_id="x").conn_id == "x"


def test_connection_succeeds_with_the_sandbox_credentials(server: SandboxServer, isolated: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    set_conn(monkeypatch, server, "wave_ok")
    ok, message = WaveHook("wave_ok").test_connection()
    assert ok, message
    assert message == "Connected to Wave: Wave business Demo Seller Ltd (USD)"


def test_a_wrong_secret_fails_without_showing_a_secret(server: SandboxServer, isolated: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    creds = set_conn(monkeypatch, server, "wave_bad", secret=WRONG_SECRET)
    ok, message = WaveHook("wave_bad").test_connection()
    assert not ok and "re-authorise" in message
    for secret in (WRONG_SECRET, creds["client_secret"], creds["refresh_token"]):
        assert secret not in message


def test_an_incomplete_connection_says_what_is_missing(isolated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_WAVE_HALF", json.dumps({"conn_type": "wave", "login": "id", "password": "pw",
                                                             "extra": {"refresh_token": "rt"}}))
    ok, message = WaveHook("wave_half").test_connection()
    assert not ok and "businessId" in message
