"""Virtual time for the sandbox: real time scaled by a knob, plus manual jumps.

`time_scale=60` makes one real second count as a virtual minute, so tests meet the real rate limits
(and token lifetimes) sixty times faster while every ratio between them stays the same.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class VirtualClock:
    """Monotonic virtual seconds and a virtual wall clock anchored at `epoch`."""

    def __init__(self, epoch: datetime | None = None, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._lock = threading.Lock()
        self._epoch = epoch or datetime.now(UTC)
        self._scale = time_scale
        self._real_anchor = time.monotonic()
        self._virtual_anchor = 0.0

    @property
    def time_scale(self) -> float:
        return self._scale

    def set_time_scale(self, time_scale: float) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        with self._lock:
            self._virtual_anchor = self._monotonic_locked()
            self._real_anchor = time.monotonic()
            self._scale = time_scale

    def advance(self, seconds: float) -> None:
        """Jump virtual time forward (token expiry, late finance events, URL expiry in tests)."""
        with self._lock:
            self._virtual_anchor += seconds

    def monotonic(self) -> float:
        """Virtual seconds since the clock was made."""
        with self._lock:
            return self._monotonic_locked()

    def _monotonic_locked(self) -> float:
        return self._virtual_anchor + (time.monotonic() - self._real_anchor) * self._scale

    def now(self) -> datetime:
        """Virtual wall-clock time (UTC)."""
        return self._epoch + timedelta(seconds=self.monotonic())

    def to_virtual(self, real_seconds: float) -> float:
        return real_seconds * self._scale

    def to_real(self, virtual_seconds: float) -> float:
        return virtual_seconds / self._scale
