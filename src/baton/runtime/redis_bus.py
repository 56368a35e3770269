"""Events between Baton processes over Redis pub/sub, behind the same `EventBus` protocol.

Each process keeps one Redis subscription for the topics its own sockets listen to and fans
events out locally. Redis is only the fast path: every event is already in the database's event
log with its id, so a socket that missed events (Redis restarted, a process died) resumes from
its last event id. When the connection drops, the listener reconnects by itself and tells local
subscribers to resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from baton.runtime.bus import RESYNC, Event, LocalSubscribers

log = logging.getLogger(__name__)
# One channel for every event: each process decodes an event once and fans it out to its own
# sockets by topic.
CHANNEL = "baton:events"


class RedisBus(LocalSubscribers):
    """Publishes to Redis; delivers what Redis brings to this process's own subscribers."""

    def __init__(self, url: str, queue_size: int = 1000) -> None:
        super().__init__(queue_size)
        self._url = url
        self._client: redis.Redis = redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="baton-redis-bus")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._client.aclose()

    async def ping(self) -> None:
        await self._client.ping()

    async def publish(self, event: Event) -> Event:
        payload = json.dumps(
            {
                "type": event.type,
                "conversation_id": event.conversation_id,
                "public": event.public,
                "data": event.data,
                "id": event.id,
                "agent_id": event.agent_id,
            },
            separators=(",", ":"),
        )
        try:
            await self._client.publish(CHANNEL, payload)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            # The event is in the log; clients catch up when the bus is back.
            log.warning("could not publish %s to Redis: %s", event.type, exc)
        return event

    def _resync_all(self) -> None:
        """Tell every local subscriber to catch up from the event log."""
        self.deliver(Event(RESYNC, None), self.topics())

    async def _listen(self) -> None:
        delay = 0.5
        disconnected = False
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                delay = 0.5
                if disconnected:
                    # Back: events published while Redis was away are only in the log.
                    disconnected = False
                    self._resync_all()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    raw = json.loads(message["data"])
                    self.deliver(
                        Event(
                            raw["type"],
                            raw["conversation_id"],
                            raw["public"],
                            raw["data"],
                            raw["id"],
                            raw.get("agent_id"),
                        )
                    )
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("Redis bus disconnected (%s); reconnecting", exc)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                if not disconnected:
                    disconnected = True
                    self._resync_all()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
