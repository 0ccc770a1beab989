"""Airflow hook for Wave (public GraphQL API): a `wave` connection in, a `WaveClient` out.

Connection fields: login = OAuth client id, password = client secret; extras: `refresh_token` (rotates;
kept encrypted in the token store), `tenant_id` (the businessId), `base_url` (the GraphQL endpoint,
default https://gql.waveapps.com/graphql/public; the sandbox: http://127.0.0.1:8765/wave/graphql/public),
`token_url` (default https://api.waveapps.com/oauth2/token/), `tax_codes` (JSON: mapping code → Wave sales
tax abbreviation or name, NONE for untaxed), `receivable_account` / `anchor_account` (account numbers),
`per_minute` / `daily_limit` (pacing) and `time_scale` (sandbox only). `test_connection` reads the
business's name and currency.
"""

from __future__ import annotations

from typing import Any

from sellerledger.hooks.ledger import LedgerHook


class WaveHook(LedgerHook):
    conn_name_attr = "wave_conn_id"
    default_conn_name = "wave_default"
    conn_type = "wave"
    hook_name = "Wave"
    ledger = "wave"

    def __init__(self, wave_conn_id: str | None = None, conn_id: str | None = None, **kwargs: Any) -> None:
        # Airflow builds hooks as `Hook(wave_conn_id=...)` (conn_name_attr), e.g. for the UI's connection test
        super().__init__(conn_id=wave_conn_id or conn_id, **kwargs)
