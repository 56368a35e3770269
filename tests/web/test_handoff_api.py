"""The server-to-server handoff API: API tokens (scoped, revocable) and `/api/v1/handoffs`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.services.api_tokens import create_api_token, revoke_api_token
from baton.services.context import ServiceContext
from baton.web.app import create_app
from tests.conftest import MONDAY_10, SECRET, ScriptedBot


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    from baton.runtime.clock import FrozenClock

    settings = Settings(secret_key=SECRET, database_url=database_url)  # type: ignore[arg-type]
    app = create_app(settings, bot=ScriptedBot(), run_jobs=False, clock=FrozenClock(MONDAY_10))
    with TestClient(app) as client:
        yield client


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    return ctx


def _token(client: TestClient, *scopes: str) -> tuple[str, dict[str, str]]:
    created = client.portal.call(  # type: ignore[union-attr]
        lambda: create_api_token(_ctx(client), "support-bot", scopes)
    )
    return created.token.id, {"Authorization": f"Bearer {created.secret}"}


def _conversation(client: TestClient) -> tuple[str, dict[str, str]]:
    started = client.post(
        "/api/conversations", json={"contact": {"name": "Ana Lima", "email": "ana@example.com"}}
    ).json()
    auth = {"Authorization": f"Bearer {started['token']}"}
    conversation_id = started["conversation"]["id"]
    client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "What are your opening hours?"},
        headers=auth,
    )
    return conversation_id, auth


def test_an_external_bot_hands_a_widget_conversation_to_the_team(client: TestClient) -> None:
    _, token = _token(client, "handoffs:write", "handoffs:read")
    conversation_id, visitor = _conversation(client)
    started = client.post(
        "/api/v1/handoffs",
        json={
            "conversation_id": conversation_id,
            "reason": "complex_issue",
            "summary": "Parcel 4411 lost in transit; customer wants a resend",
        },
        headers=token,
    )
    assert started.status_code == 201, started.text
    handoff = started.json()
    # Nobody is online: an email ticket, with the promise the customer was told.
    assert handoff["status"] == "open" and handoff["model"] == "email"
    assert handoff["state"] == "ticket" and handoff["reasons"] == ["complex_issue"]
    assert handoff["summary"] == "Parcel 4411 lost in transit; customer wants a resend"
    assert handoff["promise"] and handoff["conversation_token"] is None
    told = client.get(f"/api/conversations/{conversation_id}", headers=visitor).json()
    assert handoff["promise"] in told["messages"][-1]["body"]
    read = client.get(f"/api/v1/handoffs/{handoff['id']}", headers=token)
    assert read.status_code == 200
    assert {k: v for k, v in read.json().items()} == {
        k: v for k, v in handoff.items() if k != "conversation_token"
    }
    again = client.post(
        "/api/v1/handoffs",
        json={"conversation_id": conversation_id, "reason": "emotional", "summary": "again"},
        headers=token,
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_a_transcript_becomes_a_conversation_the_customer_can_go_on_in(
    client: TestClient,
) -> None:
    _, token = _token(client, "handoffs:write")
    started = client.post(
        "/api/v1/handoffs",
        json={
            "conversation": {
                "contact": {"name": "Bo", "email": "bo@example.com"},
                "timezone": "Europe/Paris",
                "transcript": [
                    {"author": "customer", "text": "I was charged twice, card 4111 1111 1111 1111"},
                    {"author": "bot", "text": "I can't see payments, sorry."},
                ],
            },
            "reason": "knowledge_gap",
            "summary": "Double charge on the last order",
        },
        headers=token,
    )
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["state"] == "ticket" and body["conversation_token"]
    visitor = {"Authorization": f"Bearer {body['conversation_token']}"}
    messages = client.get(f"/api/conversations/{body['conversation_id']}", headers=visitor).json()
    texts = [(m["author"], m["body"]) for m in messages["messages"]]
    assert texts[0][0] == "customer" and "4111 1111 1111 1111" not in texts[0][1]
    assert texts[1] == ("bot", "I can't see payments, sorry.")
    assert body["promise"] in texts[-1][1]


def test_tokens_are_checked_for_existence_revocation_and_scope(client: TestClient) -> None:
    token_id, writer = _token(client, "handoffs:write")
    _, reader = _token(client, "handoffs:read")
    conversation_id, _ = _conversation(client)
    body = {"conversation_id": conversation_id, "reason": "explicit_request", "summary": "x"}
    cases = [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer baton_not-a-token"}, 401, "invalid_token"),
        (reader, 403, "insufficient_scope"),
    ]
    for headers, status, code in cases:
        refused = client.post("/api/v1/handoffs", json=body, headers=headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code)
    # A visitor's conversation token is not an API token.
    _, visitor = _conversation(client)
    assert client.post("/api/v1/handoffs", json=body, headers=visitor).status_code == 401
    client.portal.call(lambda: revoke_api_token(_ctx(client), token_id))  # type: ignore[union-attr]
    revoked = client.post("/api/v1/handoffs", json=body, headers=writer)
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "invalid_token"
    # Nothing was handed over by any refused request.
    _, fresh = _token(client, "handoffs:write")
    assert client.post("/api/v1/handoffs", json=body, headers=fresh).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "emotional", "summary": "s"}, "either conversation_id or conversation"),
        ({"conversation_id": "c", "reason": "bored", "summary": "s"}, "reason"),
        ({"conversation_id": "c", "reason": "emotional", "summary": ""}, "summary"),
    ],
    ids=["no conversation", "unknown reason", "empty summary"],
)
def test_bad_input_is_a_422_in_the_error_shape(
    client: TestClient, body: dict[str, str], field: str
) -> None:
    _, token = _token(client, "handoffs:write")
    refused = client.post("/api/v1/handoffs", json=body, headers=token)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_input"
    assert field in refused.json()["error"]["message"]


def test_an_unknown_conversation_or_handoff_is_a_404(client: TestClient) -> None:
    _, token = _token(client, "handoffs:write", "handoffs:read")
    missing = client.post(
        "/api/v1/handoffs",
        json={"conversation_id": "nope", "reason": "emotional", "summary": "s"},
        headers=token,
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/handoffs/nope", headers=token).status_code == 404
