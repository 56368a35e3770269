"""WebSocket endpoints for the widget and the console (protocol: docs/protocol.md).

Each socket first subscribes to the bus, then replays what the client missed from the event
log, then forwards live events it has not sent yet, so a reconnecting client sees every event
once and in order. The database is the source of truth; the bus only makes it fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ConfigDict, Field, ValidationError

from baton.runtime.bus import (
    AGENTS_TOPIC,
    RESYNC,
    SESSION_ENDED,
    SUPERVISORS_TOPIC,
    Event,
    Lagged,
    agent_topic,
    conversation_topic,
    watch_topic,
)
from baton.services.auth import session_agent
from baton.services.context import ServiceContext
from baton.services.conversations import (
    access_conversation,
    current_holder,
    hash_token,
    receive_customer_message,
)
from baton.services.errors import UserError
from baton.services.events import events_since
from baton.services.presence import console_seen
from baton.web.console_auth import SESSION_COOKIE
from baton.web.errors import DATABASE_UNAVAILABLE, UNAVAILABLE_RETRY_SECONDS
from baton.web.rate_limits import RateLimiter, SocketSlot
from baton.web.schemas import INVALID_CHARACTERS, UNSTORABLE_ERROR_TYPES, InputModel

log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
MAX_FRAME_CHARS = 32_000
HOLDER_TTL_SECONDS = 5.0
# Typing notices one socket may forward; those in between are dropped (the next one shows it).
TYPING_INTERVAL_SECONDS = 0.5
SEEN_EVERY_SECONDS = 10.0
# Closed so that the client reconnects and resumes from its last event id (RFC 6455 1013,
# "try again later"): its live events fell behind or could not be read.
RECONNECT = 1013
CATCH_UP_RETRY_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
# Event ids a catch-up reads back below the newest one sent (well under the replay limit).
CATCH_UP_LOOKBACK = 200


class Hello(InputModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(pattern="^hello$")
    conversation_id: str = Field(max_length=64)
    token: str = Field(max_length=200)
    last_event_id: int = Field(0, ge=0)


class Hint(InputModel):
    """A client frame after hello: a message, typing, or a ping."""

    model_config = ConfigDict(extra="ignore")
    type: str = Field(max_length=20)
    text: str | None = Field(None, max_length=20000)
    client_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    conversation_id: str | None = Field(None, max_length=64)
    asks_for_person: bool = False


def origin_allowed(ctx: ServiceContext, origin: str | None, *, widget: bool) -> bool:
    """Same origin as Baton always; for the widget also the sites the owner listed."""
    if origin is None:
        return not widget  # browsers always send Origin; tools without one only for the console
    own = urlsplit(ctx.settings.public_url)
    given = urlsplit(origin)
    if (given.scheme, given.netloc) == (own.scheme, own.netloc):
        return True
    if given.hostname in ("127.0.0.1", "localhost") and own.hostname in ("127.0.0.1", "localhost"):
        return True  # one machine, two spellings of loopback
    if widget:
        allowed = ctx.settings.widget_origins
        return "*" in allowed or origin.rstrip("/") in allowed
    return False


def _read_hint(raw: str) -> Hint:
    """A client frame; the JSON is read by the same parser as HTTP bodies, so a lone
    surrogate reaches the model's check (and gets `invalid_characters`) there too."""
    try:
        data = json.loads(raw)
    except ValueError:
        return Hint.model_validate_json(raw)  # raises the usual json_invalid error
    return Hint.model_validate(data)


def _error_code(error: ValidationError) -> str:
    unstorable = any(e["type"] in UNSTORABLE_ERROR_TYPES for e in error.errors())
    return INVALID_CHARACTERS if unstorable else "invalid_input"


def _ctx(socket: WebSocket) -> ServiceContext:
    ctx: ServiceContext = socket.app.state.ctx
    return ctx


async def _send_event(socket: WebSocket, event: Event) -> None:
    await socket.send_text(event.frame())


