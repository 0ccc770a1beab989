"""The sandbox's shared state and configuration: clock, limiter, faults, call stats, per-API state."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sellerledger.sandbox.core.clock import VirtualClock
from sellerledger.sandbox.core.faults import FaultInjector
from sellerledger.sandbox.core.ratelimit import RateLimiter


@dataclass(frozen=True)
class SandboxConfig:
    """What the sandbox serves.

    `today` anchors the generated seller's history (the last `days` days before it), so the data is the
    same for the same seed, profile and day. `time_scale` speeds up virtual time (see `clock`).
    """

    seed: int = 7
    profile: str = "demo"
    days: int = 90
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    time_scale: float = 1.0
    rate_limits: bool = True
    state_dir: str | None = None  # when set, API state is saved there on stop and loaded on start
    options: dict[str, Any] = field(default_factory=dict)


class CallStats:
    """Calls per (api, operation, HTTP status)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, int]] = Counter()

    def record(self, api: str, operation: str, status: int) -> None:
        with self._lock:
            self._counts[(api, operation, status)] += 1

    def snapshot(self) -> list[dict[str, object]]:
        with self._lock:
            return [
                {"api": api, "operation": op, "status": status, "count": count}
                for (api, op, status), count in sorted(self._counts.items())
            ]

    def count(self, api: str, operation: str | None = None, status: int | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (a, op, st), n in self._counts.items()
                if a == api and (operation is None or op == operation) and (status is None or st == status)
            )

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class SandboxState:
    """Everything the stand-ins share; each API keeps its own state object in `apis`."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = VirtualClock(time_scale=config.time_scale)
        self.limiter = RateLimiter(self.clock)
        self.limiter.enabled = config.rate_limits
        self.faults = FaultInjector(seed=config.seed)
        self.stats = CallStats()
        self.apis: dict[str, Any] = {}
