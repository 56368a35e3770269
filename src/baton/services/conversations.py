"""Conversation use cases: start one, receive a customer message, answer it with the bot.

The path of a customer message (docs/architecture.md):
1. `receive_customer_message` stores it and enqueues a `bot_reply` job, in one transaction;
2. the job runs `answer_with_bot`, which calls the bot outside any transaction;
3. `record_bot_reply` re-reads the state and stores the answer only if the bot still holds
   the conversation, so a late answer never talks over a human.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from baton.bots.base import Answer
from baton.domain.switchboard import ControlState, SwitchboardEvent, is_bot_speaking, transition
from baton.domain.turns import Turn
from baton.runtime.bus import Event
from baton.runtime.jobs import enqueue_job
from baton.services.context import ServiceContext, transaction
from baton.services.errors import InvalidInput, NotFound
from baton.store.database import AsyncSession
from baton.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)

BOT_REPLY_JOB = "bot_reply"
HISTORY_TURNS = 20
BOT_FAILURE_TEXT = (
    "I'm sorry — something went wrong on my side and I couldn't look that up. "
    "Let me get a person from our team to help you with this."
)


@dataclass(frozen=True)
class ContactIn:
    """What the site says about the visitor; unverified unless the site signed it."""

    name: str | None = None
    email: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    verified: bool = False


@dataclass(frozen=True)
class StartedConversation:
    conversation: Conversation
    contact: Contact
    token: str


@dataclass(frozen=True)
class ReceivedMessage:
    message: Message
    duplicate: bool
    bot_job_id: int | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


AGENTS_TOPIC = "agents"


def message_data(message: Message) -> dict[str, Any]:
    """A message as events and the API show it."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "author": message.author,
        "author_name": message.author_name,
        "internal": message.internal,
        "body": message.body,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
    }


def message_event(message: Message) -> Event:
    # Internal notes go to agents only; the visitor's topic never carries them.
    topics: tuple[str, ...] = (AGENTS_TOPIC,)
    if not message.internal:
        topics = (conversation_topic(message.conversation_id), AGENTS_TOPIC)
    return Event("message.created", topics, message_data(message))


def state_event(conversation: Conversation) -> Event:
    return Event(
        "conversation.state_changed",
        (conversation_topic(conversation.id), AGENTS_TOPIC),
        {"conversation_id": conversation.id, "state": conversation.state},
    )


async def start_conversation(
    ctx: ServiceContext,
    *,
    contact: ContactIn,
    page_url: str | None = None,
    page_title: str | None = None,
    timezone: str | None = None,
) -> StartedConversation:
    """A visitor opens the chat: a contact, a conversation held by the bot, and its token."""
    now = ctx.clock.now()
    token = secrets.token_urlsafe(32)
    async with transaction(ctx) as tx:
        contact_row = Contact(
            id=str(uuid.uuid4()),
            name=contact.name,
            email=contact.email,
            verified=contact.verified,
            external_id=contact.external_id,
            attributes=dict(contact.attributes),
            created_at=now,
        )
        conversation = Conversation(
            id=str(uuid.uuid4()),
            token_hash=hash_token(token),
            contact_id=contact_row.id,
            state=ControlState.BOT.value,
            page_url=page_url,
            page_title=page_title,
            timezone=timezone,
            created_at=now,
            updated_at=now,
        )
        tx.session.add_all([contact_row, conversation])
        tx.on_commit(
            Event(
                "conversation.created",
                (AGENTS_TOPIC,),
                {"conversation_id": conversation.id, "state": conversation.state},
            )
        )
    return StartedConversation(conversation, contact_row, token)


async def access_conversation(
    ctx: ServiceContext, conversation_id: str, token: str
) -> Conversation:
    """The conversation this visitor token opens; NotFound for any other (nothing leaks)."""
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
    if conversation is None or not secrets.compare_digest(
        conversation.token_hash, hash_token(token)
    ):
        raise NotFound("no such conversation")
    return conversation


async def require_conversation(ctx: ServiceContext, conversation_id: str) -> Conversation:
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("no such conversation")
    return conversation


async def lock_conversation(session: AsyncSession, conversation_id: str) -> Conversation:
    """Read the conversation for update (a row lock on PostgreSQL; SQLite locks on write)."""
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    if conversation is None:
        raise NotFound("no such conversation")
    return conversation


