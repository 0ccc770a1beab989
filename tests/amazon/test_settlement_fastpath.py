"""The V2 fast path (whole clean blocks COPYed as written) gives exactly what the per-line loop gives.

Every file here is read twice, with the fast path and with `CleanBlocks.take` refusing every block (the
per-line loop alone), in small blocks so clean and unclean blocks mix; the COPY text, the result (sum,
counts, marketplaces, problems, warnings) or the error must be the same. The clean files must actually take
the fast path.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sellerledger.amazon.settlement import SettlementFileError, SettlementReader, detail
from sellerledger.amazon.settlement.fastpath import CleanBlocks
from sellerledger.sandbox.amazon.settlement_writer import write_large_settlement

LINES = 3000
_REAL_TAKE = CleanBlocks.take


def _read(data: bytes, *, collect: bool) -> tuple[str, object]:
    """(COPY text, result) of the file, or ("", error description) when it raises."""
    chunks: list[str] = []
    try:
        with SettlementReader(data, name="f.txt", collect=collect) as reader:
            chunks.extend(reader.copy_chunks())
            result = reader.result
    except SettlementFileError as exc:
        return "", exc.describe(with_file=True)
    return "".join(chunks), (result.line_count, result.lines_sum, result.marketplaces, result.problems,
                             result.warnings)


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch, *, collect: bool = False) -> tuple[tuple, tuple, int]:
    """(fast path reading, per-line reading, blocks the fast path took)."""
    monkeypatch.setattr(detail, "BLOCK_CHARS", 9_000)
    taken = []

    def counting(self: CleanBlocks, *args: object) -> object:
        found = _REAL_TAKE(self, *args)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    monkeypatch.setattr(CleanBlocks, "take", counting)
    fast = _read(data, collect=collect)
    monkeypatch.setattr(CleanBlocks, "take", lambda self, *args: None)
    slow = _read(data, collect=collect)
    return fast, slow, sum(taken)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fastpath")
    made = {}
    for currency, comma in (("USD", False), ("GBP", False), ("EUR", True), ("JPY", False), ("CAD", False)):
        path = folder / f"{currency}.txt"
        write_large_settlement(path, lines=LINES, seed=7, currency=currency, decimal_comma=comma)
        made[currency] = path.read_bytes()
    return made


def _edit(data: bytes, change: Callable[[list[str]], None]) -> bytes:
    lines = data.decode("utf-8").split("\n")
    change(lines)
    return "\n".join(lines).encode("utf-8")


def _cell(lines: list[str], index: int, column: int, value: str) -> None:
    cells = lines[index].split("\t")
    cells[column] = value
    lines[index] = "\t".join(cells)


def _posted_dates(style: str) -> Callable[[list[str]], None]:
    """Rewrite every posted-date in `style` from its posted-date-time."""
    def change(lines: list[str]) -> None:
        for i in range(2, len(lines)):
            if lines[i]:
                when = lines[i].split("\t")[17]
                y, m, d = when[:4], when[5:7], when[8:10]
                _cell(lines, i, 16, {"dmy": f"{d}/{m}/{y}", "dotted": f"{d}.{m}.{y}", "iso": when[:10],
                                     "iso time": when[:10] + " 00:00:00 UTC", "empty": ""}[style])
    return change


CLEAN = {
    "USD m/d/y": ("USD", None),
    "GBP d/m/y": ("GBP", "dmy"),
    "GBP d.m.y": ("GBP", "dotted"),
    "CAD ISO date": ("CAD", "iso"),
    "USD ISO date-time": ("USD", "iso time"),
    "USD no posted-date": ("USD", "empty"),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_files_take_the_fast_path_and_match_the_loop(files: dict[str, bytes], name: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    currency, style = CLEAN[name]
    data = files[currency] if style is None else _edit(files[currency], _posted_dates(style))
    fast, slow, taken = _both(data, monkeypatch)
    assert fast == slow
    assert fast[1][0] == LINES and fast[1][3] == []
    assert taken >= 55  # ~65 blocks of 9,000 characters: all but boundary days go fast


@pytest.mark.parametrize("currency", ["GBP", "CAD", "EUR", "JPY"])
def test_files_needing_repairs_match_the_loop(files: dict[str, bytes], currency: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """m/d/y posted-dates in a day-first file, decimal commas, ... are rewritten by the loop."""
    fast, slow, _ = _both(files[currency], monkeypatch)
    assert fast == slow and fast[1][0] == LINES


EDITS: dict[str, Callable[[list[str]], None]] = {
    "duplicate line": lambda lines: lines.insert(2000, lines[40]),
    "amount with decimal comma": lambda lines: _cell(lines, 900, 14, "12,50"),
    "amount finer than the currency": lambda lines: _cell(lines, 900, 14, "12.505"),
    "bad amount": lambda lines: _cell(lines, 1500, 14, "12x"),
    "blank and whitespace lines": lambda lines: [lines.insert(700, ""), lines.insert(1200, "  \t ")] and None,
    "backslash in a sku": lambda lines: _cell(lines, 300, 21, "SK\\U"),
    "posted outside the window": lambda lines: [_cell(lines, 2500, 16, "09/01/2026"),
                                                _cell(lines, 2500, 17, "2026-09-01 10:00:00 UTC")] and None,
    "posted in the deferral period": lambda lines: [_cell(lines, 2500, 16, "05/20/2026"),
                                                    _cell(lines, 2500, 17, "2026-05-20 10:00:00 UTC")] and None,
    "posted the day before the start": lambda lines: [_cell(lines, 2500, 16, "06/01/2026"),
                                                      _cell(lines, 2500, 17, "2026-06-01 10:00:00 UTC")] and None,
    "impossible posting time": lambda lines: _cell(lines, 2500, 17, "2026-06-05 24:00:00 UTC"),
    "other marketplaces": lambda lines: [_cell(lines, i, 11, name) for i, name in
                                         ((100, "Amazon.ca"), (101, ""), (2600, "Non-Amazon"))] and None,
    "day-first posted-date in a month-first file": lambda lines: [_cell(lines, i, 16, "05/06/2026")
                                                                  for i in (1000, 1001)] and None,
    "currency left empty or lower case": lambda lines: [_cell(lines, 50, 5, ""), _cell(lines, 51, 5, "usd")] and None,
    "foreign currency": lambda lines: _cell(lines, 60, 5, "CAD"),
    "quantity with a sign": lambda lines: _cell(lines, 70, 22, "+2"),
    "summary column on a detail line": lambda lines: _cell(lines, 80, 4, "1.00"),
    "truncated line": lambda lines: lines.__setitem__(1700, lines[1700].rsplit("\t", 3)[0]),
    "other settlement id": lambda lines: _cell(lines, 1800, 0, "1234"),
    "no newline at the end": lambda lines: lines.pop() and None,
}


@pytest.mark.parametrize("collect", [False, True], ids=["strict", "collect"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_unclean_lines_are_read_by_the_loop(files: dict[str, bytes], edit: str, collect: bool,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    data = _edit(files["USD"], EDITS[edit])
    fast, slow, taken = _both(data, monkeypatch, collect=collect)
    assert fast == slow
    assert taken > 0 or fast[0] == ""  # the other blocks still go fast (unless the file raised early)


def test_crlf_and_latin1_files_match_the_loop(files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    crlf = files["USD"].replace(b"\n", b"\r\n")
    fast, slow, taken = _both(crlf, monkeypatch)
    assert fast == slow and taken >= 50
    gbp = _edit(files["GBP"], _posted_dates("dmy"))
    latin = _edit(gbp, lambda lines: _cell(lines, 10, 21, "SKU-Größe")).decode().encode("iso-8859-1")
    fast, slow, taken = _both(latin, monkeypatch)
    assert fast == slow and taken >= 50


def test_mixed_order_posted_dates_keep_the_loops_memory(files: dict[str, bytes],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """06/05/2026 first read day first (its posting time says 6 May) stays 6 May on later lines."""
    def change(lines: list[str]) -> None:
        for i in range(2, 6):
            _cell(lines, i, 16, "06/05/2026")
            _cell(lines, i, 17, "2026-05-06 10:00:00 UTC")

    fast, slow, taken = _both(_edit(files["USD"], change), monkeypatch, collect=True)
    assert fast == slow and taken > 0
    assert "\t2026-05-06\t2026-06-05 " in fast[0]  # a later line of 5 June, its posted-date read as 6 May
