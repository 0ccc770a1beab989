"""Airflow hook for the Xero Accounting API: a `xero` connection in, a `XeroClient` out.

Connection fields: login = OAuth client id, password = client secret; extras: `refresh_token` (rotates;
kept encrypted in the token store after first use), `tenant_id` (the organisation's Xero tenant id, sent
as `xero-tenant-id` on every call), `base_url` (default https://api.xero.com/api.xro/2.0; the sandbox:
http://127.0.0.1:8765/xero/api.xro/2.0), `token_url` (default https://identity.xero.com/connect/token),
`payout_account` (account code the payout passes through on its way to the bank; default the mapping's
clearing account), `seller` (mapping overrides) and `time_scale` (sandbox only). `test_connection`
reads the organisation.
"""

from __future__ import annotations

from sellerledger.hooks.ledger import LedgerHook


class XeroHook(LedgerHook):
    conn_name_attr = "xero_conn_id"
    default_conn_name = "xero_default"
    conn_type = "xero"
    hook_name = "Xero"
    ledger = "xero"
