"""Staging settlement documents into Postgres: idempotent reruns, atomic loads, raw bytes kept, replacements."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from sellerledger.amazon.settlement import SettlementFileError
from sellerledger.staging import raw_documents, settlements, status
from sellerledger.staging.settlements import (
    SettlementConflict,
    stage_settlement_document,
    stage_settlement_file,
)
from tests.amazon.settlement_files import fee_line, order_line, service_line, v1_file, v2_file

SELLER = "acme-us"
FLOW = "acme-us-xero"
SID = "90000000001"


def _stage(url: str, text: str | bytes, *, flow_id: str | None = FLOW, seller: str = SELLER, **source: str):
    data = text.encode("utf-8") if isinstance(text, str) else text
    with psycopg.connect(url) as conn:
        return stage_settlement_document(conn, data, seller=seller, source={"report_id": "R1", **source},
                                         flow_id=flow_id)


def _counts(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM raw.documents), (SELECT count(*) FROM staging.settlements),"
            " (SELECT count(*) FROM staging.settlement_lines)"
        ).fetchone()


def _lines(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT line_number, source_line, amount_type, amount_description, amount, currency, marketplace"
            " FROM staging.settlement_lines WHERE settlement_id = %s ORDER BY line_number", (SID,)
        ).fetchall()


ROWS = [order_line("25.00"), order_line("2.06", "Tax"), fee_line("-3.75"), service_line("-1.31")]


def test_stage_writes_header_lines_raw_document_and_state(fresh_db: str) -> None:
    staged = _stage(fresh_db, v2_file(ROWS))
    assert (staged.settlement_id, staged.currency, staged.line_count) == (SID, "USD", 4)
    assert staged.total_amount == staged.lines_sum == Decimal("22.00")
    assert staged.problems == [] and not staged.replaced and not staged.unchanged and staged.state == "staged"
    assert _counts(fresh_db) == (1, 1, 4)
    assert _lines(fresh_db) == [
        (1, 3, "ItemPrice", "Principal", Decimal("25.00"), "USD", "US"),
        (2, 4, "ItemPrice", "Tax", Decimal("2.06"), "USD", "US"),
        (3, 5, "ItemFees", "Commission", Decimal("-3.75"), "USD", "US"),
        (4, 6, "other-transaction", "Storage Fee", Decimal("-1.31"), "USD", "US"),
    ]
    with psycopg.connect(fresh_db) as conn:
        head = conn.execute(
            "SELECT seller, marketplace, total_amount, lines_sum, line_count, layout, charset, raw_document_id"
            " FROM staging.settlements"
        ).fetchone()
        assert head == (SELLER, "US", Decimal("22.00"), Decimal("22.00"), 4, "v2", "utf-8", staged.raw_document_id)
        assert raw_documents.load_document(conn, staged.raw_document_id) == v2_file(ROWS).encode()
        assert status.get_status(conn, FLOW, SID).state == "staged"


def test_staging_the_same_file_twice_adds_zero_rows(fresh_db: str) -> None:
    first = _stage(fresh_db, v2_file(ROWS))
    before = _counts(fresh_db)
    again = _stage(fresh_db, v2_file(ROWS))
    assert _counts(fresh_db) == before == (1, 1, 4)
    assert again.unchanged and not again.replaced
    assert (again.line_count, again.lines_sum, again.raw_document_id) == (4, Decimal("22.00"), first.raw_document_id)
    with psycopg.connect(fresh_db) as conn:
        assert [c.to_state for c in status.history(conn, FLOW, SID)] == ["staged"]


def test_same_lines_in_different_bytes_change_nothing(fresh_db: str) -> None:
    _stage(fresh_db, v2_file(ROWS))
    crlf = _stage(fresh_db, v2_file(ROWS, newline="\r\n"))
    assert crlf.unchanged and not crlf.replaced
    assert _counts(fresh_db) == (2, 1, 4)  # the second document is kept raw


def test_crash_after_copy_leaves_nothing_half_staged(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real_copy = settlements.copy_text

    def copy_then_crash(*args, **kwargs):
        real_copy(*args, **kwargs)
        raise RuntimeError("worker killed after COPY")

    monkeypatch.setattr(settlements, "copy_text", copy_then_crash)
    with pytest.raises(RuntimeError, match="after COPY"):
        _stage(fresh_db, v2_file(ROWS))
    assert _counts(fresh_db) == (1, 0, 0)  # raw document committed first; no line, no header
    with psycopg.connect(fresh_db) as conn:
        assert status.get_status(conn, FLOW, SID) is None
    monkeypatch.undo()
    staged = _stage(fresh_db, v2_file(ROWS))  # the rerun converges
    assert staged.line_count == 4 and not staged.unchanged and _counts(fresh_db) == (1, 1, 4)


def test_error_in_the_middle_of_the_file_rolls_the_lines_back(fresh_db: str) -> None:
    rows = [order_line(f"{i}.00", order_id=f"114-{i}") for i in range(1, 5000)] + [fee_line("oops")]
    with pytest.raises(SettlementFileError) as caught:
        _stage(fresh_db, v2_file(rows, total="0"))
    assert (caught.value.line, caught.value.column) == (5002, "amount")
    assert _counts(fresh_db) == (1, 0, 0)


def test_broken_file_keeps_its_raw_bytes(fresh_db: str) -> None:
    broken = b"settlement-id\tsomething\n1\t2\n"
    with pytest.raises(SettlementFileError) as caught:
        _stage(fresh_db, broken, file_name="broken.txt")
    assert caught.value.line == 1 and caught.value.file == "broken.txt"
    with psycopg.connect(fresh_db) as conn:
        doc_id, source = conn.execute("SELECT id, source FROM raw.documents").fetchone()
        assert raw_documents.load_document(conn, doc_id) == broken
        assert source == {"report_id": "R1", "file_name": "broken.txt"}


def test_a_different_document_replaces_the_lines_atomically_and_keeps_the_old_one(fresh_db: str) -> None:
    first = _stage(fresh_db, v2_file(ROWS))
    corrected = [*ROWS[:3], service_line("-1.30"), service_line("-0.01", "Subscription Fee")]
    second = _stage(fresh_db, v2_file(corrected), report_id="R2")
    assert second.replaced and not second.unchanged
    assert second.line_count == 5 and second.lines_sum == Decimal("22.00")
    assert _counts(fresh_db) == (2, 1, 5)
    assert [row[3] for row in _lines(fresh_db)][-2:] == ["Storage Fee", "Subscription Fee"]
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT raw_document_id, replaced_document_ids FROM staging.settlements").fetchone() == (
            second.raw_document_id, [first.raw_document_id])
        assert raw_documents.load_document(conn, first.raw_document_id) == v2_file(ROWS).encode()
        changes = status.history(conn, FLOW, SID)
        assert [c.to_state for c in changes] == ["staged", "staged"]
        assert "replaced" in changes[-1].reasons[0]
    # Rerunning both documents converges on the newer one: the replaced document does not come back.
    back = _stage(fresh_db, v2_file(ROWS))
    assert back.unchanged and back.superseded and _counts(fresh_db) == (2, 1, 5)
    assert _stage(fresh_db, v2_file(corrected), report_id="R2").unchanged


def test_created_time_decides_which_document_is_newer(fresh_db: str) -> None:
    newer = _stage(fresh_db, v2_file(ROWS), created_time="2026-07-03T10:00:00+00:00")
    older_rows = [*ROWS[:3], service_line("-1.30"), service_line("-0.01")]
    older = _stage(fresh_db, v2_file(older_rows), created_time="2026-07-02T10:00:00+00:00")
    assert older.superseded and older.unchanged and not older.replaced
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT raw_document_id FROM staging.settlements").fetchone() == (newer.raw_document_id,)
    assert _counts(fresh_db) == (2, 1, 4)


def test_replacing_a_posted_settlement_holds_it(fresh_db: str) -> None:
    _stage(fresh_db, v2_file(ROWS))
    with psycopg.connect(fresh_db) as conn:
        for state in ("validated", "posted"):
            status.transition(conn, FLOW, SID, state)
        conn.commit()
    changed = _stage(fresh_db, v2_file([*ROWS, service_line("-0.50", "Other")]), report_id="R2")
    assert changed.replaced and changed.state == "held"
    with psycopg.connect(fresh_db) as conn:
        held = status.get_status(conn, FLOW, SID)
        assert held.state == "held" and "after it was posted" in held.reasons[0]


def test_another_sellers_settlement_is_refused(fresh_db: str) -> None:
    _stage(fresh_db, v2_file(ROWS))
    with pytest.raises(SettlementConflict):
        _stage(fresh_db, v2_file(ROWS), seller="someone-else")
    assert _counts(fresh_db) == (1, 1, 4)


def test_invalid_settlement_is_staged_with_its_problems(fresh_db: str) -> None:
    staged = _stage(fresh_db, v2_file(ROWS, total="22.01"))
    assert not staged.valid and staged.line_count == 4
    with psycopg.connect(fresh_db) as conn:
        problems, = conn.execute("SELECT problems FROM staging.settlements").fetchone()
    assert problems == staged.problems and "difference 0.01" in problems[0]


def test_eu_and_v1_files_stage_exact_amounts(fresh_db: str, tmp_path) -> None:
    eu = v2_file([order_line("1.234,56", marketplace_name="Amazon.de"), fee_line("-234,56", marketplace_name="Amazon.de")],
                 currency="EUR", settlement_id="70000000001", total="1.000,00")
    staged = _stage(fresh_db, eu.encode("iso-8859-1"))
    assert staged.total_amount == staged.lines_sum == Decimal("1000.00")
    v1 = v1_file([{"transaction-type": "Order", "posted-date": "2025-08-01T00:00:00+00:00", "price-type": "Principal",
                   "price-amount": "10.00", "item-related-fee-type": "Commission", "item-related-fee-amount": "-1.50",
                   "marketplace-name": "Amazon.ca"}], total="8.50")
    path = tmp_path / "v1.txt"
    path.write_text(v1, encoding="utf-8")
    with psycopg.connect(fresh_db) as conn:
        v1_staged = stage_settlement_file(conn, path, seller=SELLER)
        assert v1_staged.layout == "v1" and v1_staged.lines_sum == Decimal("8.50") and v1_staged.state is None
        rows = conn.execute(
            "SELECT settlement_id, currency, sum(amount), count(*), min(marketplace) FROM staging.settlement_lines"
            " GROUP BY 1, 2 ORDER BY 1"
        ).fetchall()
    assert rows == [("23874397121", "CAD", Decimal("8.50"), 2, "CA"), ("70000000001", "EUR", Decimal("1000.00"), 2, "DE")]


def test_open_transaction_is_refused(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        conn.execute("SELECT 1")
        with pytest.raises(RuntimeError, match="no open transaction"):
            stage_settlement_document(conn, v2_file(ROWS).encode(), seller=SELLER, source={})


def test_analyst_views_reconcile_each_settlement(fresh_db: str) -> None:
    _stage(fresh_db, v2_file(ROWS))
    _stage(fresh_db, v2_file([order_line("5.00")], settlement_id="90000000002", total="5.01"))
    with psycopg.connect(fresh_db) as conn:
        summary = conn.execute(
            "SELECT settlement_id, total_amount, lines_sum, difference, sales, fees, reconciled, states"
            " FROM analytics.settlement_summary ORDER BY 1"
        ).fetchall()
        fees = conn.execute(
            "SELECT month::text, amount_description, line_count, amount FROM analytics.fees_by_type_month ORDER BY 2"
        ).fetchall()
        sku = conn.execute(
            "SELECT sku, units_sold, sales, fees, net FROM analytics.sku_profitability_month ORDER BY 1"
        ).fetchall()
    assert summary == [
        (SID, Decimal("22.00"), Decimal("22.00"), Decimal("0.00"), Decimal("27.06"), Decimal("-5.06"), True,
         f"{FLOW}:staged"),
        ("90000000002", Decimal("5.01"), Decimal("5.00"), Decimal("0.01"), Decimal("5.00"), Decimal("0"), False,
         f"{FLOW}:staged"),
    ]
    assert fees == [("2026-06-01", "Commission", 1, Decimal("-3.75")), ("2026-06-01", "Storage Fee", 1, Decimal("-1.31"))]
    assert sku == [("SKU-A", 2, Decimal("32.06"), Decimal("-3.75"), Decimal("28.31"))]


@pytest.mark.parametrize(
    ("currency", "posted_date"),
    [("USD", "06/12/2026"), ("USD", "12/06/2026"), ("EUR", "12/06/2026"), ("EUR", "06/12/2026"),
     ("EUR", "12.06.2026"), ("USD", "06/12/26")],
)
def test_short_posted_dates_stage_as_the_date_of_posted_date_time(fresh_db: str, currency: str,
                                                                 posted_date: str) -> None:
    # d/m/y text is passed to COPY as written only when Postgres reads it the same way; the rest as ISO.
    rows = [order_line("1.00", when="2026-06-12 10:00:00 UTC", posted_date=posted_date),
            fee_line("-0.10", when="2026-06-12 10:00:00 UTC", posted_date=posted_date),
            service_line("-0.20", when="2026-06-13 10:00:00 UTC", posted_date="2026-06-13")]
    _stage(fresh_db, v2_file(rows, currency=currency, start="2026-06-01 00:00:00 UTC"))
    with psycopg.connect(fresh_db) as conn:
        days = conn.execute("SELECT posted_date::text FROM staging.settlement_lines ORDER BY line_number").fetchall()
    assert days == [("2026-06-12",), ("2026-06-12",), ("2026-06-13",)]
