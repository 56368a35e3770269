"""Rate limits and open-socket caps per key (an address, a conversation), shared by every process.

Counts live in Redis when `redis_url` is set, so that `--workers N` processes enforce one limit,
and in this process's memory otherwise (the `limits` library's storages, fixed windows). When
Redis fails or is slow, requests are counted in memory for a short while instead: a limit
held per process for a moment is better than a request that hangs or fails.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import ConnectionPool

log = logging.getLogger(__name__)
T = TypeVar("T")

# Longest a request waits on Redis before counting in memory instead.
REDIS_TIMEOUT_SECONDS = 0.5
# After a Redis failure, how long memory alone counts before Redis is tried again.
REDIS_RETRY_SECONDS = 5.0
# A process that dies does not give back its sockets' slots: the count is forgotten this long
# after an address's first socket opened (then it starts again from the sockets opened since).
SOCKET_COUNT_SECONDS = 3600
KEY_PREFIX = "baton-limits"


@dataclass
class SocketSlot:
    """One open socket counted against its address; `release` when the socket closes."""

    limiter: RateLimiter
    key: str
    storage: Storage
    released: bool = False

    async def release(self) -> None:
        if self.released:
            return
        self.released = True
        await self.limiter._release(self)


class RateLimiter:
    """Fixed-window limits and socket caps; shared through Redis when `redis_url` is given."""

    def __init__(self, redis_url: str | None = None) -> None:
        self._memory = MemoryStorage()
        self._memory_windows = FixedWindowRateLimiter(self._memory)
        self._redis: RedisStorage | None = None
        self._redis_windows: FixedWindowRateLimiter | None = None
        self._redis_down_until = 0.0
        self._pool: ConnectionPool | None = None
        if redis_url:
            # Baton's own pool (redis-py, as the event bus), so that close() can let it go.
            self._pool = ConnectionPool.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._redis = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
            self._redis_windows = FixedWindowRateLimiter(self._redis)

    @property
    def shared(self) -> bool:
        """Counts reach every process (Redis is configured)."""
        return self._redis is not None

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one request; None if allowed, else the whole seconds to wait."""
        item = RateLimitItemPerSecond(limit, window_seconds)
        if self._redis_windows is not None and self._redis_up():
            try:
                return await self._with_timeout(self._hit(self._redis_windows, item, key))
            except Exception as exc:
                self._redis_failed(exc)
        return await self._hit(self._memory_windows, item, key)

    async def open_socket(self, key: str, cap: int) -> SocketSlot | None:
        """Count an open socket against `key`; None when `cap` are open already."""
        if self._redis is not None and self._redis_up():
            try:
                return await self._with_timeout(self._open(self._redis, key, cap))
            except Exception as exc:
                self._redis_failed(exc)
        return await self._open(self._memory, key, cap)

    async def _open(self, storage: Storage, key: str, cap: int) -> SocketSlot | None:
        count = await storage.incr(f"sockets/{key}", SOCKET_COUNT_SECONDS, 1)
        slot = SocketSlot(self, f"sockets/{key}", storage)
        if count > cap:
            await slot.release()
            return None
        return slot

    async def _release(self, slot: SocketSlot) -> None:
        try:
            await self._with_timeout(slot.storage.incr(slot.key, SOCKET_COUNT_SECONDS, -1))
        except Exception as exc:
            # The slot comes back when the count is forgotten (SOCKET_COUNT_SECONDS).
            self._redis_failed(exc)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    @staticmethod
    async def _hit(
        windows: FixedWindowRateLimiter, item: RateLimitItemPerSecond, key: str
    ) -> int | None:
        if await windows.hit(item, key):
            return None
        reset_at, _ = await windows.get_window_stats(item, key)
        return max(1, math.ceil(reset_at - time.time()))

    @staticmethod
    async def _with_timeout(awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, REDIS_TIMEOUT_SECONDS)

    def _redis_up(self) -> bool:
        return time.monotonic() >= self._redis_down_until

    def _redis_failed(self, exc: BaseException) -> None:
        if self._redis_up():
            log.warning(
                "rate limits: Redis failed (%s); counting in this process for %.0f s",
                type(exc).__name__,
                REDIS_RETRY_SECONDS,
            )
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
