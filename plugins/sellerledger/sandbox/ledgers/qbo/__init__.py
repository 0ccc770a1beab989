"""The QuickBooks Online Accounting API v3 stand-in, served under `/qbo`.

Paths mirror the real hosts: `/qbo/oauth2/v1/tokens/bearer` (oauth.platform.intuit.com),
`/qbo/v2/oauth2/tokens/revoke`, `/qbo/.well-known/openid_configuration`, and `/qbo/v3/company/{realmId}/...`
(quickbooks.api.intuit.com). See `api.py` for options and faults.
"""

from __future__ import annotations

from sellerledger.sandbox.core.state import SandboxState
from sellerledger.sandbox.ledgers.qbo.api import QboApi


def build(state: SandboxState) -> QboApi:
    api = QboApi(state)
    state.apis[api.name] = api
    return api
