"""The one place Baton reads the time, so tests can freeze and move it, and a demo can start
at a chosen moment (`BATON_DEMO_CLOCK`, docs/deploy.md)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

DEMO_CLOCK_VARIABLE = "BATON_DEMO_CLOCK"


class ClockError(ValueError):
    """A pinned clock that cannot be used; the message is meant for the person running Baton."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


class StartedClock:
    """A clock that reads `at` when made and runs on from there at the real pace, so a demo
    lives through a chosen moment (late on a Monday, the eve of a holiday) and timers still
    fire."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("StartedClock needs an aware datetime")
        self._at = at.astimezone(UTC)
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self._at + timedelta(seconds=time.monotonic() - self._started)


def demo_clock(environ: Mapping[str, str], *, demo: bool) -> Clock | None:
    """The clock `BATON_DEMO_CLOCK` pins (an ISO 8601 time with its offset), or None when unset.

    Honoured only for the demo: a real server's promises and timers must follow real time, so
    anywhere else the variable is refused rather than ignored.
    """
    value = environ.get(DEMO_CLOCK_VARIABLE, "").strip()
    if not value:
        return None
    if not demo:
        raise ClockError(
            f"{DEMO_CLOCK_VARIABLE} pins the clock for `baton serve --demo` only; unset it to "
            "run Baton on real time"
        )
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise ClockError(
            f"{DEMO_CLOCK_VARIABLE}={value!r}: expected an ISO 8601 time with its offset, "
            'e.g. "2026-12-07T23:50:00+00:00"'
        )
    return StartedClock(at)
