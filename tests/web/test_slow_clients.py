"""Clients that hold connections without finishing what they started, against a real uvicorn
server on a real port: half-sent headers, a stalled body, a socket that never says hello."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
import websockets

from baton.config import LimitSettings, Settings
from baton.web.app import create_app
from baton.web.slow_clients import HeaderDeadline
from tests.conftest import SECRET, ScriptedBot
from tests.support.local_server import free_port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'baton.db'}",
        limits=LimitSettings(
            hello_timeout_seconds=0.5,
            request_header_timeout_seconds=0.5,
            request_body_timeout_seconds=0.5,
        ),
    )
    app = create_app(settings, bot=ScriptedBot(), run_jobs=False, server_process=True)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=HeaderDeadline, log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.02)
    try:
        yield port
    finally:
        running.should_exit = True
        thread.join(timeout=20)
        HeaderDeadline.header_timeout_seconds = 10.0


def _closed_by_server(connection: socket.socket) -> bool:
    try:
        return connection.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_half_sent_requests_are_dropped(server: int) -> None:
    connections = []
    for _ in range(200):
        connection = socket.create_connection(("127.0.0.1", server), timeout=15)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: baton\r\nX-Slow: ")
        connections.append(connection)
    try:
        # One more byte now and then does not keep a request alive.
        connections[0].sendall(b"a")
        assert all(_closed_by_server(c) for c in connections)
    finally:
        for connection in connections:
            connection.close()
    # A whole request is served as before, and an idle kept-alive connection is not dropped
    # while its next request is still to come.
    with socket.create_connection(("127.0.0.1", server), timeout=15) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: baton\r\n\r\n")
        assert connection.recv(1024).startswith(b"HTTP/1.1 200")


def test_a_stalled_body_gets_408(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=15) as connection:
        connection.sendall(
            b"POST /api/conversations HTTP/1.1\r\nHost: baton\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b'"request_timeout"' in answer


def test_a_widget_socket_that_never_says_hello_is_closed(server: int) -> None:
    async def silent_visitor() -> tuple[dict[str, str], int | None]:
        async with websockets.connect(
            f"ws://127.0.0.1:{server}/ws/widget", origin="http://127.0.0.1:8000"
        ) as visitor:
            frame = json.loads(await asyncio.wait_for(visitor.recv(), 15))
            await asyncio.wait_for(visitor.wait_closed(), 15)
            return frame, visitor.close_code

    frame, code = asyncio.run(silent_visitor())
    assert frame == {"type": "error", "code": "hello_timeout"}
    assert code == 1008
