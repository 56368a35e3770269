"""The lighter WebSocket protocol `baton serve` runs: frames arrive whole, in order, once each,
and the end of a connection still reaches the app, over a real uvicorn server and port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
import websockets

from baton.web.socket_protocol import LeanWebSockets, _Inbox
from tests.support.local_server import free_port

ASGIEvent = dict[str, Any]


class Recorder:
    """An ASGI app that answers each text frame after a pause, and records what it received."""

    def __init__(self, pause: float = 0.0) -> None:
        self.pause = pause
        self.events: list[ASGIEvent] = []
        self.protocols: list[LeanWebSockets] = []
        self.ended = asyncio.Event()

    async def __call__(self, scope: ASGIEvent, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        try:
            while True:
                event = await receive()
                self.events.append(event)
                if event["type"] == "websocket.connect":
                    await send({"type": "websocket.accept"})
                elif event["type"] == "websocket.receive":
                    if self.pause:
                        await asyncio.sleep(self.pause)  # frames pile up in the inbox meanwhile
                    await send({"type": "websocket.send", "text": "got " + event["text"]})
                else:
                    return
        finally:
            self.ended.set()


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    app = Recorder(pause=0.001)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=LeanWebSockets, log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.02)
    try:
        yield app, f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await serving


async def test_every_frame_reaches_the_app_once_in_order_and_so_does_the_close(
    recorder: tuple[Recorder, str],
) -> None:
    app, url = recorder
    sent = [f"message {i} " + "x" * (i % 300) for i in range(500)]
    async with websockets.connect(url, compression=None) as client:
        for text in sent:  # without waiting for answers: the server reads faster than it answers
            await client.send(text)
        answers = [await client.recv() for _ in sent]
    await asyncio.wait_for(app.ended.wait(), 10)
    received = [e["text"] for e in app.events if e["type"] == "websocket.receive"]
    assert received == sent
    assert answers == ["got " + text for text in sent]
    assert app.events[0]["type"] == "websocket.connect"
    assert app.events[-1]["type"] == "websocket.disconnect"


async def test_a_client_that_vanishes_mid_stream_ends_the_app(
    recorder: tuple[Recorder, str],
) -> None:
    app, url = recorder
    client = await websockets.connect(url, compression=None)
    for i in range(50):
        await client.send(f"message {i}")
    client.transport.abort()
    # The app ends: at a disconnect event, or when an answer finds the client gone.
    await asyncio.wait_for(app.ended.wait(), 10)


async def test_an_item_woken_for_a_cancelled_getter_goes_to_the_next() -> None:
    inbox = _Inbox()
    first = asyncio.create_task(inbox.get())
    second = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait({"type": "websocket.receive", "text": "one"})
    first.cancel()  # woken, but cancelled before it ran
    assert (await asyncio.wait_for(second, 1))["text"] == "one"  # type: ignore[typeddict-item]
    assert inbox.empty()
