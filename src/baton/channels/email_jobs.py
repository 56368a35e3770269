"""The outbox jobs that send email, and the way inbound email enters the conversation.

Each job reads what to say from the services, builds the message (`email_out`), sends it with
the configured transport, and records a copy. Sending is at least once: a job retried after a
crash sends the same Message-ID again, which mail clients collapse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from baton.channels.email_in import InboundMail, InboundMailError, parse_inbound
from baton.channels.email_out import (
    EscalationContent,
    MailTransport,
    TranscriptLine,
    build_customer_confirmation,
    build_escalation_email,
    build_notice,
    build_reply_email,
    build_team_note,
    build_team_update_email,
    build_transport,
    confirmation_message_id,
    escalation_message_id,
)
from baton.services.context import ServiceContext
from baton.services.email import (
    HeldReply,
    claim_held_reply,
    post_confirmed_reply,
    post_email_reply,
    read_alert_recipient,
    read_held_reply_notice,
    read_rating_request,
    read_reply_for_email,
    record_mail,
    team_reply_token,
)
from baton.services.email_queue import (
    ALERT_EMAIL_JOB,
    CONFIRMATION_EMAIL_JOB,
    ESCALATION_EMAIL_JOB,
    HELD_REPLY_NOTICE_JOB,
    RATING_EMAIL_JOB,
    REPLY_EMAIL_JOB,
)
from baton.services.handoff_brief import HandoffBrief, handoff_brief
from baton.services.inbound_notices import (
    INBOUND_NOTICE_JOB,
    render_inbound_notice,
    team_address,
)
from baton.services.mail_commands import resolve_link
from baton.services.satisfaction import rating_link
from baton.services.team_updates import (
    TEAM_CLOSING_JOB,
    TEAM_UPDATE_JOB,
    read_team_update,
    record_team_mail,
    render_team_closing,
)
from baton.store.tables import Message

log = logging.getLogger(__name__)


def escalation_content(view: HandoffBrief) -> EscalationContent:
    """What the escalation email (and a ticket built like it) says about a handoff."""
    return EscalationContent(
        company_name=view.company_name,
        customer_name=view.customer_name,
        customer_email=view.customer_email,
        page_title=view.page_title,
        page_url=view.page_url,
        transcript=[TranscriptLine(e.at, e.who, e.text) for e in view.transcript],
        context=view.context,
        summary_line=view.summary,
        brief_topic=view.brief_topic,
        promise_text=view.promise_text or "",
        console_url=view.console_url,
        reply_token=view.reply_token,
        handoff_id=view.handoff_id,
        timezone=ZoneInfo(view.timezone) if view.timezone else UTC,
    )


def register_email_jobs(ctx: ServiceContext, transport: MailTransport | None = None) -> None:
    """Teach the job runner to send escalation, confirmation and reply emails."""
    settings = ctx.settings.email
    sender = transport or build_transport(settings)

    async def send(message: Any, kind: str, conversation_id: str | None) -> None:
        note = await sender.send(message)
        await record_mail(
            ctx,
            direction="out",
            status="sent",
            kind=kind,
            raw=message.as_string(),
            conversation_id=conversation_id or None,
            message_id=str(message["Message-ID"]).strip(),
            sender=str(message["From"]),
            recipients=str(message["To"]),
            subject=str(message["Subject"]),
            reason=note,
        )

    async def escalation(payload: dict[str, Any]) -> None:
        view = await handoff_brief(ctx, str(payload["handoff_id"]))
        # The team replies to an address of its own, which the customer never sees.
        content = dataclasses.replace(
            escalation_content(view),
            reply_token=team_reply_token(ctx, view.reply_token),
            resolve_url=resolve_link(ctx, view.conversation_id, view.handoff_id, ctx.clock.now()),
        )
        message = build_escalation_email(content, settings, sent_at=ctx.clock.now())
        await send(message, "escalation", view.conversation_id)
        await record_team_mail(ctx, view.handoff_id, view.last_message_id)

    async def team_update(payload: dict[str, Any]) -> None:
        update = await read_team_update(
            ctx, str(payload["handoff_id"]), int(payload.get("after", 0))
        )
        if update is None:
            return
        view = await handoff_brief(ctx, update.handoff_id)
        who = view.customer_name or "Customer"
        content = dataclasses.replace(
            escalation_content(view),
            reply_token=team_reply_token(ctx, view.reply_token),
            transcript=[TranscriptLine(line.at, who, line.text) for line in update.lines],
            resolve_url=resolve_link(ctx, view.conversation_id, view.handoff_id, ctx.clock.now()),
        )
        message = build_team_update_email(
            content, settings, after=update.after, sent_at=ctx.clock.now()
        )
        await send(message, "team_update", view.conversation_id)
        await record_team_mail(ctx, update.handoff_id, update.through)

    async def team_closing(payload: dict[str, Any]) -> None:
        view = await handoff_brief(ctx, str(payload["handoff_id"]))
        content = dataclasses.replace(
            escalation_content(view), reply_token=team_reply_token(ctx, view.reply_token)
        )
        message = build_team_note(
            content,
            settings,
            key="resolved",
            text=render_team_closing(payload, ctx.hours.tz),
            sent_at=ctx.clock.now(),
        )
        await send(message, "team_closing", view.conversation_id)

    async def confirmation(payload: dict[str, Any]) -> None:
        view = await handoff_brief(ctx, str(payload["handoff_id"]))
        if not view.customer_email:
            return
        # On the customer's clock when the widget told us theirs.
        content = dataclasses.replace(
            escalation_content(view), promise_text=view.customer_promise_text or ""
        )
        message = build_customer_confirmation(content, settings, sent_at=ctx.clock.now())
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

    async def alert(payload: dict[str, Any]) -> None:
        view = await read_alert_recipient(ctx, str(payload["handoff_id"]))
        if not view.to:
            return
        broken = payload.get("kind") == "broken"
        when = view.promise_text or "by the promised time"
        subject = (
            f"Promise broken: {view.customer_name or 'a customer'} was promised a reply {when}"
            if broken
            else f"Promise at risk: reply to {view.customer_name or 'a customer'} {when}"
        )
        text = (
            f"{view.summary}\n\nThe customer was promised a reply {when}.\n"
            f"{'That time has passed' if broken else 'That time is close'}: "
            f"please reply now.\n\n{view.console_url}\n"
        )
        message = build_notice(
            to=view.to,
            subject=subject,
            text=text,
            message_id=f"<alert-{payload.get('kind')}-{payload['handoff_id']}@{settings.reply_domain}>",
            settings=settings,
            sent_at=ctx.clock.now(),
        )
        await send(message, "alert", "")

    async def rating(payload: dict[str, Any]) -> None:
        handoff_id = str(payload["handoff_id"])
        view = await read_rating_request(ctx, handoff_id)
        if not view.to:
            return
        first = (view.customer_name or "").split(" ")[0]
        text = (
            f"Hello{' ' + first if first else ''},\n\n"
            f"How did {ctx.settings.company_name} do? One click is enough:\n\n"
            f"Good: {rating_link(ctx, handoff_id, 'good')}\n"
            f"Bad:  {rating_link(ctx, handoff_id, 'bad')}\n\n"
            "Thank you — it helps us get this right.\n"
        )
        message = build_notice(
            to=view.to,
            subject=f"How did {ctx.settings.company_name} do?",
            text=text,
            message_id=f"<rating-{handoff_id}@{settings.reply_domain}>",
            settings=settings,
            sent_at=ctx.clock.now(),
        )
        await send(message, "rating", "")

    async def held_reply_notice(payload: dict[str, Any]) -> None:
        mail_id = int(payload["mail_id"])
        to, subject = await read_held_reply_notice(ctx, mail_id)
        if not to:
            return
        text = (
            "An email in your name came back to a customer's conversation, but nothing shows "
            "that you sent it, so it was not posted.\n\n"
            f"Subject: {subject}\n\n"
            "If you sent it, confirm it in the console's mailbox; if not, someone tried to "
            f"write as you and it stays held:\n\n{ctx.settings.public_url}/console/mailbox\n"
        )
        message = build_notice(
            to=to,
            subject="Confirm a reply sent in your name",
            text=text,
            message_id=f"<held-{mail_id}@{settings.reply_domain}>",
            settings=settings,
            sent_at=ctx.clock.now(),
        )
        await send(message, "notice", "")

    async def inbound_notice(payload: dict[str, Any]) -> None:
        to = str(payload["to"])
        team = to == team_address(settings)
        subject, text = render_inbound_notice(payload, to_sender=not team)
        message = build_notice(
            to=to,
            subject=subject,
            text=text,
            message_id=f"<notice-{payload['key']}@{settings.reply_domain}>",
            settings=settings,
            sent_at=ctx.clock.now(),
        )
        await send(message, "notice", "")

    ctx.jobs.register(HELD_REPLY_NOTICE_JOB, held_reply_notice)
    ctx.jobs.register(INBOUND_NOTICE_JOB, inbound_notice)
    ctx.jobs.register(ALERT_EMAIL_JOB, alert)
    ctx.jobs.register(RATING_EMAIL_JOB, rating)
    ctx.jobs.register(ESCALATION_EMAIL_JOB, escalation)
    ctx.jobs.register(CONFIRMATION_EMAIL_JOB, confirmation)
    ctx.jobs.register(REPLY_EMAIL_JOB, reply)
    ctx.jobs.register(TEAM_UPDATE_JOB, team_update)
    ctx.jobs.register(TEAM_CLOSING_JOB, team_closing)


async def read_inbound_email(ctx: ServiceContext, raw: bytes) -> InboundMail:
    """Parse a raw email in a worker thread: a hostile mail costs CPU, never the event loop."""
    return await asyncio.to_thread(parse_inbound, raw, ctx.settings.email)


async def hold_unreadable_email(ctx: ServiceContext, raw: bytes, error: InboundMailError) -> None:
    """Keep a mail that cannot be read in the mail log, with why."""
    await record_mail(
        ctx,
        direction="in",
        status="held",
        kind="inbound",
        raw=raw[: ctx.settings.email.max_inbound_bytes].decode("utf-8", "replace"),
        reason=f"unreadable: {error.reason}",
        notify=team_address(ctx.settings.email),
    )


async def receive_inbound_email(ctx: ServiceContext, mail: InboundMail) -> str:
    """A parsed inbound email: posted, or held with why."""
    tokens = mail.reply_tokens or ((mail.reply_token,) if mail.reply_token else ())
    return await post_email_reply(
        ctx,
        tokens=tokens,
        sender=mail.from_address,
        # Only the new text: a reply with none must never post the quoted original.
        text=mail.new_text,
        raw=mail.raw.decode("utf-8", "replace"),
        subject=mail.subject,
        message_id=mail.message_id,
        automatic_reason=mail.automatic_reason if mail.is_automatic else None,
        authentication_checked=mail.authentication_checked,
        authenticated_domains=mail.authenticated_domains,
    )


async def confirm_held_reply(ctx: ServiceContext, mail_id: int, *, acting: str) -> Message:
    """An agent confirms a reply held in their name: its new text is posted as theirs."""
    held: HeldReply = await claim_held_reply(ctx, mail_id, acting=acting)
    try:
        mail = await read_inbound_email(ctx, held.raw.encode("utf-8", "surrogateescape"))
        text = mail.new_text or mail.text
    except InboundMailError:
        text = ""
    return await post_confirmed_reply(ctx, held, text, acting=acting)


async def receive_raw_email(ctx: ServiceContext, raw: bytes) -> str:
    """An inbound email from the SMTP receiver or the webhook: posted, or held with why."""
    try:
        mail = await read_inbound_email(ctx, raw)
    except InboundMailError as exc:
        await hold_unreadable_email(ctx, raw, exc)
        return "held"
    return await receive_inbound_email(ctx, mail)
