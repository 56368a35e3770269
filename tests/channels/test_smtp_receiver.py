"""The built-in SMTP receiver against a real SMTP client: hostile mail is refused without
stalling the chats, a client or sender that sends too fast is told to wait, and a team that
never opens the console handles a whole handoff from its inbox."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.runtime.clock import FrozenClock
from baton.services import agents
from baton.services.email import list_mail
from tests.channels.smtp_server import SmtpTestServer, free_port, running_smtp_server
from tests.conftest import MONDAY_10
from tests.web.test_email_flow import (
    _app,
    _ctx,
    _escalate,
    _escalation,
    _reply,
    _run_jobs,
    _token,
)

REPLY_DOMAIN = "reply.lumen.example"


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def receiver(database_url: str, smtp: SmtpTestServer) -> Iterator[tuple[TestClient, int]]:
    port = free_port()
    app = _app(database_url, FrozenClock(MONDAY_10), smtp.port)
    app.state.settings.email.inbound_smtp_port = port
    with TestClient(app) as client:
        yield client, port


def _many_parts(token: str, count: int) -> bytes:
    head = (
        f"From: ana@example.com\r\nTo: reply+{token}@{REPLY_DOMAIN}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    ).encode()
    return head + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * count + b"--b--\r\n"


def _send(port: int, raw: bytes, sender: str, to: str) -> Any:
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        return client.sendmail(sender, [to], raw)


def test_a_mail_of_50000_parts_is_refused_while_the_chat_goes_on(
    receiver: tuple[TestClient, int],
) -> None:
    client, port = receiver
    conversation_id, auth = _escalate(client)
    token = _token(client, conversation_id)
    outcome: list[BaseException | None] = []

    def send_hostile_mail() -> None:
        try:
            _send(
                port, _many_parts(token, 50_000), "ana@example.com", f"reply+{token}@{REPLY_DOMAIN}"
            )
            outcome.append(None)
        except smtplib.SMTPException as error:
            outcome.append(error)

    sender = threading.Thread(target=send_hostile_mail)
    sender.start()
    served_meanwhile = 0
    while sender.is_alive():
        if client.get("/healthz").status_code == 200:
            served_meanwhile += 1
    sender.join()
    [error] = outcome
    assert isinstance(error, smtplib.SMTPDataError)
    assert error.smtp_code == 550 and b"more than 200 MIME parts" in error.smtp_error
    assert served_meanwhile >= 1
    # Kept in the mail log with why, and nothing posted to the conversation.
    held = client.portal.call(lambda: list_mail(_ctx(client)))  # type: ignore[union-attr]
    assert any(m.status == "held" and "MIME parts" in (m.reason or "") for m in held)
    # The receiver goes on: the customer's next reply is posted.
    _send(
        port,
        _reply(token, "Ana <ana@example.com>", "Any news?"),
        "ana@example.com",
        f"reply+{token}@{REPLY_DOMAIN}",
    )
    messages = client.get(f"/api/conversations/{conversation_id}", headers=auth).json()
    assert messages["messages"][-1]["body"] == "Any news?"


def test_a_sender_sending_too_fast_is_told_to_wait(receiver: tuple[TestClient, int]) -> None:
    client, port = receiver
    _ctx(client).settings.email.inbound_smtp_mails_per_minute_per_sender = 2
    token = _token(client, _escalate(client)[0])
    raw = _reply(token, "Mallory <mallory@evil.example>", "spam")
    to = f"reply+{token}@{REPLY_DOMAIN}"
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail("mallory@evil.example", [to], raw)
        smtp.sendmail("MALLORY@evil.example", [to], raw)
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("mallory@evil.example", [to], raw)
        assert refused.value.smtp_code == 450
        smtp.sendmail("someone-else@example.com", [to], raw)  # another sender is not held up


def test_a_client_sending_too_fast_is_told_to_wait(receiver: tuple[TestClient, int]) -> None:
    client, port = receiver
    _ctx(client).settings.email.inbound_smtp_mails_per_minute_per_client = 3
    token = _token(client, _escalate(client)[0])
    raw = _reply(token, "a@b.example", "hi")
    to = f"reply+{token}@{REPLY_DOMAIN}"
    for n in range(3):
        _send(port, raw, f"sender{n}@example.com", to)
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        _send(port, raw, "sender9@example.com", to)
    assert refused.value.smtp_code == 450


def test_one_connection_carries_only_so_many_mails(receiver: tuple[TestClient, int]) -> None:
    client, port = receiver
    # Read when the receiver starts: the default allows 20 mails on one connection.
    token = _token(client, _escalate(client)[0])
    raw = _reply(token, "a@b.example", "hi")
    to = f"reply+{token}@{REPLY_DOMAIN}"
    _ctx(client).settings.email.inbound_smtp_mails_per_minute_per_client = 1000
    _ctx(client).settings.email.inbound_smtp_mails_per_minute_per_sender = 1000
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for _ in range(20):
            smtp.sendmail("a@b.example", [to], raw)
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)) as refused:
            smtp.sendmail("a@b.example", [to], raw)
            smtp.noop()
    if isinstance(refused.value, smtplib.SMTPSenderRefused):
        assert refused.value.smtp_code == 421


def _from_team(to: str, sender: str, subject: str, text: str, quoted: str) -> bytes:
    """A team member's reply from a mail client: new text on top, signature, quoted mail."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Re: {subject}"
    message["Message-ID"] = make_msgid()
    quote = "\n".join(f"> {line}" for line in quoted.splitlines()[:5])
    message.set_content(
        f"{text}\n\n-- \nSam, Lumen & Loom support\n\n"
        f"On Mon, 23 Nov 2026 at 10:00, Lumen & Loom <help@lumen.example> wrote:\n{quote}\n"
    )
    return bytes(message)


