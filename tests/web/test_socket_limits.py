"""Sockets are no way around the limits: messages count per address, sockets per address are
capped, and a flood of typing notices reaches consoles as a trickle."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from baton.config import LimitSettings, Settings
from baton.runtime.bus import Event
from baton.web import ws
from baton.web.app import create_app
from tests.conftest import SECRET, ScriptedBot

ORIGIN = {"origin": "http://127.0.0.1:8000"}


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.db'}",
        limits=LimitSettings(
            requests_per_minute_per_ip=12,
            messages_per_minute_per_conversation=1000,
            conversations_per_hour_per_ip=1000,
            sockets_per_ip=2,
        ),
    )
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False)) as client:
        yield client


def _open(client: TestClient, socket: Any) -> None:
    started = client.post("/api/conversations", json={}).json()
    socket.send_json(
        {
            "type": "hello",
            "conversation_id": started["conversation"]["id"],
            "token": started["token"],
        }
    )
    assert socket.receive_json()["type"] == "welcome"


def test_socket_messages_count_against_the_address_limit_of_http_requests(
    client: TestClient,
) -> None:
    # Two of the address's twelve requests a minute go to starting two conversations.
    refused: list[dict[str, Any]] = []
    with (
        client.websocket_connect("/ws/widget", headers=ORIGIN) as first,
        client.websocket_connect("/ws/widget", headers=ORIGIN) as second,
    ):
        _open(client, first)
        _open(client, second)
        for n in range(12):
            socket = first if n % 2 else second
            socket.send_json({"type": "message", "text": f"hello {n}", "client_id": f"m{n}"})
            socket.send_json({"type": "ping"})
            while (frame := socket.receive_json())["type"] != "pong":
                if frame["type"] == "error":
                    refused.append(frame)
        assert client.get("/healthz").status_code == 200  # a route outside the limit
        assert client.post("/api/conversations", json={}).status_code == 429
    assert len(refused) == 2
    assert {f["code"] for f in refused} == {"rate_limited"}
    assert all(f["retry_after"] >= 1 for f in refused)


def test_a_socket_past_the_cap_per_address_is_refused_with_a_reason(client: TestClient) -> None:
    with (
        client.websocket_connect("/ws/widget", headers=ORIGIN) as first,
        client.websocket_connect("/ws/widget", headers=ORIGIN) as second,
    ):
        _open(client, first)
        _open(client, second)
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws/widget", headers=ORIGIN) as third,
        ):
            third.receive_json()
        assert refused.value.code == 1013
        assert refused.value.reason == "too many open sockets from this address"


def test_typing_notices_from_one_socket_are_thinned(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws, "TYPING_INTERVAL_SECONDS", 3600.0)
    published: list[Event] = []
    bus = client.app.state.ctx.bus  # type: ignore[attr-defined]
    publish = bus.publish

    async def record(event: Event) -> None:
        published.append(event)
        await publish(event)

    bus.publish = record
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        _open(client, socket)
        for _ in range(50):
            socket.send_json({"type": "typing"})
        socket.send_json({"type": "ping"})
        while socket.receive_json()["type"] != "pong":
            pass
    typing = [e for e in published if e.type == "typing"]
    assert len(typing) == 1
