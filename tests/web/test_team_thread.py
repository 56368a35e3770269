"""After an email handoff: what the customer adds reaches the team's thread, and the team
answers from its inbox (real SMTP out, the webhook and the built-in SMTP receiver in)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.store.tables import OutboxJob
from tests.channels.smtp_server import SmtpTestServer, free_port, running_smtp_server
from tests.conftest import MONDAY_10
from tests.web.test_email_flow import _app, _ctx, _escalate, _escalation, _post, _run_jobs, _token

ADDED = "I've added that to your request"


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_10)


def _say(client: TestClient, conversation_id: str, auth: dict[str, str], text: str) -> None:
    answer = client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth
    )
    assert answer.status_code in (200, 201), answer.text


def _messages(client: TestClient, conversation_id: str, auth: dict[str, str]) -> list[Any]:
    body = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()
    messages: list[Any] = body["messages"]
    return messages


def _updates(smtp: SmtpTestServer) -> list[EmailMessage]:
    return [
        m
        for m in (d.parsed() for d in smtp.handler.deliveries)
        if str(m["Message-ID"]).strip().startswith("<update-")
    ]


def _text(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def _customer_email(token: str, text: str) -> bytes:
    """The customer answers the confirmation email from their mail client."""
    message = EmailMessage()
    message["From"] = "Ana Lima <ana@example.com>"
    message["To"] = f"reply+{token}@reply.lumen.example"
    message["Subject"] = "Re: Lumen & Loom will reply"
    message["Message-ID"] = make_msgid()
    message.set_content(
        f"{text}\n\nOn Mon, 23 Nov 2026 at 10:00, Lumen & Loom <help@lumen.example> wrote:\n"
        "> Thanks for chatting with us.\n"
    )
    return bytes(message)


async def test_a_team_working_from_its_inbox_follows_the_customer_and_answers(
    database_url: str, clock: FrozenClock, smtp: SmtpTestServer
) -> None:
    port = free_port()
    app = _app(database_url, clock, smtp.port)
    app.state.settings.email.inbound_smtp_port = port
    with TestClient(app) as client:
        client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                _ctx(client), email="sam@lumen.example", name="Sam", password="0123456789"
            )
        )
        conversation_id, auth = _escalate(client)
        assert client.get(f"/api/conversations/{conversation_id}", headers=auth).json()[
            "state"
        ] == ("ticket")
        _run_jobs(client)
        escalation = _escalation(smtp)

        # Ten minutes on, a burst in the chat: told once that it was added (with the promise
        # as a clock time now), mailed as one email.
        clock.advance(timedelta(minutes=10))
        before = len(_messages(client, conversation_id, auth))
        for text in ("Order number is LL-4471", "It was the blue <scarf>", "Paid by card"):
            _say(client, conversation_id, auth, text)
        told = [m for m in _messages(client, conversation_id, auth)[before:] if ADDED in m["body"]]
        assert len(told) == 1 and "They'll reply by 12:00 PM UTC today" in told[0]["body"]
        _run_jobs(client)
        assert _updates(smtp) == []  # the batch is still open
        clock.advance(timedelta(seconds=61))
        _run_jobs(client)
        [first] = _updates(smtp)
        assert first["Subject"] == f"Re: {escalation['Subject']}"
        assert first["In-Reply-To"] == escalation["Message-ID"]
        assert escalation["Message-ID"] in first["References"]
        assert first["To"] == "support@lumen.example"
        text = _text(first)
        for said in ("Order number is LL-4471", "It was the blue <scarf>", "Paid by card"):
            assert said in text
        assert "I was charged twice" not in text  # the escalation already had it
        assert "by 12:00 Monday 23 November (UTC)" in text
        html = first.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert "&lt;scarf&gt;" in html and "<scarf>" not in html

        # The customer answers the confirmation email: the same thread, a new batch.
        customer_token = _token(client, conversation_id)
        reply = _customer_email(customer_token, "Also, the parcel never arrived.")
        assert _post(client, reply).json() == {"status": "posted"}
        told = [m for m in _messages(client, conversation_id, auth)[before:] if ADDED in m["body"]]
        assert len(told) == 2
        clock.advance(timedelta(seconds=61))
        _run_jobs(client)
        second = _updates(smtp)[-1]
        assert len(_updates(smtp)) == 2
        assert second["In-Reply-To"] == escalation["Message-ID"]
        assert "Also, the parcel never arrived." in _text(second)
        assert "Order number" not in _text(second)

        # Sam answers the update from the inbox, through the built-in SMTP receiver.
        team_address = second["Reply-To"].addresses[0].addr_spec
        answer = EmailMessage()
        answer["From"] = "Sam <sam@lumen.example>"
        answer["To"] = team_address
        answer["Subject"] = f"Re: {second['Subject']}"
        answer["In-Reply-To"] = second["Message-ID"]
        answer["Message-ID"] = make_msgid()
        answer.set_content("A new scarf is on its way, Ana.\n\n> " + _text(second)[:80])
        await aiosmtplib.send(
            answer,
            sender="sam@lumen.example",
            recipients=[team_address],
            hostname="127.0.0.1",
            port=port,
        )
        last = _messages(client, conversation_id, auth)[-1]
        assert (last["author"], last["body"]) == ("agent", "A new scarf is on its way, Ana.")
        _run_jobs(client)
        to_customer = [
            d.parsed()
            for d in smtp.handler.deliveries
            if "ana@example.com" in d.rcpt_tos and b"A new scarf" in d.raw
        ]
        assert len(to_customer) == 1
        # The agent's reply is not the customer's: nothing new goes to the team's thread.
        clock.advance(timedelta(minutes=5))
        _run_jobs(client)
        assert len(_updates(smtp)) == 2


def test_an_update_waits_out_a_mail_server_that_is_down_and_a_restart(
    database_url: str, clock: FrozenClock, smtp: SmtpTestServer
) -> None:
    with TestClient(_app(database_url, clock, smtp.port)) as client:
        conversation_id, auth = _escalate(client)
        _run_jobs(client)
        _say(client, conversation_id, auth, "My order number is LL-9000")

    async def jobs(client: TestClient) -> list[OutboxJob]:
        async with _ctx(client).sessions() as session:
            rows = await session.scalars(
                select(OutboxJob).where(OutboxJob.kind == "team_update_email")
            )
            return list(rows)

    # The process stops before the batch is due; the next one finds it, with SMTP down.
    clock.advance(timedelta(seconds=61))
    with TestClient(_app(database_url, clock, free_port())) as client:
        _run_jobs(client)
        waiting = [j for j in client.portal.call(jobs, client) if j.last_error]  # type: ignore[union-attr]
        assert waiting and all(j.status == "pending" for j in waiting)
    assert _updates(smtp) == []
    # Back up, after another restart: sent once.
    clock.advance(timedelta(hours=2))
    with TestClient(_app(database_url, clock, smtp.port)) as client:
        _run_jobs(client)
        clock.advance(timedelta(hours=2))
        _run_jobs(client)
        [update] = _updates(smtp)
        assert "My order number is LL-9000" in _text(update)
        statuses = {j.status for j in client.portal.call(jobs, client)}  # type: ignore[union-attr]
        assert statuses == {"done"}


def test_a_promise_is_worded_from_the_moment_it_is_shown(
    database_url: str, smtp: SmtpTestServer
) -> None:
    # Monday 23:50; the team opens at 9:00 and answers within 2 business hours.
    clock = FrozenClock(datetime(2026, 12, 7, 23, 50, tzinfo=UTC))
    with TestClient(_app(database_url, clock, smtp.port)) as client:
        conversation_id, auth = _escalate(client)
        told = [m["body"] for m in _messages(client, conversation_id, auth) if m["author"] == "bot"]
        assert "by 11:00 AM UTC tomorrow (Tuesday)" in told[-1]
        _run_jobs(client)
        escalation = _escalation(smtp)
        assert "a reply by 11:00 Tuesday 8 December (UTC)" in _text(escalation)
        [confirmation] = [
            d.parsed() for d in smtp.handler.deliveries if "ana@example.com" in d.rcpt_tos
        ]
        assert (
            confirmation["Subject"] == "Lumen & Loom will reply by 11:00 Tuesday 8 December (UTC)"
        )
        # Twenty minutes later it is Tuesday: the same promise is "today", never "tomorrow".
        clock.set(datetime(2026, 12, 8, 0, 10, tzinfo=UTC))
        _say(client, conversation_id, auth, "One more thing: it was a gift")
        notice = _messages(client, conversation_id, auth)[-1]["body"]
        assert "They'll reply by 11:00 AM UTC today" in notice and "tomorrow" not in notice
        clock.advance(timedelta(seconds=61))
        _run_jobs(client)
        [update] = _updates(smtp)
        assert "a reply by 11:00 Tuesday 8 December (UTC)" in _text(update)
