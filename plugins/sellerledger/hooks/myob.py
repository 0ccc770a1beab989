"""Airflow hook for MYOB Business API (AccountRight API v2): a `myob` connection in, a `MyobClient` out.

Connection fields: login = OAuth client id (the API key), password = client secret; extras:
`refresh_token`, `tenant_id` (company file UID), `cf_username` / `cf_password` (the company-file user,
sent as `x-myobapi-cftoken`), `api_key` (when it differs from the client id), `base_url`
(default https://api.myob.com/accountright; the sandbox: http://127.0.0.1:8765/myob/accountright),
`token_url`, `tax_codes` (JSON: mapping code → MYOB tax code), `receivable_account` and `time_scale`
(sandbox only). `test_connection` reads one account with all three credentials.
"""

from __future__ import annotations

from typing import Any

from sellerledger.hooks.ledger import LedgerHook


class MyobHook(LedgerHook):
    conn_name_attr = "myob_conn_id"
    default_conn_name = "myob_default"
    conn_type = "myob"
    hook_name = "MYOB Business API"
    ledger = "myob"

    def __init__(self, myob_conn_id: str | None = None, conn_id: str | None = None, **kwargs: Any) -> None:
        # Airflow builds hooks as `Hook(myob_conn_id=...)` (conn_name_attr), e.g. for the UI's connection test
        super().__init__(conn_id=myob_conn_id or conn_id, **kwargs)
