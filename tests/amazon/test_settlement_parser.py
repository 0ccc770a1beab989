"""The streaming settlement parser on generated files: formats it must read and files it must refuse."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellerledger.amazon.settlement import (
    SettlementFileError,
    SettlementReader,
    read_settlement,
    validate_settlement,
)

from .settlement_files import V1_HEADER, V2_HEADER, fee_line, order_line, service_line, v1_file, v2_file


def _lines(text: str, encoding: str = "utf-8", **options: object):
    return read_settlement(text.encode(encoding), **options)


# ----------------------------------------------------------------------------------------------- reading


def test_decimal_commas_thousand_separators_and_whitespace() -> None:
    rows = [order_line("1.234,56"), fee_line(" -95,00 "), fee_line("-1,05", "FBAPerUnitFulfillmentFee"),
            service_line("-1\u00a0000,10")]
    header, lines, result = _lines(v2_file(rows, total="138,41", currency="EUR"))
    assert header.total_amount == Decimal("138.41")
    assert [line.amount for line in lines] == [Decimal("1234.56"), Decimal("-95.00"), Decimal("-1.05"),
                                               Decimal("-1000.10")]
    assert result.lines_sum == Decimal("138.41") and result.valid


def test_negative_total_is_a_valid_settlement() -> None:
    header, lines, result = _lines(v2_file([service_line("-39.99", "Subscription Fee"), service_line("-0.01")]))
    assert header.total_amount == Decimal("-40.00")
    assert result.valid and result.lines_sum == Decimal("-40.00")


@pytest.mark.parametrize(
    ("encoding", "description", "detected"),
    [
        ("iso-8859-1", "Gebühr für Rücksendung", "iso-8859-1"),
        ("cp1252", "Gebühr – Lager €", "cp1252"),  # – and € are C1 bytes in cp1252
        ("utf-8-sig", "Gebühr – Lager €", "utf-8-sig"),
        ("utf-8", "Gebühr – Lager €", "utf-8"),
    ],
)
def test_european_files_in_each_encoding(encoding: str, description: str, detected: str) -> None:
    rows = [order_line("10,00", marketplace_name="Amazon.de"),
            service_line("-2,50", description, marketplace_name="Amazon.de")]
    data = v2_file(rows, currency="EUR").encode(encoding)
    with SettlementReader(data) as reader:
        lines = list(reader.lines())
        assert reader.encoding == detected
    assert lines[1].amount_description == description
    assert [line.amount for line in lines] == [Decimal("10.00"), Decimal("-2.50")]
    assert lines[0].marketplace == "DE"


def test_iso_8859_1_file_reads_accented_text() -> None:
    rows = [service_line("-2.50", "Frais de stockage à long terme", marketplace_name="Amazon.fr")]
    header, lines, _ = _lines(v2_file(rows, currency="EUR"), "iso-8859-1")
    assert header.encoding in ("iso-8859-1", "cp1252")
    assert lines[0].amount_description == "Frais de stockage à long terme"


def test_cp932_japanese_file() -> None:
    rows = [order_line("1,980", "Principal", marketplace_name="Amazon.co.jp", sku="商品-01"),
            fee_line("-198", "手数料", marketplace_name="Amazon.co.jp", sku="商品-01")]
    text = v2_file(rows, total="1782", currency="JPY")
    header, lines, result = _lines(text, "cp932")
    assert header.encoding == "cp932" and header.currency == "JPY"
    assert [line.amount for line in lines] == [Decimal("1980"), Decimal("-198")]
    assert lines[1].amount_description == "手数料" and lines[0].sku == "商品-01"
    assert lines[0].marketplace == "JP"
    assert result.valid


def test_encoding_hint_is_used_when_the_bytes_allow_it() -> None:
    text = v2_file([service_line("-1.00", "Gebühr")], currency="EUR")
    with SettlementReader(text.encode("cp1252"), encoding="windows-1252") as reader:
        assert reader.encoding == "cp1252"
        assert next(reader.lines()).amount_description == "Gebühr"


def test_byte_order_mark_and_crlf_line_ends_and_trailing_blank_lines() -> None:
    text = v2_file([order_line("5.00"), fee_line("-1.00")], newline="\r\n") + "\r\n\r\n"
    header, lines, result = read_settlement(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert header.encoding == "utf-8-sig" and header.columns[0] == "settlement-id"
    assert [line.amount for line in lines] == [Decimal("5.00"), Decimal("-1.00")]
    assert lines[1].promotion_id is None and result.valid


def test_columns_are_read_by_name_in_any_order_and_optional_ones_may_be_missing() -> None:
    header = list(reversed(V2_HEADER))
    header.remove("promotion-id")
    header.remove("merchant-order-item-id")
    header.append("some-new-column")
    rows = [order_line("7.00", sku="SKU-R"), fee_line("-0.70")]
    _, lines, result = _lines(v2_file(rows, header=header))
    assert [(line.amount_description, line.amount, line.sku) for line in lines] == [
        ("Principal", Decimal("7.00"), "SKU-R"), ("Commission", Decimal("-0.70"), "SKU-A")]
    assert result.valid
    assert result.warnings == ["line 1: unknown column(s) ignored: some-new-column"]


def test_date_formats_become_utc() -> None:
    rows = [
        order_line("1.00", when="2026-06-17T10:14:22+02:00"),
        order_line("2.00", when="18.06.2026 08:00:00 UTC"),
        order_line("3.00", when="2026-06-19T08:00:00Z", posted_date="19.06.2026"),
    ]
    header, lines, _ = _lines(v2_file(rows, start="16.06.2026 00:00:00 UTC", end="2026-06-30T00:00:00+00:00"))
    assert header.start == datetime(2026, 6, 16, tzinfo=UTC)
    assert header.end == datetime(2026, 6, 30, tzinfo=UTC)
    assert [line.posted_date_time for line in lines] == [
        datetime(2026, 6, 17, 8, 14, 22, tzinfo=UTC),
        datetime(2026, 6, 18, 8, tzinfo=UTC),
        datetime(2026, 6, 19, 8, tzinfo=UTC),
    ]
    assert lines[2].posted_date == date(2026, 6, 19)


def test_ambiguous_short_posted_date_follows_posted_date_time() -> None:
    # Amazon documents MM/DD/YY, but files with 09/06/25 for 2025-06-09 exist: the date-time decides.
    rows = [order_line("1.00", when="2025-06-09 10:00:00 UTC", posted_date="09/06/25"),
            order_line("2.00", when="2025-06-10 10:00:00 UTC", posted_date="06/10/25")]
    _, lines, _ = _lines(v2_file(rows, start="2025-06-01 00:00:00 UTC", end="2025-06-14 00:00:00 UTC"))
    assert [line.posted_date for line in lines] == [date(2025, 6, 9), date(2025, 6, 10)]


def test_v1_file_with_only_33_columns() -> None:
    header = [c for c in V1_HEADER if not c.startswith("promotion-")]
    rows = [
        {"transaction-type": "Order", "order-id": "702-1", "posted-date": "2025-08-01T06:23:59+00:00",
         "price-type": "Principal", "price-amount": "20.00", "item-related-fee-type": "Commission",
         "item-related-fee-amount": "-3.00", "sku": "S1", "quantity-purchased": "2", "marketplace-name": "Amazon.ca"},
        {"transaction-type": "Subscription Fee", "posted-date": "2025-08-02T00:00:00+00:00", "other-amount": "-1.00"},
    ]
    hdr, lines, result = _lines(v1_file(rows, total="16.00", header=header))
    assert hdr.layout == "v1" and result.valid
    assert [(line.amount_type, line.amount_description, line.amount, line.quantity_purchased) for line in lines] == [
        ("ItemPrice", "Principal", Decimal("20.00"), 2), ("ItemFees", "Commission", Decimal("-3.00"), 2),
        ("other-transaction", "Subscription Fee", Decimal("-1.00"), None)]
    assert {line.source_line for line in lines[:2]} == {3}


def test_reads_from_path_and_from_stream_alike(tmp_path: Path) -> None:
    text = v2_file([order_line("3.30"), fee_line("-0.30")])
    path = tmp_path / "s.txt"
    path.write_text(text, encoding="utf-8")
    from_path = read_settlement(path)[1]
    stream = io.BytesIO(text.encode())
    from_stream = read_settlement(stream)[1]
    assert from_path == from_stream and len(from_path) == 2
    assert not stream.closed  # a caller's stream is left open


def test_rows_give_postgres_ready_cells() -> None:
    text = v2_file([order_line("1.234,50", when="17.06.2026 08:14:22 UTC", posted_date="17.06.2026")],
                   currency="EUR", total="1234.50")
    with SettlementReader(text.encode()) as reader:
        row = next(reader.rows())
    by_name = dict(zip(V2_HEADER, row.cells, strict=True))
    assert by_name["amount"] == "1234.50"
    assert by_name["posted-date"] == "2026-06-17"
    assert datetime.fromisoformat(by_name["posted-date-time"]) == datetime(2026, 6, 17, 8, 14, 22, tzinfo=UTC)
    assert by_name["total-amount"] == "" and by_name["settlement-id"] == "90000000001"


# ------------------------------------------------------------------------------------------- validation


def test_sum_mismatch_names_the_total_and_the_difference() -> None:
    result = validate_settlement(v2_file([order_line("10.00"), fee_line("-1.50")], total="8.51").encode())
    assert result.lines_sum == Decimal("8.50") and not result.valid
    assert result.problems == [
        "line 2, column total-amount: the 2 lines sum to 8.50 USD but total-amount is 8.51 (difference 0.01)"]


def test_exact_duplicate_line_is_a_problem_but_a_near_duplicate_is_not() -> None:
    rows = [order_line("10.00"), fee_line("-1.50"), fee_line("-1.50"), fee_line("-1.50", when="2026-06-17 08:14:23 UTC")]
    result = validate_settlement(v2_file(rows).encode())
    assert result.problems == ["line 5: exact duplicate of an earlier line (every column equal)"]
    assert result.line_count == 4 and result.lines_sum == Decimal("5.50")


def test_foreign_currency_on_a_detail_row() -> None:
    rows = [order_line("10.00"), fee_line("-1.00", currency="CAD")]
    result = validate_settlement(v2_file(rows).encode())
    assert result.problems == ["line 4, column currency: 'CAD' differs from the summary's USD"]


def test_dates_outside_the_window() -> None:
    rows = [order_line("1.00", when="2026-07-05 00:00:00 UTC"),        # after the end: problem
            order_line("2.00", when="2026-06-15 12:00:00 UTC"),        # within a day of the start: fine
            order_line("3.00", when="2026-06-01 00:00:00 UTC"),        # deferred period: warning
            order_line("4.00", when="2026-03-01 00:00:00 UTC")]        # months before: problem
    result = validate_settlement(v2_file(rows).encode())
    assert [p.split(":")[0] for p in result.problems] == ["line 3, column posted-date-time",
                                                         "line 6, column posted-date-time"]
    assert [w.split(":")[0] for w in result.warnings] == ["line 5, column posted-date-time"]


def test_more_decimals_than_the_currency_has() -> None:
    result = validate_settlement(v2_file([order_line("1.234"), fee_line("-0.004")], total="1.23").encode())
    assert "line 3, column amount: more decimal places than USD has (1.234)" in result.problems
    jpy = validate_settlement(v2_file([order_line("1980.50")], currency="JPY").encode())
    assert any("more decimal places than JPY" in p for p in jpy.problems)


def test_detail_row_with_a_total_amount_is_reported() -> None:
    rows = [order_line("1.00", total_amount="1.00")]
    result = validate_settlement(v2_file(rows).encode())
    assert result.problems == ["line 3, column total-amount: expected empty on a detail row, found '1.00'"]


# ---------------------------------------------------------------------------------------------- refusal


def _error(data: bytes | str) -> SettlementFileError:
    with pytest.raises(SettlementFileError) as caught:
        with SettlementReader(data.encode() if isinstance(data, str) else data, name="bad.txt") as reader:
            list(reader.lines())
    return caught.value


def test_bad_amount_names_line_and_column() -> None:
    error = _error(v2_file([order_line("10.00"), fee_line("12,34,5")], total="0"))
    assert (error.file, error.line, error.column, error.found) == ("bad.txt", 4, "amount", "12,34,5")
    assert str(error).startswith("bad.txt: line 4, column amount: expected an amount")


@pytest.mark.parametrize("amount", ["1E3", "NaN", "", "1_000", "٣٤", "12.", "--1"])
def test_values_that_are_not_amounts(amount: str) -> None:
    error = _error(v2_file([order_line(amount)], total="0"))
    assert (error.line, error.column) == (3, "amount")


def test_truncated_file_names_the_cut_line() -> None:
    text = v2_file([order_line("10.00"), fee_line("-1.00"), fee_line("-2.00")])
    cut = text[: len(text) - 60]  # the last line loses its last columns
    error = _error(cut)
    assert error.line == 5 and error.column is None
    assert "24 tab-separated columns" in error.expected


def test_missing_required_column() -> None:
    header = [c for c in V2_HEADER if c != "amount-description"]
    error = _error(v2_file([order_line("1.00")], header=header))
    assert (error.line, error.column) == (1, "amount-description")


def test_header_only_and_empty_files() -> None:
    header_only = _error("\t".join(V2_HEADER) + "\n")
    assert (header_only.line, header_only.found) == (2, "end of file")
    empty = _error(b"")
    assert empty.line == 1


def test_not_a_settlement_file() -> None:
    error = _error("order-id,sku,price\n1,2,3\n")
    assert error.line == 1 and "V2 header" in error.expected


def test_summary_row_must_come_first() -> None:
    text = v2_file([order_line("1.00")])
    lines = text.splitlines()
    error = _error("\n".join([lines[0], lines[2], lines[1]]) + "\n")
    assert (error.line, error.column) == (2, "total-amount")


def test_bad_summary_values() -> None:
    assert _error(v2_file([order_line("1.00")], total="abc")).column == "total-amount"
    assert _error(v2_file([order_line("1.00")], currency="US")).column == "currency"
    assert _error(v2_file([order_line("1.00")], start="next tuesday")).column == "settlement-start-date"
    assert _error(v2_file([order_line("1.00")], start="2026-07-01 00:00:00 UTC")).column == "settlement-end-date"


def test_detail_row_of_another_settlement() -> None:
    error = _error(v2_file([order_line("1.00"), fee_line("-1.00", settlement_id="123")]))
    assert (error.line, error.column, error.found) == (4, "settlement-id", "123")


def test_bad_posted_date_time_and_quantity() -> None:
    assert _error(v2_file([order_line("1.00", when="yesterday")])).column == "posted-date-time"
    assert _error(v2_file([order_line("1.00", quantity_purchased="1.5")])).column == "quantity-purchased"


def test_empty_amount_description_on_a_v2_detail_row() -> None:
    error = _error(v2_file([order_line("1.00", amount_description="")]))
    assert (error.line, error.column) == (3, "amount-description")


def test_bytes_that_contradict_the_byte_order_mark_name_line_and_column() -> None:
    text = v2_file([order_line("1.00"), service_line("-0.50", "Gebühr")], currency="EUR")
    error = _error(b"\xef\xbb\xbf" + text.encode("iso-8859-1"))
    assert (error.line, error.column) == (4, "amount-description")
    assert "UTF-8" in error.expected


def test_nul_bytes_are_refused() -> None:
    text = v2_file([order_line("1.00")]).encode()
    error = _error(text[:-20] + b"\x00" + text[-20:])
    assert error.line == 3


def test_collect_mode_lists_every_bad_row_and_keeps_reading() -> None:
    rows = [order_line("1.00"), fee_line("x"), fee_line("-1.00", when="bad"), fee_line("-2.00")]
    result = validate_settlement(v2_file(rows, total="-1.00").encode(), name="f.txt")
    assert result.line_count == 2 and result.lines_sum == Decimal("-1.00")
    assert result.problems[0].startswith("line 4, column amount: expected an amount")
    assert result.problems[1].startswith("line 5, column posted-date-time: expected a date-time")
    assert not result.valid


def test_collect_mode_reports_an_unusable_header_as_a_problem() -> None:
    result = validate_settlement(b"hello\n")
    assert result.header is None and not result.valid
    assert result.problems[0].startswith("line 1: expected a V2 header")


def test_problem_list_is_capped() -> None:
    rows = [order_line("bad", order_id=f"114-{i}") for i in range(60)]
    result = validate_settlement(v2_file(rows, total="0").encode())
    assert len(result.problems) == 51  # 50 listed and a count of the rest (skipped rows sum to 0 = total)
    assert result.problems[-1] == "... and 10 more problems not listed"


def test_a_wrong_charset_hint_does_not_win_over_the_bytes() -> None:
    rows = [order_line("1980", marketplace_name="Amazon.co.jp"), fee_line("-198", "手数料")]
    data = v2_file(rows, total="1782", currency="JPY").encode("cp932")
    with SettlementReader(data, encoding="UTF-8") as reader:  # the download said UTF-8; it is Shift_JIS
        assert reader.encoding == "cp932"
        assert [line.amount_description for line in reader.lines()] == ["Principal", "手数料"]
    utf8 = v2_file(rows, total="1782", currency="JPY").encode("utf-8")
    with SettlementReader(utf8, encoding="Shift_JIS") as reader:  # valid UTF-8 with CJK text is UTF-8
        assert reader.encoding == "utf-8"
