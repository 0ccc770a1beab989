"""ISO-8601 as the SP-API writes and reads it."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_z(value: datetime) -> str:
    """`2026-11-18T10:22:31Z` (Orders, Reports, Listings)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(value: datetime) -> str:
    """`2026-11-18T10:22:31.000Z` (Finances)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime | None:
    """A request's date-time (`Z`, an offset, fractions, or a bare date = midnight UTC); None if invalid.
    A value without an offset is taken as UTC."""
    text = text.strip()
    if not text:
        return None
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
