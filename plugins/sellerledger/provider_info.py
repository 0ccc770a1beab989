"""Airflow provider metadata: registers sellerledger's connection types so the UI shows their own fields.

Airflow reads `get_provider_info()` through the `apache_airflow_provider` entry point in pyproject.toml.
Fields are declared here (JSON schema per extra, `ui-field-behaviour`), so the API server never imports
the hooks to draw a form. Each hook module's connection type is one entry of `CONNECTION_TYPES`.
"""

from __future__ import annotations

from typing import Any

from sellerledger import __version__


def _secret(label: str, description: str = "") -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": ["string", "null"], "format": "password"}}


def _text(label: str, description: str = "", default: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if default is not None:
        schema["default"] = default
    return {"label": label, "description": description, "schema": schema}


CONNECTION_TYPES: list[dict[str, Any]] = [
    {
        "connection-type": "sellerledger_staging",
        "hook-class-name": "sellerledger.hooks.staging.StagingDatabaseHook",
        "hook-name": "sellerledger staging database",
        "conn-fields": {
            "sslmode": _text("SSL mode", "libpq sslmode for an external server", "prefer"),
        },
        "ui-field-behaviour": {
            "hidden-fields": [],
            "relabeling": {"schema": "Database"},
            "placeholders": {"host": "leave empty to use the embedded Postgres", "schema": "sellerledger"},
        },
    },
    {
        "connection-type": "amazon_sp_api",
        "hook-class-name": "sellerledger.hooks.amazon.AmazonSellingPartnerHook",
        "hook-name": "Amazon Selling Partner API",
        "conn-fields": {
            "refresh_token": _secret("LWA refresh token", "Atzr|… from the seller's authorisation"),
            "region": _text("Region", "SP-API region: NA, EU or FE", "NA"),
            "marketplaces": _text("Marketplaces", "comma-separated ids or country codes (empty: all of the region)"),
            "seller_id": _text("Seller id", "merchant token; keys the seller's shared rate-limit budget"),
            "base_url": _text("Base URL override", "e.g. the sandbox: http://127.0.0.1:8765/amazon"),
            "lwa_token_url": _text("LWA token URL override", "default https://api.amazon.com/auth/o2/token"),
            "orders_api_version": _text("Orders API version", "2026-01-01 or v0", "2026-01-01"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port"],
            "relabeling": {"login": "LWA client id", "password": "LWA client secret"},
            "placeholders": {"login": "amzn1.application-oa2-client.…"},
        },
    },
]


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "sellerledger",
        "name": "sellerledger",
        "description": "Amazon SP-API settlements to MYOB, QuickBooks Online, Xero, Wave and Zoho Books.",
        "versions": [__version__],
        "connection-types": CONNECTION_TYPES,
    }
