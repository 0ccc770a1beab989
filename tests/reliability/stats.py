"""Counts the reliability suite measures, printed as the run's last lines (see conftest.py)."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()
FAULT_TABLE: dict[tuple[str, str], str] = {}  # (class, rate) -> outcome
SECRETS_SCANNED: set[str] = set()


def bump(name: str, by: int = 1) -> None:
    COUNTS[name] += by
