"""Streaming reader of settlement flat files (V2, and the legacy V1 layout mapped onto V2 lines).

`SettlementReader` reads the header and the summary row when opened, then hands out the detail lines one at a
time, so memory stays bounded whatever the file size (it keeps a hash per line to find exact duplicate lines,
about 75 bytes per line in a set: 75 MB for a million lines). Columns are read by header name. Two modes:

- strict (default): the first unreadable value raises `SettlementFileError` naming file, line and column;
- collect (`collect=True`, used by `validate_settlement` and `sellerledger settlement check`): row errors are
  recorded as problems and the row skipped, so one run lists everything wrong.

Either way the checks that do not stop reading are problems in `result` once every line has been read: the
lines' sum against total-amount (exact), a detail row leaving the summary's currency, exact duplicate lines,
posting dates outside the settlement window, amounts finer than the currency's minor unit.

Three ways to read the detail lines (each once per reader): `lines()` gives typed `SettlementLine`s; `rows()`
gives `Row`s whose `cells` are the 24 V2 columns as text Postgres reads unambiguously (ISO dates, plain
decimal amounts, '' for empty); `copy_chunks()` is the staging loader's fast path, Postgres COPY text.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import BinaryIO

from sellerledger.amazon.settlement import columns as C
from sellerledger.amazon.settlement.decode import Detected, detect_encoding
from sellerledger.amazon.settlement.detail import Row, v1_rows, v2_rows
from sellerledger.amazon.settlement.model import (
    ParseResult,
    SettlementFileError,
    SettlementHeader,
    SettlementLine,
)
from sellerledger.amazon.settlement.values import (
    AMOUNT_EXPECTED,
    DATE_EXPECTED,
    AmountReader,
    DateReader,
    month_first,
)

# A line may be posted up to this long after the settlement end (or before its start) without comment.
WINDOW_TOLERANCE = timedelta(days=1)
# Deferred transactions (delivery date + 7 days, B2B invoicing 30 days) reach a settlement after the period
# they were posted in; earlier than the start by less than this is a warning, beyond it a problem.
DEFERRAL_ALLOWANCE = timedelta(days=45)
MAX_LISTED_PROBLEMS = 50

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

_POS = {name: i for i, name in enumerate(C.V2_COLUMNS)}
_I_CURRENCY, _I_QTY, _I_TT = _POS["currency"], _POS["quantity-purchased"], _POS["transaction-type"]
_I_TYPE, _I_DESC, _I_MKT = _POS["amount-type"], _POS["amount-description"], _POS["marketplace-name"]


class SettlementReader:
    """Reads one settlement file; use as a context manager, then read `lines()`, `rows()` or `copy_chunks()` once.

    `source` is a path, the file's bytes, or a seekable binary stream (not closed by the reader).
    `encoding` is a hint (for example the download's `charset=`); detection decides (see `decode`), unless
    the caller passes what `decode.detect_encoding` already found for this stream as `detected`.
    Opening raises `SettlementFileError` when the file has no usable header or summary row, in both modes.
    """

    def __init__(
        self,
        source: Source,
        *,
        name: str | None = None,
        encoding: str | None = None,
        collect: bool = False,
        window_tolerance: timedelta = WINDOW_TOLERANCE,
        deferral_allowance: timedelta = DEFERRAL_ALLOWANCE,
        max_problems: int = MAX_LISTED_PROBLEMS,
        detected: Detected | None = None,
    ) -> None:
        self.collect = collect
        self.max_problems = max_problems
        self._owns_stream = not hasattr(source, "read")
        if isinstance(source, bytes | bytearray | memoryview):
            self.name = name or "<bytes>"
            self._stream: BinaryIO = io.BytesIO(bytes(source))
        elif hasattr(source, "read"):
            self._stream = source  # type: ignore[assignment]
            self.name = name or str(getattr(source, "name", "<stream>"))
        else:
            self.name = name or os.fspath(source)  # type: ignore[arg-type]
            self._stream = open(source, "rb")  # type: ignore[arg-type]
        self._text: io.TextIOWrapper | None = None
        self._problems: list[str] = []
        self._unlisted = 0
        self._warnings: list[str] = []
        self._consumed = False
        self._finished = False
        self._line_count = 0
        self._lines_sum = Decimal(0)
        self._market_lines: dict[str, int] = {}
        self._lineno = 0
        self.detected: Detected | None = None
        try:
            self._start = self._stream.tell()
            self.detected = detected or detect_encoding(self._stream, hint=encoding)
            if self.detected.bad_offset is not None:
                line, column = self._locate(self.detected.bad_offset)
                raise SettlementFileError(self.name, line, column, self.detected.bad_reason or "readable text")
            self._text = io.TextIOWrapper(self._stream, encoding=self.detected.encoding, errors="strict", newline=None)
            self._read_header()
            self._read_summary(window_tolerance, deferral_allowance)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------------------------------ set-up

    def _fail(self, line: int | None, column: str | None, expected: str, found: str | None = None) -> None:
        raise SettlementFileError(self.name, line, column, expected, found)

    def _locate(self, offset: int) -> tuple[int, str | None]:
        """(line, column name) of a byte offset, reading the stream up to it (header names are ASCII)."""
        self._stream.seek(self._start)
        remaining, line, line_start = offset, 1, b""
        header: list[str] | None = None
        while remaining > 0:
            chunk = self._stream.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
            parts = chunk.split(b"\n")
            if len(parts) > 1 and header is None:
                header = (line_start + parts[0]).decode("latin-1").split("\t")
            line += len(parts) - 1
            line_start = parts[-1] if len(parts) > 1 else line_start + parts[-1]
        self._stream.seek(self._start)
        tabs = line_start.count(b"\t")
        names = [C.normalise_header(h) for h in header] if header else []
        return line, names[tabs] if tabs < len(names) else None

    def _next_line(self) -> str | None:
        """The next line without its newline, or None at the end of the file (counts line numbers)."""
        assert self._text is not None
        try:
            raw = self._text.readline()
        except UnicodeDecodeError as exc:  # only after a byte-order mark; detection checked the rest
            self._fail(self._lineno + 1, None, f"text in {self.encoding}", repr(exc.object[exc.start : exc.end]))
        if not raw:
            return None
        self._lineno += 1
        return raw[:-1] if raw.endswith("\n") else raw

    def _read_header(self) -> None:
        line = self._next_line()
        if line is None or not line.strip():
            self._fail(1, None, "a tab-separated header line starting with settlement-id", "" if line is None else line)
        assert line is not None
        names = tuple(C.normalise_header(cell) for cell in line.split("\t"))
        while names and not names[-1]:
            names = names[:-1]
        layout = C.detect_layout(names)
        if layout is None:
            self._fail(
                1, None, "a V2 header (settlement-id ... amount-type, amount ...) or a V1 header (price-amount ...)",
                line[:120],
            )
        assert layout is not None
        seen: set[str] = set()
        for name in names:
            if name in seen and name:
                self._fail(1, name, "each column once", name)
            seen.add(name)
        missing = [name for name in C.required_columns(layout) if name not in seen]
        if layout == C.LAYOUT_V2 and not {"posted-date-time", "posted-date"} & seen:
            missing.append("posted-date-time")
        if missing:
            self._fail(1, missing[0], f"the {layout.upper()} column {missing[0]!r} in the header", None)
        unknown = [name for name in names if name and name not in C.known_columns(layout)]
        if unknown:
            self.warn(f"line 1: unknown column(s) ignored: {', '.join(unknown)}")
        self.layout = layout
        self.columns = names
        self.index = {name: i for i, name in enumerate(names) if name}

    def _cell(self, cells: list[str], name: str) -> str:
        i = self.index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def _read_summary(self, window_tolerance: timedelta, deferral_allowance: timedelta) -> None:
        line = self._next_line()
        while line is not None and not line.strip():
            line = self._next_line()
        if line is None:
            self._fail(self._lineno + 1, None, "the summary row after the header (settlement-id, dates, total-amount, currency)", "end of file")
        assert line is not None
        n = self._lineno
        cells = self._split(line)
        settlement_id = self._cell(cells, "settlement-id")
        if not settlement_id:
            self._fail(n, "settlement-id", "the settlement id on the summary row", "")
        detail_column = "amount" if self.layout == C.LAYOUT_V2 else "transaction-type"
        if not self._cell(cells, "total-amount") or self._cell(cells, detail_column):
            self._fail(n, "total-amount", "the summary row first (total-amount filled, detail columns empty)", line[:120])
        currency = self._cell(cells, "currency").upper()
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            self._fail(n, "currency", "a three-letter currency code", self._cell(cells, "currency"))
        self.amounts = AmountReader(currency)
        self.dates = DateReader(month_first_hint=month_first(currency))
        total = self.amounts.read(self._cell(cells, "total-amount"))
        if total is None:
            self._fail(n, "total-amount", AMOUNT_EXPECTED, self._cell(cells, "total-amount"))
        assert total is not None
        when: dict[str, datetime | None] = {}
        for column in ("settlement-start-date", "settlement-end-date", "deposit-date"):
            text = self._cell(cells, column)
            parsed = self.dates.read(text) if text else None
            if parsed is None and (text or column != "deposit-date"):
                self._fail(n, column, DATE_EXPECTED, text)
            when[column] = parsed[0] if parsed else None
        start, end = when["settlement-start-date"], when["settlement-end-date"]
        assert start is not None and end is not None
        if end < start:
            self._fail(n, "settlement-end-date", f"a date after settlement-start-date {start.isoformat()}", self._cell(cells, "settlement-end-date"))
        if not total[2]:
            self.problem(f"line {n}, column total-amount: more decimal places than {currency} has ({total[1]})")
        self.header = SettlementHeader(
            settlement_id=settlement_id,
            start=start,
            end=end,
            deposit_date=when["deposit-date"],
            total_amount=total[0],
            currency=currency,
            layout=self.layout,
            encoding=self.encoding,
            columns=self.columns,
        )
        self._summary_line = n
        self.window = (start - deferral_allowance, start - window_tolerance, end + window_tolerance)

    def _split(self, line: str) -> list[str]:
        cells = line.split("\t")
        width = len(self.columns)
        if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
            del cells[width:]
        return cells

    # -------------------------------------------------------------------------------------- reporting

    @property
    def encoding(self) -> str:
        return self.detected.encoding if self.detected else "utf-8"

    def problem(self, message: str) -> None:
        if len(self._problems) < self.max_problems:
            self._problems.append(message)
        else:
            self._unlisted += 1

    def warn(self, message: str) -> None:
        if len(self._warnings) < self.max_problems:
            self._warnings.append(message)

    def row_error(self, line: int, column: str | None, expected: str, found: str | None) -> None:
        """A value that cannot be read: raise (strict) or record it (collect; the caller skips the row)."""
        error = SettlementFileError(self.name, line, column, expected, found)
        if not self.collect:
            raise error
        self.problem(error.describe())

    # ------------------------------------------------------------------------------------- iteration

    @property
    def line_number(self) -> int:
        """Number of the last line read so far (1 = header)."""
        return self._lineno

    @property
    def text(self) -> io.TextIOWrapper:
        """The decoded file, positioned after the lines read so far (for the detail loops)."""
        assert self._text is not None
        return self._text

    def decode_error(self, line: int, exc: UnicodeDecodeError) -> None:
        """Raise a decoding error as `SettlementFileError` (possible only after a byte-order mark: detection
        checked every other encoding). The line is approximate: decoding runs a little ahead of reading."""
        self._fail(line, None, f"text in {self.encoding}", repr(exc.object[exc.start : exc.end]))

    def numbered_lines(self) -> Iterator[tuple[int, str]]:
        """(line number, line without its newline) for the rest of the file."""
        assert self._text is not None
        n = self._lineno
        try:
            for raw in self._text:
                n += 1
                yield n, raw[:-1] if raw[-1:] == "\n" else raw
        except UnicodeDecodeError as exc:
            self.decode_error(n + 1, exc)
        finally:
            self._lineno = n

    def _detail(self, *, as_copy: bool) -> Iterator[Row | str]:
        if self._consumed:
            raise RuntimeError("a SettlementReader can be iterated once")
        self._consumed = True
        loop = v2_rows if self.layout == C.LAYOUT_V2 else v1_rows
        yield from loop(self, as_copy=as_copy)
        self._finish()

    def rows(self) -> Iterator[Row]:
        """The detail lines as `Row`s (cells in V2 column order). Iterate once; `result` is final afterwards."""
        return self._detail(as_copy=False)  # type: ignore[return-value]

    def copy_chunks(self) -> Iterator[str]:
        """The detail lines as Postgres COPY text (FORMAT text, NULL ''), columns `columns.COPY_COLUMNS`,
        in chunks of a few hundred lines, to be read with DateStyle `copy_datestyle`. Iterate once; `result`
        is final afterwards."""
        return self._detail(as_copy=True)  # type: ignore[return-value]

    @property
    def copy_datestyle(self) -> str:
        """The DateStyle the COPY session must use: `d/m/y` posted-dates are passed on as written only when
        Postgres reads them in this order (month first for USD files, else day first); others are ISO."""
        return "ISO, MDY" if self.dates.month_first_hint else "ISO, DMY"

    def lines(self) -> Iterator[SettlementLine]:
        """The detail lines as typed `SettlementLine`s (slower than `rows()`; same checks)."""
        settlement_id = self.header.settlement_id
        for row in self.rows():
            c = [cell or None for cell in row.cells]
            qty = c[_I_QTY]
            yield SettlementLine(
                settlement_id,
                row.line_number,
                row.source_line,
                c[_I_TT],
                c[_POS["order-id"]],
                c[_POS["merchant-order-id"]],
                c[_POS["adjustment-id"]],
                c[_POS["shipment-id"]],
                c[_I_MKT],
                row.marketplace,
                c[_I_TYPE],
                c[_I_DESC],
                row.amount,
                c[_I_CURRENCY] or self.header.currency,
                c[_POS["fulfillment-id"]],
                row.posted_date,
                row.posted_date_time,
                c[_POS["order-item-code"]],
                c[_POS["merchant-order-item-id"]],
                c[_POS["merchant-adjustment-item-id"]],
                c[_POS["sku"]],
                int(qty) if qty else None,
                c[_POS["promotion-id"]],
            )

    def done(self, line_count: int, lines_sum: Decimal, market_lines: dict[str | None, int]) -> None:
        """Called by the detail loop at the end of the file."""
        self._line_count = line_count
        self._lines_sum = lines_sum
        self._market_lines = {market: count for market, count in market_lines.items() if market}

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        header = self.header
        if self._lines_sum != header.total_amount:
            difference = header.total_amount - self._lines_sum
            self._problems.insert(
                0,
                f"line {self._summary_line}, column total-amount: the {self._line_count} lines sum to "
                f"{self._lines_sum} {header.currency} but total-amount is {header.total_amount} "
                f"(difference {difference})",
            )
        if self._unlisted:
            self._problems.append(f"... and {self._unlisted} more problems not listed")

    @property
    def result(self) -> ParseResult:
        """Counts, sum, problems and warnings (final once `rows()`/`lines()` has been read to the end)."""
        return ParseResult(
            header=self.header,
            layout=self.layout,
            encoding=self.encoding,
            line_count=self._line_count,
            lines_sum=self._lines_sum,
            marketplaces=dict(self._market_lines),
            problems=list(self._problems),
            warnings=list(self._warnings),
        )

    # ----------------------------------------------------------------------------------------- closing

    def close(self) -> None:
        if self._text is not None:
            if self._owns_stream:
                self._text.close()
            else:
                self._text.detach()
            self._text = None
        elif self._owns_stream:
            self._stream.close()

    def __enter__(self) -> SettlementReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_settlement(source: Source, **options: object) -> tuple[SettlementHeader, list[SettlementLine], ParseResult]:
    """Header, all lines and the result of a (small) settlement file, strictly: raises `SettlementFileError`."""
    with SettlementReader(source, **options) as reader:  # type: ignore[arg-type]
        lines = list(reader.lines())
        return reader.header, lines, reader.result


def validate_settlement(source: Source, **options: object) -> ParseResult:
    """Read the whole file in collect mode; every error and problem is in the result (nothing raised for
    bad content; a missing or unreadable file still raises OSError)."""
    try:
        reader = SettlementReader(source, collect=True, **options)  # type: ignore[arg-type]
    except SettlementFileError as exc:
        return ParseResult(header=None, layout=None, encoding=None, problems=[exc.describe()])
    with reader:
        for _ in reader.rows():
            pass
        return reader.result
