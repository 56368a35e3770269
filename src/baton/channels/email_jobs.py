"""The outbox jobs that send email, and the way inbound email enters the conversation.

Each job reads what to say from the services, builds the message (`email_out`), sends it with
the configured transport, and records a copy. Sending is at least once: a job retried after a
crash sends the same Message-ID again, which mail clients collapse.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from baton.channels.email_in import InboundMailError, parse_inbound
from baton.channels.email_out import (
    EscalationContent,
    MailTransport,
    TranscriptLine,
    build_customer_confirmation,
    build_escalation_email,
    build_reply_email,
    build_transport,
    confirmation_message_id,
    escalation_message_id,
)
from baton.services.context import ServiceContext
from baton.services.email import (
    HandoffEmailView,
    post_email_reply,
    read_handoff_for_email,
    read_reply_for_email,
    record_mail,
)
from baton.services.email_queue import (
    CONFIRMATION_EMAIL_JOB,
    ESCALATION_EMAIL_JOB,
    REPLY_EMAIL_JOB,
)

log = logging.getLogger(__name__)


def _content(view: HandoffEmailView) -> EscalationContent:
    return EscalationContent(
        company_name=view.company_name,
        customer_name=view.customer_name,
        customer_email=view.customer_email,
        page_title=view.page_title,
        page_url=view.page_url,
        transcript=[TranscriptLine(e.at, e.who, e.text) for e in view.transcript],
        context=view.context,
        summary_line=view.summary_line,
        brief_topic=view.brief_topic,
        promise_text=view.promise_text,
        console_url=view.console_url,
        reply_token=view.reply_token,
        handoff_id=view.handoff_id,
        timezone=ZoneInfo(view.timezone) if view.timezone else UTC,
    )


def register_email_jobs(ctx: ServiceContext, transport: MailTransport | None = None) -> None:
    """Teach the job runner to send escalation, confirmation and reply emails."""
    settings = ctx.settings.email
    sender = transport or build_transport(settings)

    async def send(message: Any, kind: str, conversation_id: str) -> None:
        note = await sender.send(message)
        await record_mail(
            ctx,
            direction="out",
            status="sent",
            kind=kind,
            raw=message.as_string(),
            conversation_id=conversation_id,
            message_id=str(message["Message-ID"]).strip(),
            sender=str(message["From"]),
            recipients=str(message["To"]),
            subject=str(message["Subject"]),
            reason=note,
        )

    async def escalation(payload: dict[str, Any]) -> None:
        view = await read_handoff_for_email(ctx, str(payload["handoff_id"]))
        message = build_escalation_email(_content(view), settings, sent_at=ctx.clock.now())
        await send(message, "escalation", view.conversation_id)

    async def confirmation(payload: dict[str, Any]) -> None:
        view = await read_handoff_for_email(ctx, str(payload["handoff_id"]))
        if not view.customer_email:
            return
        message = build_customer_confirmation(_content(view), settings, sent_at=ctx.clock.now())
        await send(message, "confirmation", view.conversation_id)

    async def reply(payload: dict[str, Any]) -> None:
        view = await read_reply_for_email(ctx, int(payload["message_id"]))
        if not view.customer_email:
            return
        parent = confirmation_message_id(view.handoff_id, settings) if view.handoff_id else None
        message = build_reply_email(
            text=view.text,
            customer_email=view.customer_email,
            customer_name=view.customer_name,
            subject=view.subject,
            reply_token=view.reply_token,
            message_key=f"{view.conversation_id}-{view.message_id}",
            company_name=ctx.settings.company_name,
            settings=settings,
            agent_name=view.agent_name,
            parent_message_id=parent,
            parent_references=(escalation_message_id(view.handoff_id, settings),)
            if view.handoff_id
            else (),
            sent_at=ctx.clock.now(),
        )
        await send(message, "reply", view.conversation_id)

    ctx.jobs.register(ESCALATION_EMAIL_JOB, escalation)
    ctx.jobs.register(CONFIRMATION_EMAIL_JOB, confirmation)
    ctx.jobs.register(REPLY_EMAIL_JOB, reply)


async def receive_raw_email(ctx: ServiceContext, raw: bytes) -> str:
    """An inbound email from the SMTP receiver or the webhook: posted, or held with why."""
    settings = ctx.settings.email
    try:
        mail = parse_inbound(raw, settings)
    except InboundMailError as exc:
        await record_mail(
            ctx,
            direction="in",
            status="held",
            kind="inbound",
            raw=raw[: settings.max_inbound_bytes].decode("utf-8", "replace"),
            reason=f"unreadable: {exc.reason}",
        )
        return "held"
    tokens = mail.reply_tokens or ((mail.reply_token,) if mail.reply_token else ())
    return await post_email_reply(
        ctx,
        tokens=tokens,
        sender=mail.from_address,
        text=mail.new_text or mail.text,
        raw=raw.decode("utf-8", "replace"),
        subject=mail.subject,
        message_id=mail.message_id,
        automatic_reason=mail.automatic_reason if mail.is_automatic else None,
    )
