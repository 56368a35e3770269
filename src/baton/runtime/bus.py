"""Events out to the widget and the console, published only after the transaction commits.

`InProcessBus` serves one process; a Redis bus implements the same `EventBus` protocol for
several processes. Subscribers name topics: `conversation:<id>` for one conversation's
participants and `agents` for every console.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

AGENTS_TOPIC = "agents"
# Tells sockets to catch up from the event log: the bus may have lost events.
RESYNC = "bus.resync"


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, e.g. `message.created`.

    `public` events concern the visitor of `conversation_id` too; every event reaches agents.
    `id` comes from the event log (0 for passing events such as typing, which are not kept).
    """

    type: str
    conversation_id: str | None = None
    public: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    id: int = 0

    @property
    def topics(self) -> tuple[str, ...]:
        if self.public and self.conversation_id:
            return (conversation_topic(self.conversation_id), AGENTS_TOPIC)
        return (AGENTS_TOPIC,)

    def to_wire(self) -> dict[str, Any]:
        """The event as sockets send it (docs/protocol.md)."""
        return {
            "id": self.id,
            "type": self.type,
            "conversation_id": self.conversation_id,
            "data": self.data,
        }


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[Event]: ...


class EventBus(Protocol):
    async def publish(self, event: Event) -> Event:
        """Deliver `event` to the current subscribers of its topics."""
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

    Losing is safe because the event log in the database is the source of truth: a client
    that misses an event resumes from its last event id.
    """

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: dict[str, set[_Queue]] = defaultdict(set)
        self._queue_size = queue_size
        self.dropped = 0

    async def publish(self, event: Event) -> Event:
        stamped = event
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
