"""AmazonSellingPartnerHook: identity, connection parsing, lazy client, test_connection (sandbox and failures)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from sellerledger.hooks.amazon import AmazonSellingPartnerHook
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer

SECRET = "amzn1.oa2-cs.v1.not-the-real-secret-0123456789"


def set_conn(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: object) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "amazon_sp_api", **fields}))


def test_identity_follows_provider_conventions() -> None:
    assert AmazonSellingPartnerHook.conn_name_attr == "amazon_conn_id"
    assert AmazonSellingPartnerHook.default_conn_name == "amazon_sp_api_default"
    assert AmazonSellingPartnerHook.conn_type == "amazon_sp_api"
    assert AmazonSellingPartnerHook.hook_name == "Amazon Selling Partner API"


def test_nothing_is_read_until_the_client_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("connection looked up at construction")

    monkeypatch.setattr(AmazonSellingPartnerHook, "get_connection", forbidden)
    AmazonSellingPartnerHook("anything")


def test_connection_fields_become_client_config(monkeypatch: pytest.MonkeyPatch) -> None:
    set_conn(monkeypatch, "sp_eu", login="amzn1.application-oa2-client.abc", password=SECRET,
             extra={"refresh_token": "Atzr|r", "region": "eu", "marketplaces": "DE, UK",
                    "base_url": "http://127.0.0.1:1/amazon", "lwa_token_url": "http://127.0.0.1:1/amazon/auth/o2/token",
                    "seller_id": "A1SELLER", "orders_api_version": "v0"})
    config = AmazonSellingPartnerHook("sp_eu").client_config()
    assert config.client_id == "amzn1.application-oa2-client.abc"
    assert config.marketplace_ids() == ["A1PA6795UKMFR9", "A1F83G8C2ARO7P"]
    assert (config.region, config.base_url, config.seller_key, config.orders_api_version) == (
        "EU", "http://127.0.0.1:1/amazon", "A1SELLER", "v0")
    assert SECRET not in repr(config) and "Atzr|r" not in repr(config)


def test_an_incomplete_connection_fails_the_test_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    set_conn(monkeypatch, "sp_bad", login="cid", password=SECRET, extra={"region": "NA"})
    ok, message = AmazonSellingPartnerHook("sp_bad").test_connection()
    assert not ok and "refresh_token" in message and SECRET not in message


@pytest.fixture(scope="module")
def amazon_sandbox() -> Iterator[SandboxServer]:
    from tests.conftest import SANDBOX_TODAY

    with SandboxServer(SandboxConfig(today=SANDBOX_TODAY, days=20, profile="tiny"), only=("amazon",)) as server:
        yield server


def sandbox_conn(monkeypatch: pytest.MonkeyPatch, server: SandboxServer, conn_id: str, **replace: str) -> str:
    creds = httpx.get(f"{server.url}/_sandbox/credentials").json()["amazon"]
    fields = {"login": creds["lwa_client_id"], "password": creds["lwa_client_secret"]}
    extra = {"refresh_token": creds["refresh_token"], "region": creds["region"],
             "base_url": creds["regions"][creds["region"]]["endpoint"], "lwa_token_url": creds["lwa_token_url"],
             "marketplaces": ",".join(creds["regions"][creds["region"]]["marketplace_ids"])}
    for key, value in replace.items():
        (fields if key in fields else extra)[key] = value
    set_conn(monkeypatch, conn_id, **fields, extra=extra)
    return creds["lwa_client_secret"]


def test_test_connection_succeeds_with_the_sandbox_credentials(
        monkeypatch: pytest.MonkeyPatch, amazon_sandbox: SandboxServer) -> None:
    sandbox_conn(monkeypatch, amazon_sandbox, "sp_sandbox")
    hook = AmazonSellingPartnerHook("sp_sandbox")
    ok, message = hook.test_connection()
    assert ok, message
    assert "listFinancialEventGroups answered" in message and "region NA" in message
    assert hook.get_conn() is hook.client  # one lazy client per hook


@pytest.mark.parametrize(("field", "wrong", "expected"), [
    ("password", "amzn1.oa2-cs.v1.wrong-secret-000000000000", "invalid_client"),
    ("refresh_token", "Atzr|revoked-or-never-granted-token-0000000", "invalid_grant"),
])
def test_test_connection_fails_clearly_without_showing_the_secret(
        monkeypatch: pytest.MonkeyPatch, amazon_sandbox: SandboxServer, field: str, wrong: str,
        expected: str) -> None:
    real_secret = sandbox_conn(monkeypatch, amazon_sandbox, "sp_wrong", **{field: wrong})
    ok, message = AmazonSellingPartnerHook("sp_wrong").test_connection()
    assert not ok
    assert "refused the credentials" in message and expected in message
    assert wrong not in message and real_secret not in message
