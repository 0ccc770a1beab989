"""The MYOB and Zoho Books hooks: provider identity, their connection types, and test_connection against the
sandbox (true with its credentials; false, without any secret in the message, with a wrong one)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sellerledger.amazon.ratelimit import MemoryBucketStore
from sellerledger.hooks.myob import MyobHook
from sellerledger.hooks.zoho import ZohoBooksHook
from sellerledger.ledgers import connection as ledger_connection
from sellerledger.provider_info import get_provider_info
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.ledgers import mz_support as mz


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=mz.SEED, profile=mz.PROFILE, today=mz.TODAY, time_scale=mz.TIME_SCALE)
    server = SandboxServer(config, only=("myob", "zoho")).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def memory_buckets(monkeypatch: pytest.MonkeyPatch, fresh_db: str) -> None:
    monkeypatch.setattr(ledger_connection, "_SHARED_STORE", MemoryBucketStore())


def set_conn(monkeypatch: pytest.MonkeyPatch, conn_id: str, conn_type: str, login: str, password: str,
             extra: dict[str, Any]) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(
        {"conn_type": conn_type, "login": login, "password": password, "extra": extra}))


def myob_conn(server: SandboxServer, monkeypatch: pytest.MonkeyPatch, conn_id: str, **changes: str) -> dict[str, str]:
    creds = mz.credentials(server, "myob")
    cf = creds["tenants"][0]
    secrets = {"client_secret": changes.pop("client_secret", creds["client_secret"]),
               "cf_password": changes.pop("cf_password", cf["company_file_password"]),
               "refresh_token": cf["refresh_token"]}
    set_conn(monkeypatch, conn_id, "myob", creds["client_id"], secrets["client_secret"], {
        "refresh_token": secrets["refresh_token"], "tenant_id": cf["company_file_uid"],
        "base_url": creds["api_base_url"], "token_url": creds["token_url"], "cf_username": cf["company_file_username"],
        "cf_password": secrets["cf_password"], "time_scale": mz.TIME_SCALE})
    return secrets


def zoho_conn(server: SandboxServer, monkeypatch: pytest.MonkeyPatch, conn_id: str, tenant: str = "demo",
              **changes: str) -> dict[str, str]:
    creds = mz.credentials(server, "zoho")
    org = next(t for t in creds["tenants"] if t["key"] == tenant)
    secrets = {"client_secret": changes.pop("client_secret", creds["client_secret"]),
               "refresh_token": org["refresh_token"]}
    set_conn(monkeypatch, conn_id, "zoho_books", creds["client_id"], secrets["client_secret"], {
        "refresh_token": secrets["refresh_token"], "tenant_id": org["organization_id"],
        "region": changes.pop("region", org["dc"]), "base_url": f"{server.url}/zoho", "time_scale": mz.TIME_SCALE})
    return secrets


def test_identity_and_connection_types() -> None:
    assert (MyobHook.conn_type, MyobHook.default_conn_name, MyobHook.ledger) == ("myob", "myob_default", "myob")
    assert (ZohoBooksHook.conn_type, ZohoBooksHook.default_conn_name, ZohoBooksHook.ledger) == (
        "zoho_books", "zoho_books_default", "zoho")
    types = {t["connection-type"]: t for t in get_provider_info()["connection-types"]}
    for conn_type, hook, secrets in (("myob", MyobHook, ("refresh_token", "cf_password", "api_key")),
                                     ("zoho_books", ZohoBooksHook, ("refresh_token",))):
        entry = types[conn_type]
        assert entry["hook-class-name"] == f"{hook.__module__}.{hook.__name__}"
        assert entry["hook-name"] == hook.hook_name
        for name in secrets:
            assert entry["conn-fields"][name]["schema"]["format"] == "password"
        assert entry["ui-field-behaviour"]["relabeling"]["password"] == "Client secret"


def test_airflow_builds_the_hooks_from_a_connection_of_their_type(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk.definitions.connection import Connection

    for conn_type, hook in (("myob", MyobHook), ("zoho_books", ZohoBooksHook)):
        built = Connection(conn_id=f"{conn_type}_built", conn_type=conn_type).get_hook()  # by conn_name_attr
        assert type(built) is hook and built.conn_id == f"{conn_type}_built"


def test_myob_connection_succeeds_with_the_sandbox_credentials(server: SandboxServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    mz.reset(server)
    myob_conn(server, monkeypatch, "myob_ok")
    ok, message = MyobHook("myob_ok").test_connection()
    assert ok and "MYOB company file" in message


@pytest.mark.parametrize("wrong", ["client_secret", "cf_password"])
def test_myob_connection_fails_without_showing_a_secret(server: SandboxServer, monkeypatch: pytest.MonkeyPatch,
                                                        wrong: str) -> None:
    mz.reset(server)
    secrets = myob_conn(server, monkeypatch, f"myob_bad_{wrong}", **{wrong: "not-the-secret-0123456789"})
    ok, message = MyobHook(f"myob_bad_{wrong}").test_connection()
    assert not ok and ("refused" in message)
    assert "company file user" in message if wrong == "cf_password" else "refresh token" in message
    assert not any(value in message for value in secrets.values())


def test_zoho_connection_succeeds_in_the_organizations_data_centre(server: SandboxServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    mz.reset(server)
    zoho_conn(server, monkeypatch, "zoho_ok")
    ok, message = ZohoBooksHook("zoho_ok").test_connection()
    assert ok and "Demo Seller Ltd" in message and ", com)" in message
    zoho_conn(server, monkeypatch, "zoho_au", tenant="second")
    ok, message = ZohoBooksHook("zoho_au").test_connection()
    assert ok and "com.au" in message


@pytest.mark.parametrize("change", [{"client_secret": "not-the-secret-0123456789"}, {"region": "eu"}])
def test_zoho_connection_fails_without_showing_a_secret(server: SandboxServer, monkeypatch: pytest.MonkeyPatch,
                                                        change: dict[str, str]) -> None:
    mz.reset(server)
    secrets = zoho_conn(server, monkeypatch, "zoho_bad", tenant="second", **change)  # second lives in com.au
    ok, message = ZohoBooksHook("zoho_bad").test_connection()
    assert not ok and "refused" in message
    assert not any(value in message for value in secrets.values())
