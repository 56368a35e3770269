"""The Redis event bus between processes, on a real Redis, including a Redis restart."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from baton.runtime.bus import RESYNC, Event
from baton.runtime.redis_bus import RedisBus
from tests.conftest import REDIS_URL, need_service
from tests.support.redis_server import start_redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _next(events: object, seconds: float = 10.0) -> Event:
    iterator = events.__aiter__()  # type: ignore[attr-defined]
    event: Event = await asyncio.wait_for(iterator.__anext__(), seconds)
    return event


async def _settle() -> None:
    # The listener subscribes in the background; give it a moment before publishing.
    await asyncio.sleep(0.3)


async def test_an_event_published_by_one_process_reaches_the_other() -> None:
    url = need_service(REDIS_URL, "redis")
    first, second = RedisBus(url), RedisBus(url)
    await first.start()
    await second.start()
    try:
        async with second.subscribe("conversation:abc") as events:
            await _settle()
            await first.publish(Event("message.created", "abc", True, {"body": "hi"}, 41))
            await first.publish(Event("message.created", "other", True, {"body": "no"}, 42))
            await first.publish(Event("message.created", "abc", True, {"body": "again"}, 43))
            received = [await _next(events), await _next(events)]
        assert [(e.id, e.data["body"]) for e in received] == [(41, "hi"), (43, "again")]
    finally:
        await first.close()
        await second.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    """A Redis server of this test's own, so it can be stopped and started again."""
    need_service(REDIS_URL, "redis")
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    port = _free_port()
    yield binary, port, tmp_path
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


async def test_after_a_redis_restart_the_bus_reconnects_and_tells_sockets_to_catch_up(
    own_redis: tuple[str, int, Path],
) -> None:
    binary, port, folder = own_redis
    server = start_redis(binary, port, folder)
    url = f"redis://127.0.0.1:{port}/0"
    bus, other = RedisBus(url), RedisBus(url)
    await bus.start()
    await other.start()
    try:
        async with bus.subscribe("agents") as events:
            await _settle()
            await other.publish(Event("conversation.created", "c1", False, {}, 1))
            assert (await _next(events)).id == 1
            server.kill()
            server.wait()
            # Published while Redis is down: its own sockets have it at once, and it is in the
            # event log for the others; no crash, no wait.
            async with asyncio.timeout(1):
                await bus.publish(Event("conversation.created", "c2", False, {}, 2))
            assert (await _next(events)).id == 2
            assert (await _next(events)).type == RESYNC
            server = start_redis(binary, port, folder)
            deadline = time.monotonic() + 15
            while True:
                await other.publish(Event("conversation.created", "c3", False, {}, 3))
                try:
                    event = await _next(events, seconds=1.0)
                except TimeoutError:
                    assert time.monotonic() < deadline, "the bus never reconnected"
                    continue
                if event.type != RESYNC:
                    break
            assert event.id == 3
    finally:
        await bus.close()
        await other.close()
        server.kill()


async def test_a_redis_that_stops_answering_never_holds_a_publish_and_others_catch_up(
    own_redis: tuple[str, int, Path],
) -> None:
    binary, port, folder = own_redis
    server = start_redis(binary, port, folder)
    url = f"redis://127.0.0.1:{port}/0"
    bus, other = RedisBus(url), RedisBus(url)
    await bus.start()
    await other.start()
    pauser = redis.Redis(port=port)
    try:
        async with bus.subscribe("agents") as mine, other.subscribe("agents") as theirs:
            await _settle()
            # Redis keeps accepting connections but answers nothing for 6 s.
            await pauser.execute_command("CLIENT", "PAUSE", 6000, "ALL")
            async with asyncio.timeout(1):
                await bus.publish(Event("conversation.created", "c1", False, {}, 7))
            assert (await _next(mine)).id == 7  # its own sockets, at once
            # The other process is told to catch up from the log once Redis answers again.
            got = await _next(theirs, seconds=30)
            while got.type != RESYNC:
                got = await _next(theirs, seconds=30)
    finally:
        await pauser.aclose()
        await bus.close()
        await other.close()
        server.kill()