class _Sent:
    """Event ids this socket has sent (a bounded window of them), above the client's floor.

    Two transactions can commit in one order and publish in the other, so a live event may come
    with a smaller id than one already sent: it is sent then, never skipped (the floor only
    stands for what the client said it had). A catch-up after the bus lost events therefore
    reads the log from a little below the newest id sent, and the window keeps it from sending
    an event twice.
    """

    def __init__(self, floor: int, window: int = 4096) -> None:
        self.floor = floor  # the client has everything up to here
        self.newest = floor
        # Made at the first event: most sockets of visitors idle for long send none.
        self._recent: deque[int] | None = None
        self._ids: set[int] = set()
        self._window = window

    def seen(self, event_id: int) -> bool:
        return event_id <= self.floor or event_id in self._ids

    def add(self, event_id: int) -> None:
        self.newest = max(self.newest, event_id)
        if self._recent is None:
            self._recent = deque()
        self._recent.append(event_id)
        self._ids.add(event_id)
        if len(self._recent) > self._window:
            self._ids.discard(self._recent.popleft())

    def resume_point(self) -> int:
        """Where a catch-up reads the log from: events that committed late sit just below."""
        return max(self.floor, self.newest - CATCH_UP_LOOKBACK)


async def _replay_then_forward(
    socket: WebSocket,
    ctx: ServiceContext,
    live: Any,
    last_event_id: int,
    conversation_id: str | None,
    session: str | None = None,
) -> None:
    """`session`: the console session's token hash; the socket closes when it ends."""
    sent = _Sent(last_event_id)

    async def catch_up() -> None:
        after = sent.resume_point()
        # The database briefly out of reach: live events wait in the subscription meanwhile;
        # past the patience the socket closes and the client reconnects later.
        for delay in CATCH_UP_RETRY_SECONDS:
            try:
                missed = await events_since(ctx, after, conversation_id=conversation_id)
                break
            except DATABASE_UNAVAILABLE:
                await asyncio.sleep(delay)
        else:
            missed = await events_since(ctx, after, conversation_id=conversation_id)
        if missed.resync:
            await socket.send_json({"type": "resync"})
        for event in missed.events:
            if not sent.seen(event.id):
                await _send_event(socket, event)
                sent.add(event.id)

    await catch_up()
    async for event in live:
        if event.type == RESYNC:
            # The bus lost its connection: whatever passed meanwhile is in the log.
            await catch_up()
            continue
        if event.type == SESSION_ENDED:
            if event.data.get("session") in (None, session):
                await socket.close(code=POLICY_VIOLATION, reason="signed out")
                return
            continue
        if event.id:
            if sent.seen(event.id):
                continue  # already replayed from the log
            sent.add(event.id)
        await _send_event(socket, event)


def _address(socket: WebSocket) -> str:
    return socket.client.host if socket.client else "unknown"


async def _open_slot(socket: WebSocket) -> SocketSlot | None:
    """Count the socket against its address (in every process); refuse one past the cap."""
    limiter: RateLimiter = socket.app.state.rate_limiter
    slot = await limiter.open_socket(
        f"ip:{_address(socket)}", _ctx(socket).settings.limits.sockets_per_ip
    )
    if slot is None:
        await socket.accept()
        await socket.close(code=TRY_AGAIN_LATER, reason="too many open sockets from this address")
    return slot


def _capped(
    handler: Callable[[WebSocket], Awaitable[None]],
) -> Callable[[WebSocket], Awaitable[None]]:
    async def capped(socket: WebSocket) -> None:
        slot = await _open_slot(socket)
        if slot is None:
            return
        try:
            await handler(socket)
        finally:
            await slot.release()

    return capped


async def _pump(
    socket: WebSocket,
    ctx: ServiceContext,
    live: Any,
    last_event_id: int,
    conversation_id: str | None,
    session: str | None = None,
) -> None:
    """Forward events until the socket ends; a socket that can no longer be kept complete is
    closed so that the client reconnects with its last event id, never left open and deaf."""
    try:
        await _replay_then_forward(socket, ctx, live, last_event_id, conversation_id, session)
    except Lagged:
        log.warning("a socket fell behind its live events; closing it so that it resumes")
    except Exception:
        log.exception("a socket's events could not be delivered; closing it so that it resumes")
    else:
        return
    with contextlib.suppress(Exception):
        await socket.close(code=RECONNECT, reason="reconnect")


