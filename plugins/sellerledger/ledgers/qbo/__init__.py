"""QuickBooks Online Accounting API v3: the ledger client (`client.py`), document rendering
(`render.py`), reference data (`refdata.py`) and error classification (`errors.py`)."""

from __future__ import annotations

from sellerledger.ledgers.qbo.client import QboClient, client_from_connection

__all__ = ["QboClient", "client_from_connection"]
