"""Conversation use cases: start one, receive a customer message, read it back.

The path of a customer message (docs/architecture.md): `receive_customer_message` stores it and
enqueues a `bot_reply` job in one transaction; the job (`services.dialogue.reply_to_customer`)
asks the bot outside any transaction and applies the answer, an offer or a handoff, only if the
bot still holds the conversation.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from baton.domain.redaction import redact_card_numbers
from baton.domain.switchboard import ControlState, SwitchboardEvent, is_bot_speaking, transition
from baton.domain.turns import Turn
from baton.runtime.batching import Batcher
from baton.runtime.bus import Event
from baton.runtime.jobs import enqueue_job
from baton.services.contact_details import remember_contact_details
from baton.services.context import ServiceContext, transaction
from baton.services.errors import InvalidInput, NotFound
from baton.services.team_updates import add_to_team_thread
from baton.store.bulk import insert_returning_ids
from baton.store.database import AsyncSession
from baton.store.tables import Contact, Conversation, Message

log = logging.getLogger(__name__)

BOT_REPLY_JOB = "bot_reply"
CUSTOMER_MESSAGES = "customer_messages"  # the batcher that stores them
HISTORY_TURNS = 20
# Batches of customer messages written at once on PostgreSQL (of the pool's 10 connections).
POSTGRES_LANES = 4


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
        "actions": message_actions(message),
    }


def message_actions(message: Message) -> list[str]:
    """Buttons the widget shows under a message: answer an offer, or rate the help."""
    if message.meta.get("rating_request"):
        return ["rate"]
    if message.meta.get("offer"):
        return ["accept_offer"]
    return []


def message_event(message: Message, *, holder: str | None = None) -> Event:
    """`holder`: the agent who holds the conversation, whose console (and admins') alone
    need its messages. Internal notes go to agents only; the visitor never receives them."""
    return Event(
        "message.created",
        message.conversation_id,
        public=not message.internal,
        data=message_data(message),
        agent_id=holder,
    )


async def current_holder(ctx: ServiceContext, conversation_id: str) -> str | None:
    """The agent holding a live conversation now, if any (one small read)."""
    async with ctx.sessions() as session:
        row = (
            await session.execute(
                select(Conversation.state, Conversation.assigned_agent_id).where(
                    Conversation.id == conversation_id
                )
            )
        ).first()
    return None if row is None else holder_of(row.state, row.assigned_agent_id)


def holder_of(state: str, assigned_agent_id: str | None) -> str | None:
    """The agent holding a live conversation, if any."""
    return assigned_agent_id if state == ControlState.AGENT.value else None


def change_hands(conversation: Conversation, state: ControlState) -> None:
    """Move the conversation to `state` (or to another agent in it): its version moves on, so a
    bot reply computed for the old holder is discarded (see `services.dialogue`)."""
    conversation.state = state.value
    conversation.version = (conversation.version or 0) + 1


def state_event(conversation_id: str, state: str) -> Event:
    return Event(
        "conversation.state_changed",
        conversation_id,
        public=True,
        data={"state": state},
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
            reply_token=secrets.token_hex(16),
            created_at=now,
            updated_at=now,
        )
        tx.session.add_all([contact_row, conversation])
        tx.on_commit(
            Event("conversation.created", conversation.id, data={"state": conversation.state})
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


@dataclass(frozen=True)
class _Incoming:
    conversation_id: str
    body: str
    client_id: str | None
    received_at: datetime
    asks_for_person: bool = False


async def receive_customer_message(
    ctx: ServiceContext,
    conversation_id: str,
    text: str,
    *,
    client_id: str | None = None,
    asks_for_person: bool = False,
) -> ReceivedMessage:
    """Store the customer's message and ask for the bot's answer when the bot holds the chat.

    `asks_for_person`: sent by the widget's "Talk to a person" control; the dialogue hands the
    conversation over without reading the words. Messages that arrive together are stored in
    one transaction (`runtime.batching`)."""
    # Card numbers are masked before anything stores, logs, mails or forwards the text.
    body = redact_card_numbers(text.strip())
    if not body:
        raise InvalidInput("message is empty", code="empty_message")
    if len(body) > ctx.settings.limits.max_message_chars:
        raise InvalidInput(
            f"message is longer than {ctx.settings.limits.max_message_chars} characters",
            code="message_too_long",
        )
    incoming = _Incoming(conversation_id, body, client_id, ctx.clock.now(), asks_for_person)
    batcher = ctx.batchers.get(CUSTOMER_MESSAGES)
    if batcher is None:
        # PostgreSQL writes several batches at once (each waits on the network, not on a
        # single writer as SQLite's do); one conversation's messages stay in order.
        lanes = 1 if ctx.settings.database_url.startswith("sqlite") else POSTGRES_LANES
        batcher = ctx.batchers[CUSTOMER_MESSAGES] = Batcher(
            partial(_store_messages, ctx), lanes=lanes, key=_conversation_of
        )
    result: ReceivedMessage = await batcher.submit(incoming)
    return result


def _conversation_of(item: _Incoming) -> str:
    return item.conversation_id


async def _store_messages(
    ctx: ServiceContext, items: Sequence[_Incoming]
) -> list[ReceivedMessage | BaseException]:
    try:
        return await _store_batch(ctx, items)
    except IntegrityError:
        if len(items) == 1:
            # The same client id was stored at the same moment by another transaction: it is
            # found as a duplicate now.
            try:
                return await _store_batch(ctx, items)
            except Exception as exc:
                return [exc]
    except Exception as exc:
        if len(items) == 1:
            return [exc]
    # The batch failed as a whole: each message on its own, so that only a bad one fails.
    outcomes: list[ReceivedMessage | BaseException] = []
    for item in items:
        outcomes.extend(await _store_messages(ctx, [item]))
    return outcomes


async def _store_batch(
    ctx: ServiceContext, items: Sequence[_Incoming]
) -> list[ReceivedMessage | BaseException]:
    # Bulk statements rather than the unit of work: a batch is a hundred messages, and
    # tracking each row costs more than writing it.
    outcomes: list[ReceivedMessage | BaseException] = []
    stored: list[tuple[int, Message, Any, ControlState]] = []
    changes: dict[str, dict[str, Any]] = {}
    rows_to_insert: list[dict[str, Any]] = []
    async with transaction(ctx) as tx:
        ids = sorted({item.conversation_id for item in items})
        # Locked in id order, so two batches never wait on each other in a circle.
        rows = await tx.session.execute(
            select(
                Conversation.id,
                Conversation.state,
                Conversation.meta,
                Conversation.contact_id,
                Conversation.assigned_agent_id,
                Conversation.waiting_since,
                Conversation.version,
            )
            .where(Conversation.id.in_(ids))
            .order_by(Conversation.id)
            .with_for_update()
        )
        conversations = {row.id: row for row in rows}
        earlier = await _earlier_messages(tx.session, items)
        for item in items:
            conversation = conversations.get(item.conversation_id)
            if conversation is None:
                outcomes.append(NotFound("no such conversation"))
                continue
            key = (item.conversation_id, item.client_id)
            if key in earlier:
                outcomes.append(ReceivedMessage(earlier[key], duplicate=True, bot_job_id=None))
                continue
            change = changes.setdefault(conversation.id, {"conversation": conversation.id})
            state = ControlState(change.get("state", conversation.state))
            if state is ControlState.RESOLVED:
                # Writing again after resolution is a repeat contact: the bot takes it first.
                state = transition(state, SwitchboardEvent.REOPEN)
                change["state"] = state.value
                change["version"] = conversation.version + 1
                change["meta"] = {
                    **conversation.meta,
                    "reopened_at": item.received_at.isoformat(),
                }
                tx.on_commit(state_event(conversation.id, state.value))
            row: dict[str, Any] = {
                "conversation_id": item.conversation_id,
                "author": "customer",
                "author_name": None,
                "body": item.body,
                "client_id": item.client_id,
                "internal": False,
                "meta": {"asks_for_person": True} if item.asks_for_person else {},
                "created_at": item.received_at,
            }
            rows_to_insert.append(row)
            message = Message(**row)
            if item.client_id is not None:
                earlier[key] = message  # sent twice within this batch
            change["updated_at"] = item.received_at
            if conversation.waiting_since is None and "waiting_since" not in change:
                change["waiting_since"] = item.received_at
            stored.append((len(outcomes), message, conversation, state))
            outcomes.append(ReceivedMessage(message, duplicate=False, bot_job_id=None))
        if stored:
            new_ids = await insert_returning_ids(
                tx.session, cast(Table, Message.__table__), rows_to_insert
            )
            for (_, message, _, _), message_id in zip(stored, new_ids, strict=True):
                message.id = message_id
            await _update_conversations(tx.session, changes.values())
        for index, message, conversation, state in stored:
            if is_bot_speaking(state):
                job = await enqueue_job(
                    tx.session,
                    BOT_REPLY_JOB,
                    {"conversation_id": conversation.id, "message_id": message.id},
                    now=message.created_at,
                    dedupe_key=f"bot_reply:{message.id}",
                )
                if job is not None:
                    outcomes[index] = ReceivedMessage(message, duplicate=False, bot_job_id=job.id)
            holder = holder_of(state.value, conversation.assigned_agent_id)
            tx.on_commit(message_event(message, holder=holder))
            confirmation = await remember_contact_details(
                ctx, tx, message, conversation.contact_id, state
            )
            if confirmation is not None:
                tx.on_commit(message_event(confirmation, holder=holder))
            notice = await add_to_team_thread(ctx, tx, message, conversation.contact_id, state)
            if notice is not None:
                tx.on_commit(message_event(notice, holder=holder))
    return outcomes


async def _update_conversations(session: AsyncSession, changes: Iterable[dict[str, Any]]) -> None:
    """One executemany per set of changed columns (the SET clause follows the keys)."""
    table = cast(Table, Conversation.__table__)
    by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
    for change in changes:
        by_columns.setdefault(frozenset(change), []).append(change)
    statement = update(table).where(table.c.id == bindparam("conversation"))
    for params in by_columns.values():
        await session.execute(statement, params)


async def _earlier_messages(
    session: AsyncSession, items: Sequence[_Incoming]
) -> dict[tuple[str, str | None], Message]:
    """Messages already stored under the client ids of `items` (a retried send)."""
    keys = {(i.conversation_id, i.client_id) for i in items if i.client_id is not None}
    if not keys:
        return {}
    # By client id alone (its own index): also matching the conversation ids in SQL would
    # make SQLite try every conversation with every client id.
    rows = await session.scalars(
        select(Message).where(Message.client_id.in_({client_id for _, client_id in keys}))
    )
    return {
        key: message
        for message in rows
        if (key := (message.conversation_id, message.client_id)) in keys
    }


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
    return turns_of(rows)


async def message_and_turns(
    session: AsyncSession, conversation_id: str, message_id: int
) -> tuple[Message | None, list[Turn]]:
    """A public message of the conversation and the turns before it (as `list_turns`), in
    one query; None for a message not found there."""
    rows = (
        await session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.internal.is_(False),
                Message.id <= message_id,
            )
            .order_by(Message.id.desc())
            .limit(HISTORY_TURNS + 1)
        )
    ).all()
    if not rows or rows[0].id != message_id:
        return None, []
    return rows[0], turns_of(rows[1 : HISTORY_TURNS + 1])


def turns_of(rows: Sequence[Message]) -> list[Turn]:
    """Stored messages, newest first, as the pure rules read them: oldest first, no system."""
    turns = []
    for row in reversed(rows):
        if row.author == "system":
            continue
        outcome = row.meta.get("outcome") if row.author == "bot" else None
        turns.append(Turn(row.author, row.body, row.created_at, outcome))  # type: ignore[arg-type]
    return turns


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
