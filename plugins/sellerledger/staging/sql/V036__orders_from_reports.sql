-- Order headers now come from the order report the extraction already requests for the lines (searchOrders
-- paging cost 1,429 of 1,442 rate-limit minutes for 50,000 orders); the comments say where each value is from.
COMMENT ON TABLE staging.orders IS
    'Amazon order headers, one row per seller and order: from the flat-file order report (api_version report, '
    'the default) or from the Orders API (v2026-01-01 searchOrders or v0 getOrders, with extract_orders(headers_from="api")). '
    'The newest last_update_date wins. Buyer and recipient PII is stripped before staging.';
COMMENT ON COLUMN staging.orders.order_total IS
    'Money: order total in currency. From the order report: item price + shipping + gift wrap - promotions, '
    'plus tax in US and CA (elsewhere the prices include it); from the API: v0 OrderTotal or v2026 '
    'proceeds.grandTotal. NULL for Pending and cancelled orders, which carry no pricing.';
COMMENT ON COLUMN staging.orders.api_version IS
    'Where the header came from: report (the flat-file order report), 2026-01-01 or v0 (Orders API).';
