"""The SP-API stand-in and the seller generator behind it.

Public API (the truth tests compare the pipeline against):
- `generator.generate(config=None, *, seed=None, profile=None, today=None, days=None, options=None,
  fresh=False) -> model.Seller`: deterministic from (seed, profile, today, days[, options]); profiles in
  `profiles` (demo, global, tiny, large). `Seller.orders`, `.postings`, `.settlements` (closed),
  `.event_groups` (closed and open), `.skus`, `.marketplaces`, `.horizon` (today 00:00 UTC);
  `Settlement.id/settlement_id, marketplace, currency, start, end, deposit_date, total_amount (Decimal),
  lines, event_group_id, report_id, report_document_id, encoding, decimal_comma`.
- `settlement_writer.write_settlement_file(settlement, path_or_binary_stream) -> int`,
  `settlement_file_bytes(settlement) -> bytes`, and the streaming
  `write_large_settlement(path, lines=1_000_000, seed=0, currency="USD", decimal_comma=False) -> LargeSettlement`.
- `order_report.order_report_bytes(orders, marketplace_ids, start, end, at, report_type)`: the all-orders flat file.
- `api.build(state)`: the HTTP stand-in mounted at `/amazon` (see `api` for routes and inspection routes).
"""
