"""MYOB Business API (AccountRight Live API v2) stand-in: `build(state)` gives the API mounted at `/myob`."""

from sellerledger.sandbox.ledgers.myob.api import MyobApi, build

__all__ = ["MyobApi", "build"]
