"""AmazonSellingPartnerHook: identity, connection parsing, lazy client, test_connection (sandbox and failures)."""

from __future__ import annotations

import json

import pytest

from sellerledger.hooks.amazon import AmazonSellingPartnerHook

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
