"""The detail-line loops of the settlement reader: V2 rows as they are, V1 rows split into V2 lines.

Both loops run once per line of a file that can hold a million lines, so they are written for speed: one
`split` per line, cached amount and date parsing, and the file's own line handed on unchanged when it is
already what Postgres should read (`passthrough`). The V2 loop reads the file in blocks of whole lines and
first offers each block to `fastpath.CleanBlocks`, which COPYs a block whose every line is clean in one go;
the per-line loop below reads the rest (and decides every problem and error). Each yields either `Row`
tuples or, for the staging loader, chunks of Postgres COPY text (columns `columns.COPY_COLUMNS`, empty = NULL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple, TextIO

from sellerledger.amazon.settlement import columns as C
from sellerledger.amazon.settlement.fastpath import CleanBlocks
from sellerledger.amazon.settlement.values import (
    AMOUNT_EXPECTED,
    DATE_EXPECTED,
    SHORT_DATE_EXPECTED,
    marketplace_code,
    parse_short_date,
    quantity,
    short_date_readings,
)

if TYPE_CHECKING:
    from sellerledger.amazon.settlement.parser import SettlementReader

COPY_BATCH = 500  # lines per COPY text chunk (~100 kB: Postgres ingests one while the next is parsed)
BLOCK_CHARS = 1 << 17  # characters read at a time (whole lines; see fastpath.CleanBlocks; larger is slower)
_CACHE_LIMIT = 20_000  # posting dates remembered (lines of one order are adjacent)

_POS = {name: i for i, name in enumerate(C.V2_COLUMNS)}
_I_SID, _I_CURRENCY, _I_AMOUNT = _POS["settlement-id"], _POS["currency"], _POS["amount"]
_I_PD, _I_PDT, _I_QTY = _POS["posted-date"], _POS["posted-date-time"], _POS["quantity-purchased"]
_I_TYPE, _I_DESC, _I_MKT = _POS["amount-type"], _POS["amount-description"], _POS["marketplace-name"]
_UTC_SUFFIXES = (" UTC", "Z", "+00:00")
_INSIDE, _DEFERRED, _OUTSIDE = 0, 1, 2

# (value, Postgres text, usable as written, window verdict, clean = value present, as written, inside)
Posted = tuple[datetime | None, str, bool, int, bool]
PostedDay = tuple[date | None, str, bool, int, bool]
_NO_TIME: Posted = (None, "", True, _INSIDE, False)
_NO_DAY: PostedDay = (None, "", True, _INSIDE, True)


class Row(NamedTuple):
    """One detail line: `cells` are the 24 V2 columns in V2 order as Postgres should read them ('' = empty)."""

    line_number: int
    source_line: int
    marketplace: str | None
    cells: list[str]
    amount: Decimal
    posted_date_time: datetime | None
    posted_date: date | None


class PostedDates:
    """Reads posted-date-time and posted-date cells with caches, and judges them against the window."""

    def __init__(self, reader: SettlementReader) -> None:
        self.reader = reader
        self.times: dict[str, Posted] = {"": _NO_TIME}
        self.days: dict[str, PostedDay] = {"": _NO_DAY}
        self.earliest, self.early, self.late = reader.window
        self.month_first = reader.dates.month_first_hint  # the order Postgres is told to read d/m/y dates in
        self.learned: bool | None = None  # the order this file's ambiguous posted-dates turned out to use

    def time(self, text: str, n: int, column: str = "posted-date-time") -> Posted | None:
        if len(text) == 23 and text[10] == " " and text.endswith(" UTC") and text[:4].isdigit():
            try:  # the V2 form 2026-06-17 08:14:22 UTC, which Postgres reads as written
                value, pg_text, as_is = datetime.fromisoformat(text[:19] + "+00:00"), text, True
            except ValueError:
                value = None
        else:
            parsed = self.reader.dates.read(text.strip())
            value, pg_text, as_is = parsed if parsed is not None else (None, "", False)
        if value is None:
            self.reader.row_error(n, column, DATE_EXPECTED, text)
            return None
        verdict = _INSIDE
        if value > self.late or value < self.earliest:
            verdict = _OUTSIDE
        elif value < self.early:
            verdict = _DEFERRED
        as_is = as_is and text == text.strip()
        result = (value, pg_text, as_is, verdict, as_is and verdict == _INSIDE)
        if len(self.times) > _CACHE_LIMIT:
            self.times.clear()
            self.times[""] = _NO_TIME
        self.times[text] = result
        return result

    def day(self, text: str, near: datetime | None, n: int) -> PostedDay | None:
        """posted-date: ISO dates are unambiguous; `06/02/2026` is resolved against posted-date-time (the
        reading within a day of it), and the order found (month or day first) is then kept for the file."""
        s = text.strip()
        readings = short_date_readings(s)
        cacheable = True
        if readings is None:
            value = parse_short_date(s, near=near, month_first_hint=self.month_first)
            as_is = s == text and s[:4].isdigit() and s[4:5] == "-" and s[7:8] == "-" and (
                len(s) == 10 or s.endswith(_UTC_SUFFIXES))
        else:
            month_first, day_first = readings
            if "." in s or month_first is None or day_first is None or month_first == day_first:
                value = day_first if "." in s else month_first or day_first
            else:
                anchor = near.date() if near is not None else None
                fits = [d for d in readings if anchor is not None and d is not None and abs((d - anchor).days) <= 1]
                if len(fits) == 1:
                    value = fits[0]
                    if self.learned is None:
                        self.learned = value == month_first
                    cacheable = self.learned == (value == month_first)
                elif self.learned is not None:
                    value = month_first if self.learned else day_first
                else:
                    value = month_first if self.month_first else day_first
                    cacheable = False
            # Postgres reads d/m/y text in the order of the COPY session's DateStyle (see copy_datestyle).
            as_is = (value is not None and s == text and len(s.replace(".", "/").rsplit("/", 1)[-1]) == 4
                     and value == (month_first if self.month_first else day_first))
        if value is None:
            self.reader.row_error(n, "posted-date", SHORT_DATE_EXPECTED, text)
            return None
        verdict = _INSIDE
        if value > self.late.date() or value < self.earliest.date():
            verdict = _OUTSIDE
        elif value < self.early.date():
            verdict = _DEFERRED
        result = (value, value.isoformat(), as_is, verdict, as_is and verdict == _INSIDE)
        if cacheable:
            if len(self.days) > _CACHE_LIMIT:
                self.days.clear()
                self.days[""] = _NO_DAY
            self.days[text] = result
        return result

    def note(self, n: int, column: str, value: datetime | date, verdict: int) -> None:
        """Record a posting date outside the window (problem) or in the deferral period before it (warning)."""
        header = self.reader.header
        window = f"{header.start.isoformat()} to {header.end.isoformat()}"
        if verdict == _OUTSIDE:
            self.reader.problem(f"line {n}, column {column}: {value.isoformat()} is outside the settlement window {window}")
        else:
            self.reader.warn(
                f"line {n}, column {column}: {value.isoformat()} is before the settlement start "
                f"{header.start.isoformat()} (a deferred transaction?)"
            )


def _blocks(text: TextIO) -> Iterator[str]:
    """The rest of the decoded file in blocks of whole lines (about BLOCK_CHARS characters each; the last
    block may end without a newline)."""
    rest = ""
    while chunk := text.read(BLOCK_CHARS):
        if rest:
            chunk = rest + chunk
        cut = chunk.rfind("\n") + 1
        rest = chunk[cut:]
        if cut:
            yield chunk[:cut]
    if rest:
        yield rest


def _copy_line(seq: int, n: int, market: str | None, text: str) -> str:
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    return f"{seq}\t{n}\t{market or ''}\t{text}\n"


def v2_rows(reader: SettlementReader, *, as_copy: bool) -> Iterator[Row | str]:
    """Detail lines of a V2 file (rows, or COPY text chunks when `as_copy`).

    For COPY, a block of clean lines goes through `CleanBlocks.take` whole. Otherwise, line by line: the
    common line (columns in V2 order, plain amount, ISO dates in UTC, no backslash) is checked with a handful
    of string operations and handed to COPY as it is; anything else takes the slower checks and is rebuilt
    in V2 order with normalised values.
    """
    header = reader.header
    sid, currency = header.settlement_id, header.currency
    width = len(reader.columns)
    in_order = reader.columns == C.V2_COLUMNS
    positions = [reader.index.get(name, -1) for name in C.V2_COLUMNS]  # file position of each V2 column
    summary_only = [_POS[name] for name in C.SUMMARY_ONLY_COLUMNS]
    prefix = sid + "\t" * 5  # a V2 detail line starts with its settlement id and four empty summary columns
    amounts = reader.amounts
    amount_cached = amounts.cache.get
    posted = PostedDates(reader)
    times, days = posted.times.get, posted.days.get
    markets: dict[str, str | None] = {"": None}
    market_lines: dict[str | None, int] = {}
    last_name: str | None = None
    market: str | None = None
    market_text = ""
    run = 0
    good_quantities = {""}
    seen: set[int] = set()
    seen_add = seen.add
    row_error, problem = reader.row_error, reader.problem
    buffer: list[str] = []
    emit = buffer.append
    seq = 0
    total = Decimal(0)
    n = reader.line_number
    fast = CleanBlocks(reader, posted, seen) if as_copy else None
    try:
        for block in _blocks(reader.text):
            lines = block.split("\n")
            whole = not lines[-1]  # every line ends in a newline (not so for a last line without one)
            if whole:
                lines.pop()
            taken = fast.take(block, lines, n, seq) if fast is not None and fast.usable and whole else None
            if taken is not None:
                text, block_market = taken
                if run:
                    market_lines[market] = market_lines.get(market, 0) + run
                    run = 0
                last_name = None
                market_lines[block_market] = market_lines.get(block_market, 0) + len(lines)
                n += len(lines)
                seq += len(lines)
                if buffer:
                    yield "".join(buffer)
                    buffer.clear()
                yield text
                continue
            for line in lines:
                n += 1
                if not line or line.isspace():
                    continue
                key = hash(line)
                line += "\n"
                cells = line.split("\t")
                if key in seen:
                    problem(f"line {n}: exact duplicate of an earlier line (every column equal)")
                else:
                    seen_add(key)
                if in_order and len(cells) == width:
                    as_is = line.startswith(prefix) and "\\" not in line
                else:
                    as_is = False
                    cells[-1] = cells[-1][:-1]
                    if not _fits_width(cells, width, n, row_error):
                        continue
                    if not in_order:
                        cells = [cells[p] if p >= 0 else "" for p in positions]
                if not as_is:
                    if cells[_I_SID] != sid:
                        if cells[_I_SID].strip() != sid:
                            row_error(n, "settlement-id", f"the summary's settlement id {sid}", cells[_I_SID])
                            continue
                        cells[_I_SID] = sid
                    for i in summary_only:
                        if cells[i]:
                            if cells[i].strip():
                                problem(f"line {n}, column {C.V2_COLUMNS[i]}: expected empty on a detail row, "
                                        f"found {cells[i]!r}")
                            cells[i] = ""
                text = cells[_I_AMOUNT]
                amount = amount_cached(text) or amounts.read(text)
                if amount is None:
                    row_error(n, "amount", AMOUNT_EXPECTED, text)
                    continue
                if not amount[3]:
                    if not amount[2]:
                        problem(f"line {n}, column amount: more decimal places than {currency} has ({amount[1]})")
                    if text != amount[1]:
                        cells[_I_AMOUNT] = amount[1]
                        as_is = False
                if not cells[_I_TYPE] or not cells[_I_DESC]:
                    column = "amount-type" if not cells[_I_TYPE] else "amount-description"
                    row_error(n, column, f"a non-empty {column} on a detail row", "")
                    continue
                if cells[_I_CURRENCY] != currency:
                    found = cells[_I_CURRENCY].strip().upper()
                    if found and found != currency:
                        problem(f"line {n}, column currency: {cells[_I_CURRENCY].strip()!r} differs from the "
                                f"summary's {currency}")
                    else:
                        cells[_I_CURRENCY] = currency
                        as_is = False
                pd_text = cells[_I_PD]
                when = times(cells[_I_PDT]) or posted.time(cells[_I_PDT], n)
                if when is None:
                    continue
                day = days(pd_text) or posted.day(pd_text, when[0], n)
                if day is None:
                    continue
                if not (when[4] and day[4]):
                    if when[0] is None and day[0] is None:
                        row_error(n, "posted-date-time", "a posting date (posted-date-time or posted-date)", "")
                        continue
                    if when[3]:
                        posted.note(n, "posted-date-time", when[0], when[3])  # type: ignore[arg-type]
                    elif when[0] is None and day[3]:
                        posted.note(n, "posted-date", day[0], day[3])  # type: ignore[arg-type]
                    if not (when[2] and day[2]):
                        cells[_I_PDT] = when[1]
                        cells[_I_PD] = day[1]
                        as_is = False
                if cells[_I_QTY] not in good_quantities:
                    qty = cells[_I_QTY]
                    if quantity(qty) is None:
                        row_error(n, "quantity-purchased", "a whole number", qty)
                        continue
                    if qty.isascii() and qty.isdigit():
                        good_quantities.add(qty)
                    else:
                        cells[_I_QTY] = str(quantity(qty))
                        as_is = False
                if cells[_I_MKT] != last_name:
                    if run:
                        market_lines[market] = market_lines.get(market, 0) + run
                        run = 0
                    last_name = cells[_I_MKT]
                    market = markets.get(last_name, "?")
                    if market == "?":
                        market = markets[last_name] = marketplace_code(last_name)
                    market_text = market or ""
                run += 1
                seq += 1
                total += amount[0]
                if as_copy:
                    if as_is:
                        emit(f"{seq}\t{n}\t{market_text}\t{line}")
                    else:
                        if in_order and cells[-1][-1:] == "\n":
                            cells[-1] = cells[-1][:-1]
                        emit(_copy_line(seq, n, market, "\t".join(cells)))
                    if len(buffer) >= COPY_BATCH:
                        yield "".join(buffer)
                        buffer.clear()
                else:
                    if cells[-1][-1:] == "\n":
                        cells[-1] = cells[-1][:-1]
                    yield Row(seq, n, market, cells, amount[0], when[0], day[0])
    except UnicodeDecodeError as exc:  # only after a byte-order mark; detection checked the rest
        reader.decode_error(n + 1, exc)
    if run:
        market_lines[market] = market_lines.get(market, 0) + run
    if buffer:
        yield "".join(buffer)
    if fast is not None:
        total += fast.total
    reader.done(seq, total, market_lines)


def v1_rows(reader: SettlementReader, *, as_copy: bool) -> Iterator[Row | str]:
    """Detail lines of a V1 file: one line per non-empty amount column, in the V2 model."""
    header = reader.header
    sid, currency = header.settlement_id, header.currency
    width = len(reader.columns)
    index = reader.index
    shared = [(_POS[name], index[name]) for name in C.V1_SHARED_COLUMNS if name in index]
    components = [
        (index[amount_col], index.get(type_col) if type_col else None, amount_type, amount_col)
        for amount_col, type_col, amount_type in C.V1_COMPONENTS
        if amount_col in index
    ]
    i_sid, i_tt, i_pd = index["settlement-id"], index["transaction-type"], index["posted-date"]
    i_cur = index["currency"]
    i_qty = index.get("quantity-purchased")
    i_order, i_item = index.get("order-id"), index.get("order-item-code")
    summary_only = [index[name] for name in C.SUMMARY_ONLY_COLUMNS]
    posted = PostedDates(reader)
    markets: dict[str, str | None] = {"": None}
    market_lines: dict[str | None, int] = {}
    seen: set[int] = set()
    carried: tuple[tuple[str, str], str] | None = None  # quantity of a row without amounts, for its item's lines
    row_error, problem = reader.row_error, reader.problem
    buffer: list[str] = []
    seq = 0
    total = Decimal(0)
    for n, line in reader.numbered_lines():
        if not line or line.isspace():
            continue
        cells = line.split("\t")
        if not _fits_width(cells, width, n, row_error):
            continue
        key = hash(line)
        if key in seen:
            problem(f"line {n}: exact duplicate of an earlier line (every column equal)")
        seen.add(key)
        if cells[i_sid].strip() != sid:
            row_error(n, "settlement-id", f"the summary's settlement id {sid}", cells[i_sid])
            continue
        found_currency = cells[i_cur].strip().upper()
        if found_currency and found_currency != currency:
            problem(f"line {n}, column currency: {found_currency!r} differs from the summary's {currency}")
        for i in summary_only:
            if cells[i].strip():
                problem(f"line {n}, column {reader.columns[i]}: expected empty on a detail row, found {cells[i]!r}")
        when = posted.times.get(cells[i_pd]) or posted.time(cells[i_pd], n, "posted-date")
        if when is None:
            continue
        if when[0] is None:
            row_error(n, "posted-date", DATE_EXPECTED, cells[i_pd])
            continue
        if when[3]:
            posted.note(n, "posted-date", when[0], when[3])
        qty = cells[i_qty].strip() if i_qty is not None else ""
        if qty and quantity(qty) is None:
            row_error(n, "quantity-purchased", "a whole number", qty)
            continue
        item = (cells[i_order].strip() if i_order is not None else "", cells[i_item].strip() if i_item is not None else "")
        parts: list[tuple[Decimal, str, str, str]] = []
        for i_amount, i_type, amount_type, amount_col in components:
            text = cells[i_amount]
            if not text or text.isspace():
                continue
            amount = reader.amounts.read(text)
            if amount is None:
                row_error(n, amount_col, AMOUNT_EXPECTED, text)
                parts = []
                break
            if not amount[2]:
                problem(f"line {n}, column {amount_col}: more decimal places than {currency} has ({amount[1]})")
            description = cells[i_type].strip() if i_type is not None else ""
            parts.append((amount[0], amount[1], amount_type, description or cells[i_tt].strip()))
        else:
            if not parts:
                if qty and item[1]:
                    carried = (item, qty)
                continue
        if not parts:
            continue
        if not qty and carried is not None and carried[0] == item:
            qty = carried[1]
        base = [""] * len(C.V2_COLUMNS)
        for v2_position, v1_position in shared:
            base[v2_position] = cells[v1_position].strip()
        for position in (1, 2, 3, 4):  # settlement dates and total-amount belong to the summary row
            base[position] = ""
        base[_I_SID], base[_I_CURRENCY] = sid, currency
        base[_I_PD], base[_I_PDT] = when[0].date().isoformat(), when[1]
        base[_I_QTY] = str(quantity(qty)) if qty else ""
        name = base[_I_MKT]
        market = markets.get(name, "?")
        if market == "?":
            market = markets[name] = marketplace_code(name)
        market_lines[market] = market_lines.get(market, 0) + len(parts)
        for value, canonical, amount_type, description in parts:
            cells_out = list(base)
            cells_out[_I_TYPE], cells_out[_I_DESC], cells_out[_I_AMOUNT] = amount_type, description, canonical
            seq += 1
            total += value
            if as_copy:
                buffer.append(_copy_line(seq, n, market, "\t".join(cells_out)))
            else:
                yield Row(seq, n, market, cells_out, value, when[0], when[0].date())
        if as_copy and len(buffer) >= COPY_BATCH:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)
    reader.done(seq, total, market_lines)


def _fits_width(cells: list[str], width: int, n: int, row_error: Callable[..., None]) -> bool:
    """Whether a line has the header's column count; trailing empty cells are dropped (in place), any other
    difference is reported as a row error naming the line."""
    if len(cells) == width:
        return True
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        del cells[width:]
        return True
    row_error(n, None, f"{width} tab-separated columns as in the header (a truncated line?)", f"{len(cells)} columns")
    return False
