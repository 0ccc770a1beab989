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
            "marketplaces": _text("Marketplaces", "comma-separated ids or country codes the seller sells in "
                                  "(empty: every marketplace of the region, which Amazon refuses for a seller "
                                  "not registered in all of them)"),
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
    {
        "connection-type": "myob",
        "hook-class-name": "sellerledger.hooks.myob.MyobHook",
        "hook-name": "MYOB Business API",
        "conn-fields": {
            "refresh_token": _secret("Refresh token", "from the MYOB consent step (rotates; kept encrypted)"),
            "tenant_id": _text("Company file UID", "the businessId / company file id"),
            "cf_username": _text("Company file user", "AccountRight user of the file (x-myobapi-cftoken)"),
            "cf_password": _secret("Company file password"),
            "api_key": _secret("API key", "x-myobapi-key; empty: the client id"),
            "base_url": _text("API base URL", "default https://api.myob.com/accountright"),
            "token_url": _text("Token URL", "default https://secure.myob.com/oauth2/v1/authorize"),
            "tax_codes": _text("Tax code map", 'JSON, mapping code to MYOB code, e.g. {"VAT20": "GST"}'),
            "receivable_account": _text("Receivable account", "DisplayID invoices debit, e.g. 1-1200"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port"],
            "relabeling": {"login": "Client id (API key)", "password": "Client secret"},
            "placeholders": {"tenant_id": "e.g. 9a1c2f4e-....", "cf_username": "Administrator"},
        },
    },
    {
        "connection-type": "zoho_books",
        "hook-class-name": "sellerledger.hooks.zoho.ZohoBooksHook",
        "hook-name": "Zoho Books",
        "conn-fields": {
            "refresh_token": _secret("Refresh token", "from the consent step with access_type=offline"),
            "tenant_id": _text("Organization id", "organization_id (Settings > Organization profile)"),
            "region": _text("Data centre", "com, eu, in, com.au, jp, ca, com.cn, sa or uk", "com"),
            "unique_field": _text("Unique invoice field", "API name of a unique invoice custom field for upserts",
                                  "cf_posting_key"),
            "base_url": _text("API base URL override", "e.g. the sandbox: http://127.0.0.1:8765/zoho"),
            "token_url": _text("Token URL override", "default: the data centre's accounts server"),
            "tax_codes": _text("Tax code map", 'JSON, mapping code to Zoho tax name, e.g. {"VAT20": "VAT 20%"}'),
            "receivable_account": _text("Receivable account", "account code invoices debit"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port"],
            "relabeling": {"login": "Client id", "password": "Client secret"},
            "placeholders": {"login": "1000.XXXXXXXXXXXXXXXXXXXX", "tenant_id": "e.g. 10234695"},
        },
    },
    {
        "connection-type": "xero",
        "hook-class-name": "sellerledger.hooks.xero.XeroHook",
        "hook-name": "Xero",
        "conn-fields": {
            "refresh_token": _secret("Refresh token", "from the consent step with offline_access (rotates; kept encrypted)"),
            "tenant_id": _text("Tenant id", "the organisation's xero-tenant-id (GET /connections)"),
            "base_url": _text("API base URL override", "default https://api.xero.com/api.xro/2.0"),
            "token_url": _text("Token URL override", "default https://identity.xero.com/connect/token"),
            "payout_account": _text("Payout transit account", "account code the payout passes through to the bank; "
                                    "default: the mapping's clearing account"),
            "seller": _text("Seller", "mapping overrides (include/mappings/overrides/<seller>.yaml)"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port"],
            "relabeling": {"login": "Client id", "password": "Client secret"},
            "placeholders": {"login": "32-character Xero app client id",
                             "tenant_id": "e.g. 70784a63-d24b-46a9-a4db-0e70a274b056"},
        },
    },
    {
        "connection-type": "quickbooks_online",
        "hook-class-name": "sellerledger.hooks.qbo.QuickBooksOnlineHook",
        "hook-name": "QuickBooks Online",
        "conn-fields": {
            "refresh_token": _secret("Refresh token", "from the consent step (may change on every refresh; kept encrypted)"),
            "tenant_id": _text("Realm id", "the company id (realmId on the OAuth redirect)"),
            "base_url": _text("API base URL override", "default https://quickbooks.api.intuit.com; Intuit sandbox "
                              "companies: https://sandbox-quickbooks.api.intuit.com"),
            "token_url": _text("Token URL override", "default https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"),
            "order_id_field": _text("Order id custom field", "DefinitionId of the invoice custom field for the Amazon "
                                    "order id (optional)"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port"],
            "relabeling": {"login": "Client id", "password": "Client secret"},
            "placeholders": {"login": "AB...", "tenant_id": "e.g. 9130357016548172"},
        },
    },
    {
        "connection-type": "wave",
        "hook-class-name": "sellerledger.hooks.wave.WaveHook",
        "hook-name": "Wave",
        "conn-fields": {
            "refresh_token": _secret("Refresh token", "from the consent step (rotates; kept encrypted)"),
            "tenant_id": _text("Business id", "the businessId of the OAuth token answer (a base64 global id)"),
            "base_url": _text("GraphQL URL override", "default https://gql.waveapps.com/graphql/public"),
            "token_url": _text("Token URL override", "default https://api.waveapps.com/oauth2/token/"),
            "tax_codes": _text("Tax code map", 'JSON, mapping code to Wave sales tax, e.g. {"GST10": "GST"}'),
            "receivable_account": _text("Receivable account", "account number Wave invoices debit (default: the "
                                        "accounts receivable account)"),
            "anchor_account": _text("Anchor account", "bank account number for transactions that move no money "
                                    "(default: the first cash and bank account)"),
            "per_minute": _text("Calls per minute", "pacing per token", "60"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port"],
            "relabeling": {"login": "Client id", "password": "Client secret"},
            "placeholders": {"tenant_id": "e.g. QnVzaW5lc3M6...", "login": "Wave OAuth application client id"},
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
