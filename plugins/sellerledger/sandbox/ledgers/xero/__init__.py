"""The Xero Accounting API stand-in, served under `/xero`.

Paths mirror the real hosts: `/xero/connect/token` (identity.xero.com), `/xero/connections`
(api.xero.com), `/xero/api.xro/2.0/...` (the Accounting API). See `api.py` for options and faults.
"""

from __future__ import annotations

from sellerledger.sandbox.core.state import SandboxState
from sellerledger.sandbox.ledgers.xero.api import XeroApi


def build(state: SandboxState) -> XeroApi:
    api = XeroApi(state)
    state.apis[api.name] = api
    return api
