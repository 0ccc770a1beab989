"""Xero Accounting API: the ledger client (`client.py`), document rendering (`render.py`), reference data
(`refdata.py`), updates of posted documents (`update.py`) and error classification (`errors.py`)."""

from __future__ import annotations

from sellerledger.ledgers.xero.client import XeroClient, client_from_connection

__all__ = ["XeroClient", "client_from_connection"]
