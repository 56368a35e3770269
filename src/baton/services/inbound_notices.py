"""Inbound mail that is not posted is never silent: its sender, or the team, is told why.

A reply with no new text, or one carrying the team's internal brief, is explained to its sender
(a participant), and so is a command (`#resolve`) that was not carried out; anything else held
(an unknown sender, an automatic reply, a reply the conversation cannot take) is explained to
the team's address. Notices are marked automatic (RFC 3834), so no autoresponder answers them.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select

from baton.domain.brief_guard import brief_lines_in
from baton.domain.email_settings import EmailSettings, parse_single_address
from baton.runtime.jobs import enqueue_job
from baton.services.context import ServiceContext, Transaction
from baton.services.handoff_brief import console_url
from baton.store.tables import Handoff

INBOUND_NOTICE_JOB = "inbound_notice"
# What the notice explains: a reply not posted, or a command (`#resolve`) not carried out.
NoticeAbout = Literal["reply", "command"]


def team_address(settings: EmailSettings) -> str | None:
    try:
        return parse_single_address(settings.support_address).addr_spec
    except ValueError:
        return None


async def enqueue_inbound_notice(
    ctx: ServiceContext,
    tx: Transaction,
    *,
    to: str,
    sender: str | None,
    subject: str | None,
    reason: str | None,
    about: NoticeAbout = "reply",
) -> None:
    """Tell `to` why an inbound mail was not posted, or its command not carried out (sent by
    `channels.email_jobs`)."""
    await enqueue_job(
        tx.session,
        INBOUND_NOTICE_JOB,
        {
            "to": to,
            "sender": sender or "",
            "subject": (subject or "")[:300],
            "reason": reason or "",
            "about": about,
            "key": uuid.uuid4().hex,
        },
        now=ctx.clock.now(),
    )


def render_inbound_notice(payload: dict[str, str], *, to_sender: bool) -> tuple[str, str]:
    """(subject, text) of the notice."""
    if payload.get("about") == "command":
        return f"Not done: {payload['subject'] or 'your email'}", (
            f"The command in your email was not carried out.\n\nWhy: {payload['reason']}.\n"
        )
    subject = f"Not delivered: {payload['subject'] or 'your email'}"
    if to_sender:
        text = (
            "Your email was not posted to the conversation, and the customer has not seen it.\n\n"
            f"Why: {payload['reason']}.\n\n"
            "Reply again with your message written above the quoted text.\n"
        )
    else:
        text = (
            f"An email from {payload['sender'] or 'an unknown sender'} was held, and nobody in "
            "the conversation has seen it.\n\n"
            f"Why: {payload['reason']}.\n\n"
            "It is kept in the mail log of the console.\n"
        )
    return subject, text


async def leaked_brief(ctx: ServiceContext, conversation_id: str, text: str) -> bool:
    """Whether `text` carries the team's internal brief of this conversation."""
    async with ctx.sessions() as session:
        summaries = (
            await session.scalars(
                select(Handoff.summary).where(Handoff.conversation_id == conversation_id)
            )
        ).all()
    # The Resolve link (`services.mail_commands.resolve_link`) is the team's alone too.
    distinctive = [
        *summaries,
        console_url(ctx, conversation_id),
        f"{ctx.settings.public_url}/resolve/",
    ]
    return bool(brief_lines_in(text, distinctive=distinctive))
