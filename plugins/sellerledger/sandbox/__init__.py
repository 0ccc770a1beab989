"""Local stand-ins for the SP-API and the five ledgers, served over real HTTP on loopback.

`core` holds what every stand-in shares (virtual clock, token-bucket limits, fault injection, call stats,
the double-entry book); `amazon` and `ledgers` hold one module per API; `server` runs them all in one
Starlette app, in-process (tests) or as `sellerledger sandbox serve`.
"""
