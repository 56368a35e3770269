"""Events between Baton processes over Redis pub/sub, behind the same `EventBus` protocol.

Redis is only the wake-up between processes; every event is already in the database's event
log with its id, the source of truth. A process delivers its own events to its own sockets at
once, and hands them to a background sender that publishes whatever has gathered in one
pipeline, so no request waits on Redis. Every Redis call has a timeout: a Redis that stops
answering costs other processes' sockets their live events, never a hung request, and once
Redis answers again the sender first tells every process to have its sockets catch up from the
log. Each process keeps one Redis subscription and fans events out locally by topic; when that
connection drops, the listener reconnects by itself and tells local subscribers to catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid

import redis.asyncio as redis
from redis.exceptions import RedisError

from baton.runtime.bus import RESYNC, Event, LocalSubscribers

log = logging.getLogger(__name__)
# One channel for every event: each process decodes an event once and fans it out to its own
# sockets by topic.
CHANNEL = "baton:events"
# Every command waits at most this long for Redis (connecting included).
REDIS_TIMEOUT_SECONDS = 2.0
# Events waiting for a Redis that does not answer; older ones are dropped past this, and the
# other processes' sockets catch up from the log once Redis is back.
MAX_PENDING = 10_000
# A payload is the publishing process's origin, a space, then the event as JSON: a process
# skips its own events, which Redis hands back to it too, without decoding them.
RESYNC_PAYLOAD = "- " + json.dumps({"type": RESYNC})


class RedisBus(LocalSubscribers):
    """Delivers locally and publishes to Redis; delivers what other processes publish."""

    def __init__(self, url: str, queue_size: int = 1000) -> None:
        super().__init__(queue_size)
        self._url = url
        self._client: redis.Redis = redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        # The subscription waits for events as long as it takes; only connecting is bounded,
        # and a health check notices a connection that went quiet.
        self._listener_client: redis.Redis = redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_keepalive=True,
            health_check_interval=10,
        )
        self._origin = uuid.uuid4().hex  # this process's events come back from Redis: skipped
        self._own_prefix = f"{self._origin} ".encode()
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._owe_resync = False  # events went unpublished: others must catch up from the log
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="baton-redis-bus"),
            asyncio.create_task(self._send(), name="baton-redis-publisher"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._client.aclose()
        await self._listener_client.aclose()

    async def ping(self) -> None:
        await self._client.ping()

    async def publish(self, event: Event) -> Event:
        self.deliver(event)
        self._pending.append(
            f"{self._origin} "
            + json.dumps(
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
        )
        if len(self._pending) > MAX_PENDING:
            del self._pending[: len(self._pending) - MAX_PENDING]
            self._owe_resync = True
        self._wake.set()
        return event

    async def _send(self) -> None:
        """Publish what has gathered, in one pipeline, in order."""
        delay = 0.1
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Owing a resync, keep trying even with nothing new to publish.
            while self._pending or self._owe_resync:
                batch = self._pending
                self._pending = []
                if self._owe_resync:
                    batch.insert(0, RESYNC_PAYLOAD)
                try:
                    async with asyncio.timeout(2 * REDIS_TIMEOUT_SECONDS):
                        async with self._client.pipeline(transaction=False) as pipe:
                            for payload in batch:
                                pipe.publish(CHANNEL, payload)
                            await pipe.execute()
                except (RedisError, OSError, TimeoutError) as exc:
                    # The events are in the log; other processes catch up when Redis is back.
                    log.warning("could not publish %d events to Redis: %s", len(batch), exc)
                    self._owe_resync = True
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                self._owe_resync = False
                delay = 0.1

    def _resync_all(self) -> None:
        """Tell every local subscriber to catch up from the event log."""
        self.deliver(Event(RESYNC, None), self.topics())

    def _received(self, data: bytes) -> None:
        if data.startswith(self._own_prefix):
            return  # delivered here when it was published
        # JSON alone is what a process of an earlier release publishes while they run together.
        raw = json.loads(data if data.startswith(b"{") else data.partition(b" ")[2])
        if raw["type"] == RESYNC:
            self._resync_all()
            return
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

    async def _listen(self) -> None:
        delay = 0.5
        disconnected = False
        while True:
            pubsub = self._listener_client.pubsub()
            try:
                async with asyncio.timeout(2 * REDIS_TIMEOUT_SECONDS):
                    await pubsub.subscribe(CHANNEL)
                delay = 0.5
                if disconnected:
                    # Back: events published while Redis was away are only in the log.
                    disconnected = False
                    self._resync_all()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._received(message["data"])
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning("Redis bus disconnected (%s); reconnecting", exc)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                if not disconnected:
                    disconnected = True
                    self._resync_all()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            except Exception:
                # Never leave the process deaf: whatever broke, subscribe again and catch up.
                log.exception("Redis bus listener failed; subscribing again")
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                disconnected = True
                self._resync_all()
                await asyncio.sleep(delay)
