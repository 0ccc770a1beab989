"""Cell values of a settlement file: amounts (decimal commas, thousand separators), dates to UTC, marketplaces.

Every parser returns None for a value it cannot read; the caller names file, line and column in the error.
Amounts are `Decimal` only, never float. Date-times come back timezone-aware in UTC together with a text form
Postgres reads unambiguously. Caches (`AmountReader`, `DateReader`) keep a million-line file fast: the same
amount or time string repeats on many lines and is parsed once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

AMOUNT_EXPECTED = "an amount such as -12.34, 1,234.56 or 1.234,56"
DATE_EXPECTED = "a date-time such as '2026-06-17 08:14:22 UTC', '2025-06-05T22:07:18+00:00' or '17.06.2026 08:14:22 UTC'"
SHORT_DATE_EXPECTED = "a date such as 2026-06-17, 17.06.2026 or 06/17/26"

_CACHE_LIMIT = 20_000  # entries per cache; cleared when full, so memory stays bounded
_MISSING = object()
_ASCII_DIGITS = frozenset("0123456789")
_GROUP_SPACES = (" ", "\u00a0", "\u202f", "'")  # thousand separators besides . and ,

# Time-zone names seen (or plausible) after a time in Amazon files; anything else is rejected, not guessed.
_ZONES: dict[str, timezone] = {
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
    "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)),
    "CET": timezone(timedelta(hours=1)),
    "CEST": timezone(timedelta(hours=2)),
    "JST": timezone(timedelta(hours=9)),
}

# ISO 4217 minor units for the currencies Amazon settles in (2 unless listed).
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "HUF": 2}

# marketplace-name (lower case, without "www.") → marketplace country code as the SP-API docs write it.
MARKETPLACE_CODES: dict[str, str] = {
    "amazon.com": "US",
    "amazon.ca": "CA",
    "amazon.com.mx": "MX",
    "amazon.com.br": "BR",
    "amazon.co.uk": "UK",
    "amazon.de": "DE",
    "amazon.fr": "FR",
    "amazon.it": "IT",
    "amazon.es": "ES",
    "amazon.nl": "NL",
    "amazon.se": "SE",
    "amazon.pl": "PL",
    "amazon.com.be": "BE",
    "amazon.ie": "IE",
    "amazon.com.tr": "TR",
    "amazon.ae": "AE",
    "amazon.sa": "SA",
    "amazon.eg": "EG",
    "amazon.in": "IN",
    "amazon.co.za": "ZA",
    "amazon.com.au": "AU",
    "amazon.co.jp": "JP",
    "amazon.sg": "SG",
}


def marketplace_code(name: str) -> str | None:
    """`Amazon.de` → `DE`; None for names that are not an Amazon store domain (e.g. `Non-Amazon`)."""
    key = name.strip().lower()
    if key.startswith("www."):
        key = key[4:]
    return MARKETPLACE_CODES.get(key)


def minor_units(currency: str) -> int:
    """Decimal places of the currency (JPY 0, most 2)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def month_first(currency: str) -> bool:
    """Whether slash dates (06/09/25) in a file of this currency are month first: only US-dollar files."""
    return currency.upper() == "USD"


# --------------------------------------------------------------------------------------------- amounts


def canonical_amount(text: str) -> str | None:
    """`text` as a plain decimal string (`-1234.56`), or None when it is not an amount.

    Accepts surrounding whitespace, a leading `+`/`-` or trailing `-`, a decimal point or decimal comma, and
    thousand separators (`,` `.` space, no-break space, apostrophe) in well-formed groups of three. A single
    `,` followed by exactly three digits is a thousand separator (`1,234` = 1234, as JPY files write it);
    followed by any other number of digits it is a decimal comma (`95,00`). Exponents, `NaN`, `Infinity`,
    underscores and non-ASCII digits are rejected.
    """
    s = text.strip()
    if not s:
        return None
    negative = False
    if s[0] in "+-":
        negative = s[0] == "-"
        s = s[1:].lstrip()
    elif s[-1] == "-":
        negative = True
        s = s[:-1].rstrip()
    if not s:
        return None
    spaces = [g for g in _GROUP_SPACES if g in s]
    marks = [m for m in ",." if m in s]
    grouping: str | None = None
    if spaces:
        if len(spaces) > 1 or len(marks) > 1 or (marks and s.count(marks[0]) > 1):
            return None
        grouping = spaces[0]
        whole, _, frac = s.partition(marks[0]) if marks else (s, "", "")
        if marks and not frac:
            return None
    elif len(marks) == 2:
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        whole, _, frac = s.rpartition(decimal_mark)
        if not frac or decimal_mark in whole:
            return None
    elif marks:
        mark = marks[0]
        position = s.rfind(mark)
        if s.count(mark) == 1 and not (mark == "," and len(s) - position - 1 == 3):
            whole, frac = s[:position], s[position + 1 :]
            if not frac or not whole:
                return None
        else:
            grouping = mark
            whole, frac = s, ""
    else:
        whole, frac = s, ""
    if grouping is not None:
        groups = whole.split(grouping)
        if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
            return None
        whole = "".join(groups)
    if not whole or not _ASCII_DIGITS.issuperset(whole) or not _ASCII_DIGITS.issuperset(frac):
        return None
    body = f"{whole}.{frac}" if frac else whole
    return "-" + body if negative else body


