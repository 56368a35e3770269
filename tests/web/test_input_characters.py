"""NUL characters and lone surrogates, in every place a visitor or an agent types: a clear 422
`invalid_characters`, nothing stored, and the visitor's socket stays up. PostgreSQL refuses
both in text, so every case runs there too."""

# ruff: noqa: UP031  (JSON written by hand, with %s for the bad value)
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.context import ServiceContext
from baton.web.app import create_app
from tests.conftest import MONDAY_10, SECRET, ScriptedBot
from tests.web.test_sockets import ORIGIN

NUL = "a\u0000b"
# Written as JSON escapes: a lone surrogate cannot be encoded as UTF-8 to be sent otherwise.
SURROGATE_JSON = '"a\\ud800b"'
PASSWORD = "correct-horse-1"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(secret_key=SECRET, database_url=database_url)  # type: ignore[arg-type]
    app = create_app(settings, bot=ScriptedBot(), clock=FrozenClock(MONDAY_10), run_jobs=False)
    with TestClient(app) as client:
        ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
        client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                ctx, email="sam@x.example", name="Sam", password=PASSWORD, role="admin"
            )
        )
        yield client


def _post_json(client: TestClient, path: str, body: str, **headers: str) -> Any:
    return client.post(
        path, content=body.encode(), headers={"Content-Type": "application/json", **headers}
    )


def _refused(response: Any) -> bool:
    return bool(
        response.status_code == 422 and response.json()["error"]["code"] == "invalid_characters"
    )


def _start(client: TestClient) -> tuple[str, dict[str, str]]:
    started = client.post("/api/conversations", json={}).json()
    return started["conversation"]["id"], {"Authorization": f"Bearer {started['token']}"}


@pytest.mark.parametrize("bad", [json.dumps(NUL), SURROGATE_JSON], ids=["nul", "surrogate"])
@pytest.mark.parametrize(
    "template",
    [
        '{"contact": {"name": %s}}',
        '{"contact": {"attributes": {"plan": %s}}}',
        '{"contact": {"attributes": {%s: "pro"}}}',
        '{"page": {"url": %s}}',
        '{"page": {"title": %s}}',
    ],
    ids=["name", "attribute", "attribute-name", "page-url", "page-title"],
)
def test_a_conversation_is_not_started_with_unstorable_text(
    client: TestClient, template: str, bad: str
) -> None:
    assert _refused(_post_json(client, "/api/conversations", template % bad))
    assert client.post("/api/conversations", json={}).status_code == 201  # nothing broken


@pytest.mark.parametrize("bad", [json.dumps(NUL), SURROGATE_JSON], ids=["nul", "surrogate"])
def test_a_message_with_unstorable_text_is_refused(client: TestClient, bad: str) -> None:
    conversation_id, auth = _start(client)
    path = f"/api/conversations/{conversation_id}"
    assert _refused(_post_json(client, f"{path}/messages", '{"text": %s}' % bad, **auth))
    assert client.get(path, headers=auth).json()["messages"] == []


def test_a_nul_in_the_address_is_refused(client: TestClient) -> None:
    conversation_id, auth = _start(client)
    assert _refused(client.get(f"/api/conversations/{conversation_id}%00x", headers=auth))
    assert _refused(client.get(f"/api/conversations/{conversation_id}?after=%00", headers=auth))


@pytest.mark.parametrize("bad", [json.dumps(NUL), SURROGATE_JSON], ids=["nul", "surrogate"])
def test_the_console_refuses_unstorable_text(client: TestClient, bad: str) -> None:
    login = '{"email": %s, "password": "x"}' % bad
    assert _refused(_post_json(client, "/api/console/login", login))
    signed_in = client.post(
        "/api/console/login", json={"email": "sam@x.example", "password": PASSWORD}
    ).json()
    conversation_id, _ = _start(client)
    csrf = {"X-CSRF-Token": signed_in["csrf_token"]}
    reply = _post_json(
        client,
        f"/api/console/conversations/{conversation_id}/messages",
        '{"text": %s}' % bad,
        **csrf,
    )
    assert _refused(reply)


@pytest.mark.parametrize("bad", [json.dumps(NUL), SURROGATE_JSON], ids=["nul", "surrogate"])
def test_the_socket_refuses_unstorable_text_and_stays_up(client: TestClient, bad: str) -> None:
    conversation_id, auth = _start(client)
    token = auth["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        hello = {"type": "hello", "conversation_id": conversation_id, "token": token}
        socket.send_json(hello)
        assert socket.receive_json()["type"] == "welcome"
        socket.send_text('{"type": "message", "text": %s, "client_id": "m1"}' % bad)
        assert socket.receive_json() == {"type": "error", "code": "invalid_characters"}
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}
        socket.send_json({"type": "message", "text": "hello", "client_id": "m2"})
        frame = socket.receive_json()
        while '"hello"' not in json.dumps(frame):
            frame = socket.receive_json()
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()
    assert [m["body"] for m in messages["messages"] if m["author"] == "customer"] == ["hello"]


def test_a_hello_with_unstorable_text_gets_a_clear_code(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
        socket.send_text('{"type": "hello", "conversation_id": %s, "token": "t"}' % SURROGATE_JSON)
        assert socket.receive_json() == {"type": "error", "code": "invalid_characters"}
