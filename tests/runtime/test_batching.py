from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from baton.runtime.batching import Batcher


async def test_requests_arriving_while_a_batch_runs_form_the_next_batch() -> None:
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def handler(items: Sequence[int]) -> list[int | BaseException]:
        batches.append(list(items))
        if len(batches) == 1:
            await gate.wait()  # the first batch is slow: others queue meanwhile
        return [i * 10 if i >= 0 else ValueError(f"bad {i}") for i in items]

    batcher: Batcher[int, int] = Batcher(handler)
    first = asyncio.create_task(batcher.submit(1))
    await asyncio.sleep(0)
    later = [asyncio.create_task(batcher.submit(i)) for i in (2, -3, 4)]
    await asyncio.sleep(0)
    gate.set()
    assert await first == 10
    results = await asyncio.gather(*later, return_exceptions=True)
    assert results[0] == 20 and results[2] == 40
    assert isinstance(results[1], ValueError)  # only the bad item fails
    assert batches == [[1], [2, -3, 4]]


async def test_a_failing_handler_fails_its_batch_and_the_next_batch_still_runs() -> None:
    calls = 0

    async def handler(items: Sequence[str]) -> list[str | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database is gone")
        return [item.upper() for item in items]

    batcher: Batcher[str, str] = Batcher(handler)
    with pytest.raises(RuntimeError, match="database is gone"):
        await batcher.submit("a")
    assert await batcher.submit("b") == "B"


async def test_a_caller_that_gives_up_does_not_cancel_the_write() -> None:
    written: list[str] = []
    gate = asyncio.Event()

    async def handler(items: Sequence[str]) -> list[str | BaseException]:
        await gate.wait()
        written.extend(items)
        return list(items)

    batcher: Batcher[str, str] = Batcher(handler)
    caller = asyncio.create_task(batcher.submit("kept"))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    gate.set()
    assert await batcher.submit("next") == "next"
    assert written == ["kept", "next"]


async def test_with_lanes_other_keys_run_beside_a_slow_batch_and_one_key_keeps_its_order() -> None:
    """Several batches at once (PostgreSQL): a slow batch does not hold up other
    conversations, and a conversation's later message waits for its earlier one."""
    running: list[list[str]] = []
    done: list[str] = []
    gate = asyncio.Event()

    async def handler(items: Sequence[str]) -> list[str | BaseException]:
        running.append(list(items))
        if "a1" in items:
            await gate.wait()
        done.extend(items)
        return list(items)

    batcher: Batcher[str, str] = Batcher(handler, lanes=2, key=lambda item: item[0])
    first = asyncio.create_task(batcher.submit("a1"))
    await asyncio.sleep(0)
    later = [asyncio.create_task(batcher.submit(i)) for i in ("a2", "b1", "b2")]
    for _ in range(5):
        await asyncio.sleep(0)
    assert done == ["b1", "b2"]  # beside the slow batch, without "a2"
    gate.set()
    assert await asyncio.gather(first, *later) == ["a1", "a2", "b1", "b2"]
    assert done.index("a2") > done.index("a1")
    assert running[0] == ["a1"] and ["a2"] in running