def parse_amount(text: str) -> Decimal | None:
    """`text` as a Decimal (see `canonical_amount`), or None when it is not an amount."""
    canonical = canonical_amount(text)
    return None if canonical is None else Decimal(canonical)


class AmountReader:
    """Parses amount cells with a cache.

    `read(text)` gives (Decimal, canonical text for Postgres, whether the value fits the currency's minor
    unit, whether all is well: it fits and `text` is the canonical text) or None when not an amount.
    """

    def __init__(self, currency: str = "") -> None:
        self.places = minor_units(currency) if currency else 2
        self.cache: dict[str, tuple[Decimal, str, bool, bool] | None] = {}

    def read(self, text: str) -> tuple[Decimal, str, bool, bool] | None:
        found = self.cache.get(text, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        body = text[1:] if text[:1] == "-" else text
        if body.isascii() and body.replace(".", "", 1).isdigit() and body[0] != "." and body[-1] != ".":
            canonical: str | None = text  # already plain: digits, at most one inner point, optional minus
        elif body.isascii() and body[-3:-2] == "," and body.replace(",", "", 1).isdigit() and body[0] != ",":
            canonical = text.replace(",", ".")  # decimal comma with two decimals: 95,00
        else:
            canonical = canonical_amount(text)
        value: tuple[Decimal, str, bool, bool] | None = None
        if canonical is not None:
            try:
                number = Decimal(canonical)
            except InvalidOperation:  # pragma: no cover - canonical_amount only lets digits through
                number = None
            if number is not None:
                _, _, fraction = canonical.partition(".")
                fits = len(fraction.rstrip("0")) <= self.places
                value = (number, canonical, fits, fits and canonical == text)
        if len(self.cache) >= 5 * _CACHE_LIMIT:
            self.cache.clear()
        self.cache[text] = value
        return value




# ----------------------------------------------------------------------------------------------- dates


def _zone(name: str) -> timezone | None:
    return _ZONES.get(name.upper())


def _split_zone(s: str) -> tuple[str, timezone | None, bool]:
    """(date-time text, zone, zone given): strips a trailing zone name such as ` UTC`."""
    head, sep, tail = s.rpartition(" ")
    if sep and tail and tail[0].isalpha():
        return head.rstrip(), _zone(tail), True
    if s.endswith("Z") and "T" in s:
        return s[:-1], UTC, True
    return s, UTC, False


def _time_of(text: str) -> tuple[int, int, int] | None:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    second = int(parts[2]) if len(parts) == 3 else 0
    return hour, minute, second


def _dotted_or_slashed(day_part: str, month_first_hint: bool) -> list[date]:
    """Candidate dates for `dd.mm.yyyy`, `yyyy/mm/dd` or `mm/dd/yy`-style text (most likely first)."""
    sep = "." if "." in day_part else "/" if "/" in day_part else "-" if day_part.count("-") == 2 else None
    if sep is None:
        return []
    parts = day_part.split(sep)
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return []
    a, b, c = parts
    candidates: list[tuple[int, int, int]] = []
    if len(a) == 4:  # yyyy.mm.dd / yyyy/mm/dd
        candidates.append((int(a), int(b), int(c)))
    elif len(c) in (2, 4):
        year = int(c) + (2000 if len(c) == 2 else 0)
        if sep == ".":
            candidates.append((year, int(b), int(a)))  # dotted dates are always day first
        elif month_first_hint:
            candidates += [(year, int(a), int(b)), (year, int(b), int(a))]
        else:
            candidates += [(year, int(b), int(a)), (year, int(a), int(b))]
    found: list[date] = []
    for year, month, day in candidates:
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        if value not in found:
            found.append(value)
    return found


def short_date_readings(text: str) -> tuple[date | None, date | None] | None:
    """(month-first reading, day-first reading) of a `mm/dd/yyyy`-or-`dd/mm/yyyy` style date (`/` or `.`,
    2- or 4-digit year; None for an impossible reading); both the same for `yyyy/mm/dd`. None for other forms."""
    sep = "/" if "/" in text else "." if "." in text else None
    if sep is None:
        return None
    parts = text.split(sep)
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    a, b, c = parts
    if len(a) == 4:
        try:
            same = date(int(a), int(b), int(c))
        except ValueError:
            return (None, None)
        return (same, same)
    if len(c) not in (2, 4):
        return None
    year = int(c) + (2000 if len(c) == 2 else 0)
    readings: list[date | None] = []
    for month, day in ((int(a), int(b)), (int(b), int(a))):
        try:
            readings.append(date(year, month, day))
        except ValueError:
            readings.append(None)
    return readings[0], readings[1]


def parse_datetime(text: str, *, month_first_hint: bool = False) -> datetime | None:
    """A date or date-time cell as an aware UTC datetime, or None when it cannot be read.

    Formats: `2026-06-17 08:14:22 UTC`, ISO 8601 with offset or `Z` (`2025-06-05T22:07:18+00:00`),
    `17.06.2026 08:14:22 UTC`, date only (`2026-06-17`, `17.06.2026`) meaning midnight UTC, and slash dates
    (`06/17/2026 08:14:22 UTC`; month first when `month_first_hint`, unless only the other order is valid).
    A time without a zone is taken as UTC (Amazon writes settlement times in UTC).
    """
    s = text.strip()
    if not s:
        return None
    body, zone, zone_given = _split_zone(s)
    if zone_given and zone is None:
        return None
    if body[:4].isdigit() and body[4:5] == "-" and body.isascii():
        try:
            value = datetime.fromisoformat(body)
        except ValueError:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=zone or UTC).astimezone(UTC)
        if zone_given:
            return None  # an offset and a zone name both given
        return value.astimezone(UTC)
    day_part, _, time_part = body.partition(" ")
    if not time_part and "T" in day_part:
        day_part, _, time_part = day_part.partition("T")
    dates = _dotted_or_slashed(day_part, month_first_hint)
    if not dates:
        return None
    hms = _time_of(time_part.strip()) if time_part.strip() else (0, 0, 0)
    if hms is None:
        return None
    try:
        local = datetime(dates[0].year, dates[0].month, dates[0].day, *hms, tzinfo=zone or UTC)
    except ValueError:
        return None
    return local.astimezone(UTC)