def _plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_handoff_handled_from_the_inbox_alone(
    receiver: tuple[TestClient, int], smtp: SmtpTestServer
) -> None:
    client, port = receiver
    ctx = _ctx(client)
    clock: FrozenClock = ctx.clock  # type: ignore[assignment]
    client.portal.call(  # type: ignore[union-attr]
        lambda: agents.create_agent(
            ctx, email="sam@lumen.example", name="Sam", password="0123456789"
        )
    )
    conversation_id, auth = _escalate(client)

    def chat() -> Any:
        return client.get(f"/api/conversations/{conversation_id}", headers=auth).json()

    def mails_to(address: str) -> list[EmailMessage]:
        return [d.parsed() for d in smtp.handler.deliveries if address in d.rcpt_tos]

    # The escalation email arrives, and says how to resolve from the inbox.
    _run_jobs(client)
    escalation = _escalation(smtp)
    assert "#resolve" in _plain(escalation)
    team = escalation["Reply-To"].addresses[0].addr_spec

    # The team replies; the customer reads it in the chat and by email.
    answer = _from_team(
        team,
        "Sam <sam@lumen.example>",
        escalation["Subject"],
        "Refund is on its way, Ana.",
        _plain(escalation),
    )
    _send(port, answer, "sam@lumen.example", team)
    last = chat()["messages"][-1]
    assert (last["author"], last["body"]) == ("agent", "Refund is on its way, Ana.")
    _run_jobs(client)
    assert any(b"Refund is on its way" in m.as_bytes() for m in mails_to("ana@example.com"))

    # The customer writes again; it reaches the team's thread.
    clock.advance(timedelta(minutes=3))
    client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"text": "Thanks! Will it be on the same card?"},
        headers=auth,
    )
    clock.advance(timedelta(seconds=61))
    _run_jobs(client)
    [update] = mails_to("support@lumen.example")[1:]
    assert update["In-Reply-To"] == escalation["Message-ID"]
    assert "Will it be on the same card?" in _plain(update)

    # The team resolves by mail, with a last word for the customer under the command.
    resolve = _from_team(
        update["Reply-To"].addresses[0].addr_spec,
        "Sam <sam@lumen.example>",
        update["Subject"],
        "#Resolve\n\nYes, the same card, within five days.",
        _plain(update),
    )
    _send(port, resolve, "sam@lumen.example", team)
    state = chat()
    assert state["state"] == "resolved"
    bodies = [m["body"] for m in state["messages"]]
    assert bodies[-2] == "Yes, the same card, within five days."
    assert bodies[-1].startswith("How did we do, Ana?")  # the console's resolution flow
    assert not any("#resolve" in body.lower() for body in bodies)

    _run_jobs(client)
    to_customer = mails_to("ana@example.com")
    assert any(b"within five days" in m.as_bytes() for m in to_customer)
    assert any(str(m["Subject"]) == "How did Lumen & Loom do?" for m in to_customer)
    assert not any(b"#resolve" in m.as_bytes().lower() for m in to_customer)
    # The team's thread is told who resolved it, and when.
    closing = mails_to("support@lumen.example")[-1]
    assert closing["In-Reply-To"] == escalation["Message-ID"]
    assert closing["Subject"] == f"Re: {escalation['Subject']}"
    assert _plain(closing).startswith(
        "Resolved by sam@lumen.example at 10:04 UTC on Monday 23 November."
    )
