"""Fast path of the V2 detail loop: a whole block of clean lines checked by one regular expression, COPYed as written.

The per-line loop in `detail.v2_rows` costs several microseconds a line. Most lines of a real file need none of
its repairs: columns in V2 order, the summary's settlement id and currency, a plain amount that fits the
currency, posted-date-time `YYYY-MM-DD HH:MM:SS UTC` inside the settlement window, posted-date empty, ISO or in
the file's d/m/y order matching posted-date-time, a whole quantity. `CleanBlocks.take` checks a block of about
128 kB (some 650 lines) for exactly that with C-speed operations (one `findall`, counts, a set of line hashes)
and returns its COPY text; any block with one line that is not clean (or a duplicate) is refused and the caller
runs the per-line loop on it, which reports problems and errors as before. So the fast path never decides
anything the per-line loop would decide differently: it only skips work whose outcome is known.

What the per-line loop remembers across lines is kept in step: the hashes of the lines seen (duplicates), and
the posted-date readings of d/m/y dates (`PostedDates.day`, whose cache and learned order depend on the first
line a date appears on; each new date of a block is read as that first line would read it).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING

from sellerledger.amazon.settlement import columns as C
from sellerledger.amazon.settlement.values import marketplace_code

if TYPE_CHECKING:
    from sellerledger.amazon.settlement.detail import PostedDates
    from sellerledger.amazon.settlement.parser import SettlementReader

_TABS = len(C.V2_COLUMNS) - 1
_I_MKT = C.V2_COLUMNS.index("marketplace-name")
_CELL = r"[^\t]*"
_TIME = r" (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] UTC"
_first, _second = itemgetter(0), itemgetter(1)
_AMOUNTS_HELD = 5_000  # distinct amount texts counted before they are summed (bounded memory)
_MAX_DAYS = 400  # a window longer than this (not a real settlement) gets no fast path


class CleanBlocks:
    """Checks blocks of V2 detail lines and turns the clean ones into COPY text (see the module docstring).

    Only for files whose header is the V2 columns in V2 order; `usable` is False when the settlement window
    leaves no whole day to check posting dates against cheaply.
    """

    def __init__(self, reader: SettlementReader, posted: PostedDates, seen: set[int]) -> None:
        header = reader.header
        self.posted = posted
        self.seen = seen
        self.amounts: Counter[str] = Counter()  # amount text → lines, since the last fold into _total
        self._total = Decimal(0)
        self.month_first = posted.month_first
        self.days = _inside_days(posted.early, posted.late)
        self.usable = bool(self.days) and reader.columns == C.V2_COLUMNS
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        places = reader.amounts.places
        # at most 15 integer digits: sums stay exact in the default 28-digit Decimal context, as in the loop
        amount = r"-?[0-9]{1,15}(?:\.0+)?" if places == 0 else rf"-?[0-9]{{1,15}}(?:\.[0-9]{{1,{places}}}0*)?"
        iso_days = "|".join(day.isoformat() for day in self.days)
        order = "%m/%d/%Y" if self.month_first else "%d/%m/%Y"
        # posted-date \t posted-date-time; group 2 is a d/m/y posted-date with its matching day, for PostedDates
        pairs = "|".join(f"{day.strftime(order)}\\t{day.isoformat()}" for day in self.days)
        dotted = "".join("|" + re.escape(day.strftime("%d.%m.%Y")) for day in self.days) if not self.month_first else ""
        posted_cells = (
            rf"(?:(?:|(?:{iso_days})(?:{_TIME})?{dotted})\t(?:{iso_days})|({pairs})){_TIME}"
        )
        self._template = (
            re.escape(header.settlement_id) + "\t\t\t\t\t" + re.escape(header.currency)
            + rf"\t{_CELL}" * 5 + "\t{market}" + r"\t[^\t]+" * 2 + rf"\t({amount})\t{_CELL}\t{posted_cells}"
            + rf"\t{_CELL}" * 4 + r"\t[0-9]{0,9}\t[^\t\n]*\n"
        )

    def _pattern(self, market_name: str) -> re.Pattern[str] | None:
        found = self._patterns.get(market_name, self)
        if found is self:
            found = None
            if len(self._patterns) < 20:
                found = re.compile("^" + self._template.replace("{market}", re.escape(market_name)), re.M)
            self._patterns[market_name] = found
        return found  # type: ignore[return-value]

    @property
    def total(self) -> Decimal:
        """The exact sum of the amounts of every block taken so far."""
        self._fold()
        return self._total

    def _fold(self) -> None:
        self._total += sum((Decimal(text) * times for text, times in self.amounts.items()), Decimal(0))
        self.amounts.clear()

    def take(self, block: str, lines: list[str], n: int, seq: int) -> tuple[str, str | None] | None:
        """(COPY text, marketplace code) of `block` (whole lines, each ending in a newline, `lines` the same
        without them) numbered from file line `n + 1` and settlement line `seq + 1`, its amounts counted into
        `total`; None when a line of it is not clean, and then nothing was changed."""
        count = len(lines)
        first = lines[0].split("\t", _I_MKT + 1)
        if len(first) <= _I_MKT or "\\" in block or block.count("\t") != _TABS * count:
            return None
        pattern = self._pattern(first[_I_MKT])
        if pattern is None:
            return None
        found = pattern.findall(block)
        if len(found) != count:
            return None
        hashes = set(map(hash, lines))
        if len(hashes) != count or not self.seen.isdisjoint(hashes):
            return None
        if not self._dates_agree(dict.fromkeys(map(_second, found))):
            return None
        self.seen |= hashes
        self.amounts.update(map(_first, found))
        if len(self.amounts) > _AMOUNTS_HELD:
            self._fold()
        market = marketplace_code(first[_I_MKT])
        fmt = "{}\t{}\t" + (market or "") + "\t{}\n"
        text = "".join(map(fmt.format, range(seq + 1, seq + count + 1), range(n + 1, n + count + 1), lines))
        return text, market

    def _dates_agree(self, pairs: dict[str, None]) -> bool:
        """Whether every d/m/y posted-date of the block reads, as the per-line loop would read it, as the day of
        its posted-date-time and unchanged by Postgres; records the readings as that loop would."""
        cache = self.posted.days
        new = [pair.partition("\t") for pair in pairs if pair and pair.partition("\t")[0] not in cache]
        for text, _, day in new:
            near = datetime.combine(date.fromisoformat(day), time(), UTC)
            self.posted.day(text, near, 0)  # always readable: the day is a real day of the window
        for pair in pairs:
            if pair:
                text, _, day = pair.partition("\t")
                reading = cache.get(text)
                if reading is None or not reading[2] or reading[0] != date.fromisoformat(day):
                    return False
        return True


def _inside_days(early: datetime, late: datetime) -> list[date]:
    """The days whose every second lies in [early, late] (posting times there need no further check)."""
    first = early.date() if early.timetz().replace(tzinfo=None) == time() else early.date() + timedelta(days=1)
    days = []
    day = first
    while len(days) <= _MAX_DAYS:
        if datetime.combine(day, time(23, 59, 59), UTC) > late:
            break
        days.append(day)
        day += timedelta(days=1)
    return days if len(days) <= _MAX_DAYS else []
