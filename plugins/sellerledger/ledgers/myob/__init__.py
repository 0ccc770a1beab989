"""MYOB Business API (AccountRight API v2): sale invoices, receive-money and general journals, exactly once.

`client_from_connection(conn)` gives the `LedgerClient` for one company file (see `client`); `render`
holds the document mapping, `refdata` the cached accounts, tax codes, customers and items.
"""

from sellerledger.ledgers.myob.client import MyobClient, client_from_connection, company_file_url

__all__ = ["MyobClient", "client_from_connection", "company_file_url"]
