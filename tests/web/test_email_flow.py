"""The email handoff end to end: real SMTP out, replies back in, nothing lost on faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.channels.email_jobs import register_email_jobs
from baton.config import Settings
from baton.domain.email_settings import EmailSettings
from baton.runtime.clock import FrozenClock
from baton.services import agents, handoffs
from baton.services.alerts import check_promises
from baton.services.context import ServiceContext
from baton.services.email import team_reply_token
from baton.store.tables import Conversation, Handoff, OutboxJob
from baton.web.app import create_app
from tests.channels.smtp_server import SmtpTestServer, free_port, running_smtp_server
from tests.conftest import MONDAY_10, SECRET, ScriptedBot

INBOUND_SECRET = "inbound-secret-1234567890"


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_10)


def _app(database_url: str, clock: FrozenClock, smtp_port: int) -> Any:
    settings = Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=database_url,
        company_name="Lumen & Loom",
        email=EmailSettings(
            support_address="support@lumen.example",
            from_address="Lumen & Loom <help@lumen.example>",
            reply_domain="reply.lumen.example",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            smtp_security="none",
            inbound_webhook_secret=INBOUND_SECRET,  # type: ignore[arg-type]
        ),
    )
    return create_app(settings, bot=ScriptedBot(), clock=clock, run_jobs=False)


@pytest.fixture
def client(database_url: str, clock: FrozenClock, smtp: SmtpTestServer) -> Iterator[TestClient]:
    with TestClient(_app(database_url, clock, smtp.port)) as client:
        yield client


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.ctx  # type: ignore[attr-defined]
    return ctx


def _run_jobs(client: TestClient) -> int:
    ran: int = client.portal.call(_ctx(client).jobs.run_due)  # type: ignore[union-attr]
    return ran


def _escalate(client: TestClient, name: str = "Ana Lima") -> tuple[str, dict[str, str]]:
    started = client.post(
        "/api/conversations",
        json={
            "contact": {"name": name, "email": "ana@example.com", "attributes": {"plan": "pro"}},
            "page": {"url": "https://lumen.example/pricing", "title": "Pricing | Lumen & Loom"},
        },
    ).json()
    conversation_id = started["conversation"]["id"]
    auth = {"Authorization": f"Bearer {started['token']}"}
    client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "I was charged twice, this is unacceptable, I want a refund"},
        headers=auth,
    )
    client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "I want to talk to a person"},
        headers=auth,
    )
    return conversation_id, auth


def _escalation(smtp: SmtpTestServer) -> EmailMessage:
    [delivery] = [d for d in smtp.handler.deliveries if "support@lumen.example" in d.rcpt_tos]
    return delivery.parsed()


def test_the_team_gets_the_escalation_email_with_every_field(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    conversation_id, _ = _escalate(client)
    _run_jobs(client)
    mail = _escalation(smtp)
    assert mail["Subject"].startswith("Chat escalation from Pricing page — ")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Reply-To"].addresses[0].username.startswith("reply+")
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for expected in (
        "Ana Lima",
        "ana@example.com",
        "https://lumen.example/pricing",
        "I was charged twice, this is unacceptable, I want a refund",
        "Customer is asking about",
        "Plan",
        f"/console#{conversation_id}",
    ):
        assert expected in text, expected
    # The customer gets a warm confirmation with the promise.
    confirmation = [d for d in smtp.handler.deliveries if "ana@example.com" in d.rcpt_tos]
    assert confirmation and "will reply" in confirmation[0].parsed()["Subject"]


def test_html_escapes_what_the_customer_typed_and_no_header_is_injected(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    _escalate(client, name="Eve\r\nBcc: evil@x.example <script>")
    _run_jobs(client)
    mail = _escalation(smtp)
    assert "evil@x.example" not in str(mail.get("Bcc", ""))
    assert all("evil" not in rcpt for d in smtp.handler.deliveries for rcpt in d.rcpt_tos)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_smtp_down_then_up_delivers_exactly_once(database_url: str, clock: FrozenClock) -> None:
    port = free_port()  # nothing listens here yet
    with TestClient(_app(database_url, clock, port)) as client:
        _escalate(client)
        _run_jobs(client)

        async def pending() -> list[OutboxJob]:
            async with _ctx(client).sessions() as session:
                rows = await session.scalars(
                    select(OutboxJob).where(OutboxJob.kind == "escalation_email")
                )
                return list(rows)

        [job] = client.portal.call(pending)  # type: ignore[union-attr]
        assert job.status == "pending" and job.last_error  # kept, to be retried
        with running_smtp_server() as server:
            # The mail server is back (on a port of its own, as tests cannot reuse one).
            _ctx(client).settings.email.smtp_port = server.port
            register_email_jobs(_ctx(client))
            clock.advance(timedelta(hours=2))
            _run_jobs(client)
            clock.advance(timedelta(hours=2))
            _run_jobs(client)
            escalations = [
                d for d in server.handler.deliveries if "support@lumen.example" in d.rcpt_tos
            ]
            assert len(escalations) == 1


def _reply(conversation_token: str, sender: str, text: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"reply+{conversation_token}@reply.lumen.example"
    message["Subject"] = "Re: Chat escalation"
    message["Message-ID"] = make_msgid()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(
        f"{text}\n\nOn Mon, 23 Nov 2026 at 10:00, Lumen & Loom <help@lumen.example> wrote:\n"
        "> I was charged twice, this is unacceptable\n> older text\n"
    )
    return bytes(message)


def _token(client: TestClient, conversation_id: str) -> str:
    async def read() -> str:
        async with _ctx(client).sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None and conversation.reply_token
            return conversation.reply_token

    token: str = client.portal.call(read)  # type: ignore[union-attr]
    return token


def _post(client: TestClient, raw: bytes, secret: str = INBOUND_SECRET) -> Any:
    return client.post(
        "/api/inbound-email", content=raw, headers={"X-Baton-Inbound-Secret": secret}
    )


def test_an_agents_emailed_reply_reaches_the_customers_conversation(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    client.portal.call(  # type: ignore[union-attr]
        lambda: agents.create_agent(
            _ctx(client), email="sam@lumen.example", name="Sam", password="0123456789"
        )
    )
    conversation_id, auth = _escalate(client)
    _run_jobs(client)
    # The team replies to the address of the escalation email, which the customer never sees.
    team_token = _escalation(smtp)["Reply-To"].addresses[0].username.removeprefix("reply+")
    assert team_token != _token(client, conversation_id)
    answer = _post(
        client, _reply(team_token, "Sam <sam@lumen.example>", "Refund is on its way, Ana.")
    )
    assert answer.json() == {"status": "posted"}
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert (
        messages[-1]["author"] == "agent" and messages[-1]["body"] == "Refund is on its way, Ana."
    )
    _run_jobs(client)  # the reply also goes to the customer by email, threaded
    to_customer = [
        d.parsed()
        for d in smtp.handler.deliveries
        if "ana@example.com" in d.rcpt_tos and "Refund is on its way" in d.raw.decode()
    ]
    assert to_customer and to_customer[0]["In-Reply-To"]


@pytest.mark.parametrize(
    ("sender", "headers", "reason"),
    [
        ("Mallory <mallory@evil.example>", {}, "not a participant"),
        ("Ana <ana@example.com>", {"Auto_Submitted": "auto-replied"}, "automatic"),
        ("Mallory <mallory@evil.example>", {"Reply_To": "ana@example.com"}, "not a participant"),
    ],
    ids=["spoofed", "auto-reply", "reply-to-of-the-customer"],
)
def test_mail_that_cannot_be_trusted_is_held_not_posted(
    client: TestClient, sender: str, headers: dict[str, str], reason: str
) -> None:
    conversation_id, auth = _escalate(client)
    before = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    answer = _post(client, _reply(_token(client, conversation_id), sender, "hello", **headers))
    assert answer.json() == {"status": "held"}
    after = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert after == before


def test_unknown_token_and_missing_secret(client: TestClient) -> None:
    assert _post(client, _reply("0" * 32, "a@b.example", "hi")).json() == {"status": "held"}
    assert _post(client, _reply("0" * 32, "a@b.example", "hi"), secret="wrong").status_code == 401


def test_a_promise_about_to_break_is_mailed_to_the_team(
    client: TestClient, smtp: SmtpTestServer, clock: FrozenClock
) -> None:
    _escalate(client)
    _run_jobs(client)
    clock.advance(timedelta(hours=1, minutes=45))
    client.portal.call(lambda: check_promises(_ctx(client)))  # type: ignore[union-attr]
    _run_jobs(client)
    alerts = [d.parsed() for d in smtp.handler.deliveries if "Promise at risk" in d.raw.decode()]
    assert len(alerts) == 1 and alerts[0]["To"] == "support@lumen.example"


def test_a_resolved_customer_is_asked_by_email_with_links_that_work_once(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    ctx = _ctx(client)
    agent = client.portal.call(  # type: ignore[union-attr]
        lambda: agents.create_agent(
            ctx, email="kim@lumen.example", name="Kim", password="0123456789"
        )
    )
    conversation_id, _ = _escalate(client)
    call = client.portal.call  # type: ignore[union-attr]
    call(lambda: handoffs.claim_conversation(ctx, conversation_id, acting=agent.id))
    call(lambda: handoffs.resolve_conversation(ctx, conversation_id, acting=agent.id))
    _run_jobs(client)
    [request] = [
        m
        for m in (d.parsed() for d in smtp.handler.deliveries)
        if m["Subject"].startswith("How did")
    ]
    body = request.get_content()
    good = next(line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("Good:"))
    path = good.removeprefix(ctx.settings.public_url)
    assert client.get(path).status_code == 200  # shows the choice
    assert client.post(path.split("?")[0], data={"rating": "good"}).status_code == 200
    assert client.post(path.split("?")[0], data={"rating": "good"}).status_code == 409


async def test_the_built_in_smtp_receiver_posts_an_agents_reply(
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
        team_token = team_reply_token(_ctx(client), _token(client, conversation_id))
        raw = _reply(team_token, "sam@lumen.example", "Sorted, Ana.")
        await aiosmtplib.send(
            raw,
            sender="sam@lumen.example",
            recipients=[f"reply+{team_token}@reply.lumen.example"],
            hostname="127.0.0.1",
            port=port,
        )
        messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()
        assert messages["messages"][-1]["body"] == "Sorted, Ana."


def test_a_permanently_refused_email_is_shown_as_failed_in_the_console(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    smtp.handler.fail_always("550 5.1.1 mailbox unavailable")
    client.portal.call(  # type: ignore[union-attr]
        lambda: agents.create_agent(
            _ctx(client), email="lee@lumen.example", name="Lee", password="0123456789"
        )
    )
    _escalate(client)
    _run_jobs(client)
    client.post("/api/console/login", json={"email": "lee@lumen.example", "password": "0123456789"})
    failed = client.get("/api/console/mail").json()["failed"]
    assert {job["kind"] for job in failed} >= {"escalation_email"}
    assert all("550" in job["reason"] for job in failed)


def test_two_hundred_escalations_at_once_all_go_out_once_and_the_backlog_shows(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    from baton.domain.reasons import ReasonCategory
    from baton.services.conversations import ContactIn, start_conversation

    ctx = _ctx(client)

    async def burst() -> None:
        await agents.create_agent(ctx, email="lee@lumen.example", name="Lee", password="0" * 10)
        for n in range(200):
            started = await start_conversation(
                ctx, contact=ContactIn(name=f"Customer {n}", email=f"c{n}@example.com")
            )
            await handoffs.escalate(ctx, started.conversation.id, [ReasonCategory.EXPLICIT_REQUEST])

    client.portal.call(burst)  # type: ignore[union-attr]
    client.post("/api/console/login", json={"email": "lee@lumen.example", "password": "0" * 10})
    assert client.get("/api/console/mail").json()["waiting"] >= 200
    metrics = client.get("/metrics").text
    assert 'baton_outbox_jobs{kind="escalation_email",status="pending"} 200.0' in metrics

    while _run_jobs(client):
        pass
    escalations = [d for d in smtp.handler.deliveries if "support@lumen.example" in d.rcpt_tos]
    message_ids = {d.parsed()["Message-ID"] for d in escalations}
    assert len(escalations) == len(message_ids) == 200
    assert client.get("/api/console/mail").json()["waiting"] == 0
    assert 'status="pending"' not in client.get("/metrics").text


def test_the_same_email_delivered_twice_is_posted_once(client: TestClient) -> None:
    conversation_id, auth = _escalate(client)
    raw = _reply(_token(client, conversation_id), "Ana <ana@example.com>", "Any news on it?")
    assert _post(client, raw).json() == {"status": "posted"}
    assert _post(client, raw).json() == {"status": "posted"}  # the provider retried
    bodies = [
        m["body"]
        for m in client.get(f"/api/conversations/{conversation_id}", headers=auth).json()[
            "messages"
        ]
    ]
    assert bodies.count("Any news on it?") == 1


def test_a_mail_loop_is_held_after_the_hourly_cap(client: TestClient, clock: FrozenClock) -> None:
    _ctx(client).settings.email.max_inbound_per_hour = 3
    conversation_id, auth = _escalate(client)
    token = _token(client, conversation_id)
    statuses = [
        _post(client, _reply(token, "Ana <ana@example.com>", f"reply {n}")).json()["status"]
        for n in range(5)
    ]
    assert statuses == ["posted", "posted", "posted", "held", "held"]
    clock.advance(timedelta(hours=1, minutes=1))
    assert _post(client, _reply(token, "Ana <ana@example.com>", "later")).json() == {
        "status": "posted"
    }
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert [m["body"] for m in messages if m["body"].startswith("reply ")] == [
        "reply 0",
        "reply 1",
        "reply 2",
    ]


def test_a_reply_with_an_attachment_over_64_kib_is_accepted(client: TestClient) -> None:
    conversation_id, auth = _escalate(client)
    message = EmailMessage()
    message["From"] = "Ana <ana@example.com>"
    message["To"] = f"reply+{_token(client, conversation_id)}@reply.lumen.example"
    message["Subject"] = "Re: Chat escalation"
    message.set_content("Here is the photo of the damage.")
    message.add_attachment(bytes(300_000), maintype="image", subtype="png", filename="damage.png")
    raw = bytes(message)
    assert len(raw) > 64 * 1024
    assert _post(client, raw).json() == {"status": "posted"}
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert messages[-1]["body"] == "Here is the photo of the damage."
    # Over the configured mail size it is still refused, before it is read.
    too_big = b"x" * (_ctx(client).settings.email.max_inbound_bytes + 1)
    assert _post(client, too_big).status_code == 413


def _first_response(client: TestClient, conversation_id: str) -> Any:
    async def read() -> Any:
        async with _ctx(client).sessions() as session:
            handoff = await session.scalar(
                select(Handoff).where(Handoff.conversation_id == conversation_id)
            )
            assert handoff is not None
            return handoff.first_response_at

    return client.portal.call(read)  # type: ignore[union-attr]


def _add_agent(client: TestClient, email: str, name: str) -> None:
    client.portal.call(  # type: ignore[union-attr]
        lambda: agents.create_agent(_ctx(client), email=email, name=name, password="0123456789")
    )


def test_a_customer_cannot_post_as_an_agent_by_email(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    _add_agent(client, "sam@lumen.example", "Sam")
    _add_agent(client, "kim@lumen.example", "Kim")
    conversation_id, auth = _escalate(client)
    before = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    # The customer writes to their own reply address, as the agent.
    forged = _reply(_token(client, conversation_id), "Sam <sam@lumen.example>", "All refunded!")
    assert _post(client, forged).json() == {"status": "held"}
    after = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert after == before
    assert _first_response(client, conversation_id) is None  # the promise is not kept by it
    # The agent is told, and only they can post it.
    _run_jobs(client)
    [notice] = [d.parsed() for d in smtp.handler.deliveries if "sam@lumen.example" in d.rcpt_tos]
    assert notice["Subject"] == "Confirm a reply sent in your name"
    client.post("/api/console/login", json={"email": "kim@lumen.example", "password": "0123456789"})
    held = [m for m in client.get("/api/console/mail").json()["mail"] if m["kind"] == "agent_reply"]
    assert [m["status"] for m in held] == ["held"]
    kim_csrf = client.get("/api/console/me").json()["csrf_token"]
    confirm = f"/api/console/mail/{held[0]['id']}/confirm"
    assert client.post(confirm, headers={"X-CSRF-Token": kim_csrf}).status_code == 404
    client.post("/api/console/login", json={"email": "sam@lumen.example", "password": "0123456789"})
    sam_csrf = client.get("/api/console/me").json()["csrf_token"]
    assert client.post(confirm, headers={"X-CSRF-Token": sam_csrf}).status_code == 200
    assert client.post(confirm, headers={"X-CSRF-Token": sam_csrf}).status_code == 409
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert (messages[-1]["author"], messages[-1]["body"]) == ("agent", "All refunded!")
    assert _first_response(client, conversation_id) is not None


@pytest.mark.parametrize(
    ("team", "results", "status"),
    [
        (False, ["mx.lumen.example; dmarc=pass header.from=lumen.example"], "posted"),
        (False, ["mx.lumen.example; dkim=pass header.d=lumen.example header.s=s1"], "posted"),
        (False, ["mx.lumen.example; dmarc=pass header.from=other.example"], "held"),
        (False, ["evil.example; dmarc=pass header.from=lumen.example"], "held"),
        (
            False,
            [
                "mx.lumen.example; dmarc=fail header.from=lumen.example",
                "mx.lumen.example; dmarc=pass header.from=lumen.example",  # written by the sender
            ],
            "held",
        ),
        (True, [], "posted"),
        (True, ["mx.lumen.example; dmarc=fail (p=reject) header.from=lumen.example"], "held"),
    ],
    ids=[
        "dmarc-pass",
        "dkim-pass",
        "another-domain",
        "another-server",
        "forged-below",
        "team-address",
        "team-address-failed",
    ],
)
def test_an_agents_reply_is_trusted_on_the_receiving_servers_word(
    client: TestClient, team: bool, results: list[str], status: str
) -> None:
    _ctx(client).settings.email.authserv_id = "mx.lumen.example"
    _add_agent(client, "sam@lumen.example", "Sam")
    conversation_id, auth = _escalate(client)
    token = _token(client, conversation_id)
    if team:
        token = team_reply_token(_ctx(client), token)
    message = EmailMessage()
    for value in results:
        message["Authentication-Results"] = value
    message["From"] = "Sam <sam@lumen.example>"
    message["To"] = f"reply+{token}@reply.lumen.example"
    message["Subject"] = "Re: your refund"
    message.set_content("Refund sent.")
    assert _post(client, bytes(message)).json() == {"status": status}
    last = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"][-1]
    assert (last["body"] == "Refund sent.") is (status == "posted")


def test_the_subject_and_the_summary_name_the_same_topic(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    started = client.post(
        "/api/conversations",
        json={
            "contact": {"name": "Inés Núñez", "email": "ines@example.com"},
            "page": {"url": "https://lumen.example/pricing", "title": "Pricing | Lumen & Loom"},
        },
    ).json()
    conversation_id = started["conversation"]["id"]
    auth = {"Authorization": f"Bearer {started['token']}"}
    for text in (
        "Hola, devolví las zapatillas hace tres semanas y todavía no me habéis devuelto el dinero",
        "quiero hablar con una persona, por favor",
    ):
        client.post(
            f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth
        )
    _run_jobs(client)
    mail = _escalation(smtp)
    # Both come from one reading of the customer's messages, and both are in English.
    assert mail["Subject"] == "Chat escalation from Pricing page — refund request"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Customer is asking about a refund — " in text
    assert "devolví las zapatillas" in text

    async def stored() -> tuple[str, str | None]:
        async with _ctx(client).sessions() as session:
            handoff = await session.scalar(select(Handoff))
            assert handoff is not None
            return handoff.summary, handoff.brief_topic

    summary, brief_topic = client.portal.call(stored)  # type: ignore[union-attr]
    assert summary.startswith("Customer is asking about a refund — ")
    assert brief_topic == "refund request"
