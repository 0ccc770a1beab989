"""Cell values: amounts in every locale form Amazon uses, dates to UTC, marketplace codes, charset labels."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellerledger.amazon.settlement.decode import normalise_charset
from sellerledger.amazon.settlement.values import (
    marketplace_code,
    parse_amount,
    parse_datetime,
    parse_short_date,
)

from .settlement_files import big_v2_lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("129.99", "129.99"), ("-19.50", "-19.50"), ("95,00", "95.00"), ("-95,00", "-95.00"),
        ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("1 234,56", "1234.56"), ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"), ("1'234.50", "1234.50"), ("12,345,678", "12345678"), ("1.234.567", "1234567"),
        ("1,234", "1234"), ("0,5", "0.5"), ("32.09    ", "32.09"), ("  -0.00", "-0.00"), ("+5", "5"), ("5-", "-5"),
        ("- 12.00", "-12.00"), ("1980", "1980"),
    ],
)
def test_amounts(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert value == Decimal(expected) and str(value) == expected


@pytest.mark.parametrize(
    "text", ["", " ", "abc", "1E3", "NaN", "Infinity", "1_000", ".5", "5.", "1.2.3", "1,2,3", "12,34,5", "١٢",
             "1,234.5,6", "1 234.567,8", "--1", "1-2"],
)
def test_not_amounts(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-17 08:14:22 UTC", datetime(2026, 6, 17, 8, 14, 22, tzinfo=UTC)),
        ("2025-06-05T22:07:18+00:00", datetime(2025, 6, 5, 22, 7, 18, tzinfo=UTC)),
        ("2025-06-05T22:07:18-07:00", datetime(2025, 6, 6, 5, 7, 18, tzinfo=UTC)),
        ("2026-06-17T08:14:22Z", datetime(2026, 6, 17, 8, 14, 22, tzinfo=UTC)),
        ("17.06.2026 08:14:22 UTC", datetime(2026, 6, 17, 8, 14, 22, tzinfo=UTC)),
        ("17.06.2026", datetime(2026, 6, 17, tzinfo=UTC)),
        ("2026-06-17", datetime(2026, 6, 17, tzinfo=UTC)),
        ("2026-06-17 00:00:00 PST", datetime(2026, 6, 17, 8, tzinfo=UTC)),
        ("2026/06/17 09:00:00 JST", datetime(2026, 6, 17, 0, tzinfo=UTC)),
        ("06/17/2026 08:14:22 UTC", datetime(2026, 6, 17, 8, 14, 22, tzinfo=UTC)),
    ],
)
def test_datetimes_to_utc(text: str, expected: datetime) -> None:
    value = parse_datetime(text)
    assert value == expected and value.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-02-30", "2026-06-17 08:14:22 XYZ", "2026-06-17 25:00:00 UTC",
             "2026-06-17T08:14:22+02:00 UTC", "32.01.2026"],
)
def test_not_datetimes(text: str) -> None:
    assert parse_datetime(text) is None


def test_slash_dates_follow_the_currency_hint_unless_only_one_reading_is_valid() -> None:
    assert parse_datetime("06/09/25", month_first_hint=True) == datetime(2025, 6, 9, tzinfo=UTC)
    assert parse_datetime("06/09/25") == datetime(2025, 9, 6, tzinfo=UTC)
    assert parse_datetime("25/06/2025", month_first_hint=True) == datetime(2025, 6, 25, tzinfo=UTC)
    assert parse_short_date("09/06/25", near=datetime(2025, 6, 9, 12, tzinfo=UTC), month_first_hint=True) == date(2025, 6, 9)
    assert parse_short_date("2025-06-09 23:30:00 PST") == date(2025, 6, 10)


@pytest.mark.parametrize(
    ("name", "code"),
    [("amazon.com", "US"), ("Amazon.ca", "CA"), ("Amazon.de", "DE"), ("amazon.co.uk", "UK"), ("Amazon.co.jp", "JP"),
     ("www.amazon.com.au", "AU"), ("Amazon.com.mx", "MX"), ("Non-Amazon", None), ("", None),
     ("SI CA Prod Marketplace", None)],
)
def test_marketplace_codes(name: str, code: str | None) -> None:
    assert marketplace_code(name) == code


def test_charset_labels() -> None:
    assert normalise_charset("Shift_JIS") == "cp932"
    assert normalise_charset("windows-1252") == "cp1252"
    assert normalise_charset("ISO-8859-1") == "iso-8859-1"
    assert normalise_charset("UTF-8") == "utf-8"
    assert normalise_charset("no-such-charset") is None


_PEAK_RSS = """
import sys
from sellerledger.amazon.settlement import SettlementReader
with SettlementReader(sys.argv[1]) as reader:
    lines = sum(chunk.count("\\n") for chunk in reader.copy_chunks())
    assert lines == reader.result.line_count and reader.result.valid
status = open("/proc/self/status").read()  # VmHWM: peak resident memory of this program (after exec)
print(int(status.split("VmHWM:")[1].split()[0]) * 1024)
"""


def _peak_rss(path: Path) -> int:
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_memory_grows_far_slower_than_the_file(tmp_path: Path) -> None:
    sizes, peaks = [], []
    for count in (40_000, 240_000):
        path = tmp_path / f"s{count}.txt"
        path.write_text(big_v2_lines(count)[0], encoding="utf-8")
        sizes.append(path.stat().st_size)
        peaks.append(_peak_rss(path))
    # Streaming keeps one chunk in memory plus a hash per line to find duplicate lines (~75 bytes a line
    # in a set); holding the lines themselves would cost more than the bytes read.
    assert peaks[1] - peaks[0] < 0.6 * (sizes[1] - sizes[0]), (peaks, sizes)
