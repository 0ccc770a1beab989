"""Fault injection: rules set by API or config that make chosen operations misbehave.

A rule names an api (`amazon`, `xero`, ...), an operation (or `*`), a fault kind, and either a probability
(`rate`, drawn from a seeded RNG so runs repeat) or a count of the next matching calls (`count`).

Generic kinds are applied by the `operation` wrapper for every stand-in:
  `429` (throttle answer in the API's own format), `500`, `503`, `slow` (delay `seconds`),
  `drop` (connection closed without an answer), `lost_response` (the write commits, then a 5xx goes back),
  `html_error` (a proxy's HTML error page).
Domain kinds are asked for by the handlers themselves with `FaultInjector.take(api, operation, kind)`:
  `expired_next_token`, `repeated_next_token`, `report_fatal`, `invalid_grant`, `document_url_expired`,
  `conflict` (a concurrent edit bumps SyncToken / RowVersion), `graphql_error`, ...
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

GENERIC_KINDS = frozenset({"429", "500", "503", "slow", "drop", "lost_response", "html_error"})


@dataclass
class FaultRule:
    api: str
    kind: str
    operation: str = "*"
    rate: float | None = None
    count: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0

    def matches(self, api: str, operation: str, kind: str | None) -> bool:
        if self.api not in (api, "*") or self.operation not in (operation, "*"):
            return False
        return kind is None or self.kind == kind

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        known = {"api", "kind", "operation", "rate", "count", "params"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault rule field(s): {sorted(unknown)}")
        if "api" not in data or "kind" not in data:
            raise ValueError("a fault rule needs 'api' and 'kind'")
        if data.get("rate") is None and data.get("count") is None:
            raise ValueError("a fault rule needs 'rate' (0..1) or 'count'")
        return cls(**{k: data[k] for k in known if k in data})


class FaultInjector:
    """Holds the active rules and decides, reproducibly, which calls they hit."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def set_rules(self, rules: list[FaultRule], seed: int | None = None) -> None:
        with self._lock:
            self._rules = list(rules)
            if seed is not None:
                self._rng = random.Random(seed)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def take(self, api: str, operation: str, kind: str) -> FaultRule | None:
        """The rule of `kind` that fires on this call, if any (consumes a count / draws the RNG)."""
        return self._draw(api, operation, lambda rule: rule.kind == kind)

    def take_generic(self, api: str, operation: str) -> FaultRule | None:
        """The generic fault (see module doc) that fires on this call, if any."""
        return self._draw(api, operation, lambda rule: rule.kind in GENERIC_KINDS)

    def _draw(self, api: str, operation: str, wanted: Any) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(api, operation, None) or not wanted(rule):
                    continue
                if rule.count is not None:
                    if rule.count <= 0:
                        continue
                    rule.count -= 1
                    rule.fired += 1
                    return rule
                if rule.rate is not None and self._rng.random() < rule.rate:
                    rule.fired += 1
                    return rule
            return None
