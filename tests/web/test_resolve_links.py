"""The Resolve link of the team's escalation email, against a real SMTP server: opening it
changes nothing (mail scanners open links), the page's form with an agent's address resolves
the conversation as the console does, and the link works for its own handoff only, until it
expires."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.email import team_reply_token
from tests.channels.smtp_server import SmtpTestServer, running_smtp_server
from tests.conftest import MONDAY_10
from tests.web.test_email_flow import _app, _ctx, _escalate, _post, _reply, _run_jobs, _token


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_10)


@pytest.fixture
def client(database_url: str, clock: FrozenClock, smtp: SmtpTestServer) -> Iterator[TestClient]:
    with TestClient(_app(database_url, clock, smtp.port)) as client:
        client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                _ctx(client), email="sam@lumen.example", name="Sam", password="0123456789"
            )
        )
        yield client


def _team_mails(smtp: SmtpTestServer) -> list[EmailMessage]:
    return [d.parsed() for d in smtp.handler.deliveries if "support@lumen.example" in d.rcpt_tos]


def _plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def _link(client: TestClient, smtp: SmtpTestServer, nth: int = -1) -> str:
    # Sending is at least once: a mail client shows one email per Message-ID.
    by_id = {str(m["Message-ID"]): m for m in _team_mails(smtp) if "escalation" in m["Message-ID"]}
    escalations = list(by_id.values())
    [line] = [
        line
        for line in _plain(escalations[nth]).splitlines()
        if line.startswith("Resolve without writing (opens a page to confirm): ")
    ]
    url = line.removeprefix("Resolve without writing (opens a page to confirm): ")
    html = escalations[nth].get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f'href="{url}"' in html
    return url.removeprefix(_ctx(client).settings.public_url)


def _state(client: TestClient, conversation_id: str, auth: dict[str, str]) -> Any:
    return client.get(f"/api/conversations/{conversation_id}", headers=auth).json()


def test_the_link_shows_a_page_and_only_an_agents_form_resolves(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    conversation_id, auth = _escalate(client)
    _run_jobs(client)
    path = _link(client, smtp)

    # A mail scanner opens it: a page, and nothing changes.
    for _ in range(3):
        page = client.get(path)
        assert page.status_code == 200 and 'method="post"' in page.text
        assert "Ana Lima" in page.text
    assert _state(client, conversation_id, auth)["state"] == "ticket"

    refused = client.post(path, data={"address": "ana@example.com"})
    assert refused.status_code == 403 and "not the address of an agent" in refused.text
    assert _state(client, conversation_id, auth)["state"] == "ticket"

    done = client.post(path, data={"address": " SAM@lumen.example "})
    assert done.status_code == 200 and "Resolved by sam@lumen.example" in done.text
    chat = _state(client, conversation_id, auth)
    assert chat["state"] == "resolved"
    assert chat["messages"][-1]["body"].startswith("How did we do, Ana?")
    _run_jobs(client)
    assert _plain(_team_mails(smtp)[-1]).startswith("Resolved by sam@lumen.example at 10:00 UTC")

    assert client.post(path, data={"address": "sam@lumen.example"}).status_code == 409
    assert "already resolved" in client.get(path).text


def test_the_link_is_bound_to_its_handoff_and_expires(
    client: TestClient, smtp: SmtpTestServer, clock: FrozenClock
) -> None:
    _escalate(client)
    second, auth = _escalate(client, name="Bo Berg")
    _run_jobs(client)
    path_first, path_second = _link(client, smtp, 0), _link(client, smtp, 1)
    _, _, first_handoff, expires, signature = path_first.split("/")
    second_handoff = path_second.split("/")[2]
    for wrong in (
        f"/resolve/{second_handoff}/{expires}/{signature}",  # another handoff
        f"/resolve/{first_handoff}/{int(expires) + 86400}/{signature}",  # a later expiry
        f"/resolve/{first_handoff}/{expires}/{signature[:-1]}0",
    ):
        assert client.get(wrong).status_code == 404
        assert client.post(wrong, data={"address": "sam@lumen.example"}).status_code == 404

    clock.advance(timedelta(days=14, minutes=1))
    assert client.get(path_second).status_code == 409
    expired = client.post(path_second, data={"address": "sam@lumen.example"})
    assert expired.status_code == 409 and "#resolve" in expired.text
    assert _state(client, second, auth)["state"] == "ticket"


def test_an_agents_reply_that_pastes_the_link_never_reaches_the_customer(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    conversation_id, auth = _escalate(client)
    _run_jobs(client)
    link = _ctx(client).settings.public_url + _link(client, smtp)
    token = team_reply_token(_ctx(client), _token(client, conversation_id))
    before = _state(client, conversation_id, auth)["messages"]
    held = _post(client, _reply(token, "Sam <sam@lumen.example>", f"Click here: {link}"))
    assert held.json() == {"status": "held"}
    assert _state(client, conversation_id, auth)["messages"] == before
