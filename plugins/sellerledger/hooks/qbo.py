"""Airflow hook for the QuickBooks Online Accounting API: a `quickbooks_online` connection in, a
`QboClient` out.

Connection fields: login = OAuth client id, password = client secret; extras: `refresh_token` (rotates on
refresh; kept encrypted in the token store after first use), `tenant_id` (the company's realm id),
`base_url` (default https://quickbooks.api.intuit.com; Intuit's sandbox companies:
https://sandbox-quickbooks.api.intuit.com; this project's sandbox: http://127.0.0.1:8765/qbo),
`token_url` (default https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer), `order_id_field`
(DefinitionId of an invoice custom field that receives the Amazon order id) and `time_scale` (sandbox
only). `test_connection` reads the company info.
"""

from __future__ import annotations

from sellerledger.hooks.ledger import LedgerHook


class QuickBooksOnlineHook(LedgerHook):
    conn_name_attr = "qbo_conn_id"
    default_conn_name = "quickbooks_online_default"
    conn_type = "quickbooks_online"
    hook_name = "QuickBooks Online"
    ledger = "qbo"