async def widget_socket(socket: WebSocket) -> None:
    """A visitor's socket: their own conversation's public events, and their messages."""
    ctx = _ctx(socket)
    if not origin_allowed(ctx, socket.headers.get("origin"), widget=True):
        await socket.close(code=POLICY_VIOLATION, reason="origin not allowed")
        return
    await socket.accept()
    try:
        # A socket that never says hello would hold a connection for ever.
        first = await asyncio.wait_for(
            socket.receive_json(), ctx.settings.limits.hello_timeout_seconds
        )
        hello = Hello.model_validate(first)
        conversation = await access_conversation(ctx, hello.conversation_id, hello.token)
        conversation_id, state = conversation.id, conversation.state
        # This frame lives as long as the socket: it keeps ids, not the raw hello or the row.
        del first, conversation
    except ValidationError as error:
        await socket.send_json({"type": "error", "code": _error_code(error)})
        await socket.close(code=POLICY_VIOLATION)
        return
    except TimeoutError:
        await socket.send_json({"type": "error", "code": "hello_timeout"})
        await socket.close(code=POLICY_VIOLATION)
        return
    except (UserError, ValueError, KeyError):
        await socket.send_json({"type": "error", "code": "unauthorized"})
        await socket.close(code=POLICY_VIOLATION)
        return
    except WebSocketDisconnect:
        return
    await socket.send_json(
        {"type": "welcome", "conversation": {"id": conversation_id, "state": state}}
    )
    async with ctx.bus.subscribe(conversation_topic(conversation_id)) as live:
        pump = asyncio.create_task(_pump(socket, ctx, live, hello.last_event_id, conversation_id))
        try:
            await _widget_frames(socket, ctx, conversation_id)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump


async def _widget_frames(socket: WebSocket, ctx: ServiceContext, conversation_id: str) -> None:
    # Held by the app, not the socket: a reply outlives a socket that closes, and shutting
    # down waits for it.
    answering: set[asyncio.Task[None]] = socket.app.state.inline_answers
    # The same limiter and key as the HTTP route: a socket is no way around the limit.
    limiter: RateLimiter = socket.app.state.rate_limiter
    # Typing goes to the agent holding the conversation (all consoles while it is queued);
    # who that is is read again after a few seconds at most.
    holder: str | None = None
    holder_read_at = -HOLDER_TTL_SECONDS
    typing_at = -TYPING_INTERVAL_SECONDS
    address_key = f"ip:{_address(socket)}"
    while True:
        try:
            raw = await socket.receive_text()
        except WebSocketDisconnect:
            return
        if len(raw) > MAX_FRAME_CHARS:
            await socket.send_json({"type": "error", "code": "too_large"})
            continue
        try:
            frame = _read_hint(raw)
        except ValidationError as error:
            await socket.send_json({"type": "error", "code": _error_code(error)})
            continue
        if frame.type == "ping":
            await socket.send_json({"type": "pong"})
        elif frame.type == "typing":
            now = time.monotonic()
            if now - typing_at < TYPING_INTERVAL_SECONDS:
                continue
            typing_at = now
            if now - holder_read_at > HOLDER_TTL_SECONDS:
                holder, holder_read_at = await current_holder(ctx, conversation_id), now
            await ctx.bus.publish(
                Event("typing", conversation_id, data={"who": "customer"}, agent_id=holder)
            )
        elif frame.type == "message" and frame.text is not None:
            # Each message counts against its address as an HTTP request does, and against
            # its conversation as an HTTP post does (both in one round trip to Redis).
            wait = await limiter.hit_all(
                [
                    (address_key, ctx.settings.limits.requests_per_minute_per_ip, 60),
                    (
                        f"messages:{conversation_id}",
                        ctx.settings.limits.messages_per_minute_per_conversation,
                        60,
                    ),
                ]
            )
            if wait is not None:
                await socket.send_json(
                    {
                        "type": "error",
                        "code": "rate_limited",
                        "retry_after": wait,
                        "message": "too many messages; try again in a moment",
                    }
                )
                continue
            try:
                received = await receive_customer_message(
                    ctx,
                    conversation_id,
                    frame.text,
                    client_id=frame.client_id,
                    asks_for_person=frame.asks_for_person,
                )
            except UserError as exc:
                await socket.send_json({"type": "error", "code": exc.code, "message": exc.message})
                continue
            except DATABASE_UNAVAILABLE:
                # Nothing was stored; the widget sends it again (same client id) over HTTP.
                log.warning("database unavailable for a message on the widget socket")
                await socket.send_json(
                    {
                        "type": "error",
                        "code": "database_unavailable",
                        "client_id": frame.client_id,
                        "retry_after": UNAVAILABLE_RETRY_SECONDS,
                        "message": "cannot reach the database just now; try again shortly",
                    }
                )
                continue
            if received.bot_job_id is not None:
                task = asyncio.create_task(_answer_soon(socket, ctx, received.bot_job_id))
                answering.add(task)
                task.add_done_callback(answering.discard)
        else:
            await socket.send_json({"type": "error", "code": "invalid_input"})


