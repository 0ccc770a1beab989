"""The settlement staging schema (V001, V002, V004): documented tables and money columns, typed columns."""

from __future__ import annotations

import psycopg

MINE = {
    ("raw", "documents"), ("ops", "watermarks"), ("staging", "settlements"), ("staging", "settlement_lines"),
    ("ops", "settlement_states"), ("ops", "settlement_transitions"), ("ops", "settlement_status"),
    ("ops", "settlement_status_history"), ("analytics", "settlement_line_categories"),
    ("analytics", "settlement_summary"), ("analytics", "fees_by_type_month"), ("analytics", "sku_profitability_month"),
}


def test_every_table_and_money_column_has_a_comment(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute(
            "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
            " obj_description(c.oid, 'pg_class'), col_description(c.oid, a.attnum)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            " WHERE c.relkind IN ('r', 'v')"
        ).fetchall()
    seen = {(schema, table) for schema, table, *_ in rows}
    assert MINE <= seen
    undocumented_tables = {(s, t) for s, t, _, _, table_comment, _ in rows if (s, t) in MINE and not table_comment}
    assert undocumented_tables == set()
    money = [(s, t, col) for s, t, col, kind, _, comment in rows
             if (s, t) in MINE and kind == "numeric" and not (comment or "").startswith("Money:")]
    assert money == []


def test_line_columns_are_typed(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        types = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'staging' AND table_name = 'settlement_lines'"
        ).fetchall())
    assert len(types) == 27  # the 24 V2 columns, line_number, source_line, marketplace
    assert types["amount"] == types["total_amount"] == "numeric"
    assert types["posted_date_time"] == types["settlement_start_date"] == "timestamp with time zone"
    assert types["posted_date"] == "date" and types["quantity_purchased"] == "integer"
    assert types["currency"] == types["sku"] == "text"
