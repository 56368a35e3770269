"""A command in a team member's emailed reply (`#resolve`), through the inbound webhook and a
real SMTP server: carried out with the console's own functions when an agent sent it, refused
with a clear reason to its sender otherwise, and nothing changed then."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.domain.reasons import ReasonCategory
from baton.runtime.clock import FrozenClock
from baton.services import agents, handoffs
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, start_conversation
from baton.services.email import post_email_reply, team_reply_token
from baton.store.tables import Agent, Conversation, Message, OutboxJob
from tests.channels.smtp_server import SmtpTestServer, running_smtp_server
from tests.conftest import MONDAY_10
from tests.web.test_email_flow import _app, _ctx, _escalate, _post, _run_jobs, _token

SAM = "Sam <sam@lumen.example>"


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def client(database_url: str, smtp: SmtpTestServer) -> Iterator[TestClient]:
    with TestClient(_app(database_url, FrozenClock(MONDAY_10), smtp.port)) as client:
        client.portal.call(  # type: ignore[union-attr]
            lambda: agents.create_agent(
                _ctx(client), email="sam@lumen.example", name="Sam", password="0123456789"
            )
        )
        yield client


def _mail(token: str, sender: str, text: str, *, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"reply+{token}@reply.lumen.example"
    message["Subject"] = "Re: Chat escalation"
    message["Message-ID"] = make_msgid()
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(
            f"{text}\n\nOn Mon, 23 Nov 2026 at 10:00, Lumen & Loom <help@lumen.example> "
            "wrote:\n> I was charged twice\n"
        )
    return bytes(message)


def _team(client: TestClient, conversation_id: str) -> str:
    return team_reply_token(_ctx(client), _token(client, conversation_id))


def _chat(client: TestClient, conversation_id: str, auth: dict[str, str]) -> Any:
    return client.get(f"/api/conversations/{conversation_id}", headers=auth).json()


def _notices(smtp: SmtpTestServer, to: str) -> list[EmailMessage]:
    return [
        d.parsed()
        for d in smtp.handler.deliveries
        if to in d.rcpt_tos and d.parsed()["Subject"].startswith("Not done:")
    ]


@pytest.mark.parametrize(
    ("sender", "team", "text", "told", "why"),
    [
        (SAM, True, "#snooze\n\nBack on Monday.", "sam@lumen.example", "#snooze is not a command"),
        (SAM, True, "#resolve it please", "sam@lumen.example", "must stand alone"),
        (SAM, False, "#resolve", "sam@lumen.example", "nothing shows that sam@lumen.example"),
        (
            "Ana Lima <ana@example.com>",
            False,
            "#CLOSE",
            "ana@example.com",
            "ana@example.com is not an agent",
        ),
        (
            "Mallory <mallory@evil.example>",
            True,
            "#resolve",
            "mallory@evil.example",
            "mallory@evil.example is not an agent",
        ),
        (
            SAM,
            True,
            "#resolve\n\nCustomer is asking about a refund — premium customer with a billing "
            "problem",
            "sam@lumen.example",
            "internal brief",
        ),
    ],
    ids=[
        "unknown-command",
        "not-alone-on-its-line",
        "agent-without-proof",
        "the-customer",
        "a-stranger-with-the-team-address",
        "the-internal-brief-below",
    ],
)
def test_a_command_that_cannot_be_carried_out_changes_nothing_and_its_sender_hears_why(
    client: TestClient,
    smtp: SmtpTestServer,
    sender: str,
    team: bool,
    text: str,
    told: str,
    why: str,
) -> None:
    conversation_id, auth = _escalate(client)
    _run_jobs(client)
    before = _chat(client, conversation_id, auth)
    token = _team(client, conversation_id) if team else _token(client, conversation_id)
    assert _post(client, _mail(token, sender, text)).json() == {"status": "held"}
    after = _chat(client, conversation_id, auth)
    assert after["state"] == before["state"] == "ticket"
    assert after["messages"] == before["messages"]
    _run_jobs(client)
    [notice] = _notices(smtp, told)
    body = notice.get_content()
    assert why in body and "Nothing was changed" in body, body
    assert notice["Auto-Submitted"] == "auto-generated"
    sent = [d for d in smtp.handler.deliveries if "ana@example.com" in d.rcpt_tos]
    assert not any(b"Back on Monday" in d.raw or b"How did" in d.raw for d in sent)


def test_a_command_alone_in_an_html_reply_resolves_once_and_a_second_is_told_it_is_done(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    conversation_id, auth = _escalate(client)
    _run_jobs(client)
    before = len(_chat(client, conversation_id, auth)["messages"])
    html = (
        "<div dir='ltr'>#Close</div><br><div>-- <br>Sam</div>"
        "<blockquote>On Monday Lumen &amp; Loom wrote:<br>I was charged twice</blockquote>"
    )
    token = _team(client, conversation_id)
    raw = _mail(token, SAM, "", html=html)
    assert _post(client, raw).json() == {"status": "posted"}
    assert _post(client, raw).json() == {"status": "posted"}  # delivered twice: acts once
    chat = _chat(client, conversation_id, auth)
    assert chat["state"] == "resolved"
    [asked] = chat["messages"][before:]  # no message from the agent, only the question
    assert asked["author"] == "bot" and asked["body"].startswith("How did we do")

    assert _post(client, _mail(token, SAM, "#resolve")).json() == {"status": "held"}
    _run_jobs(client)
    [notice] = _notices(smtp, "sam@lumen.example")
    assert "already resolved" in notice.get_content()
    closings = [
        d for d in smtp.handler.deliveries if d.raw.find(b"Resolved by sam@lumen.example") >= 0
    ]
    assert len(closings) == 1  # the thread is told once


def test_a_resolve_from_the_console_is_told_in_the_teams_thread_too(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    ctx = _ctx(client)
    call = client.portal.call  # type: ignore[union-attr]
    kim = call(
        lambda: agents.create_agent(
            ctx, email="kim@lumen.example", name="Kim", password="0123456789"
        )
    )
    conversation_id, _ = _escalate(client)
    _run_jobs(client)
    call(lambda: handoffs.resolve_conversation(ctx, conversation_id, acting=kim.id))
    _run_jobs(client)
    escalation, closing = [
        d.parsed() for d in smtp.handler.deliveries if "support@lumen.example" in d.rcpt_tos
    ]
    assert closing["In-Reply-To"] == escalation["Message-ID"]
    assert closing.get_content().startswith("Resolved by kim@lumen.example at 10:00 UTC")


def test_a_customers_line_that_merely_starts_like_a_command_is_posted_as_written(
    client: TestClient,
) -> None:
    conversation_id, auth = _escalate(client)
    text = "#resolved it myself, thanks!"
    mail = _mail(_token(client, conversation_id), "Ana Lima <ana@example.com>", text)
    assert _post(client, mail).json() == {"status": "posted"}
    chat = _chat(client, conversation_id, auth)
    assert chat["state"] == "ticket"
    assert text in [m["body"] for m in chat["messages"] if m["author"] == "customer"]


async def test_two_agents_resolving_by_mail_at_once_resolve_it_once(ctx: ServiceContext) -> None:
    sam = await agents.create_agent(ctx, email="sam@shop.example", name="Sam", password="0" * 10)
    kim = await agents.create_agent(ctx, email="kim@shop.example", name="Kim", password="0" * 10)
    started = await start_conversation(ctx, contact=ContactIn(name="Ana", email="ana@example.com"))
    conversation_id = started.conversation.id
    await handoffs.escalate(ctx, conversation_id, [ReasonCategory.EXPLICIT_REQUEST])
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.state == "ticket"
        token = team_reply_token(ctx, conversation.reply_token or "")

    async def resolve_as(agent: Agent) -> str:
        return await post_email_reply(
            ctx,
            tokens=(token,),
            sender=agent.email,
            text=f"#resolve\n\nAll done, from {agent.name}.",
            raw="",
            subject="Re: Chat escalation",
            message_id=make_msgid(),
            automatic_reason=None,
        )

    outcomes = await asyncio.gather(resolve_as(sam), resolve_as(kim))
    assert sorted(outcomes) == ["held", "posted"]
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None and conversation.state == "resolved"
        said = (
            await session.scalars(
                select(Message.body).where(
                    Message.conversation_id == conversation_id, Message.author == "agent"
                )
            )
        ).all()
        kinds = (await session.scalars(select(OutboxJob.kind))).all()
    assert len(said) == 1  # the second agent's text never went out
    assert kinds.count("rating_email") == 1
    assert kinds.count("inbound_notice") == 1  # the second agent hears it was already done
