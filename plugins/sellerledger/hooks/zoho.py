"""Airflow hook for Zoho Books (API v3): a `zoho_books` connection in, a `ZohoClient` out.

Connection fields: login = OAuth client id, password = client secret; extras: `refresh_token`,
`tenant_id` (organization_id), `region` (data centre: com, eu, in, com.au, jp, ca, com.cn, sa, uk),
`unique_field` (API name of the unique invoice custom field holding our document key, default
`cf_posting_key`; empty: no upsert), `base_url` (the Books API base, or the sandbox root
http://127.0.0.1:8765/zoho), `token_url`, `tax_codes`, `receivable_account` and `time_scale` (sandbox
only). `test_connection` lists the grant's organizations in its data centre.
"""

from __future__ import annotations

from typing import Any

from sellerledger.hooks.ledger import LedgerHook


class ZohoBooksHook(LedgerHook):
    conn_name_attr = "zoho_conn_id"
    default_conn_name = "zoho_books_default"
    conn_type = "zoho_books"
    hook_name = "Zoho Books"
    ledger = "zoho"

    def __init__(self, zoho_conn_id: str | None = None, conn_id: str | None = None, **kwargs: Any) -> None:
        # Airflow builds hooks as `Hook(zoho_conn_id=...)` (conn_name_attr), e.g. for the UI's connection test
        super().__init__(conn_id=zoho_conn_id or conn_id, **kwargs)
