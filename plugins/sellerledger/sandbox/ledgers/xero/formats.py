"""Xero's wire formats: Microsoft JSON dates, problem bodies (401/403/404/429/5xx), the ValidationException
body, and money rounding."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime
from typing import Any

CENT = Decimal("0.01")
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def money(value: Decimal) -> Decimal:
    """Round to cents, half away from zero (what Xero shows)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ms_date(moment: datetime | date) -> str:
    """`/Date(1573755038314+0000)/`."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def ms_date_plain(moment: datetime) -> str:
    """`/Date(1552326816230)/` (the envelope's DateTimeUTC has no offset)."""
    return f"/Date({int(moment.timestamp() * 1000)})/"


def parse_date(value: Any) -> date:
    """A document date from `2026-11-01`, `2026-11-01T00:00:00` or `/Date(ms+0000)/`; ValueError otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    match = _MS_DATE.match(text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC).date()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return date.fromisoformat(text[:10])


def parse_http_datetime(value: str) -> datetime | None:
    """`If-Modified-Since` in ISO 8601 or RFC 1123 form (naive = UTC); None when unreadable."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    """The RFC 7807-style body Xero's gateway answers 401/403/404/429 with."""
    return {"Type": None, "Title": title, "Status": status, "Detail": detail,
            "Instance": str(uuid.uuid4()), "Extensions": {}}


def validation_error(elements: list[dict[str, Any]], message: str = "A validation exception occurred",
                     error_number: int = 10) -> dict[str, Any]:
    """HTTP 400 body: `{ErrorNumber, Type: ValidationException, Message, Elements[]}`."""
    return {"ErrorNumber": error_number, "Type": "ValidationException", "Message": message, "Elements": elements}


def envelope(now: datetime, **collections: Any) -> dict[str, Any]:
    """The response wrapper: `{Id, Status, ProviderName, DateTimeUTC, <Plural>: [...]}`."""
    return {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "sellerledger sandbox",
            "DateTimeUTC": ms_date_plain(now), **collections}
