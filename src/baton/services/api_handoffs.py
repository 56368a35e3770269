"""Handoffs another system starts through the API: an external bot hands its customer over.

The handoff itself is `services.handoffs.escalate`, the same use case the console and the
integrations call, so the customer hears the same scripts and gets the same promise. A bot
whose conversation Baton has never seen sends the transcript, which becomes a conversation
first. See docs/api.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from baton.domain.reasons import ReasonCategory
from baton.domain.redaction import redact_card_numbers
from baton.services.context import ServiceContext, transaction
from baton.services.conversations import (
    ContactIn,
    StartedConversation,
    lock_conversation,
    message_event,
    start_conversation,
)
from baton.services.errors import InvalidInput, NotFound
from baton.services.handoffs import escalate
from baton.services.promise_words import word_promise
from baton.store.tables import Conversation, Handoff, Message


@dataclass(frozen=True)
class TranscriptTurn:
    author: Literal["customer", "bot"]
    text: str


@dataclass(frozen=True)
class NewConversation:
    """A conversation Baton has not seen: the customer, the page, and what was said."""

    contact: ContactIn
    transcript: Sequence[TranscriptTurn]
    page_url: str | None = None
    page_title: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class HandoffView:
    """A handoff as the API shows it: no internal notes, no contact details."""

    id: str
    conversation_id: str
    status: str  # open | closed
    state: str  # the conversation's: queued, agent, collecting, ticket, ...
    model: str | None  # live | email
    reasons: list[str]
    summary: str
    promise: str | None
    promised_by: datetime | None
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class ApiHandoff:
    handoff: HandoffView
    # Set when the conversation was made from a transcript: the widget opens it with this.
    conversation_token: str | None


def _view(ctx: ServiceContext, handoff: Handoff, conversation: Conversation) -> HandoffView:
    return HandoffView(
        id=handoff.id,
        conversation_id=handoff.conversation_id,
        status=handoff.status,
        state=conversation.state,
        model=handoff.model,
        reasons=list(handoff.reasons),
        summary=handoff.summary,
        promise=word_promise(
            ctx,
            handoff.promised_by,
            timezone=conversation.timezone,
            made_at=handoff.created_at,
        )
        if handoff.promised_by
        else None,
        promised_by=handoff.promised_by,
        created_at=handoff.created_at,
        closed_at=handoff.closed_at,
    )


async def start_api_handoff(
    ctx: ServiceContext,
    *,
    reason: ReasonCategory,
    summary: str,
    conversation_id: str | None = None,
    new_conversation: NewConversation | None = None,
    acting: str,
) -> ApiHandoff:
    """Hand a conversation to a human at another system's request (`acting`: the token's name).

    Either an existing conversation, or a contact and a transcript to make one from."""
    if (conversation_id is None) == (new_conversation is None):
        raise InvalidInput(
            "send either conversation_id or conversation, not both", code="invalid_input"
        )
    started: StartedConversation | None = None
    if new_conversation is not None:
        started = await start_conversation(
            ctx,
            contact=new_conversation.contact,
            page_url=new_conversation.page_url,
            page_title=new_conversation.page_title,
            timezone=new_conversation.timezone,
        )
        conversation_id = started.conversation.id
        await _add_transcript(ctx, conversation_id, new_conversation.transcript)
    assert conversation_id is not None
    handoff = await escalate(
        ctx, conversation_id, [reason], note=f"started through the API by {acting}", summary=summary
    )
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None
    return ApiHandoff(_view(ctx, handoff, conversation), started.token if started else None)


async def _add_transcript(
    ctx: ServiceContext, conversation_id: str, transcript: Sequence[TranscriptTurn]
) -> None:
    """The turns the external bot had with the customer, stored as they were said."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        for turn in transcript:
            # As with the widget, card numbers are masked before anything stores the text.
            body = redact_card_numbers(turn.text.strip())
            if not body:
                continue
            message = Message(
                conversation_id=conversation.id,
                author=turn.author,
                body=body,
                internal=False,
                meta={"imported": True},
                created_at=now,
            )
            tx.session.add(message)
            await tx.session.flush()
            tx.on_commit(message_event(message))
        conversation.updated_at = now


async def read_api_handoff(ctx: ServiceContext, handoff_id: str) -> HandoffView:
    """One handoff with its conversation's current state."""
    async with ctx.sessions() as session:
        row = (
            await session.execute(
                select(Handoff, Conversation)
                .join(Conversation, Conversation.id == Handoff.conversation_id)
                .where(Handoff.id == handoff_id[:36])
            )
        ).first()
    if row is None:
        raise NotFound("no such handoff")
    return _view(ctx, row[0], row[1])
