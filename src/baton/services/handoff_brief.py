"""A handoff as a ticket, an escalation email or a notice tells it, read in one snapshot.

The email channel and the integrations (Zendesk, Slack, webhooks) all say the same things about
a handoff: who, where, why, the promise and the public transcript (never internal notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from baton.domain.reasons import ReasonCategory
from baton.domain.summaries import describe_context, summarise_handoff
from baton.domain.turns import ContactView, PageView, Turn
from baton.services.context import ServiceContext
from baton.services.errors import NotFound
from baton.services.promise_words import state_promise
from baton.store.tables import Contact, Conversation, Handoff, Message

MAX_TRANSCRIPT_MESSAGES = 500


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    at: datetime
    who: str
    text: str


@dataclass(frozen=True, slots=True)
class HandoffBrief:
    """A handoff as a ticket or a notice tells it: who, where, why, the promise, the transcript."""

    handoff_id: str
    conversation_id: str
    model: str | None
    reasons: tuple[str, ...]
    summary: str
    brief_topic: str
    # The promise as email states it (absolute, with the zone): the team's clock, the customer's.
    promise_text: str | None
    customer_promise_text: str | None
    promised_by: datetime | None
    customer_name: str | None
    customer_email: str | None
    page_title: str | None
    page_url: str | None
    context: tuple[tuple[str, str], ...]
    transcript: tuple[TranscriptEntry, ...]
    console_url: str
    company_name: str
    reply_token: str
    timezone: str
    # The newest message the transcript holds (0 when none): the team has it from this email.
    last_message_id: int = 0


def console_url(ctx: ServiceContext, conversation_id: str) -> str:
    return f"{ctx.settings.public_url}/console#{conversation_id}"


async def handoff_brief(ctx: ServiceContext, handoff_id: str) -> HandoffBrief:
    """Everything a ticket or a notice says about the handoff, read in one snapshot."""
    async with ctx.sessions() as session:
        handoff = await session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFound("no such handoff")
        conversation = await session.get(Conversation, handoff.conversation_id)
        assert conversation is not None
        contact = await session.get(Contact, conversation.contact_id)
        rows = (
            await session.scalars(
                select(Message)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.internal.is_(False),
                )
                .order_by(Message.id.desc())
                .limit(MAX_TRANSCRIPT_MESSAGES)
            )
        ).all()
    rows = list(reversed(rows))
    customer = contact.name if contact and contact.name else "Customer"
    who = {"customer": customer, "bot": "Bot", "system": "Baton"}
    transcript = tuple(
        TranscriptEntry(
            row.created_at,
            row.author_name
            if row.author == "agent" and row.author_name
            else who.get(row.author, row.author),
            row.body,
        )
        for row in rows
    )
    view = ContactView(contact.name, contact.email, dict(contact.attributes)) if contact else None
    turns = [
        Turn(row.author, row.body, row.created_at)  # type: ignore[arg-type]
        for row in rows
        if row.author in ("customer", "bot", "agent")
    ]
    reasons = []
    for reason in handoff.reasons:
        try:
            reasons.append(ReasonCategory(reason))
        except ValueError:
            continue
    summary = summarise_handoff(turns, reasons or [ReasonCategory.COMPLEX_ISSUE], view, None)
    page = PageView(conversation.page_url, conversation.page_title)
    return HandoffBrief(
        handoff_id=handoff.id,
        conversation_id=conversation.id,
        model=handoff.model,
        reasons=tuple(str(r) for r in handoff.reasons),
        summary=handoff.summary or summary.line,
        # The subject names the topic the stored summary was written with; a handoff made before
        # topics were kept has its topic read again from the transcript.
        brief_topic=handoff.brief_topic or summary.brief_topic,
        promise_text=state_promise(ctx, handoff.promised_by) if handoff.promised_by else None,
        customer_promise_text=state_promise(
            ctx, handoff.promised_by, timezone=conversation.timezone
        )
        if handoff.promised_by
        else None,
        promised_by=handoff.promised_by,
        customer_name=contact.name if contact else None,
        customer_email=contact.email if contact else None,
        page_title=conversation.page_title,
        page_url=conversation.page_url,
        context=tuple(describe_context(view, page)),
        transcript=transcript,
        console_url=console_url(ctx, conversation.id),
        company_name=ctx.settings.company_name,
        reply_token=conversation.reply_token or "",
        timezone=ctx.settings.business_hours.timezone,
        last_message_id=rows[-1].id if rows else 0,
    )
