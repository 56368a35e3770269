"""The built-in SMTP receiver (aiosmtpd): replies to `reply+<token>@…` come back in by mail.

It runs in its own thread, as aiosmtpd's controller does, and hands each message to the app's
event loop, so an emailed reply takes exactly the path of a webhook-posted one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller

from baton.channels.email_jobs import receive_raw_email
from baton.services.context import ServiceContext
from baton.services.reply_addresses import is_known_reply_address

log = logging.getLogger(__name__)


class _Handler:
    def __init__(self, ctx: ServiceContext, loop: asyncio.AbstractEventLoop) -> None:
        self.ctx = ctx
        self.loop = loop

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
        future = asyncio.run_coroutine_threadsafe(receive_raw_email(self.ctx, raw), self.loop)
        try:
            await asyncio.wrap_future(future)
        except Exception:
            log.exception("inbound mail could not be stored")
            return "451 Try again later"
        return "250 Message accepted"


def start_smtp_receiver(ctx: ServiceContext) -> Controller | None:
    """Start the receiver when `[email] inbound_smtp_port` is set; None otherwise."""
    settings = ctx.settings.email
    if settings.inbound_smtp_port is None:
        return None
    controller = Controller(
        _Handler(ctx, asyncio.get_running_loop()),
        hostname=settings.inbound_smtp_host or "127.0.0.1",
        port=settings.inbound_smtp_port,
        data_size_limit=settings.max_inbound_bytes,
    )
    controller.start()
    log.info("receiving replies by SMTP on port %s", settings.inbound_smtp_port)
    return controller
