"""uvicorn's WebSocket protocol, lighter per idle connection.

A visitor with the chat open and nothing said costs memory for as long as the page stays
open, so what uvicorn keeps per connection counts:

- the parsed opening handshake (request and response, each with its headers), kept for the
  connection's whole life though nothing reads it once answered: about 3 KiB. `LeanWebSockets`
  lets it go then; the app has what it needs in the ASGI scope.
- the incoming queue, an `asyncio.Queue` (four deques, about 3 KiB even empty), and the
  `asyncio.Event` that pauses sending: `_Inbox` and `_Flag` do the same with one deque and
  waiters made only when someone waits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class _Inbox:
    """First in, first out, each item to one getter: what uvicorn uses of `asyncio.Queue`."""

    __slots__ = ("_getters", "_items")

    def __init__(self) -> None:
        self._items: deque[ASGIReceiveEvent] = deque()
        self._getters: list[asyncio.Future[None]] = []

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        self._wake_one()

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                if getter in self._getters:
                    self._getters.remove(getter)
                if self._items:
                    self._wake_one()  # the item this getter was woken for goes to the next
                raise
        return self._items.popleft()

    def _wake_one(self) -> None:
        while self._getters:
            getter = self._getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                return


class _Flag:
    """set / clear / wait, as `asyncio.Event`, without a deque per connection."""

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[None]] = []

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        self._value = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


class LeanWebSockets(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inbox: Any = _Inbox()
        self.queue = inbox
        writable: Any = _Flag()
        writable.set()
        self.writable = writable

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "request", None) is not None:
            released: Any = None
            self.request = released
            self.response = released
