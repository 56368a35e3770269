"""The built-in SMTP receiver (aiosmtpd): replies to `reply+<token>@…` come back in by mail.

It runs in its own thread, as aiosmtpd's controller does. A mail is parsed there, in a worker
thread, with the parser's limits (`email_in`); only the parsed mail goes to the app's event
loop, so an emailed reply takes the path of a webhook-posted one and a hostile mail never
stalls the chats. Mail that cannot be read is kept in the mail log and refused with a 5xx
(the sender gets a bounce); a client or a sender sending too fast gets a 4xx at `MAIL FROM`,
before any data, and one connection may carry only so many mails.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

from aiosmtpd.controller import Controller

from baton.channels.email_in import InboundMailError, parse_inbound
from baton.channels.email_jobs import hold_unreadable_email, receive_inbound_email
from baton.services.context import ServiceContext
from baton.services.reply_addresses import is_known_reply_address

log = logging.getLogger(__name__)

# Clients are forgotten past this many, oldest first: memory stays bounded under a flood.
MAX_TRACKED = 10_000


class _PerMinute:
    """Fixed one-minute windows per key (a client address, a sender), in the receiver's
    thread only."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    def wait(self, key: str, limit: int, now: float) -> int | None:
        """Count one mail; None if allowed, else the seconds until the window ends."""
        start, count = self._windows.get(key, (now, 0))
        if now - start >= 60:
            start, count = now, 0
        if count >= limit:
            return max(1, math.ceil(start + 60 - now))
        if len(self._windows) >= MAX_TRACKED and key not in self._windows:
            for old in list(self._windows)[: MAX_TRACKED // 2]:
                del self._windows[old]
        self._windows[key] = (start, count + 1)
        return None


def _smtp_text(reason: str) -> str:
    """A reason fit for one SMTP reply line."""
    return "".join(ch if " " <= ch <= "~" else " " for ch in reason)[:200]


class _Handler:
    def __init__(self, ctx: ServiceContext, loop: asyncio.AbstractEventLoop) -> None:
        self.ctx = ctx
        self.loop = loop
        self.per_client = _PerMinute()
        self.per_sender = _PerMinute()

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        now = time.monotonic()
        settings = self.ctx.settings.email
        client = str(session.peer[0]) if session.peer else "unknown"
        wait = self.per_client.wait(client, settings.inbound_smtp_mails_per_minute_per_client, now)
        if wait is not None:
            log.warning("inbound SMTP: %s sends too fast", client)
            return f"450 4.7.1 Too many mails from your address; try again in {wait} s"
        limit = settings.inbound_smtp_mails_per_minute_per_sender
        wait = self.per_sender.wait(address.lower(), limit, now)
        if wait is not None:
            log.warning("inbound SMTP: too many mails from sender %r", address)
            return f"450 4.7.1 Too many mails from this sender; try again in {wait} s"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def _on_app_loop(self, coroutine: Any) -> Any:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        # Refused here, the sending server bounces to its sender at once: nothing is stored
        # for an address no conversation has.
        future = asyncio.run_coroutine_threadsafe(
            is_known_reply_address(self.ctx, address), self.loop
        )
        try:
            known = await asyncio.wrap_future(future)
        except Exception:
            log.exception("reply address could not be checked")
            return "451 4.3.0 Try again later"
        if not known:
            return "550 5.1.1 No conversation has this reply address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw).encode()
        if len(raw) > self.ctx.settings.email.max_inbound_bytes:
            return "552 Message too large"
        try:
            try:
                mail = await asyncio.to_thread(parse_inbound, raw, self.ctx.settings.email)
            except InboundMailError as error:
                await self._on_app_loop(hold_unreadable_email(self.ctx, raw, error))
                return f"550 5.6.0 Mail refused: {_smtp_text(error.reason)}"
            await self._on_app_loop(receive_inbound_email(self.ctx, mail))
        except Exception:
            log.exception("inbound mail could not be stored")
            return "451 Try again later"
        return "250 Message accepted"


def start_smtp_receiver(ctx: ServiceContext) -> Controller | None:
    """Start the receiver when `[email] inbound_smtp_port` is set; None otherwise."""
    settings = ctx.settings.email
    if settings.inbound_smtp_port is None:
        return None
    per_connection = settings.inbound_smtp_mails_per_connection
    controller = Controller(
        _Handler(ctx, asyncio.get_running_loop()),
        hostname=settings.inbound_smtp_host or "127.0.0.1",
        port=settings.inbound_smtp_port,
        data_size_limit=settings.max_inbound_bytes,
        # One connection carries at most this many mails (421 and closed after).
        command_call_limit={"MAIL": per_connection, "RCPT": 10 * per_connection, "*": 20},
    )
    controller.start()
    log.info("receiving replies by SMTP on port %s", settings.inbound_smtp_port)
    return controller