async def receive_customer_message(
    ctx: ServiceContext, conversation_id: str, text: str, *, client_id: str | None = None
) -> ReceivedMessage:
    """Store the customer's message and ask for the bot's answer when the bot holds the chat."""
    body = text.strip()
    if not body:
        raise InvalidInput("message is empty", code="empty_message")
    if len(body) > ctx.settings.limits.max_message_chars:
        raise InvalidInput(
            f"message is longer than {ctx.settings.limits.max_message_chars} characters",
            code="message_too_long",
        )
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        if client_id is not None:
            earlier = await tx.session.scalar(
                select(Message).where(
                    Message.conversation_id == conversation_id, Message.client_id == client_id
                )
            )
            if earlier is not None:
                return ReceivedMessage(earlier, duplicate=True, bot_job_id=None)
        state = ControlState(conversation.state)
        if state is ControlState.RESOLVED:
            # Writing again after resolution is a repeat contact: the bot takes it first.
            state = transition(state, SwitchboardEvent.REOPEN)
            conversation.state = state.value
            tx.on_commit(state_event(conversation))
        message = Message(
            conversation_id=conversation_id,
            author="customer",
            body=body,
            client_id=client_id,
            internal=False,
            meta={},
            created_at=now,
        )
        tx.session.add(message)
        await tx.session.flush()
        conversation.updated_at = now
        if conversation.waiting_since is None:
            conversation.waiting_since = now
        job_id = None
        if is_bot_speaking(state):
            job = await enqueue_job(
                tx.session,
                BOT_REPLY_JOB,
                {"conversation_id": conversation_id, "message_id": message.id},
                now=now,
                dedupe_key=f"bot_reply:{message.id}",
            )
            job_id = job.id if job is not None else None
        tx.on_commit(message_event(message))
    return ReceivedMessage(message, duplicate=False, bot_job_id=job_id)


async def list_turns(
    session: AsyncSession, conversation_id: str, *, before_id: int | None = None
) -> list[Turn]:
    """The recent public turns, oldest first, as the pure rules read them."""
    query = select(Message).where(
        Message.conversation_id == conversation_id, Message.internal.is_(False)
    )
    if before_id is not None:
        query = query.where(Message.id < before_id)
    rows = (await session.scalars(query.order_by(Message.id.desc()).limit(HISTORY_TURNS))).all()
    turns = []
    for row in reversed(rows):
        if row.author == "system":
            continue
        outcome = row.meta.get("outcome") if row.author == "bot" else None
        turns.append(Turn(row.author, row.body, row.created_at, outcome))  # type: ignore[arg-type]
    return turns


async def answer_with_bot(ctx: ServiceContext, conversation_id: str, message_id: int) -> None:
    """The `bot_reply` job: ask the bot (outside any transaction), then record its answer."""
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        message = await session.get(Message, message_id)
        if conversation is None or message is None:
            return
        if not is_bot_speaking(ControlState(conversation.state)):
            return
        history = await list_turns(session, conversation_id, before_id=message_id)
    try:
        answer = await asyncio.wait_for(
            ctx.bot.answer(message.body, history), ctx.settings.bot_timeout_seconds
        )
    except Exception as exc:
        # A bot that fails or is too slow must not leave the customer in silence.
        log.warning("bot failed for conversation %s: %r", conversation_id, exc)
        answer = Answer(text=BOT_FAILURE_TEXT, confidence=0.0, fallback=True)
        await record_bot_reply(ctx, conversation_id, message_id, answer, failed=True)
        return
    await record_bot_reply(ctx, conversation_id, message_id, answer)


async def record_bot_reply(
    ctx: ServiceContext,
    conversation_id: str,
    message_id: int,
    answer: Answer,
    *,
    failed: bool = False,
) -> Message | None:
    """Store the bot's answer to `message_id`, unless a human took over meanwhile."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        if not is_bot_speaking(ControlState(conversation.state)):
            log.info("dropped a late bot reply in conversation %s", conversation_id)
            return None
        already = await tx.session.scalar(
            select(Message.id).where(
                Message.conversation_id == conversation_id,
                Message.author == "bot",
                Message.meta["reply_to"].as_integer() == message_id,
            )
        )
        if already is not None:
            return None  # the job ran twice; the answer is stored once
        reply = Message(
            conversation_id=conversation_id,
            author="bot",
            body=answer.text,
            internal=False,
            meta={
                "reply_to": message_id,
                "outcome": "fallback" if answer.fallback else "answered",
                "confidence": round(answer.confidence, 4),
                "article_id": answer.article_id,
                "bot_failed": failed,
            },
            created_at=now,
        )
        tx.session.add(reply)
        await tx.session.flush()
        conversation.updated_at = now
        conversation.waiting_since = None
        tx.on_commit(message_event(reply))
    return reply


async def list_messages(
    ctx: ServiceContext, conversation_id: str, *, after_id: int = 0, include_internal: bool = False
) -> list[Message]:
    """Messages after `after_id`, oldest first; internal notes only when asked (agents)."""
    async with ctx.sessions() as session:
        query = select(Message).where(
            Message.conversation_id == conversation_id, Message.id > after_id
        )
        if not include_internal:
            query = query.where(Message.internal.is_(False))
        return list((await session.scalars(query.order_by(Message.id).limit(500))).all())
