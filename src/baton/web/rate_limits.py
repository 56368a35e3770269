"""Fixed-window request counting per key (an address, a conversation).

In one process the counts live in memory; a shared store takes over when Baton runs as several
processes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class _Window:
    start: float
    count: int


class RateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: dict[str, _Window] = {}
        self._max_keys = max_keys

    def hit(self, key: str, limit: int, window_seconds: float, now: float) -> int | None:
        """Count one request; None if allowed, else the seconds to wait."""
        window = self._windows.get(key)
        if window is None or now - window.start >= window_seconds:
            if len(self._windows) >= self._max_keys:
                self._evict(now, window_seconds)
            self._windows[key] = _Window(now, 1)
            return None
        if window.count >= limit:
            return max(1, math.ceil(window.start + window_seconds - now))
        window.count += 1
        return None

    def _evict(self, now: float, window_seconds: float) -> None:
        # Forget expired windows first; if all are fresh, forget the oldest half.
        stale = [key for key, w in self._windows.items() if now - w.start >= window_seconds]
        for key in (
            stale
            or sorted(self._windows, key=lambda k: self._windows[k].start)[
                : len(self._windows) // 2
            ]
        ):
            del self._windows[key]
