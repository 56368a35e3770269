"""Events out to the widget and the console, published only after the transaction commits.

`InProcessBus` serves one process; a Redis bus implements the same `EventBus` protocol for
several processes. Subscribers name topics: `conversation:<id>` for one conversation's
participants and `agents` for every console.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

AGENTS_TOPIC = "agents"
# Admins' consoles: every conversation's chatter, whoever holds it.
SUPERVISORS_TOPIC = "supervisors"
# Tells sockets to catch up from the event log: the bus may have lost events.
RESYNC = "bus.resync"
# Tells an agent's console sockets that their session ended (signed out, deactivated): they
# close. `data["session"]` names one session (a token hash), or None for all of them.
SESSION_ENDED = "session.ended"


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def agent_topic(agent_id: str) -> str:
    return f"agent:{agent_id}"


def watch_topic(conversation_id: str) -> str:
    """Consoles that have this conversation open, whoever holds it."""
    return f"watch:{conversation_id}"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, e.g. `message.created`.

    `public` events concern the visitor of `conversation_id` too. Agents get every event,
    except the chatter of a conversation an agent holds (`agent_id`): that goes to the holder,
    to admins and to consoles that have it open, so twenty consoles do not each receive every
    message of every chat.
    `id` comes from the event log (0 for passing events such as typing, which are not kept).
    """

    type: str
    conversation_id: str | None = None
    public: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    agent_id: str | None = None
    # The socket frame, encoded once however many sockets send it.
    _frame: str | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def topics(self) -> tuple[str, ...]:
        if self.agent_id and not self.conversation_id:
            return (agent_topic(self.agent_id),)  # for that agent's own consoles only
        if self.agent_id and self.conversation_id:
            staff: tuple[str, ...] = (
                agent_topic(self.agent_id),
                SUPERVISORS_TOPIC,
                watch_topic(self.conversation_id),
            )
        else:
            staff = (AGENTS_TOPIC,)
        if self.public and self.conversation_id:
            return (conversation_topic(self.conversation_id), *staff)
        return staff

    def to_wire(self) -> dict[str, Any]:
        """The event as sockets send it (docs/protocol.md)."""
        return {
            "id": self.id,
            "type": self.type,
            "conversation_id": self.conversation_id,
            "data": self.data,
        }

    def frame(self) -> str:
        """The socket frame `{"type": "event", "event": …}` as text, encoded on first use."""
        if self._frame is None:
            text = json.dumps(
                {"type": "event", "event": self.to_wire()},
                separators=(",", ":"),
                ensure_ascii=False,
            )
            object.__setattr__(self, "_frame", text)
            return text
        return self._frame


class EventBus(Protocol):
    async def publish(self, event: Event) -> Event:
        """Deliver `event` to the current subscribers of its topics."""
        ...

    def subscribe(self, *topics: str) -> Any:
        """An async context manager yielding a subscription: an async iterator of events."""
        ...

    def follow(self, subscription: Any, topic: str) -> None:
        """Add `topic` to a subscription while it lives."""
        ...

    def unfollow(self, subscription: Any, topic: str) -> None: ...


class Lagged(Exception):
    """The subscriber fell too far behind and lost events: it must catch up from the log."""


class Subscription:
    """One subscriber's undelivered events, in order, and the topics it listens to.

    A plain list and one waiter: every connected visitor holds one, so it is kept lighter
    than an `asyncio.Queue`. It is its own async iterator. A subscriber too far behind to take
    an event is marked lagged: iterating then raises `Lagged`, never skips an event silently.
    """

    __slots__ = ("_events", "_head", "_limit", "_waiter", "lagged", "topics")

    def __init__(self, limit: int) -> None:
        self._events: list[Event] = []
        self._head = 0  # the next event to hand out
        self._limit = limit
        self._waiter: asyncio.Future[None] | None = None
        self.lagged = False
        self.topics: set[str] = set()

    def put(self, event: Event) -> bool:
        """Queue `event`; False (and lagged from now on) when the subscriber is too far behind."""
        if self.lagged:
            return False
        if len(self._events) - self._head >= self._limit:
            self.lagged = True
            self._events.clear()
            self._head = 0
        else:
            self._events.append(event)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return not self.lagged

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while self._head >= len(self._events):
            if self.lagged:
                raise Lagged
            self._events.clear()
            self._head = 0
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        event = self._events[self._head]
        self._head += 1
        return event


class LocalSubscribers:
    """This process's subscribers by topic; each event reaches a subscriber at most once.

    A slow subscriber never blocks the sender: past its queue it is marked lagged and its
    socket closes (`web/ws.py`), so the client reconnects and resumes from its last event id in
    the event log, the source of truth.
    """

    def __init__(self, queue_size: int = 1000) -> None:
        self._by_topic: dict[str, set[Subscription]] = defaultdict(set)
        self._queue_size = queue_size
        self.dropped = 0

    def __contains__(self, topic: str) -> bool:
        return topic in self._by_topic

    def deliver(self, event: Event, topics: tuple[str, ...] | None = None) -> None:
        """Queue `event` for the subscribers of its topics (or of `topics`)."""
        targets = event.topics if topics is None else topics
        if len(targets) == 1:
            receivers: set[Subscription] = self._by_topic.get(targets[0], set())
        else:
            receivers = set()
            for topic in targets:
                receivers.update(self._by_topic.get(topic, ()))
        for subscriber in receivers:
            if not subscriber.put(event):
                self.dropped += 1

    def topics(self) -> tuple[str, ...]:
        return tuple(self._by_topic)

    def follow(self, subscriber: Subscription, topic: str) -> None:
        """Add `topic` to a live subscription."""
        subscriber.topics.add(topic)
        self._by_topic[topic].add(subscriber)

    def unfollow(self, subscriber: Subscription, topic: str) -> None:
        subscriber.topics.discard(topic)
        followers = self._by_topic.get(topic)
        if followers is not None:
            followers.discard(subscriber)
            if not followers:
                del self._by_topic[topic]

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[Subscription]:
        subscriber = Subscription(self._queue_size)
        for topic in topics:
            self.follow(subscriber, topic)
        try:
            yield subscriber
        finally:
            for topic in list(subscriber.topics):
                self.unfollow(subscriber, topic)


class InProcessBus(LocalSubscribers):
    """Fan-out inside one process (see `LocalSubscribers` for what a slow socket loses)."""

    async def publish(self, event: Event) -> Event:
        self.deliver(event)
        return event
