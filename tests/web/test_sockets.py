from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from baton.config import Settings
from baton.runtime.bus import RESYNC, Event, InProcessBus
from baton.web.app import create_app
from baton.web.ws import RECONNECT
from tests.conftest import SECRET, ScriptedBot

ORIGIN = {"origin": "http://127.0.0.1:8000"}


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.db'}",
    )
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False)) as client:
        yield client


def _start(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.post("/api/conversations", json={}).json()
    return body


def _hello(started: dict[str, Any], last: int = 0) -> dict[str, Any]:
    return {
        "type": "hello",
        "conversation_id": started["conversation"]["id"],
        "token": started["token"],
        "last_event_id": last,
    }


def _events_until(socket: Any, predicate: Any, limit: int = 20) -> list[dict[str, Any]]:
    seen = []
    for _ in range(limit):
        frame = socket.receive_json()
        if frame["type"] == "event":
            seen.append(frame["event"])
            if predicate(frame["event"]):
                return seen
    raise AssertionError(f"never saw the expected event in {seen}")


def test_a_visitor_chats_over_the_socket(client: TestClient) -> None:
    started = _start(client)
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        socket.send_json(_hello(started))
        assert socket.receive_json()["type"] == "welcome"
        socket.send_json(
            {"type": "message", "text": "What are your opening hours?", "client_id": "a1"}
        )
        events = _events_until(
            socket,
            lambda e: e["type"] == "message.created" and e["data"]["author"] == "bot",
        )
        bodies = [e["data"]["body"] for e in events if e["type"] == "message.created"]
        assert bodies == ["What are your opening hours?", "We are open 9 to 5."]
        assert events[0]["data"]["client_id"] == "a1"


def test_a_reconnecting_visitor_catches_up_without_duplicates(client: TestClient) -> None:
    started = _start(client)
    url = f"/api/conversations/{started['conversation']['id']}/messages"
    auth = {"Authorization": f"Bearer {started['token']}"}
    client.post(url, json={"text": "first"}, headers=auth)
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        socket.send_json(_hello(started))
        socket.receive_json()
        first = _events_until(socket, lambda e: "want to guess" in e["data"].get("body", ""))
    last_seen = first[-1]["id"]
    # While the visitor is away, more happens.
    client.post(url, json={"text": "What are your opening hours?"}, headers=auth)
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        socket.send_json(_hello(started, last_seen))
        socket.receive_json()
        missed = _events_until(socket, lambda e: e["data"].get("body") == "We are open 9 to 5.")
    ids = [e["id"] for e in missed]
    assert ids == sorted(set(ids)) and min(ids) > last_seen


def test_a_wrong_token_or_foreign_origin_is_refused(client: TestClient) -> None:
    started = _start(client)
    other = _start(client)
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        socket.send_json({**_hello(started), "token": other["token"]})
        assert socket.receive_json() == {"type": "error", "code": "unauthorized"}
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            "/ws/widget", headers={"origin": "https://evil.example"}
        ) as socket,
    ):
        socket.receive_json()


def test_the_visitor_socket_never_carries_internal_notes_or_other_conversations(
    client: TestClient,
) -> None:
    mine, theirs = _start(client), _start(client)
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        socket.send_json(_hello(mine))
        socket.receive_json()
        client.post(
            f"/api/conversations/{theirs['conversation']['id']}/messages",
            json={"text": "someone else's secret"},
            headers={"Authorization": f"Bearer {theirs['token']}"},
        )
        client.post(
            f"/api/conversations/{mine['conversation']['id']}/messages",
            json={"text": "can I talk to a person"},
            headers={"Authorization": f"Bearer {mine['token']}"},
        )
        events = _events_until(socket, lambda e: e["data"].get("state") == "collecting")
    assert all(e["conversation_id"] == mine["conversation"]["id"] for e in events)
    assert not any(e["data"].get("internal") for e in events)
    assert not any("secret" in str(e["data"]) for e in events)


def test_the_console_socket_needs_a_session(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/ws/console", headers=ORIGIN) as socket,
    ):
        socket.receive_json()


def test_a_socket_that_falls_behind_is_closed_so_that_it_resumes(tmp_path: Any) -> None:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.db'}",
    )
    bus = InProcessBus(queue_size=2)
    app = create_app(settings, bot=ScriptedBot(), run_jobs=False, bus=bus)
    with TestClient(app) as client:
        started = _start(client)
        conversation_id = started["conversation"]["id"]
        with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
            socket.send_json(_hello(started))
            assert socket.receive_json()["type"] == "welcome"

            def burst() -> None:  # more than the socket's queue holds, before it can send
                for n in range(5):
                    bus.deliver(Event("typing", conversation_id, public=True, data={"n": n}))

            assert client.portal is not None
            client.portal.call(burst)
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    socket.receive_json()
            assert closed.value.code == RECONNECT


class _LosesFirstMessage(InProcessBus):
    """A bus that loses the first message event, as a process that died before publishing."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = False

    async def publish(self, event: Event) -> Event:
        if event.type == "message.created" and not self.lost:
            self.lost = True
            return event
        return await super().publish(event)


def test_a_catch_up_brings_an_event_lost_below_one_already_sent(tmp_path: Any) -> None:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'ws.db'}",
    )
    bus = _LosesFirstMessage()
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False, bus=bus)) as client:
        started = _start(client)
        path = f"/api/conversations/{started['conversation']['id']}/messages"
        auth = {"Authorization": f"Bearer {started['token']}"}
        with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
            socket.send_json(_hello(started))
            assert socket.receive_json()["type"] == "welcome"
            client.post(path, json={"text": "one"}, headers=auth)  # its event is lost
            client.post(path, json={"text": "two"}, headers=auth)
            seen = _events_until(socket, lambda e: e["data"].get("body") == "two")
            assert client.portal is not None
            client.portal.call(bus.deliver, Event(RESYNC, None), bus.topics())
            seen += _events_until(socket, lambda e: e["data"].get("body") == "one")
            ids = [e["id"] for e in seen]
            assert len(ids) == len(set(ids))  # nothing sent twice
