"""The one source of time: UTC-aware, injectable, and able to run accelerated for tests and demos."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Wall-clock now in UTC (use a ``Clock`` in business code)."""
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as UTC; naive datetimes (e.g. read back from SQLite) are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """Show a UTC time in Asia/Shanghai."""
    return ensure_utc(value).astimezone(SHANGHAI)


class Clock:
    """A clock that starts at ``start`` (default: now) and runs ``speed`` times faster than real time.

    ``speed=0`` freezes it; ``advance`` moves it forward. Thread-safe.
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._origin = ensure_utc(start) if start is not None else utcnow()
        self._mono0 = time.monotonic()
        self._speed = speed

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._mono0) * self._speed
            return self._origin + timedelta(seconds=elapsed)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._origin += delta

    def set(self, when: datetime) -> None:
        with self._lock:
            self._origin = ensure_utc(when)
            self._mono0 = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed


_clock = Clock()


def get_clock() -> Clock:
    """The process clock."""
    return _clock


def set_clock(clock: Clock) -> None:
    """Replace the process clock (tests, accelerated demo)."""
    global _clock
    _clock = clock


def now() -> datetime:
    """Business "now": the process clock's time, UTC-aware."""
    return _clock.now()
