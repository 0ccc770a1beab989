"""Zoho Books (API v3, every data centre): invoices, credit notes and journals, exactly once.

`client_from_connection(conn)` gives the `LedgerClient` for one organization (see `client`); `render`
holds the document mapping, `refdata` the cached accounts, taxes, currencies and customers, `regions`
the data centres.
"""

from sellerledger.ledgers.zoho.client import ZohoClient, client_from_connection

__all__ = ["ZohoClient", "client_from_connection"]
