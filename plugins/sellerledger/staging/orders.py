"""Stage order headers and order lines: COPY into a temp table, then upsert on natural keys.

One transaction per batch of headers (the orders of one order report, or one searchOrders page) and per
order-report document's lines, so an interrupted run leaves whole batches and a rerun converges. Headers are keyed (seller, amazon_order_id) and an older version never
overwrites a newer one; lines are keyed (seller, amazon_order_id, sku, sku_seq) and an order present in a
newer report replaces its lines. Counts say what changed: a rerun of the same window inserts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from sellerledger.amazon.http import dumps
from sellerledger.amazon.orders import OrderHeader, OrderLine

ORDER_COLUMNS = (
    "seller", "amazon_order_id", "marketplace_id", "sales_channel", "order_status", "fulfillment_channel",
    "purchase_date", "last_update_date", "order_total", "currency", "is_business_order", "number_of_items",
    "api_version", "raw",
)
LINE_COLUMNS = (
    "seller", "amazon_order_id", "sku", "sku_seq", "asin", "product_name", "item_status", "quantity", "currency",
    "item_price", "item_tax", "shipping_price", "shipping_tax", "gift_wrap_price", "gift_wrap_tax",
    "item_promotion_discount", "ship_promotion_discount", "promotion_ids", "order_status", "fulfillment_channel",
    "sales_channel", "purchase_date", "last_update_date", "is_business_order", "report_id",
)


@dataclass
class StageCounts:
    """What a staging call changed: new rows, changed rows, rows already staged as they are, rows removed."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def add(self, other: StageCounts) -> StageCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed
        return self

    def as_dict(self, prefix: str = "") -> dict[str, int]:
        return {f"{prefix}{k}": v for k, v in vars(self).items()}


def load_temp(
    cur: psycopg.Cursor[Any], temp: str, like: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Create temp table `temp` shaped like `like` (dropped at commit) and COPY `rows` into `columns`.

    The caller's connection should be in autocommit mode so each staging call is its own transaction; in
    a caller's open transaction the call becomes a savepoint and the temp table is replaced on reuse.
    """
    cur.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(temp)))
    cur.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
        sql.Identifier(temp), sql.SQL(like)))
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(temp), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with cur.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)


def upsert_sql(table: str, temp: str, columns: Sequence[str], key: Sequence[str], compare: Sequence[str],
               guard: str = "TRUE") -> sql.Composed:
    """INSERT … SELECT … ON CONFLICT DO UPDATE only when a compared column differs and `guard` holds."""
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    updates = sql.SQL(", ").join(
        sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in columns if c not in key
    )
    old = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in compare)
    new = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in compare)
    return sql.SQL(
        "INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM {temp} "
        "ON CONFLICT ({key}) DO UPDATE SET {updates}, staged_at = now() "
        "WHERE ({guard}) AND ({old}) IS DISTINCT FROM ({new}) RETURNING (xmax = 0)"
    ).format(table=sql.SQL(table), cols=cols, temp=sql.Identifier(temp),
             key=sql.SQL(", ").join(map(sql.Identifier, key)), updates=updates, guard=sql.SQL(guard),
             old=old, new=new)


def counts_from_returning(results: list[tuple[bool]], total: int) -> StageCounts:
    inserted = sum(1 for (is_new,) in results if is_new)
    return StageCounts(inserted=inserted, updated=len(results) - inserted, unchanged=total - len(results))


def stage_orders(conn: psycopg.Connection[Any], seller: str, headers: Sequence[OrderHeader]) -> StageCounts:
    """Upsert one batch of order headers (a report's orders or an API page) in one transaction."""
    latest: dict[str, OrderHeader] = {}
    for header in headers:
        known = latest.get(header.amazon_order_id)
        if known is None or header.last_update_date >= known.last_update_date:
            latest[header.amazon_order_id] = header
    if not latest:
        return StageCounts()
    rows = (
        (seller, h.amazon_order_id, h.marketplace_id, h.sales_channel, h.order_status, h.fulfillment_channel,
         h.purchase_date, h.last_update_date, h.order_total, h.currency, h.is_business_order, h.number_of_items,
         h.api_version, dumps(h.raw))
        for h in latest.values()
    )
    compare = [c for c in ORDER_COLUMNS if c not in ("seller", "amazon_order_id")]
    with conn.transaction(), conn.cursor() as cur:
        load_temp(cur, "_orders_in", "staging.orders", ORDER_COLUMNS, rows)
        cur.execute(upsert_sql("staging.orders", "_orders_in", ORDER_COLUMNS, ("seller", "amazon_order_id"),
                               compare, guard="t.last_update_date <= EXCLUDED.last_update_date"))
        return counts_from_returning(cur.fetchall(), len(latest))


def stage_order_lines(
    conn: psycopg.Connection[Any], seller: str, report_id: str, lines: Sequence[OrderLine]
) -> StageCounts:
    """Stage the lines of one order report in one transaction; each order in it replaces its older lines."""
    if not lines:
        return StageCounts()
    rows = [
        (seller, ln.amazon_order_id, ln.sku, ln.sku_seq, ln.asin, ln.product_name, ln.item_status, ln.quantity,
         ln.currency, ln.item_price, ln.item_tax, ln.shipping_price, ln.shipping_tax, ln.gift_wrap_price,
         ln.gift_wrap_tax, ln.item_promotion_discount, ln.ship_promotion_discount, ln.promotion_ids,
         ln.order_status, ln.fulfillment_channel, ln.sales_channel, ln.purchase_date, ln.last_update_date,
         ln.is_business_order, report_id)
        for ln in lines
    ]
    key = ("seller", "amazon_order_id", "sku", "sku_seq")
    compare = [c for c in LINE_COLUMNS if c not in key and c != "report_id"]
    newer = "coalesce(t.last_update_date, '-infinity') <= coalesce(EXCLUDED.last_update_date, 'infinity')"
    with conn.transaction(), conn.cursor() as cur:
        load_temp(cur, "_order_lines_in", "staging.order_lines", LINE_COLUMNS, rows)
        cur.execute(  # an older report of an order already staged from a newer one changes nothing
            "DELETE FROM _order_lines_in i WHERE EXISTS (SELECT 1 FROM staging.order_lines l"
            " WHERE l.seller = %s AND l.amazon_order_id = i.amazon_order_id"
            "   AND l.last_update_date > coalesce(i.last_update_date, '-infinity'))",
            (seller,),
        )
        cur.execute(
            "DELETE FROM staging.order_lines l"
            " USING (SELECT amazon_order_id, max(last_update_date) AS updated FROM _order_lines_in"
            "        GROUP BY amazon_order_id) i"
            " WHERE l.seller = %s AND l.amazon_order_id = i.amazon_order_id"
            "   AND coalesce(l.last_update_date, '-infinity') <= coalesce(i.updated, 'infinity')"
            "   AND NOT EXISTS (SELECT 1 FROM _order_lines_in n WHERE n.amazon_order_id = l.amazon_order_id"
            "                   AND n.sku = l.sku AND n.sku_seq = l.sku_seq)",
            (seller,),
        )
        removed = cur.rowcount
        cur.execute(upsert_sql("staging.order_lines", "_order_lines_in", LINE_COLUMNS, key, compare, guard=newer))
        counts = counts_from_returning(cur.fetchall(), len(rows))
    counts.removed = removed
    return counts
