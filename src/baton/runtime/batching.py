"""Requests that arrive while the previous batch is being written go into the next batch.

Under load, one transaction stores many customer messages instead of one each: the writes
cost about the same per transaction whatever their number, and SQLite has a single writer
anyway. When traffic is light each batch holds one request and nothing waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# A batch handler returns, for each item in order, its result or the error to raise.
Handler = Callable[[Sequence[Item]], Awaitable[Sequence[Result | BaseException]]]


class Batcher(Generic[Item, Result]):
    """Gathers submitted items and hands them to `handler` a batch at a time, one batch at
    a time. The handler answers every item, each with its result or its own error, so one
    bad item never fails the others."""

    def __init__(self, handler: Handler[Item, Result], max_batch: int = 500) -> None:
        self._handler = handler
        self._max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Queue `item` and wait for its result."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="baton-batcher")
        # A caller that gives up (a socket closed) cancels only its wait: the item stays in
        # the batch and is written.
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                outcomes = await self._handler([item for item, _ in batch])
            except BaseException as exc:
                outcomes = [exc] * len(batch)
                if isinstance(exc, asyncio.CancelledError):
                    self._fail_pending(exc)
                    _settle(batch, outcomes)
                    raise
            _settle(batch, outcomes)

    def _fail_pending(self, exc: BaseException) -> None:
        pending, self._pending = self._pending, []
        _settle(pending, [exc] * len(pending))


def _settle(
    batch: Sequence[tuple[object, asyncio.Future[Result]]],
    outcomes: Sequence[Result | BaseException],
) -> None:
    for (_, future), outcome in zip(batch, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, asyncio.CancelledError):
            future.cancel()
        elif isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
