"""Time as an injected value: SystemClock in production, FixedClock in tests (no sleeps, no wall clock)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""
        ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FixedClock:
    """A clock that moves only when told to (thread-safe)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 1, 1, tzinfo=UTC)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def set(self, dt: datetime) -> None:
        """Move to `dt` (aware; naive values are taken as UTC); the monotonic timer follows forward moves."""
        aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
        with self._lock:
            self._mono += max((aware - self._now).total_seconds(), 0.0)  # monotonic never goes back
            self._now = aware.astimezone(UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
