"""Zoho Books (API v3) stand-in: `build(state)` gives the API mounted at `/zoho`, every data centre."""

from sellerledger.sandbox.ledgers.zoho.api import ZohoApi, build

__all__ = ["ZohoApi", "build"]