def parse_short_date(text: str, *, near: datetime | None = None, month_first_hint: bool = False) -> date | None:
    """A posted-date cell as a date, or None when it cannot be read.

    A date-time value gives its UTC date. An ambiguous slash date (`09/06/25`) takes the reading closest to
    `near` (the line's posted-date-time) when one is within a day, else the `month_first_hint` order.
    """
    s = text.strip()
    if not s:
        return None
    if s[:4].isdigit() and s[4:5] == "-" or " " in s or "T" in s:
        value = parse_datetime(s, month_first_hint=month_first_hint)
        return value.date() if value is not None else None
    candidates = _dotted_or_slashed(s, month_first_hint)
    if not candidates:
        return None
    if near is not None and len(candidates) > 1:
        anchor = near.date()
        close = [c for c in candidates if abs((c - anchor).days) <= 1]
        if close:
            return close[0]
    return candidates[0]


class DateReader:
    """Parses date-time cells with a cache.

    `read(text)` gives (UTC datetime, text Postgres reads the same way, whether `text` itself is that text)
    or None when the cell is not a date-time. `text` is passed to Postgres unchanged only when it is ISO 8601
    with an explicit UTC zone (` UTC`, `Z`, `+00:00`), so Postgres's DateStyle and TimeZone cannot change it.
    """

    def __init__(self, *, month_first_hint: bool = False) -> None:
        self.month_first_hint = month_first_hint
        self.cache: dict[str, tuple[datetime, str, bool] | None] = {}

    def read(self, text: str) -> tuple[datetime, str, bool] | None:
        found = self.cache.get(text, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        if len(text) == 23 and text[10] == " " and text.endswith(" UTC") and text[:4].isdigit():
            try:  # fast path for the V2 form 2026-06-17 08:14:22 UTC, which Postgres reads as written
                result: tuple[datetime, str, bool] | None = (datetime.fromisoformat(text[:19] + "+00:00"), text, True)
            except ValueError:
                result = None
        else:
            value = parse_datetime(text, month_first_hint=self.month_first_hint)
            if value is None:
                result = None
            else:
                as_is = (
                    text[:4].isdigit()
                    and text[4:5] == "-"
                    and text == text.strip()
                    and text.endswith((" UTC", "Z", "+00:00"))
                )
                result = (value, text if as_is else value.isoformat(sep=" "), as_is)
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        self.cache[text] = result
        return result


def quantity(text: str) -> int | None:
    """A quantity-purchased cell as int; None when it is not a whole number."""
    s = text.strip()
    body = s[1:] if s[:1] in "+-" else s
    if not body or not body.isascii() or not body.isdigit():
        return None
    return int(s)