async def _answer_soon(socket: WebSocket, ctx: ServiceContext, job_id: int) -> None:
    """Run the bot's reply now, a few at a time: a burst of messages must not exhaust the
    database connections (jobs not run here are run by the job runner)."""
    inline: asyncio.Semaphore = socket.app.state.inline_jobs
    async with inline:
        await ctx.jobs.run_job(job_id)


async def console_socket(socket: WebSocket) -> None:
    """An agent's socket: the events for agents, from `?last_event_id=` on.

    The messages of a conversation another agent holds reach only admins' sockets."""
    ctx = _ctx(socket)
    if not origin_allowed(ctx, socket.headers.get("origin"), widget=False):
        await socket.close(code=POLICY_VIOLATION, reason="origin not allowed")
        return
    try:
        agent, _ = await session_agent(ctx, socket.cookies.get(SESSION_COOKIE, ""))
    except UserError:
        await socket.close(code=POLICY_VIOLATION, reason="sign in to the console")
        return
    await socket.accept()
    try:
        last = int(socket.query_params.get("last_event_id", "0"))
    except ValueError:
        last = 0
    topics = [AGENTS_TOPIC, agent_topic(agent.id)]
    if agent.role == "admin":
        topics.append(SUPERVISORS_TOPIC)
    async with ctx.bus.subscribe(*topics) as live:
        pump = asyncio.create_task(
            _pump(socket, ctx, live, max(last, 0), None, hash_token(socket.cookies[SESSION_COOKIE]))
        )
        try:
            watching: str | None = None
            typing_at = -TYPING_INTERVAL_SECONDS
            # Presence follows the console: this socket keeps the agent seen while it answers,
            # and anything but a ping shows them active (`services.presence`).
            await console_seen(ctx, agent.id, acted=True)
            seen_at = acted_at = time.monotonic()
            while True:
                frame = _read_hint(await socket.receive_text())
                now = time.monotonic()
                acted = frame.type != "ping"
                if now - (acted_at if acted else seen_at) >= SEEN_EVERY_SECONDS:
                    await console_seen(ctx, agent.id, acted=acted)
                    seen_at = now
                    acted_at = now if acted else acted_at
                if frame.type == "ping":
                    await socket.send_json({"type": "pong"})
                elif frame.type == "watch":
                    # The conversation open on screen: its messages come live whoever holds it.
                    if watching is not None:
                        ctx.bus.unfollow(live, watch_topic(watching))
                    watching = frame.conversation_id
                    if watching is not None:
                        ctx.bus.follow(live, watch_topic(watching))
                elif frame.type == "typing" and frame.conversation_id:
                    if time.monotonic() - typing_at < TYPING_INTERVAL_SECONDS:
                        continue
                    typing_at = time.monotonic()
                    await ctx.bus.publish(
                        Event(
                            "typing",
                            frame.conversation_id,
                            public=True,
                            data={"who": "agent", "name": agent.name},
                            agent_id=agent.id,
                        )
                    )
        except (WebSocketDisconnect, ValidationError):
            return
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump


# Served by `app.BatonApp` ahead of the HTTP middleware and router.
SOCKETS: dict[str, Callable[[WebSocket], Awaitable[None]]] = {
    "/ws/widget": _capped(widget_socket),
    "/ws/console": _capped(console_socket),
}
