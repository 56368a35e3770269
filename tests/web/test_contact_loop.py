"""Contact details end to end: given once in the chat, shown to the team, used for replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.email import team_reply_token
from tests.channels.smtp_server import SmtpTestServer, running_smtp_server
from tests.conftest import MONDAY_10
from tests.web.test_email_flow import _app, _ctx, _post, _reply, _run_jobs, _token


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def client(database_url: str, smtp: SmtpTestServer) -> Iterator[TestClient]:
    with TestClient(_app(database_url, FrozenClock(MONDAY_10), smtp.port)) as client:
        yield client


def _start(client: TestClient) -> tuple[str, dict[str, str]]:
    started = client.post(
        "/api/conversations",
        json={"page": {"url": "https://lumen.example/pricing", "title": "Pricing"}},
    ).json()
    return started["conversation"]["id"], {"Authorization": f"Bearer {started['token']}"}


def _say(client: TestClient, conversation_id: str, auth: dict[str, str], text: str) -> str:
    before = len(_messages(client, conversation_id, auth))
    response = client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth
    )
    assert response.status_code == 201, response.text
    _run_jobs(client)
    after = _messages(client, conversation_id, auth)[before:]
    return "\n\n".join(m["body"] for m in after if m["author"] != "customer")


def _messages(client: TestClient, conversation_id: str, auth: dict[str, str]) -> list[Any]:
    body = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()
    messages: list[Any] = body["messages"]
    return messages


def _to_team(smtp: SmtpTestServer) -> str:
    [mail] = [d.parsed() for d in smtp.handler.deliveries if "support@lumen.example" in d.rcpt_tos]
    text: str = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return text


@pytest.mark.parametrize(
    ("first", "email", "name"),
    [
        (
            "Hi, I'm Bob Smith. My email is kim.early@example.com and I was charged twice",
            "kim.early@example.com",
            "Bob Smith",
        ),
        (
            "My name is Carla Jones. Can I talk to a real person please? "
            "You can reach me at lee@example.com",
            "lee@example.com",
            "Carla Jones",
        ),
    ],
)
def test_details_given_in_the_first_message_are_not_asked_again_and_reach_the_team(
    client: TestClient, smtp: SmtpTestServer, first: str, email: str, name: str
) -> None:
    conversation_id, auth = _start(client)
    _say(client, conversation_id, auth, first)
    said = " ".join(
        m["body"] for m in _messages(client, conversation_id, auth) if m["author"] == "bot"
    )
    assert "What's the best email" not in said
    _run_jobs(client)
    team = _to_team(smtp)
    assert f"Customer: {name}" in team
    assert f"Email:    {email}" in team


def test_a_corrected_address_is_confirmed_and_replies_go_to_it(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    client.portal.call(  # type: ignore[union-attr]
        lambda: agents.create_agent(
            _ctx(client), email="sam@lumen.example", name="Sam", password="0123456789"
        )
    )
    conversation_id, auth = _start(client)
    _say(client, conversation_id, auth, "I want to talk to a person")
    _say(client, conversation_id, auth, "jo@example.com")
    confirmation = _say(client, conversation_id, auth, "please use jo.b@example.org instead")
    assert "jo.b@example.org" in confirmation
    token = team_reply_token(_ctx(client), _token(client, conversation_id))
    raw = _reply(token, "Sam <sam@lumen.example>", "Your refund is on its way.")
    assert _post(client, raw).json() == {"status": "posted"}
    _run_jobs(client)
    replies = [d for d in smtp.handler.deliveries if "Your refund is on its way" in d.raw.decode()]
    assert [d.rcpt_tos for d in replies] == [["jo.b@example.org"]]
