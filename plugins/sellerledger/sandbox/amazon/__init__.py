"""The SP-API stand-in and the seller generator behind it.

`generator.generate(config) -> Seller` is the one truth; `settlement_writer` writes its V2 settlement
files (and arbitrarily large ones, streaming); `order_report` writes the all-orders flat file; `api.build`
serves it all over HTTP under `/amazon` with LWA, rate limits, paging and faults as the real API has them.
"""
