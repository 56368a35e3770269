"""A real SMTP server on loopback for the email tests (aiosmtpd in a thread).

It records the bytes of every accepted message exactly as they crossed the wire, and can be
told to answer chosen replies: `fail_next("421 ...", times=2)` for the next deliveries, or
`fail_always("550 ...")`, at the RCPT or DATA stage.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

Stage = Literal["rcpt", "data"]


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Delivery:
    """One accepted message: the envelope and the raw bytes of the DATA."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    def parsed(self) -> EmailMessage:
        message = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class RecordingHandler:
    """aiosmtpd handler: records deliveries and answers scripted failures."""

    deliveries: list[Delivery] = field(default_factory=list)
    attempts: int = 0
    _scripted: dict[Stage, list[str]] = field(default_factory=lambda: {"rcpt": [], "data": []})
    _always: dict[Stage, str | None] = field(default_factory=lambda: {"rcpt": None, "data": None})
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, reply: str, times: int = 1, stage: Stage = "data") -> None:
        """Answer `reply` (e.g. "421 4.3.2 Try later") to the next `times` deliveries."""
        with self._lock:
            self._scripted[stage].extend([reply] * times)

    def fail_always(self, reply: str, stage: Stage = "rcpt") -> None:
        """Answer `reply` (e.g. "550 5.1.1 No such user") to every delivery."""
        with self._lock:
            self._always[stage] = reply

    def _reply_for(self, stage: Stage) -> str | None:
        with self._lock:
            if self._scripted[stage]:
                return self._scripted[stage].pop(0)
            return self._always[stage]

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self._reply_for("rcpt")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.attempts += 1
        reply = self._reply_for("data")
        if reply is not None:
            return reply
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        with self._lock:
            self.deliveries.append(Delivery(str(envelope.mail_from), list(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"


def refuse_every_login(
    server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """An authenticator that knows no password (for the login-failure test)."""
    assert isinstance(auth_data, LoginPassword)
    return AuthResult(success=False, handled=False)


@dataclass
class SmtpTestServer:
    host: str
    port: int
    handler: RecordingHandler


@contextmanager
def running_smtp_server(**smtp_options: Any) -> Iterator[SmtpTestServer]:
    """Start an SMTP server on 127.0.0.1 and a free port; stop it on exit."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield SmtpTestServer("127.0.0.1", port, handler)
    finally:
        controller.stop()
