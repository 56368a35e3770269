"""Escalation satisfaction: ask once per resolved handoff, record one good-or-bad answer.

The widget asks in the chat; the email carries one link per answer, each signed with the secret
key over the handoff and the answer, so they need no login and a link cannot be turned into the
other answer. Opening a link only shows the choice (mail scanners open links); the customer's
confirmation records it, and a handoff can be rated once only, so a link cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from baton.runtime.bus import Event
from baton.services.context import ServiceContext, Transaction, transaction
from baton.services.conversations import lock_conversation, message_event
from baton.services.email_queue import enqueue_rating_email
from baton.services.errors import Conflict, InvalidInput, NotFound
from baton.store.tables import Contact, Conversation, Handoff, Message

Rating = Literal["good", "bad"]
MAX_COMMENT_CHARS = 2000


def rating_signature(secret: str, handoff_id: str, rating: str) -> str:
    message = f"rate:{handoff_id}:{rating}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def rating_link(ctx: ServiceContext, handoff_id: str, rating: Rating) -> str:
    """The email's link for one answer; it works once."""
    signature = rating_signature(ctx.settings.secret(), handoff_id, rating)
    return f"{ctx.settings.public_url}/rate/{handoff_id}/{signature}?rating={rating}"


def check_rating_link(ctx: ServiceContext, handoff_id: str, signature: str, rating: str) -> None:
    """NotFound unless the link was signed for this handoff and this answer."""
    if rating not in ("good", "bad"):
        raise NotFound("no such rating link")
    expected = rating_signature(ctx.settings.secret(), handoff_id, rating)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise NotFound("no such rating link")


async def ask_for_rating(
    ctx: ServiceContext,
    tx: Transaction,
    conversation: Conversation,
    handoff: Handoff,
    now: datetime,
) -> None:
    """Inside the resolving transaction: the satisfaction question, in the chat."""
    if handoff.rating_asked_at is not None:
        return
    handoff.rating_asked_at = now
    contact = await tx.session.get(Contact, conversation.contact_id)
    first_name = contact.name.split()[0] if contact and contact.name else None
    question = Message(
        conversation_id=conversation.id,
        author="bot",
        body=ctx.scripts.render("satisfaction", first_name=first_name),
        internal=False,
        meta={"rating_request": handoff.id},
        created_at=now,
    )
    tx.session.add(question)
    await tx.session.flush()
    tx.on_commit(message_event(question))
    if contact is not None and contact.email:
        await enqueue_rating_email(ctx, tx, handoff)


def _check(rating: str, comment: str | None) -> str | None:
    if rating not in ("good", "bad"):
        raise InvalidInput("rating must be good or bad")
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"comment is longer than {MAX_COMMENT_CHARS} characters")
    return comment.strip() or None if comment else None


async def rate_conversation(
    ctx: ServiceContext, conversation_id: str, rating: str, comment: str | None = None
) -> Handoff:
    """The visitor answers the satisfaction question in the chat."""
    text = _check(rating, comment)
    async with transaction(ctx) as tx:
        await lock_conversation(tx.session, conversation_id)
        handoff = await tx.session.scalar(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id, Handoff.rating_asked_at.is_not(None))
            .order_by(Handoff.rating_asked_at.desc())
            .limit(1)
        )
        if handoff is None:
            raise Conflict("there is nothing to rate yet", code="nothing_to_rate")
        _record(tx, handoff, rating, text, ctx.clock.now())
    return handoff


async def rate_by_link(
    ctx: ServiceContext, handoff_id: str, signature: str, rating: str, comment: str | None = None
) -> Handoff:
    """The customer confirms the answer of an email link; a wrong signature (or a link signed
    for the other answer) looks like an unknown handoff."""
    text = _check(rating, comment)
    check_rating_link(ctx, handoff_id, signature, rating)
    async with transaction(ctx) as tx:
        handoff = await tx.session.scalar(
            select(Handoff).where(Handoff.id == handoff_id).with_for_update()
        )
        if handoff is None:
            raise NotFound("no such rating link")
        _record(tx, handoff, rating, text, ctx.clock.now())
    return handoff


async def add_comment_by_link(
    ctx: ServiceContext, handoff_id: str, signature: str, comment: str
) -> None:
    """The optional comment after a one-click rating; once, like the rating."""
    text = _check("good", comment)
    async with transaction(ctx) as tx:
        handoff = await tx.session.get(Handoff, handoff_id)
        if handoff is None or handoff.rated_at is None or handoff.rating is None:
            raise NotFound("no such rating link")
        # Only the link of the answer recorded may add to it.
        check_rating_link(ctx, handoff_id, signature, handoff.rating)
        if handoff.rating_comment is not None:
            raise Conflict("a comment was already sent — thank you", code="already_rated")
        handoff.rating_comment = text


def _record(
    tx: Transaction, handoff: Handoff, rating: str, comment: str | None, now: datetime
) -> None:
    if handoff.rated_at is not None:
        raise Conflict("this conversation has already been rated — thank you", code="already_rated")
    handoff.rating = rating
    handoff.rating_comment = comment
    handoff.rated_at = now
    tx.on_commit(
        Event(
            "handoff.rated",
            handoff.conversation_id,
            data={"handoff_id": handoff.id, "rating": rating},
        )
    )
