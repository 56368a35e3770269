"""Requests that arrive while the previous batch is being written go into the next batch.

Under load, one transaction stores many customer messages instead of one each: the writes
cost about the same per transaction whatever their number, and SQLite has a single writer
anyway. When traffic is light each batch holds one request and nothing waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# A batch handler returns, for each item in order, its result or the error to raise.
Handler = Callable[[Sequence[Item]], Awaitable[Sequence[Result | BaseException]]]


class Batcher(Generic[Item, Result]):
    """Gathers submitted items and hands them to `handler` a batch at a time. The handler
    answers every item, each with its result or its own error, so one bad item never fails the
    others.

    `lanes` batches may run at once (one by default: SQLite has a single writer anyway). With
    several, items of one `key` (a conversation) never run in two batches at once, and keep
    the order they were submitted in: an item whose key is in a running batch waits for the
    next batch after it.
    """

    def __init__(
        self,
        handler: Handler[Item, Result],
        max_batch: int = 500,
        *,
        lanes: int = 1,
        key: Callable[[Item], Hashable] | None = None,
    ) -> None:
        self._handler = handler
        self._max_batch = max_batch
        self._lanes = lanes
        self._key = key
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._workers: set[asyncio.Task[None]] = set()
        self._busy: set[Hashable] = set()  # keys in a running batch

    async def submit(self, item: Item) -> Result:
        """Queue `item` and wait for its result."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._start_workers()
        # A caller that gives up (a socket closed) cancels only its wait: the item stays in
        # the batch and is written.
        return await future

    def _start_workers(self) -> None:
        if not self._pending:
            return
        # A worker that just ended leaves the set only at the loop's next turn.
        self._workers = {worker for worker in self._workers if not worker.done()}
        free = self._lanes - len(self._workers)
        # One lane: one worker drains everything in turn. Several: as many as there are free
        # lanes, each taking what no running batch holds.
        if free > 0 and (not self._workers or self._lanes > 1):
            for _ in range(min(free, len(self._pending))):
                worker = asyncio.create_task(self._drain(), name="baton-batcher")
                self._workers.add(worker)
                worker.add_done_callback(self._workers.discard)

    def _take(self) -> list[tuple[Item, asyncio.Future[Result]]]:
        if self._key is None:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            return batch
        batch, rest = [], []
        held: set[Hashable] = set()  # keys that must wait: in a running batch, or behind
        for entry in self._pending:
            key = self._key(entry[0])
            if len(batch) < self._max_batch and key not in self._busy and key not in held:
                batch.append(entry)
            else:
                rest.append(entry)
                held.add(key)
        self._pending = rest
        return batch

    async def _drain(self) -> None:
        while self._pending:
            batch = self._take()
            if not batch:
                return  # what is left waits for a running batch's keys
            keys = {self._key(item) for item, _ in batch} if self._key is not None else set()
            self._busy |= keys
            try:
                outcomes = await self._handler([item for item, _ in batch])
            except BaseException as exc:
                outcomes = [exc] * len(batch)
                if isinstance(exc, asyncio.CancelledError):
                    self._fail_pending(exc)
                    _settle(batch, outcomes)
                    raise
            finally:
                self._busy -= keys
            _settle(batch, outcomes)
            self._start_workers()

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
