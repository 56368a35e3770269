"""Rate limits and open-socket caps per key (an address, a conversation), shared by every process.

Counts live in Redis when `redis_url` is set, so that `--workers N` processes enforce one limit,
and in this process's memory otherwise (the `limits` library's memory storage, fixed windows).
The counts asked for while one Redis pipeline is out go together in the next one, so a
thousand sockets sending at once cost a few round trips, not a thousand connections. When
Redis fails or is slow, requests are counted in memory for a short while instead: a limit
held per process for a moment is better than a request that hangs or fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import ConnectionPool, Redis

log = logging.getLogger(__name__)

# Longest a request waits on Redis before counting in memory instead.
REDIS_TIMEOUT_SECONDS = 0.5
# After a Redis failure, how long memory alone counts before Redis is tried again.
REDIS_RETRY_SECONDS = 5.0
# A process that dies does not give back its sockets' slots: the count is forgotten this long
# after an address's first socket opened (then it starts again from the sockets opened since).
SOCKET_COUNT_SECONDS = 3600
KEY_PREFIX = "baton-limits"
# Counts sent in one pipeline at most (three commands each).
MAX_PIPELINE = 2000


class RedisCounts:
    """Counters in Redis with an expiry set at their first count; the counts asked for while a
    pipeline is out are sent together in the next one, in order."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._client = Redis(connection_pool=pool)
        self._pending: list[tuple[str, int, int, asyncio.Future[tuple[int, int]]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def incr(self, key: str, expiry: int, amount: int = 1) -> tuple[int, int]:
        """Add `amount` to `key`; its new count and the seconds until it is forgotten."""
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._pending.append((f"{KEY_PREFIX}/{key}", expiry, amount, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="baton-rate-limits")
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[:MAX_PIPELINE]
            del self._pending[:MAX_PIPELINE]
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                    async with self._client.pipeline(transaction=False) as pipe:
                        for key, expiry, amount, _ in batch:
                            pipe.incrby(key, amount)
                            pipe.expire(key, expiry, nx=True)
                            pipe.ttl(key)
                        replies = await pipe.execute()
            except BaseException as exc:
                # Those waiting behind fail too: they count in memory rather than wait for a
                # Redis that did not answer.
                waiting, self._pending = self._pending, []
                for *_, future in [*batch, *waiting]:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for index, (_, expiry, _, future) in enumerate(batch):
                if not future.done():
                    ttl = int(replies[3 * index + 2])
                    future.set_result((int(replies[3 * index]), ttl if ttl > 0 else expiry))

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker


@dataclass
class SocketSlot:
    """One open socket counted against its address; `release` when the socket closes."""

    limiter: RateLimiter
    key: str
    on_redis: bool
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
        self._redis: RedisCounts | None = None
        self._redis_down_until = 0.0
        self._pool: ConnectionPool | None = None
        if redis_url:
            # Baton's own pool (redis-py, as the event bus), so that close() can let it go.
            self._pool = ConnectionPool.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._redis = RedisCounts(self._pool)

    @property
    def shared(self) -> bool:
        """Counts reach every process (Redis is configured)."""
        return self._redis is not None

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one request; None if allowed, else the whole seconds to wait."""
        if self._redis is not None and self._redis_up():
            try:
                # Bounded by the pipeline's own timeout, not by the wait behind other counts.
                count, ttl = await self._redis.incr(
                    f"hits/{limit}/{window_seconds}/{key}", window_seconds
                )
            except Exception as exc:
                self._redis_failed(exc)
            else:
                return None if count <= limit else max(1, ttl)
        item = RateLimitItemPerSecond(limit, window_seconds)
        return await self._hit(self._memory_windows, item, key)

    async def hit_all(self, limits: Sequence[tuple[str, int, int]]) -> int | None:
        """Count one request against each `(key, limit, window_seconds)` at once (one round
        trip to Redis); None if every limit allows it, else the longest wait, in seconds."""
        waits = await asyncio.gather(*(self.hit(*limit) for limit in limits))
        late = [wait for wait in waits if wait is not None]
        return max(late) if late else None

    async def open_socket(self, key: str, cap: int) -> SocketSlot | None:
        """Count an open socket against `key`; None when `cap` are open already."""
        key = f"sockets/{key}"
        count: int | None = None
        if self._redis is not None and self._redis_up():
            try:
                count = await self._count(True, key, 1)
            except Exception as exc:
                self._redis_failed(exc)
        on_redis = count is not None
        if count is None:
            count = await self._count(False, key, 1)
        slot = SocketSlot(self, key, on_redis)
        if count > cap:
            await slot.release()
            return None
        return slot

    async def _count(self, on_redis: bool, key: str, amount: int) -> int:
        if on_redis:
            assert self._redis is not None
            return (await self._redis.incr(key, SOCKET_COUNT_SECONDS, amount))[0]
        return await self._memory.incr(key, SOCKET_COUNT_SECONDS, amount)

    async def _release(self, slot: SocketSlot) -> None:
        try:
            await self._count(slot.on_redis, slot.key, -1)
        except Exception as exc:
            # The slot comes back when the count is forgotten (SOCKET_COUNT_SECONDS).
            self._redis_failed(exc)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.close()
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
