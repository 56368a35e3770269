from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from baton.config import LimitSettings, Settings
from baton.domain.identity import sign_identity
from baton.web.app import create_app
from tests.conftest import SECRET, ScriptedBot


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=database_url,
        limits=LimitSettings(messages_per_minute_per_conversation=5),
    )
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False)) as client:
        yield client


def _start(client: TestClient) -> tuple[str, dict[str, str]]:
    response = client.post(
        "/api/conversations",
        json={
            "page": {"url": "https://shop.example/pricing", "title": "Pricing"},
            "contact": {"name": "Ana", "email": "ana@example.com", "attributes": {"plan": "pro"}},
            "timezone": "Europe/Lisbon",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["conversation"]["id"], {"Authorization": f"Bearer {body['token']}"}


def _error(response: object) -> str:
    code: str = response.json()["error"]["code"]  # type: ignore[attr-defined]
    return code


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    assert "/api/conversations" in client.get("/openapi.json").json()["paths"]


def test_a_visitor_chats_with_the_bot(client: TestClient) -> None:
    conversation_id, auth = _start(client)
    posted = client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "What are your opening hours?", "client_id": "m1"},
        headers=auth,
    )
    assert posted.status_code == 201
    assert [r["body"] for r in posted.json()["replies"]] == ["We are open 9 to 5."]
    unknown = client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "Do you sell helicopters?"},
        headers=auth,
    )
    assert "don't want to guess" in unknown.json()["replies"][0]["body"]
    read = client.get(f"/api/conversations/{conversation_id}", headers=auth)
    assert read.headers["cache-control"] == "no-store"
    assert [m["author"] for m in read.json()["messages"]] == ["customer", "bot", "customer", "bot"]
    after = client.get(
        f"/api/conversations/{conversation_id}?after={read.json()['messages'][1]['id']}",
        headers=auth,
    )
    assert len(after.json()["messages"]) == 2


def test_a_retried_message_is_stored_once(client: TestClient) -> None:
    conversation_id, auth = _start(client)
    url = f"/api/conversations/{conversation_id}/messages"
    first = client.post(url, json={"text": "hello", "client_id": "same"}, headers=auth)
    again = client.post(url, json={"text": "hello", "client_id": "same"}, headers=auth)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert [m["body"] for m in messages].count("hello") == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 422, "invalid_input"),
        ({"text": "   "}, 422, "empty_message"),
        ({"text": "x" * 4001}, 422, "message_too_long"),
        ({"text": "hi", "admin": True}, 422, "invalid_input"),
        ({"text": "hi", "client_id": "bad id!"}, 422, "invalid_input"),
        ({"words": "hi"}, 422, "invalid_input"),
    ],
    ids=["empty", "blank", "too-long", "unknown-field", "bad-client-id", "missing-text"],
)
def test_bad_messages_get_a_stable_code_and_change_nothing(
    client: TestClient, body: dict[str, object], status: int, code: str
) -> None:
    conversation_id, auth = _start(client)
    response = client.post(
        f"/api/conversations/{conversation_id}/messages", json=body, headers=auth
    )
    assert (response.status_code, _error(response)) == (status, code)
    assert (
        client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"] == []
    )


def test_malformed_and_oversized_bodies(client: TestClient) -> None:
    conversation_id, auth = _start(client)
    url = f"/api/conversations/{conversation_id}/messages"
    malformed = client.post(
        url, content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert (malformed.status_code, _error(malformed)) == (400, "malformed_json")
    huge = client.post(url, content=b'{"text": "' + b"a" * 70000 + b'"}', headers=auth)
    assert (huge.status_code, _error(huge)) == (413, "too_large")


def test_a_token_opens_only_its_own_conversation(client: TestClient) -> None:
    first_id, first_auth = _start(client)
    second_id, second_auth = _start(client)
    for method, suffix in (("GET", ""), ("POST", "/messages")):
        kwargs = {"json": {"text": "let me in"}} if method == "POST" else {}
        wrong = client.request(
            method, f"/api/conversations/{first_id}{suffix}", headers=second_auth, **kwargs
        )  # type: ignore[arg-type]
        assert (wrong.status_code, _error(wrong)) == (404, "not_found")
        missing = client.request(method, f"/api/conversations/{first_id}{suffix}", **kwargs)  # type: ignore[arg-type]
        assert (missing.status_code, _error(missing)) == (401, "unauthorized")
    garbage = client.get(f"/api/conversations/{first_id}", headers={"Authorization": "Bearer nope"})
    assert garbage.status_code == 404
    assert client.get(f"/api/conversations/{first_id}", headers=first_auth).json()["messages"] == []
    assert client.get(f"/api/conversations/{second_id}", headers=second_auth).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Olympus"},
        {"contact": {"email": "not-an-email"}},
        {"page": {"url": "x" * 3000}},
        {"contact": {"attributes": {"plan": "p" * 600}}},
    ],
    ids=["timezone", "email", "long-url", "long-attribute"],
)
def test_bad_conversation_starts_are_refused(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/api/conversations", json=body)
    assert (response.status_code, _error(response)) == (422, "invalid_input")


def test_messages_are_rate_limited_per_conversation(client: TestClient) -> None:
    conversation_id, auth = _start(client)
    url = f"/api/conversations/{conversation_id}/messages"
    statuses = [
        client.post(url, json={"text": f"m{i}"}, headers=auth).status_code for i in range(6)
    ]
    assert statuses == [201] * 5 + [429]
    limited = client.post(url, json={"text": "again"}, headers=auth)
    assert _error(limited) == "rate_limited" and int(limited.headers["retry-after"]) >= 1


def test_a_signed_identity_is_trusted_and_a_forged_one_refused(tmp_path: Path) -> None:
    widget_secret = "w" * 40
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/id.db",
        widget_secret=widget_secret,  # type: ignore[arg-type]
    )
    claims = {"name": "Ana", "email": "ana@example.com", "exp": datetime.now(UTC).timestamp() + 600}
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False)) as client:
        good = client.post(
            "/api/conversations", json={"identity": sign_identity(widget_secret, claims)}
        )
        assert good.status_code == 201
        forged = client.post(
            "/api/conversations", json={"identity": sign_identity("x" * 40, claims)}
        )
        assert (forged.status_code, _error(forged)) == (422, "invalid_identity")
        claimed = client.post("/api/conversations", json={"contact": {"verified": True}})
        assert claimed.status_code == 422
