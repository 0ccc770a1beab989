"""Airflow hook for the Amazon Selling Partner API: an `amazon_sp_api` connection in, a client out.

Connection fields: login = LWA client id, password = LWA client secret; extras: `refresh_token`
(sensitive), `region` (NA, EU, FE), `marketplaces` (ids or country codes, comma-separated), `base_url`
(overrides the regional host, e.g. the sandbox), `lwa_token_url` (overrides the LWA token endpoint),
`orders_api_version` (2026-01-01 or v0), `seller_id` (key of the seller's rate-limit budget) and
`time_scale` (sandbox only). Nothing is read until the client is first used.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from sellerledger.amazon.client import ClientConfig, SellingPartnerClient
from sellerledger.amazon.errors import AmazonApiError, AuthBlocked


class AmazonSellingPartnerHook(BaseHook):
    """Connection → `SellingPartnerClient`; `test_connection` makes one cheap read-only call."""

    conn_name_attr = "amazon_conn_id"
    default_conn_name = "amazon_sp_api_default"
    conn_type = "amazon_sp_api"
    hook_name = "Amazon Selling Partner API"

    def __init__(self, amazon_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.amazon_conn_id = amazon_conn_id

    def client_config(self) -> ClientConfig:
        """The client settings held by the connection (secrets registered with Airflow's log masker)."""
        conn = self.get_connection(self.amazon_conn_id)
        extra = dict(conn.extra_dejson or {})
        missing = [name for name, value in (("login (LWA client id)", conn.login),
                                            ("password (LWA client secret)", conn.password),
                                            ("extra refresh_token", extra.get("refresh_token"))) if not value]
        if missing:
            raise ValueError(f"connection {self.amazon_conn_id!r} lacks {', '.join(missing)}")
        _mask(conn.password, extra.get("refresh_token"))
        return ClientConfig.from_mapping({
            **extra,
            "client_id": conn.login,
            "client_secret": conn.password,
            "base_url": extra.get("base_url") or (conn.host or None),
            "seller_key": extra.get("seller_id") or self.amazon_conn_id,
        })

    @cached_property
    def client(self) -> SellingPartnerClient:
        return SellingPartnerClient(self.client_config())

    def get_conn(self) -> SellingPartnerClient:
        return self.client

    def test_connection(self) -> tuple[bool, str]:
        """(True, what answered) or (False, why), never showing a secret."""
        try:
            operation = self.client.ping()
        except AuthBlocked as exc:
            return False, f"Amazon refused the credentials: {exc}"
        except AmazonApiError as exc:
            return False, f"SP-API call failed: {exc}"
        except ValueError as exc:
            return False, str(exc)
        config = self.client.config
        return True, (f"Connected to SP-API region {config.region} ({self.client.http.base_url}): "
                      f"{operation} answered")


def _mask(*secrets: str | None) -> None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - older SDKs
        return
    for secret in secrets:
        if secret:
            mask_secret(secret)
