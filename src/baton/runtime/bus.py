"""Events out to the widget and the console, published only after the transaction commits.

`InProcessBus` serves one process; a Redis bus implements the same `EventBus` protocol for
several processes. Subscribers name topics: `conversation:<id>` for one conversation's
participants and `agents` for every console.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, e.g. `message.created`, for the topics that care."""

    type: str
    topics: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)
    id: int = 0


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[Event]: ...


class EventBus(Protocol):
    async def publish(self, event: Event) -> Event:
        """Deliver `event` to current subscribers of its topics; returns it with its id."""
        ...

    def subscribe(self, *topics: str) -> Any:
        """An async context manager yielding an async iterator of events."""
        ...


class _Queue:
    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()


class InProcessBus:
    """Fan-out inside one process; a slow subscriber loses events, never blocks the sender.

    Losing is safe because the database is the source of truth: a client that misses an
    event resumes from its last event id over the API.
    """

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: dict[str, set[_Queue]] = defaultdict(set)
        self._ids = itertools.count(1)
        self._queue_size = queue_size
        self.dropped = 0

    async def publish(self, event: Event) -> Event:
        stamped = Event(event.type, event.topics, event.data, next(self._ids))
        seen: set[int] = set()
        for topic in stamped.topics:
            for subscriber in self._subscribers.get(topic, ()):
                if id(subscriber) in seen:
                    continue
                seen.add(id(subscriber))
                try:
                    subscriber.queue.put_nowait(stamped)
                except asyncio.QueueFull:
                    self.dropped += 1
        return stamped

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[_Queue]:
        subscriber = _Queue(self._queue_size)
        for topic in topics:
            self._subscribers[topic].add(subscriber)
        try:
            yield subscriber
        finally:
            for topic in topics:
                self._subscribers[topic].discard(subscriber)
                if not self._subscribers[topic]:
                    del self._subscribers[topic]
