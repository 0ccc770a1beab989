"""The bad-input corpus: settlement files derived from the worked example by code, each broken in one way.

`CASES` lists (name, bytes, expectation): `error` (staging refuses the file, naming it), `held` (staged, then
held by the checks), `either` (an error or a hold are both acceptable; posting is what must not happen) or
`tolerated` (an oddity with one possible reading, e.g. a decimal comma in "33,56": it may be read, but then
every amount must come out exactly as in the clean file). Generated, not stored: the example is docs/accounting.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "accounting.md"
SETTLEMENT = "90000000001"
AMOUNT_COL = 14  # index of `amount` in the V2 layout
CURRENCY_COL = 5
TYPE_COL = 6
AMOUNT_TYPE_COL = 12
DESCRIPTION_COL = 13
POSTED_DATE_COL = 16
POSTED_TIME_COL = 17
SKU_COL = 21


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: str  # "error" | "held" | "either" (error or held) | "tolerated" (read right: amounts exact)
    clue: str = ""  # text the error must contain (the line, column or value at fault)


def example_text() -> str:
    match = re.search(r"```tsv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, "docs/accounting.md lost its settlement block"
    return match.group(1)


def _rows() -> list[list[str]]:
    return [line.split("\t") for line in example_text().rstrip("\n").split("\n")]


def _join(rows: list[list[str]], newline: str = "\n") -> str:
    return newline.join("\t".join(row) for row in rows) + newline


def _edit(change: Callable[[list[list[str]]], None]) -> bytes:
    rows = _rows()
    change(rows)
    return _join(rows).encode("utf-8")


def _cell(row: int, col: int, value: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows[row][col] = value
    return change


def _total(value: str) -> Callable[[list[list[str]]], None]:
    return _cell(1, 4, value)


def _shift_total(delta: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows[1][4] = str(Decimal(rows[1][4]) + Decimal(delta))
    return change


def _balanced(row: int, col: int, value: str) -> Callable[[list[list[str]]], None]:
    """Set a detail cell and keep the total equal to the lines (so only the one oddity is left)."""
    def change(rows: list[list[str]]) -> None:
        rows[row][col] = value
        rows[1][4] = str(sum((Decimal(r[AMOUNT_COL]) for r in rows[2:]), Decimal(0)))
    return change


def _drop_column(name: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        index = rows[0].index(name)
        for row in rows:
            del row[index]
    return change


def _cases() -> list[Case]:
    clean = example_text().encode("utf-8")
    text = example_text()
    lines = text.split("\n")
    header_len = len(lines[0]) + 1
    summary_end = header_len + len(lines[1]) + 1
    cases: list[Case] = []
    add = cases.append

    # --- truncated files
    add(Case("empty_file", b"", "error"))
    add(Case("truncated_mid_header", clean[: header_len // 2], "error"))
    add(Case("header_only", clean[:header_len], "error"))
    add(Case("header_and_summary_only", clean[:summary_end], "held"))
    add(Case("truncated_mid_summary", clean[: header_len + 30], "error"))
    cut = clean.index(b"-12.34") + 3  # inside the storage fee's amount
    add(Case("truncated_mid_amount", clean[:cut], "either"))
    add(Case("truncated_at_line_boundary", "\n".join(lines[:9]).encode() + b"\n", "held"))
    add(Case("truncated_last_line_no_newline", clean.rstrip(b"\n")[:-20], "either"))
    add(Case("truncated_half_the_bytes", clean[: len(clean) // 2], "either"))

    # --- wrong totals
    for name, delta in [("total_plus_one_cent", "0.01"), ("total_minus_one_cent", "-0.01"),
                        ("total_plus_ten", "10.00"), ("total_off_by_a_dollar", "-1.00")]:
        add(Case(name, _edit(_shift_total(delta)), "held"))
    add(Case("total_zero", _edit(_total("0.00")), "held"))
    add(Case("total_not_a_number", _edit(_total("thirty")), "error", "total-amount"))
    add(Case("total_missing", _edit(_total("")), "error", "total-amount"))

    # --- duplicate / foreign settlement ids
    def duplicate_line(rows: list[list[str]]) -> None:
        rows.insert(5, list(rows[4]))
    add(Case("duplicated_detail_line", _edit(duplicate_line), "held"))
    add(Case("detail_line_of_another_settlement", _edit(_cell(6, 0, "90000000002")), "either", "settlement-id"))

    def second_summary(rows: list[list[str]]) -> None:
        rows.insert(2, list(rows[1]))
    add(Case("two_summary_rows", _edit(second_summary), "either"))
    add(Case("settlement_id_missing_on_a_line", _edit(_cell(4, 0, "")), "either", "settlement-id"))

    # --- unknown types (balanced, so only the unknown type is wrong)
    add(Case("unknown_transaction_type", _edit(_balanced(8, TYPE_COL, "Frobnication")), "held"))
    add(Case("unknown_amount_type", _edit(_balanced(8, AMOUNT_TYPE_COL, "WeirdFees")), "held"))
    add(Case("unknown_amount_description", _edit(_balanced(9, DESCRIPTION_COL, "MysteryFee")), "held"))

    # --- mixed currencies
    add(Case("line_in_another_currency", _edit(_cell(6, CURRENCY_COL, "EUR")), "either", "currency"))
    add(Case("summary_in_another_currency", _edit(_cell(1, CURRENCY_COL, "EUR")), "either", "currency"))
    add(Case("currency_not_iso", _edit(_cell(1, CURRENCY_COL, "US$")), "either", "currency"))

    # --- bad encodings
    add(Case("invalid_utf8_in_sku", clean.replace(b"MUG-01", b"MUG-\xff\xfe", 1), "tolerated"))
    add(Case("binary_garbage", bytes(range(256)) * 8, "error"))
    add(Case("gzip_not_unpacked", b"\x1f\x8b\x08\x00" + clean[:200], "error"))
    add(Case("pdf_instead_of_report", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "error"))
    add(Case("nul_bytes_in_line", clean.replace(b"Commission", b"Comm\x00ssion", 1), "either"))
    add(Case("utf16_without_bom", text.encode("utf-16-le"), "either"))

    # --- BOMs
    add(Case("bom_mid_file", clean[:summary_end] + b"\xef\xbb\xbf" + clean[summary_end:], "either"))
    add(Case("bom_then_wrong_total", b"\xef\xbb\xbf" + _edit(_shift_total("1.00")), "held"))
    add(Case("utf16_bom_then_wrong_total", _edit(_shift_total("1.00")).decode().encode("utf-16"), "held"))

    # --- decimal commas
    add(Case("decimal_comma_in_usd_total", _edit(_total("33,56")), "tolerated"))

    # 1,234 reads as 1234 (grouping) or 1.234 (comma); either way the lines no longer reach the total
    add(Case("amount_ambiguous_grouping_comma", _edit(_cell(9, AMOUNT_COL, "1,234")), "either"))
    add(Case("thousands_and_decimal_mixed", _edit(_cell(8, AMOUNT_COL, "1.234,56")), "either"))
    add(Case("decimal_comma_wrong_total", _edit(lambda r: [_total("34,56")(r)]), "either"))
    add(Case("two_decimal_separators", _edit(_cell(9, AMOUNT_COL, "1,234.5.6")), "error", "amount"))

    # --- missing and extra columns
    for column in ("amount", "settlement-id", "currency", "transaction-type", "amount-type"):
        add(Case(f"missing_column_{column}", _edit(_drop_column(column)), "error", column))

    def extra_cell(rows: list[list[str]]) -> None:
        rows[7].append("surprise")
    add(Case("extra_cell_on_a_line", _edit(extra_cell), "error", "line 8"))

    def missing_cell(rows: list[list[str]]) -> None:
        rows[7].pop()
        rows[7].pop()
    add(Case("short_line", _edit(missing_cell), "error", "line 8"))
    add(Case("comma_separated_instead_of_tabs", text.replace("\t", ",").encode(), "error"))

    # --- negative and zero settlements
    def zero_lines(rows: list[list[str]]) -> None:
        for row in rows[2:]:
            row[AMOUNT_COL] = "0.00"
    add(Case("all_zero_lines_nonzero_total", _edit(zero_lines), "held"))
    add(Case("negative_total_positive_lines", _edit(_total("-33.56")), "held"))

    def negative_everything(rows: list[list[str]]) -> None:
        for row in rows[2:]:
            row[AMOUNT_COL] = str(-Decimal(row[AMOUNT_COL]))
    add(Case("negated_lines_original_total", _edit(negative_everything), "held"))

    # --- absurd amounts
    for name, value in [("amount_nan", "NaN"), ("amount_infinity", "Infinity"), ("amount_exponent", "1e30"),
                        ("amount_currency_symbol", "$25.00"), ("amount_trailing_minus", "25.00-"),
                        ("amount_double_minus", "--25.00"), ("amount_words", "twenty five")]:
        add(Case(name, _edit(_cell(9, AMOUNT_COL, value)), "either" if name == "amount_trailing_minus" else "error",
                 "amount"))
    add(Case("amount_absurdly_large", _edit(_balanced(9, AMOUNT_COL, "999999999999999.99")), "either"))
    add(Case("amount_four_decimals", _edit(_balanced(9, AMOUNT_COL, "25.0001")), "either"))

    # --- absurd dates
    for name, value in [("posted_date_feb_30", "2026-02-30"), ("posted_date_words", "yesterday"),
                        ("posted_date_year_zero", "0000-07-02")]:
        add(Case(name, _edit(_cell(9, POSTED_DATE_COL, value)), "either", "posted-date"))
    add(Case("posted_date_far_future", _edit(lambda r: (_cell(9, POSTED_DATE_COL, "9999-07-02")(r),
                                                       _cell(9, POSTED_TIME_COL, "9999-07-02 09:30:00 UTC")(r))),
             "either"))
    add(Case("posted_date_long_ago", _edit(lambda r: (_cell(9, POSTED_DATE_COL, "1901-07-02")(r),
                                                     _cell(9, POSTED_TIME_COL, "1901-07-02 09:30:00 UTC")(r))),
             "either"))
    add(Case("start_after_end", _edit(_cell(1, 1, "2026-08-24 00:00:00 UTC")), "either"))
    add(Case("start_date_garbage", _edit(_cell(1, 1, "soon")), "error", "settlement-start-date"))
    return cases


CASES: list[Case] = _cases()
