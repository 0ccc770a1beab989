"""XeroHook and QuickBooksOnlineHook: identity, connection fields, test_connection against the sandbox
(with its credentials, and with a wrong secret that must not show up in the message)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from sellerledger.amazon.ratelimit import MemoryBucketStore
from sellerledger.hooks.qbo import QuickBooksOnlineHook
from sellerledger.hooks.xero import XeroHook
from sellerledger.ledgers import connection
from sellerledger.provider_info import get_provider_info
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.conftest import SANDBOX_TODAY

HOOKS = {"xero": XeroHook, "qbo": QuickBooksOnlineHook}
WRONG_SECRET = "not-the-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(today=SANDBOX_TODAY, time_scale=60.0), only=("xero", "qbo")) as srv:
        yield srv


@pytest.fixture
def isolated(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_SHARED_STORE", MemoryBucketStore())


def set_conn(monkeypatch: pytest.MonkeyPatch, server: SandboxServer, ledger: str, conn_id: str,
             secret: str | None = None) -> dict:
    creds = httpx.get(f"{server.url}/_sandbox/credentials").json()[ledger]["tenants"][0]
    fields = {
        "conn_type": HOOKS[ledger].conn_type, "login": creds["client_id"],
        "password": secret or creds["client_secret"],
        "extra": {"refresh_token": creds["refresh_token"], "tenant_id": creds.get("tenant_id") or creds["realm_id"],
                  "base_url": creds["api_base_url"], "token_url": creds["token_url"], "time_scale": 60},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
    return creds


@pytest.mark.parametrize("ledger", sorted(HOOKS))
def test_identity_matches_the_provider_entry(ledger: str) -> None:
    hook = HOOKS[ledger]
    entry = next(e for e in get_provider_info()["connection-types"] if e["connection-type"] == hook.conn_type)
    assert entry["hook-class-name"] == f"{hook.__module__}.{hook.__name__}" and entry["hook-name"] == hook.hook_name
    assert hook.ledger == ledger and hook.default_conn_name.endswith("_default")
    assert entry["conn-fields"]["refresh_token"]["schema"]["format"] == "password"
    assert set(entry["ui-field-behaviour"]["relabeling"]) == {"login", "password"}
    assert "tenant_id" in entry["conn-fields"]


@pytest.mark.parametrize("ledger", sorted(HOOKS))
def test_connection_succeeds_with_the_sandbox_credentials(ledger: str, server: SandboxServer, isolated: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    set_conn(monkeypatch, server, ledger, f"{ledger}_ok")
    ok, message = HOOKS[ledger](f"{ledger}_ok").test_connection()
    assert ok, message
    assert "Demo Seller Ltd" in message


@pytest.mark.parametrize("ledger", sorted(HOOKS))
def test_a_wrong_secret_fails_without_showing_a_secret(ledger: str, server: SandboxServer, isolated: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    creds = set_conn(monkeypatch, server, ledger, f"{ledger}_bad", secret=WRONG_SECRET)
    ok, message = HOOKS[ledger](f"{ledger}_bad").test_connection()
    assert not ok and "re-authorise" in message
    for secret in (WRONG_SECRET, creds["client_secret"], creds["refresh_token"]):
        assert secret not in message


@pytest.mark.parametrize("ledger", sorted(HOOKS))
def test_an_incomplete_connection_says_what_is_missing(ledger: str, isolated: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{ledger.upper()}_EMPTY",
                       json.dumps({"conn_type": HOOKS[ledger].conn_type, "login": "cid", "password": WRONG_SECRET}))
    ok, message = HOOKS[ledger](f"{ledger}_empty").test_connection()
    assert not ok and "refresh_token" in message and "tenant_id" in message and WRONG_SECRET not in message
