"""The built-in SMTP receiver against a real SMTP client: hostile mail is refused without
stalling the chats, and a client or sender that sends too fast is told to wait."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.runtime.clock import FrozenClock
from baton.services.email import list_mail
from tests.channels.smtp_server import SmtpTestServer, free_port, running_smtp_server
from tests.conftest import MONDAY_10
from tests.web.test_email_flow import _app, _ctx, _escalate, _reply, _token

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
