"""The database goes away under a visitor's send: a clear 503 to retry, and once it is back the
retried message (same client id) is stored exactly once. PostgreSQL behind a proxy that cuts it
off, as a network partition would."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.web.app import create_app
from tests.conftest import POSTGRES_URL, SECRET, ScriptedBot, _empty_postgres, need_service
from tests.support.tcp_proxy import TcpProxy
from tests.web.test_sockets import ORIGIN


@pytest.fixture
def proxy() -> Iterator[tuple[TcpProxy, str]]:
    url = need_service(POSTGRES_URL, "postgres")
    asyncio.run(_empty_postgres(url))
    parts = urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = (
        f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    )
    try:
        yield proxy, urlunsplit(parts._replace(netloc=netloc))
    finally:
        proxy.close()


def test_a_send_during_an_outage_gets_503_and_its_retry_is_stored_once(
    proxy: tuple[TcpProxy, str],
) -> None:
    cut, url = proxy
    settings = Settings(secret_key=SECRET, database_url=url)  # type: ignore[arg-type]
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False)) as client:
        started = client.post("/api/conversations", json={}).json()
        path = f"/api/conversations/{started['conversation']['id']}"
        auth = {"Authorization": f"Bearer {started['token']}"}
        assert (
            client.post(
                f"{path}/messages", json={"text": "hello", "client_id": "c1"}, headers=auth
            ).status_code
            == 201
        )

        with client.websocket_connect("/ws/widget", headers=ORIGIN) as socket:
            socket.send_json(
                {
                    "type": "hello",
                    "conversation_id": started["conversation"]["id"],
                    "token": started["token"],
                    "last_event_id": 0,
                }
            )
            assert socket.receive_json()["type"] == "welcome"

            cut.down()
            socket.send_json({"type": "message", "text": "over the socket", "client_id": "s1"})
            frame = socket.receive_json()
            while frame["type"] == "event":  # the earlier message, caught up
                frame = socket.receive_json()
            assert frame["type"] == "error" and frame["code"] == "database_unavailable"
            assert frame["client_id"] == "s1"
            socket.send_json({"type": "ping"})
            assert socket.receive_json() == {"type": "pong"}  # the socket stays up

        failed = client.post(
            f"{path}/messages", json={"text": "are you there?", "client_id": "c2"}, headers=auth
        )
        assert failed.status_code == 503
        assert failed.json()["error"]["code"] == "database_unavailable"
        assert int(failed.headers["Retry-After"]) > 0

        cut.up()
        retry = {"text": "are you there?", "client_id": "c2"}
        assert client.post(f"{path}/messages", json=retry, headers=auth).status_code == 201
        # A duplicate of the retry is answered with the stored message, not stored again.
        assert client.post(f"{path}/messages", json=retry, headers=auth).status_code == 200
        bodies = [m["body"] for m in client.get(path, headers=auth).json()["messages"]]
        assert bodies.count("are you there?") == 1
        assert bodies.count("hello") == 1
