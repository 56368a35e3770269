"""Handoff use cases: hand a conversation to a human, claim it, reply, hand back, resolve.

A handoff row is open from the moment a human is promised until the conversation is resolved
or handed back to the bot; the database refuses a second open one (see store/tables.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from baton.domain.reasons import ReasonCategory
from baton.domain.switchboard import ControlState, SwitchboardEvent, can, transition
from baton.runtime.bus import Event
from baton.services.context import ServiceContext, Transaction, transaction
from baton.services.conversations import (
    AGENTS_TOPIC,
    conversation_topic,
    lock_conversation,
    message_event,
    state_event,
)
from baton.services.errors import Conflict, InvalidInput, NotFound
from baton.store.database import AsyncSession
from baton.store.tables import Agent, Conversation, Handoff, Message


async def get_open_handoff(session: AsyncSession, conversation_id: str) -> Handoff | None:
    return await session.scalar(
        select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status == "open")
    )


async def count_available_agents(session: AsyncSession) -> int:
    """Online agents with room for one more conversation."""
    load = (
        select(func.count(Conversation.id))
        .where(Conversation.assigned_agent_id == Agent.id, Conversation.state == "agent")
        .scalar_subquery()
    )
    query = select(func.count(Agent.id)).where(
        Agent.active.is_(True), Agent.presence == "online", load < Agent.capacity
    )
    return int(await session.scalar(query) or 0)


def _move(tx: Transaction, conversation: Conversation, event: SwitchboardEvent) -> None:
    state = ControlState(conversation.state)
    if not can(state, event):
        raise Conflict(f"cannot {event.value} while the conversation is {state.value}")
    conversation.state = transition(state, event).value
    tx.on_commit(state_event(conversation))


def _system_message(conversation: Conversation, body: str, *, internal: bool, now: Any) -> Message:
    return Message(
        conversation_id=conversation.id,
        author="system",
        body=body,
        internal=internal,
        meta={},
        created_at=now,
    )


async def escalate(
    ctx: ServiceContext,
    conversation_id: str,
    reasons: Sequence[ReasonCategory],
    *,
    summary: str = "",
    decision: dict[str, Any] | None = None,
) -> Handoff:
    """Hand the conversation to a human: live when an agent is free, else an email ticket."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        if await get_open_handoff(tx.session, conversation_id) is not None:
            raise Conflict("this conversation is already with our team")
        live = await count_available_agents(tx.session) > 0
        _move(tx, conversation, SwitchboardEvent.QUEUE if live else SwitchboardEvent.OPEN_TICKET)
        handoff = Handoff(
            id=str(uuid.uuid4()),
            conversation_id=conversation_id,
            status="open",
            model="live" if live else "email",
            reasons=[reason.value for reason in reasons],
            summary=summary,
            decision=decision or {},
            created_at=now,
        )
        tx.session.add(handoff)
        conversation.updated_at = now
        tx.on_commit(
            Event(
                "handoff.escalated",
                (AGENTS_TOPIC,),
                {"conversation_id": conversation_id, "handoff_id": handoff.id},
            )
        )
    return handoff


async def claim_conversation(ctx: ServiceContext, conversation_id: str, *, acting: str) -> Message:
    """An agent takes the conversation: from now on the bot is silent."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        agent = await _require_agent(tx.session, acting)
        conversation = await lock_conversation(tx.session, conversation_id)
        _move(tx, conversation, SwitchboardEvent.CLAIM)
        conversation.assigned_agent_id = agent.id
        handoff = await get_open_handoff(tx.session, conversation_id)
        if handoff is not None:
            handoff.agent_id = agent.id
        joined = _system_message(
            conversation, f"{agent.name} joined the chat", internal=False, now=now
        )
        tx.session.add(joined)
        await tx.session.flush()
        tx.on_commit(message_event(joined))
    return joined


async def send_agent_reply(
    ctx: ServiceContext, conversation_id: str, text: str, *, acting: str, internal: bool = False
) -> Message:
    """An agent writes to the customer (or, with `internal`, a note only agents see)."""
    body = text.strip()
    if not body:
        raise InvalidInput("message is empty", code="empty_message")
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        agent = await _require_agent(tx.session, acting)
        conversation = await lock_conversation(tx.session, conversation_id)
        if not internal and conversation.state not in (ControlState.AGENT, ControlState.TICKET):
            raise Conflict("claim the conversation before replying")
        message = Message(
            conversation_id=conversation_id,
            author="agent",
            author_name=agent.name,
            body=body,
            internal=internal,
            meta={"agent_id": agent.id},
            created_at=now,
        )
        tx.session.add(message)
        await tx.session.flush()
        if not internal:
            handoff = await get_open_handoff(tx.session, conversation_id)
            if handoff is not None and handoff.first_response_at is None:
                handoff.first_response_at = now
            conversation.waiting_since = None
        conversation.updated_at = now
        tx.on_commit(message_event(message))
    return message


async def hand_back_to_bot(ctx: ServiceContext, conversation_id: str, *, acting: str) -> None:
    """The agent is done for now; the bot answers again and the handoff closes."""
    await _close(ctx, conversation_id, SwitchboardEvent.HAND_BACK, acting=acting)


async def resolve_conversation(ctx: ServiceContext, conversation_id: str, *, acting: str) -> None:
    """The human side is finished; the handoff closes."""
    await _close(ctx, conversation_id, SwitchboardEvent.RESOLVE, acting=acting)


async def _close(
    ctx: ServiceContext, conversation_id: str, event: SwitchboardEvent, *, acting: str
) -> None:
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        await _require_agent(tx.session, acting)
        conversation = await lock_conversation(tx.session, conversation_id)
        _move(tx, conversation, event)
        conversation.assigned_agent_id = None
        conversation.updated_at = now
        handoff = await get_open_handoff(tx.session, conversation_id)
        if handoff is not None:
            handoff.status = "closed"
            handoff.closed_at = now
        resolved = event is SwitchboardEvent.RESOLVE
        tx.on_commit(
            Event(
                "conversation.resolved" if resolved else "conversation.handed_back",
                (conversation_topic(conversation_id), AGENTS_TOPIC),
                {"conversation_id": conversation_id},
            )
        )


async def _require_agent(session: AsyncSession, agent_id: str) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise NotFound("no such agent")
    return agent
