"""The rate limiter on memory and on a real Redis, shared by two limiters as by two processes."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from baton.web.rate_limits import RateLimiter
from tests.conftest import REDIS_URL, need_service


@pytest.fixture
async def memory() -> AsyncIterator[RateLimiter]:
    limiter = RateLimiter()
    yield limiter
    await limiter.close()


@pytest.fixture
async def two_on_redis() -> AsyncIterator[tuple[RateLimiter, RateLimiter]]:
    url = need_service(REDIS_URL, "redis")
    first, second = RateLimiter(url), RateLimiter(url)
    yield first, second
    await first.close()
    await second.close()


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A port that takes connections and never answers: a Redis that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_in_memory_a_key_gets_its_limit_then_a_wait(memory: RateLimiter) -> None:
    key, other = _key(), _key()
    answers = [await memory.hit(key, 3, 60) for _ in range(4)]
    assert answers[:3] == [None, None, None]
    assert answers[3] is not None and 1 <= answers[3] <= 60
    assert await memory.hit(other, 3, 60) is None


async def test_on_redis_two_limiters_share_one_count(
    two_on_redis: tuple[RateLimiter, RateLimiter],
) -> None:
    first, second = two_on_redis
    key = _key()
    answers = [await (first if i % 2 else second).hit(key, 4, 60) for i in range(6)]
    assert answers[:4] == [None] * 4
    assert all(wait is not None and 1 <= wait <= 60 for wait in answers[4:])


async def test_on_redis_open_sockets_are_capped_across_limiters(
    two_on_redis: tuple[RateLimiter, RateLimiter],
) -> None:
    first, second = two_on_redis
    key = _key()
    a = await first.open_socket(key, 2)
    b = await second.open_socket(key, 2)
    assert a is not None and b is not None
    assert await first.open_socket(key, 2) is None
    await a.release()
    await a.release()  # twice is once
    c = await second.open_socket(key, 2)
    assert c is not None
    assert await first.open_socket(key, 2) is None


async def test_in_memory_a_released_socket_frees_its_slot(memory: RateLimiter) -> None:
    key = _key()
    slot = await memory.open_socket(key, 1)
    assert slot is not None
    assert await memory.open_socket(key, 1) is None
    await slot.release()
    assert await memory.open_socket(key, 1) is not None


async def test_a_hanging_redis_does_not_hang_requests_and_limits_hold_in_memory(
    silent_redis: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RateLimiter(silent_redis)
    key = _key()
    try:
        with caplog.at_level(logging.WARNING, logger="baton.web.rate_limits"):
            # Bounded by the limiter's own timeout, whatever Redis does.
            answers = await asyncio.wait_for(
                asyncio.gather(*(limiter.hit(key, 2, 60) for _ in range(3))), 5
            )
            slot = await asyncio.wait_for(limiter.open_socket(key, 1), 5)
        assert sorted(answers, key=lambda wait: wait or 0)[:2] == [None, None]
        assert sum(wait is not None for wait in answers) == 1
        assert slot is not None
        warnings = [r for r in caplog.records if "Redis failed" in r.getMessage()]
        assert len(warnings) == 1  # once, not once per request
    finally:
        await limiter.close()


async def test_an_unreachable_redis_falls_back_to_memory() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    limiter = RateLimiter(f"redis://127.0.0.1:{port}/0")
    key = _key()
    try:
        assert await limiter.hit(key, 1, 60) is None
        assert await limiter.hit(key, 1, 60) is not None
    finally:
        await limiter.close()


async def test_on_redis_a_burst_from_many_sockets_is_counted_in_redis_exactly(
    two_on_redis: tuple[RateLimiter, RateLimiter], caplog: pytest.LogCaptureFixture
) -> None:
    """A thousand sockets sending at once: every count reaches Redis (none falls back to this
    process's memory for want of connections), and the limit holds to the message."""
    first, second = two_on_redis
    key = _key()
    with caplog.at_level(logging.WARNING, logger="baton.web.rate_limits"):
        answers = await asyncio.gather(*(first.hit(key, 900, 60) for _ in range(1000)))
    assert sum(wait is None for wait in answers) == 900
    assert not [r for r in caplog.records if "Redis failed" in r.getMessage()]
    assert await second.hit(key, 900, 60) is not None  # the other process sees the count
