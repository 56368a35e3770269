"""Every inbound email is posted, or its sender or the team is told why; the brief never leaks."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import pytest
from fastapi.testclient import TestClient

from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.email import list_mail, team_reply_token
from tests.channels.smtp_server import SmtpTestServer, free_port, running_smtp_server
from tests.conftest import MONDAY_10
from tests.web.test_email_flow import _app, _ctx, _escalate, _post, _run_jobs, _token


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


def _escalation_text(smtp: SmtpTestServer) -> tuple[str, str]:
    [mail] = [d.parsed() for d in smtp.handler.deliveries if "support@lumen.example" in d.rcpt_tos]
    plain = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return plain, html


def _mail(token: str, *, plain: str | None = None, html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Sam <sam@lumen.example>"
    message["To"] = f"reply+{token}@reply.lumen.example"
    message["Subject"] = "Re: Chat escalation"
    message["Message-ID"] = make_msgid()
    if plain is not None:
        message.set_content(plain)
    if html is not None:
        if plain is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return bytes(message)


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())


CASES = {
    "quoted-only": lambda plain, html: {
        "plain": "On Mon, 23 Nov 2026 at 10:00, Lumen & Loom <help@lumen.example> wrote:\n"
        + _quoted(plain)
    },
    "top-posted-nothing-new": lambda plain, html: {
        "plain": "\n\n-----Original Message-----\nFrom: Lumen & Loom <help@lumen.example>\n"
        "Sent: Monday, November 23, 2026 10:00 AM\nSubject: Chat escalation\n\n" + plain
    },
    "forwarded": lambda plain, html: {
        "plain": "---------- Forwarded message ---------\nFrom: Lumen & Loom "
        "<help@lumen.example>\nSubject: Chat escalation\n\n" + plain
    },
    "html-only-quoted": lambda plain, html: {
        "html": f"<div><br></div><blockquote>{html}</blockquote>"
    },
    "html-only-pasted": lambda plain, html: {"html": f"<div>{html}</div>"},
    "plain-pasted-with-a-line": lambda plain, html: {"plain": "Here you go:\n\n" + plain},
}


@pytest.mark.parametrize("shape", list(CASES))
def test_a_reply_without_new_text_posts_nothing_and_its_sender_is_told_why(
    client: TestClient, smtp: SmtpTestServer, shape: str
) -> None:
    conversation_id, auth = _escalate(client)
    _run_jobs(client)
    plain, html = _escalation_text(smtp)
    before = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    raw = _mail(_token(client, conversation_id), **CASES[shape](plain, html))
    assert _post(client, raw).json() == {"status": "held"}
    after = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()["messages"]
    assert after == before
    _run_jobs(client)
    to_customer = [d for d in smtp.handler.deliveries if "ana@example.com" in d.rcpt_tos]
    assert all("Customer is asking about" not in d.raw.decode() for d in to_customer)
    [notice] = [d.parsed() for d in smtp.handler.deliveries if d.rcpt_tos == ["sam@lumen.example"]]
    assert notice["Subject"].startswith("Not delivered")
    assert "Why:" in notice.get_content()


def test_a_team_reply_the_conversation_cannot_take_is_held_and_the_team_is_told(
    client: TestClient, smtp: SmtpTestServer
) -> None:
    started = client.post("/api/conversations", json={}).json()
    conversation_id = started["conversation"]["id"]
    auth = {"Authorization": f"Bearer {started['token']}"}
    client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "I want to talk to a person"},
        headers=auth,
    )
    _run_jobs(client)  # asked for an email; the customer leaves without giving one
    raw = _mail(
        team_reply_token(_ctx(client), _token(client, conversation_id)),
        plain="Hi, we have refunded you.",
    )
    assert _post(client, raw).json() == {"status": "held"}
    _run_jobs(client)
    notices = [
        d.parsed()
        for d in smtp.handler.deliveries
        if d.rcpt_tos == ["support@lumen.example"] and b"Not delivered" in d.raw
    ]
    assert len(notices) == 1
    assert "sam@lumen.example" in notices[0].get_content()


async def test_the_smtp_receiver_refuses_an_unknown_reply_address_at_rcpt(
    database_url: str, smtp: SmtpTestServer
) -> None:
    port = free_port()
    app = _app(database_url, FrozenClock(MONDAY_10), smtp.port)
    app.state.settings.email.inbound_smtp_port = port
    with TestClient(app) as client:
        conversation_id, _ = _escalate(client)
        known = f"reply+{_token(client, conversation_id)}@reply.lumen.example"
        raw = _mail(_token(client, conversation_id), plain="hello")
        for unknown in (f"reply+{'0' * 32}@reply.lumen.example", "anyone@reply.lumen.example"):
            with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
                await aiosmtplib.send(
                    raw,
                    sender="sam@lumen.example",
                    recipients=[unknown],
                    hostname="127.0.0.1",
                    port=port,
                )
            assert refused.value.recipients[0].code == 550
        await aiosmtplib.send(
            raw, sender="sam@lumen.example", recipients=[known], hostname="127.0.0.1", port=port
        )
        mail = client.portal.call(lambda: list_mail(_ctx(client)))  # type: ignore[union-attr]
        inbound = [m for m in mail if m.direction == "in"]
        assert len(inbound) == 1 and known.split("@")[0] in inbound[0].raw
